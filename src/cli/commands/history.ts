// `dockplan history SERVICE [--json]`: the runs of a service recorded on this machine, newest first,
// with the deploy its running containers carry marked (even one made from another machine).
import type { HistoryEntry, HistoryStore } from '../../execute/history.js';
import { historyEntries } from '../../execute/history.js';
import { outcomeWords } from '../../execute/run-text.js';
import type { ClusterState } from '../../model/cluster.js';
import { findService } from '../../model/cluster.js';
import type { ContainerClient, MachineClient } from '../../execute/client.js';
import { observeService } from '../../execute/observe.js';
import { SecretKey } from '../../model/secret-key.js';
import type { ServiceSpec } from '../../model/spec.js';
import { revealSpec, runningSecrets } from '../../plan/secret-seal.js';
import { maskSecrets } from '../../plan/secrets.js';
import { SUMMARY_BUCKETS } from '../../plan/operations.js';
import type { PlanSummary } from '../../plan/plan.js';
import { jsonText } from '../json-output.js';
import { table } from '../table.js';
import { UserError } from '../user-error.js';

/** `update: 2 replace · 1 create`, or the action alone when it did nothing. */
export function summaryText(action: string, summary: PlanSummary): string {
  const parts = SUMMARY_BUCKETS.filter((k) => summary[k] > 0).map((k) => `${summary[k]} ${k}`);
  return parts.length ? `${action}: ${parts.join(' · ')}` : action;
}

/** `2026-12-01 12:00:03Z`: an ISO time, shorter. */
export function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/**
 * The JSON contract of `history --json`: one object per entry, newest first; each spec as `show`
 * gives it (secrets masked, by default).
 */
export function historyJson(service: string, entries: HistoryEntry[], show: (spec: ServiceSpec) => ServiceSpec = maskSecrets) {
  return entries.map((e) => {
    const r = e.record;
    const base = { id: e.deployId, service, when: e.when, current: e.current, running: e.running, recorded: r !== undefined };
    if (!r) return base;
    return {
      ...base, who: r.who, finishedAt: r.finishedAt, origin: r.origin ?? null, action: r.action, summary: r.summary,
      outcome: r.outcome, completed: r.completed, total: r.total, reason: r.reason ?? null, cluster: r.cluster ?? null,
      image: r.spec.image, imageRef: r.spec.image_ref ?? null, spec: show(r.spec),
    };
  });
}

/** Prints the history of `service`; 0 even when there is none (it says so), 1 when it cannot be read. */
export async function historyCommand(
  ctx: { client: Pick<MachineClient, 'loadState'> & Pick<ContainerClient, 'inspectContainer'>; history?: HistoryStore; write: (line: string) => void },
  service: string,
  opts: { json?: boolean; showSecrets?: boolean },
): Promise<number> {
  if (!ctx.history) throw new UserError('no deploy history is kept here');
  // --show-secrets opens the records' hashes with what the service's containers run (inspected).
  const [records, { state, service: seen }] = await Promise.all([
    ctx.history.list(service),
    opts.showSecrets ? observeService(ctx.client, service) : ctx.client.loadState().then((s) => ({ state: s, service: findService(s, service) })),
  ]);
  const entries = historyEntries(records, seen?.containers ?? []);
  if (opts.json) {
    const secrets = opts.showSecrets ? runningSecrets(seen?.containers ?? [], SecretKey.generate) : undefined;
    ctx.write(jsonText(historyJson(service, entries, secrets ? (spec) => revealSpec(spec, secrets) : maskSecrets), 2));
    return 0;
  }
  const down = downNote(state);
  if (entries.length === 0) {
    const where = ctx.history.describe?.();
    ctx.write(`no deploy of ${service} is recorded on this machine${where ? ` (${where})` : ''}, and no container of it carries one${down}`);
    return 0;
  }
  ctx.write(`history of ${service}, newest first (* = what its running containers carry now)${down}`);
  const rows = entries.map((e) => {
    const r = e.record;
    const mark = e.current ? '*' : e.running > 0 ? '+' : ' ';
    const running = e.running > 0 ? `${e.running} running` : '';
    if (!r) return [mark, e.deployId, shortTime(e.when), '?', '(made from another machine: not in this history)', '', '', running];
    return [mark, e.deployId, shortTime(e.when), r.who, r.origin ?? '', summaryText(r.action, r.summary), outcomeWords(r.outcome, r.action), running];
  });
  ctx.write(table(['', 'DEPLOY', 'WHEN', 'WHO', 'ORIGIN', 'CHANGES', 'OUTCOME', 'RUNNING'], rows));
  if (entries.some((e) => !e.current && e.running > 0)) ctx.write('+ = some running containers carry this one too (a rollout left part way)');
  return 0;
}

function downNote(state: ClusterState): string {
  const down = state.machines.filter((m) => m.status === 'down').map((m) => m.name);
  return down.length ? `; ${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} down: what runs there cannot be seen` : '';
}
