// Deployment: plans once (the same plan on a second call), runs once.
import { randomBytes } from 'node:crypto';
import type { ClusterState, ServiceState } from '../model/cluster.js';
import { servicesOf } from '../model/cluster.js';
import type { ServiceSpec } from '../model/spec.js';
import type { NameResolver } from '../plan/operations.js';
import type { Plan } from '../plan/plan.js';
import { nameResolver } from '../plan/plan.js';
import { PlanError } from '../plan/plan-error.js';
import { resolveServiceSpec } from '../plan/resolve-spec.js';
import type { Strategy } from '../plan/rolling.js';
import { RollingStrategy } from '../plan/rolling.js';
import type { Client } from './client.js';
import type { ExecutionHooks, ExecutionResult } from './events.js';
import { executePlan } from './executor.js';
import { ImageDigestResolver } from './image-resolver.js';
import { observeService } from './observe.js';
import { refuseIfStale } from './stale-plan.js';

export interface DeploymentOptions {
  strategy?: Strategy;
  forceRecreate?: boolean;
  /** See RollingOptions.ignoreDown: create elsewhere what a machine that is down may hold. */
  ignoreDown?: boolean;
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
    readonly client: Client,
    readonly spec: ServiceSpec,
    readonly options: DeploymentOptions = {},
  ) {}

  /** The plan (computed on the first call, the same one after). */
  async plan(): Promise<PlannedDeployment> {
    this.planned ??= this.makePlan();
    return this.planned;
  }

  /** Executes the plan; a Deployment runs at most once. */
  async run(hooks: ExecutionHooks = {}): Promise<ExecutionResult> {
    if (this.started) throw new Error(`deployment of ${this.spec.name ?? this.spec.image} has already run: plan a new one`);
    this.started = true;
    const { plan, names } = await this.plan();
    await refuseIfStale(this.client, plan);
    return executePlan(plan, this.client, { ...hooks, names, pollMs: this.options.pollMs, random: this.options.random });
  }

  private async makePlan(): Promise<PlannedDeployment> {
    const { state, service } = await observeService(this.client, this.spec.name);
    const mode = this.spec.mode ?? 'replicated';
    if (service && service.mode !== mode) {
      throw new PlanError(`service ${service.name} runs in ${service.mode} mode and its mode cannot change in place: remove it first (dockplan rm ${service.name}), then deploy`);
    }
    const resolved = resolveServiceSpec(this.spec, {
      domain: this.client.clusterDomain() ?? state.domain,
      takenNames: new Set(servicesOf(state).map((s) => s.name)),
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
      const resolution = await new ImageDigestResolver(this.client, up).resolve(resolved.image, resolved.pull_policy);
      resolved.image_ref = resolution.ref;
      imageWarnings = resolution.warnings;
    }
    if (resolved.image_ref === resolved.image) delete resolved.image_ref;
    const strategy = this.options.strategy ?? new RollingStrategy({ forceRecreate: this.options.forceRecreate, ignoreDown: this.options.ignoreDown });
    const plan = strategy.plan(state, service, service?.id ?? randomBytes(16).toString('hex'), resolved);
    plan.warnings.unshift(...imageWarnings);
    return { plan, state, names: nameResolver(state), service };
  }
}
