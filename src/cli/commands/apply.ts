// plan / deploy / scale / rm: show a plan, and (for the mutating ones) confirm and execute it.
import type { Client } from '../../execute/client.js';
import type { PlannedDeployment } from '../../execute/deployment.js';
import { Deployment } from '../../execute/deployment.js';
import { executePlan } from '../../execute/executor.js';
import { observeService } from '../../execute/observe.js';
import { refuseIfStale } from '../../execute/stale-plan.js';
import type { ServiceSpec } from '../../model/spec.js';
import { formatPlan, hasChanges, nameResolver, planToJson } from '../../plan/plan.js';
import { currentSpecOf } from '../../plan/current-spec.js';
import { planRemoval } from '../../plan/removal.js';
import { confirmOrRefuse } from '../confirm.js';
import { jsonText } from '../json-output.js';
import { jsonProgress, plainProgress } from '../progress.js';
import { readSpecFile } from '../spec-file.js';
import { UserError } from '../user-error.js';
import { displayLines, fitWidth } from '../../terminal/text.js';

export interface ApplyOptions {
  yes?: boolean;
  json?: boolean;
  recreate?: boolean;
  detailedExitcode?: boolean;
  /** Create elsewhere what a machine that is down may hold (RollingOptions.ignoreDown). */
  ignoreDown?: boolean;
}

const out = (line: string) => process.stdout.write(`${line}\n`);

function printPlan(planned: PlannedDeployment, json: boolean | undefined) {
  if (json) out(jsonText(planToJson(planned.plan, planned.names), 2));
  else out(formatPlan(planned.plan, planned.names));
}

export async function planCommand(client: Client, file: string, opts: ApplyOptions): Promise<number> {
  const spec = await readSpecFile(file);
  const planned = await new Deployment(client, spec, { forceRecreate: opts.recreate, ignoreDown: opts.ignoreDown }).plan();
  printPlan(planned, opts.json);
  if (opts.detailedExitcode) return hasChanges(planned.plan) ? 2 : 0;
  return 0;
}

export async function deployCommand(client: Client, file: string, opts: ApplyOptions): Promise<number> {
  const spec = await readSpecFile(file);
  return applySpec(client, spec, opts);
}

async function applySpec(client: Client, spec: ServiceSpec, opts: ApplyOptions): Promise<number> {
  const deployment = new Deployment(client, spec, { forceRecreate: opts.recreate, ignoreDown: opts.ignoreDown });
  const planned = await deployment.plan();
  return confirmAndExecute(client, planned, opts, () => deployment.run({ onEvent: progressFor(planned, opts) }));
}

function progressFor(planned: PlannedDeployment, opts: ApplyOptions) {
  // With --json the plan and every event are NDJSON lines on stdout.
  return opts.json ? jsonProgress(out) : plainProgress(planned.plan, planned.names, out);
}

async function confirmAndExecute(
  client: Client,
  planned: PlannedDeployment,
  opts: ApplyOptions,
  execute: () => ReturnType<Deployment['run']>,
): Promise<number> {
  if (opts.json) out(jsonText({ type: 'plan', plan: planToJson(planned.plan, planned.names) }));
  else printPlan(planned, false);
  if (!hasChanges(planned.plan)) return 0;
  const verb = planned.plan.action === 'remove' ? 'Remove' : 'Deploy';
  if (!(await confirmOrRefuse(`${verb} ${planned.plan.serviceName} on ${client.describe()}?`, opts))) {
    out('nothing changed');
    return 1;
  }
  const result = await execute();
  if (result.ok) return 0;
  if (result.failure && !opts.json) {
    const f = result.failure;
    if (f.logs !== undefined) {
      out(`last log lines of ${f.container?.name ?? 'the container'}:`);
      // One row per record, controls neutralised; cut to the terminal's width when there is one.
      const width = process.stdout.isTTY ? process.stdout.columns : undefined;
      const lines = displayLines(f.logs).map((l) => (width ? fitWidth(`  | ${l}`, width) : `  | ${l}`));
      out(lines.join('\n') || '  | (no output)');
    }
    if (f.container) {
      const host = planned.state.machines.find((m) => m.id === f.machineId)?.host;
      out(`the failed container ${f.container.name} is kept, stopped, for inspection${host ? `: docker -H ${host} inspect ${f.container.name}` : ''}`);
      out('fix the spec and deploy again: the next plan removes the stopped container');
    }
  }
  return 1;
}

async function serviceState(client: Client, name: string) {
  const { state, service } = await observeService(client, name);
  if (!service) {
    const down = state.machines.filter((m) => m.status === 'down').map((m) => m.name);
    const note = down.length ? ` (${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} down and could not be searched)` : '';
    throw new UserError(`no service named ${name} on the cluster${note}: see dockplan ls`);
  }
  return { state, service };
}

export async function scaleCommand(client: Client, name: string, replicasText: string, opts: ApplyOptions): Promise<number> {
  const replicas = Number(replicasText);
  if (!Number.isInteger(replicas) || replicas < 0) throw new UserError(`scale ${name}: replicas must be a whole number >= 0, got "${replicasText}"`);
  const { state, service } = await serviceState(client, name);
  if (service.mode === 'global') throw new UserError(`scale ${name}: it is a global service (one container per machine); use placement to choose machines`);
  const spec = currentSpecOf(service, state);
  if (!spec) throw new UserError(`scale ${name}: its containers carry no readable spec; deploy it again from its spec file`);
  return applySpec(client, { ...spec, replicas }, opts);
}

export async function rmCommand(client: Client, name: string, opts: ApplyOptions): Promise<number> {
  const { state, service } = await serviceState(client, name);
  const plan = planRemoval(state, service);
  const names = nameResolver(state);
  const planned: PlannedDeployment = { plan, state, names, service };
  return confirmAndExecute(client, planned, opts, async () => {
    await refuseIfStale(client, plan);
    return executePlan(plan, client, { names, onEvent: progressFor(planned, opts) });
  });
}
