// A project deployment: several services (a compose project) planned together and applied as one
// run: one run id, one event stream whose events name their service, one result. Each service's
// plan goes through the one entry point (applyPlan: its lock, its stale check, its execution, its
// history record), in the project's order; the first service that does not finish stops the run
// there, and the services after it are not started.
import { formatComposeProblem, type ComposeProject } from '../compose/project.js';
import type { HostPortBinding } from '../model/cluster.js';
import type { ServiceSpec } from '../model/spec.js';
import { PlanError } from '../plan/plan-error.js';
import { projectOf } from '../plan/service-summary.js';
import { clashingPorts, describePort } from '../plan/ports.js';
import { chainSections, projectVolumes, type ProjectPlan, type ProjectSection } from '../plan/project-plan.js';
import { applyPlan, type ApplyDeps, type ApplyOptions } from './apply.js';
import { Deployment, type DeploymentClient, type DeploymentOptions } from './deployment.js';
import type { ApprovalDecision, ApprovalRequest, DeployEvent, ExecutionResult, Outcome } from './events.js';
import { newRunId, type ExecutionControl } from './execution.js';

/** A project to deploy: its name and its services in run order (dependencies first). */
export interface ProjectInput {
  name: string;
  services: { key: string; spec: ServiceSpec; dependsOn: string[] }[];
  /** Shown with the plan (e.g. compose keys dockplan does not honour). */
  warnings?: string[];
}

/** The project a compose file describes, as the engine deploys it; its warnings as FILE:LINE:COL: field: message. */
export function projectInputOf(compose: ComposeProject): ProjectInput {
  return {
    name: compose.name,
    services: compose.services.map((s) => ({ key: s.key, spec: s.spec, dependsOn: s.dependsOn })),
    warnings: compose.warnings.map(formatComposeProblem),
  };
}

/** An event of a project run: a service's own event, naming the service (its key in the project). */
export type ProjectEvent = DeployEvent & { service: string };

/** How one service of the project ended; `not-run` when an earlier one stopped the run. */
export interface ProjectServiceResult {
  key: string;
  serviceName: string;
  outcome: Outcome | 'not-run';
  result?: ExecutionResult;
}

/** The result of a project run: the first outcome other than done (or done), and each service's. */
export interface ProjectResult {
  runId: string;
  outcome: Outcome;
  services: ProjectServiceResult[];
}

/** A project run: its controls now (they reach the service running at the time), its result later. */
export interface ProjectApplication extends ExecutionControl {
  readonly result: Promise<ProjectResult>;
}

/**
 * Plans every service of `project` against the cluster as it is now, in order, and chains the
 * plans (a volume an earlier service creates is not created twice). Throws what Deployment.plan
 * throws (PlanError naming the service, image resolution errors), prefixed with the service's key.
 */
export async function planProject(client: DeploymentClient, project: ProjectInput, options: DeploymentOptions = {}): Promise<ProjectPlan> {
  // Two services of the project must not be one dockplan service (`my_api` and `my-api` both
  // become `shop-my-api`): each deploy would replace the other's containers.
  const byName = new Map<string, string>();
  for (const s of project.services) {
    const name = s.spec.name ?? s.key;
    const other = byName.get(name);
    if (other !== undefined) {
      throw new PlanError(`services ${other} and ${s.key} of project ${project.name} are both named ${name} on the cluster: rename one of them in the compose file`);
    }
    byName.set(name, s.key);
  }
  const sections: ProjectSection[] = [];
  for (const s of project.services) {
    try {
      const { plan, names, service } = await new Deployment(client, { ...s.spec, project: project.name }, options).plan();
      // A service of that name deployed otherwise (another project, or a spec file) is not this
      // project's to change: projects `shop` with `a-b` and `shop-a` with `b` make one name.
      const owner = service ? projectOf(service) : undefined;
      if (service && owner !== project.name) {
        throw new PlanError(
          `${plan.serviceName} already runs on the cluster ${owner ? `as a service of project ${owner}` : 'as a service deployed from a spec file'}, not of project ${project.name}: ` +
            `rename the service (or the project), or remove the running one first (dockplan rm ${plan.serviceName})`,
        );
      }
      sections.push({ key: s.key, plan, names, dependsOn: s.dependsOn });
    } catch (err) {
      if (err instanceof Error) err.message = `service ${s.key}: ${err.message}`;
      throw err;
    }
  }
  refuseHostPortClashes(project.name, sections);
  const chained = chainSections(sections);
  return { project: project.name, sections: chained, volumes: projectVolumes(chained), warnings: project.warnings ?? [] };
}

