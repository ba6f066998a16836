// Deployment: plans once (the same plan on a second call), runs once.
import { randomBytes } from 'node:crypto';
import type { ClusterState, ServiceState } from '../model/cluster.js';
import { servicesOf } from '../model/cluster.js';
import { SecretKey } from '../model/secret-key.js';
import type { ServiceSpec } from '../model/spec.js';
import type { NameResolver } from '../plan/operations.js';
import type { Plan } from '../plan/plan.js';
import { nameResolver } from '../plan/plan.js';
import { PlanError } from '../plan/plan-error.js';
import { resolveServiceSpec } from '../plan/resolve-spec.js';
import { sealForPlan } from '../plan/secret-seal.js';
import type { Strategy } from '../plan/rolling.js';
import { RollingStrategy } from '../plan/rolling.js';
import { inPlacement } from '../plan/eligibility.js';
import type { RolloutOverrides } from '../plan/rollout.js';
import { applyPlan, type Application, type ApplyDeps, type ApplyOptions } from './apply.js';
import type { ContainerClient, DNSClient, ExecutorClient, ImageClient, MachineClient } from './client.js';
import { ImageDigestResolver } from './image-resolver.js';
import { observeService } from './observe.js';

/** What planning a deployment reads: the state, inspections, images and the cluster domain; and what running it needs. */
export type DeploymentClient = ExecutorClient & Pick<MachineClient, 'loadState'> & Pick<ContainerClient, 'inspectContainer'> & Pick<ImageClient, 'inspectImage' | 'registryDigest'> & DNSClient;

export interface DeploymentOptions {
  strategy?: Strategy;
  forceRecreate?: boolean;
  /** See RollingOptions.ignoreDown: create elsewhere what a machine that is down may hold. */
  ignoreDown?: boolean;
  /** Rollout settings that beat the spec's update block (command-line flags, a view's choice). */
  rollout?: RolloutOverrides;
  random?: () => number;
  pollMs?: number;
}

export interface PlannedDeployment {
  plan: Plan;
  state: ClusterState;
  names: NameResolver;
  /** The service as it was, undefined for a new one. */
  service?: ServiceState;
}

export class Deployment {
  private planned?: Promise<PlannedDeployment>;
  private started = false;

  constructor(
    readonly client: DeploymentClient,
    readonly spec: ServiceSpec,
    readonly options: DeploymentOptions = {},
  ) {}

  /** The plan (computed on the first call, the same one after). */
  async plan(): Promise<PlannedDeployment> {
    this.planned ??= this.makePlan();
    return this.planned;
  }

  /**
   * Applies the plan through the one entry point (stale check, lock, execution, history); a
   * Deployment runs at most once. Throws when it has already run.
   */
  async run(deps: Omit<ApplyDeps, 'client'> = {}, options: Omit<ApplyOptions, 'names'> = { approval: 'all' }): Promise<Application> {
    if (this.started) throw new Error(`deployment of ${this.spec.name ?? this.spec.image} has already run: plan a new one`);
    this.started = true;
    const { plan, names } = await this.plan();
    return applyPlan(plan, { ...deps, client: this.client }, { pollMs: this.options.pollMs, random: this.options.random, ...options, names });
  }

  private async makePlan(): Promise<PlannedDeployment> {
    const { state, service } = await observeService(this.client, this.spec.name);
    const mode = this.spec.mode ?? 'replicated';
    if (service && service.mode !== mode) {
      throw new PlanError(`service ${service.name} runs in ${service.mode} mode and its mode cannot change in place: remove it first (dockplan rm ${service.name}), then deploy`);
    }
    const resolved = resolveServiceSpec(this.spec, {
      domain: this.client.clusterDomain() ?? state.domain,
      takenNames: () => new Set(servicesOf(state).map((s) => s.name)),
      random: this.options.random,
    });
    const up = state.machines.filter((m) => m.status === 'up').map((m) => m.id);
    if (up.length === 0) {
      const why = state.machines.map((m) => `  ${m.name}: down (${m.downReason ?? 'unreachable'})`).join('\n');
      throw new PlanError(`no machine is up, so nothing can be planned for ${resolved.name}:\n${why}`);
    }
    // A spec that carries its pin (a scale, a rollback) keeps exactly those bytes; anything else
    // resolves the image now, by its pull policy.
    let imageWarnings: string[] = [];
    if (!resolved.image_ref) {
      // Only the machines the service may run on say what the tag means (and which lack it).
      const placed = state.machines.filter((m) => m.status === 'up' && inPlacement(resolved, m)).map((m) => m.id);
      const elsewhere = placed.length ? up.filter((id) => !placed.includes(id)) : [];
      const resolution = await new ImageDigestResolver(this.client, placed.length ? placed : up, elsewhere).resolve(resolved.image, resolved.pull_policy);
      resolved.image_ref = resolution.ref;
      imageWarnings = resolution.warnings;
    }
    if (resolved.image_ref === resolved.image) delete resolved.image_ref;
    // The plan holds secret values sealed (tokens), compared with the labels' tokens; their clear
    // values travel beside it, in memory only.
    const sealed = sealForPlan(state, service, resolved, SecretKey.generate);
    const strategy = this.options.strategy ?? new RollingStrategy({ forceRecreate: this.options.forceRecreate, ignoreDown: this.options.ignoreDown, rollout: this.options.rollout });
    const plan = strategy.plan(sealed.state, sealed.service, service?.id ?? randomBytes(16).toString('hex'), sealed.spec);
    plan.secrets = sealed.secrets;
    plan.warnings.unshift(...imageWarnings);
    return { plan, state: sealed.state, names: nameResolver(sealed.state), ...(sealed.service ? { service: sealed.service } : {}) };
  }
}
