// The pure work of `dockplan plan` for one service and for a compose project, over a state already
// loaded: what Deployment.plan (src/execute/deployment.ts) and planProject (src/execute/project.ts)
// do after their I/O. Those two read the engines first (loadState, an inspect per container of the
// service, the image digest from the registry); here the state is given, the containers already
// carry what an inspection adds, and the desired image is taken as given (a resolution that
// returns the tag itself, which makePlan then drops). The rest is the same calls in the same order.
import type { ClusterState } from '../../src/model/cluster.js';
import { findService, servicesOf } from '../../src/model/cluster.js';
import { SecretKey } from '../../src/model/secret-key.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import type { NameResolver } from '../../src/plan/operations.js';
import type { Plan } from '../../src/plan/plan.js';
import { nameResolver } from '../../src/plan/plan.js';
import { PlanError } from '../../src/plan/plan-error.js';
import { chainSections, projectVolumes, type ProjectPlan, type ProjectSection } from '../../src/plan/project-plan.js';
import { resolveServiceSpec } from '../../src/plan/resolve-spec.js';
import { planRolling } from '../../src/plan/rolling.js';
import { sealForPlan } from '../../src/plan/secret-seal.js';
import { projectOf } from '../../src/plan/service-summary.js';

/** A service's plan, the names to print it in, and the service as it was. */
export interface PureDeployment {
  plan: Plan;
  names: NameResolver;
  serviceOwner?: string;
}

/**
 * Deployment.makePlan without its I/O: find the service, resolve the spec (name, mode, ingress
 * hostnames), seal secrets against the labels, plan it with the rolling strategy, and build the
 * names. Throws what makePlan throws for the same input (PlanError).
 */
export function planDeploymentPure(state: ClusterState, spec: ServiceSpec): PureDeployment {
  const service = spec.name ? findService(state, spec.name) : undefined;
  const mode = spec.mode ?? 'replicated';
  if (service && service.mode !== mode) throw new PlanError(`service ${service.name} runs in ${service.mode} mode and its mode cannot change in place`);
  const resolved = resolveServiceSpec(spec, { domain: state.domain, takenNames: () => new Set(servicesOf(state).map((s) => s.name)) });
  if (resolved.image_ref === resolved.image) delete resolved.image_ref;
  const sealed = sealForPlan(state, service, resolved, SecretKey.generate);
  const plan = planRolling(sealed.state, sealed.service, service?.id ?? 'new-service-id', sealed.spec);
  plan.secrets = sealed.secrets;
  const owner = service ? projectOf(service) : undefined;
  return { plan, names: nameResolver(sealed.state), ...(owner ? { serviceOwner: owner } : {}) };
}

/** One service of a project: its key and desired spec (named, with its project set). */
export interface ProjectServiceInput {
  key: string;
  spec: ServiceSpec;
  dependsOn: string[];
}

/**
 * planProject without its I/O: each service planned in order (planDeploymentPure, the ownership
 * check), the sections chained and the project's volumes listed. Throws a PlanError when a service
 * of that name belongs to another project.
 */
export function planProjectPure(state: ClusterState, project: string, services: readonly ProjectServiceInput[]): ProjectPlan {
  const sections: ProjectSection[] = services.map((s) => {
    const { plan, names, serviceOwner } = planDeploymentPure(state, { ...s.spec, project });
    if (plan.isNew === false && serviceOwner !== project) throw new PlanError(`${plan.serviceName} is not a service of project ${project}`);
    return { key: s.key, plan, names, dependsOn: s.dependsOn };
  });
  const chained = chainSections(sections);
  return { project, sections: chained, volumes: projectVolumes(chained), warnings: [] };
}