/**
 * Each section is planned against the cluster as it is, so two services of the project that would
 * both start a container publishing one host port on one machine each look fine alone; the later
 * one would fail to start (Docker: "port is already allocated") and roll back mid-run. Throws a
 * PlanError naming both services, the port and the machine.
 */
function refuseHostPortClashes(projectName: string, sections: readonly ProjectSection[]): void {
  const claimed: { key: string; machineId: string; machineName: string; port: HostPortBinding }[] = [];
  for (const section of sections) {
    for (const op of section.plan.operations) {
      if (op.kind !== 'run' && op.kind !== 'replace') continue;
      for (const port of op.spec.ports ?? []) {
        if (port.mode !== 'host' || port.published === undefined) continue;
        const binding: HostPortBinding = { host_ip: port.host_ip ?? '', published: port.published, protocol: port.protocol === 'udp' ? 'udp' : 'tcp' };
        const other = claimed.find((c) => c.key !== section.key && c.machineId === op.machineId && clashingPorts([port], [c.port]).length > 0);
        if (other) {
          throw new PlanError(
            `services ${other.key} and ${section.key} of project ${projectName} would both publish host port ${describePort(port)} on ${other.machineName}: ` +
              'give one of them another published port, or place them on different machines',
          );
        }
        claimed.push({ key: section.key, machineId: op.machineId, machineName: section.names.machineName(op.machineId), port: binding });
      }
    }
  }
}

/**
 * Applies a project plan: each section through applyPlan, one after another, under one run id (options.runId, else a new one);
 * `onEvent` gets every event with its service's key. A section that ends other than `done` (or
 * with nothing to do) ends the run: its outcome is the project's, the sections after it are
 * `not-run`. Never throws for a refused or failed run; an unexpected error rejects `result`.
 */
export function applyProject(plan: ProjectPlan, deps: ApplyDeps, options: Omit<ApplyOptions, 'names' | 'onEvent'> & { onEvent?: (e: ProjectEvent) => void }): ProjectApplication {
  const runId = options.runId ?? newRunId();
  let current: ReturnType<typeof applyPlan> | undefined;
  let interrupted = false;
  const result = (async (): Promise<ProjectResult> => {
    const services: ProjectServiceResult[] = plan.sections.map((s) => ({ key: s.key, serviceName: s.plan.serviceName, outcome: 'not-run' }));
    let outcome: Outcome = 'done';
    for (const [i, section] of plan.sections.entries()) {
      if (interrupted) {
        outcome = 'interrupted';
        break;
      }
      if (section.plan.operations.length === 0) {
        services[i] = { ...services[i]!, outcome: 'done' };
        continue;
      }
      current = applyPlan(section.plan, deps, {
        ...options,
        names: section.names,
        runId,
        onEvent: (e) => options.onEvent?.({ ...e, service: section.key }),
      });
      const r = await current.result;
      current = undefined;
      services[i] = { ...services[i]!, outcome: r.outcome, result: r };
      if (r.outcome !== 'done') {
        outcome = r.outcome;
        break;
      }
    }
    return { runId, outcome, services };
  })();
  return {
    runId,
    result,
    pending: (): ApprovalRequest[] => current?.pending() ?? [],
    answer: (requestId: string, decision: ApprovalDecision) => {
      if (!current) throw new Error(`no approval request ${requestId} is waiting: no service of the project is running`);
      current.answer(requestId, decision);
    },
    interrupt: () => {
      interrupted = true;
      current?.interrupt();
    },
  };
}
