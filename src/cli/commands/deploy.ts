// plan / deploy / scale / rm: make a plan, show it, and (for the mutating ones) run it through the
// engine's one entry point (see ../run-plan.ts).
import { resolve } from 'node:path';
import type { DeploymentClient, PlannedDeployment } from '../../execute/deployment.js';
import { Deployment } from '../../execute/deployment.js';
import { observeService } from '../../execute/observe.js';
import type { ServiceSpec } from '../../model/spec.js';
import { currentSpecOf } from '../../plan/current-spec.js';
import { hasChanges, nameResolver } from '../../plan/plan.js';
import { planRemoval } from '../../plan/removal.js';
import type { RolloutOverrides } from '../../plan/rollout.js';
import { planOutput, type OutputFlags } from '../progress.js';
import { runPlanned, type RunContext, type RunFlags } from '../run-plan.js';
import { readSpecFile } from '../spec-file.js';
import { savePlan, writePlanFile } from '../../store/plan-file.js';
import { UserError } from '../user-error.js';

export interface PlanFlags extends OutputFlags {
  recreate?: boolean;
  detailedExitcode?: boolean;
  /** Create elsewhere what a machine that is down may hold (RollingOptions.ignoreDown). */
  ignoreDown?: boolean;
  /** Rollout settings from the command line (--parallelism, --canary, ...). */
  rollout?: RolloutOverrides;
  /** `plan -o FILE`: also save the plan there, for `dockplan apply FILE`. */
  output?: string;
  /** `--profile NAME` (repeatable): compose profiles to enable, with those in COMPOSE_PROFILES. */
  profiles?: string[];
}

export type DeployFlags = PlanFlags & RunFlags;

/** The deployment a spec makes with these flags. */
function deploymentOf(client: DeploymentClient, spec: ServiceSpec, flags: PlanFlags): Deployment {
  return new Deployment(client, spec, {
    forceRecreate: flags.recreate, ignoreDown: flags.ignoreDown, ...(flags.rollout ? { rollout: flags.rollout } : {}),
  });
}

/** `plan -f SPEC [-o FILE]`: the plan as text or JSON (and saved to FILE); with --detailed-exitcode, 2 when it changes anything. */
export async function planCommand(ctx: RunContext & { client: DeploymentClient }, file: string, flags: PlanFlags): Promise<{ code: number; planned: PlannedDeployment }> {
  const spec = await readSpecFile(file);
  const planned = await deploymentOf(ctx.client, spec, flags).plan();
  ctx.write(planOutput(planned.plan, planned.names, flags));
  if (flags.output) {
    // The file keeps secrets as hashes: `apply` reads their values again from this spec file.
    await writePlanFile(flags.output, savePlan(planned.plan, planned.state, ctx.client.describe(), new Date(), resolve(file)));
    if (!flags.json && !flags.quiet) ctx.write(`saved the plan to ${flags.output}: dockplan apply ${flags.output} runs it, unless the cluster changes meanwhile`);
  }
  return { code: flags.detailedExitcode && hasChanges(planned.plan) ? 2 : 0, planned };
}

/** `deploy -f SPEC`. */
export async function deployCommand(ctx: RunContext & { client: DeploymentClient }, file: string, flags: DeployFlags): Promise<number> {
  const spec = await readSpecFile(file);
  return deploySpec(ctx, spec, flags, `deploy -f ${file}`);
}

/** Plans `spec` and runs the plan. */
export async function deploySpec(ctx: RunContext & { client: DeploymentClient }, spec: ServiceSpec, flags: DeployFlags, origin: string): Promise<number> {
  const planned = await deploymentOf(ctx.client, spec, flags).plan();
  return runPlanned(planned, ctx, flags, origin);
}

async function serviceState(client: DeploymentClient, name: string) {
  const { state, service } = await observeService(client, name);
  if (!service) {
    const down = state.machines.filter((m) => m.status === 'down').map((m) => m.name);
    const note = down.length ? ` (${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} down and could not be searched)` : '';
    throw new UserError(`no service named ${name} on the cluster${note}: see dockplan ls`);
  }
  return { state, service };
}

/** `scale SERVICE N`: the running spec (its image pin kept) with another replica count. */
export async function scaleCommand(ctx: RunContext & { client: DeploymentClient }, name: string, replicasText: string, flags: DeployFlags): Promise<number> {
  const replicas = Number(replicasText);
  if (!/^\d+$/.test(replicasText.trim()) || !Number.isSafeInteger(replicas)) throw new UserError(`scale ${name}: replicas must be a whole number >= 0, got "${replicasText}"`);
  const { state, service } = await serviceState(ctx.client, name);
  if (service.mode === 'global') throw new UserError(`scale ${name}: it is a global service (one container per machine); use placement to choose machines`);
  const spec = currentSpecOf(service, state);
  if (!spec) throw new UserError(`scale ${name}: its containers carry no readable spec; deploy it again from its spec file`);
  return deploySpec(ctx, { ...spec, replicas }, flags, `scale ${name} ${replicas}`);
}

/** `rm SERVICE`: every container that can be seen goes; named volumes stay. */
export async function rmCommand(ctx: RunContext & { client: DeploymentClient }, name: string, flags: DeployFlags): Promise<number> {
  const { state, service } = await serviceState(ctx.client, name);
  const plan = planRemoval(state, service, flags.rollout);
  return runPlanned({ plan, names: nameResolver(state), state }, ctx, flags, `rm ${name}`);
}
