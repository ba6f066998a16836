// The record every run leaves: who, when, what the plan did, the spec, how it ended. The contract
// the apply entry point writes through; the store itself lives outside the engine.
import type { ServiceSpec } from '../model/spec.js';
import type { PlanSummary } from '../plan/plan.js';
import type { Outcome } from './events.js';

/** One run of one service. `deployId` is the run id, also on every container it created (label dockplan.deploy.id). */
export interface DeployRecord {
  deployId: string;
  service: string;
  serviceId: string;
  /** `user@host`. */
  who: string;
  /** ISO times. */
  startedAt: string;
  finishedAt: string;
  action: 'create' | 'update' | 'remove';
  /** Where the spec came from, in words: a file, `scale web 3`, `rollback to r...`. */
  origin?: string;
  summary: PlanSummary;
  /** The desired spec of the run, secrets sealed (hashes; a clear one left is masked by the store when it writes). */
  spec: ServiceSpec;
  outcome: Outcome;
  /** Operations completed / in the plan. */
  completed: number;
  total: number;
  reason?: string;
  /** The cluster it ran on, as the client describes it (`cluster file /etc/dockplan/prod.yaml (3 machines)`). */
  cluster?: string;
}

/**
 * Where runs are recorded. Records never hold a secret value: the spec's secrets are hashes (sealed,
 * see src/plan/secret-seal.ts), which a rollback opens with the values a container of the service
 * still runs; records written before sealing hold the mask instead (src/plan/secrets.ts
 * maskClearSecrets), which a rollback restores from the spec the service runs now (rollback.ts).
 */
export interface HistoryStore {
  /** Adds a record; a store that cannot write says why in the error (callers report, never lose the deploy's result). */
  append(record: DeployRecord): Promise<void>;
  /** Records of a service by name (every service when undefined), oldest first. Rejects, saying why, when the history cannot be read. */
  list(service?: string): Promise<DeployRecord[]>;
  /** Where the records live, in words (a file's path), for messages. */
  describe?(): string;
}

/** One row of a service's history as the faces show it: a recorded run, or a run only its containers tell of. */
export interface HistoryEntry {
  deployId: string;
  /** The local record; absent for a run made from another machine (or before runs were recorded) that containers still carry. */
  record?: DeployRecord;
  /** How many running containers of the service carry this deploy id (label dockplan.deploy.id). */
  running: number;
  /** The deploy the service's newest running container carries: what it runs now. */
  current: boolean;
  /** ISO time: the run's start, or for an unrecorded one the creation of its oldest container. */
  when: string;
}

/** What the faces need of a service's containers: their deploy ids, states and creation times. */
export interface DeployCarrier {
  state: string;
  created: string;
  service?: { deployId?: string };
}

/** The deploy id of the service's newest running container (of any container when none runs), if it carries one. */
export function currentDeployId(containers: readonly DeployCarrier[]): string | undefined {
  const running = containers.filter((c) => c.state === 'running');
  const pool = running.length > 0 ? running : containers;
  let newest: DeployCarrier | undefined;
  for (const c of pool) if (!newest || c.created > newest.created) newest = c;
  return newest?.service?.deployId;
}

/**
 * A service's history, newest first: every record (oldest first, as HistoryStore.list gives them),
 * plus a row for each deploy id its running containers carry that the records do not have, each
 * marked with the running containers that carry it and whether it is the current one.
 */
export function historyEntries(records: readonly DeployRecord[], containers: readonly DeployCarrier[] = []): HistoryEntry[] {
  const current = currentDeployId(containers);
  const running = new Map<string, number>();
  const firstSeen = new Map<string, string>();
  for (const c of containers) {
    const id = c.service?.deployId;
    if (!id) continue;
    if (c.state === 'running') running.set(id, (running.get(id) ?? 0) + 1);
    const seen = firstSeen.get(id);
    if (!seen || c.created < seen) firstSeen.set(id, c.created);
  }
  const entries: HistoryEntry[] = records.map((record) => ({
    deployId: record.deployId, record, running: running.get(record.deployId) ?? 0, current: record.deployId === current, when: record.startedAt,
  }));
  const recorded = new Set(records.map((r) => r.deployId));
  for (const [deployId, when] of firstSeen) {
    if (recorded.has(deployId) || (!running.has(deployId) && deployId !== current)) continue;
    entries.push({ deployId, running: running.get(deployId) ?? 0, current: deployId === current, when });
  }
  // Stable: records keep their order (the log's) among equal times.
  return entries.map((e, i) => ({ e, i })).sort((a, b) => b.e.when.localeCompare(a.e.when) || b.i - a.i).map(({ e }) => e);
}
