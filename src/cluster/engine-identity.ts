// Whether machines that report one engine ID are one engine.
//
// Docker 20.10 derives the ID in `docker info` from the identity key in its config directory
// (`deprecated-key-path`, /etc/docker/key.json by default), so VMs cloned from one image report the
// same ID: an equal ID proves nothing. The check asks the engines themselves. In one round, every
// machine of the group creates a marker volume with a unique name; then every machine lists the
// round's markers; a machine that sees another machine's marker reaches the same engine (volumes
// live in one engine's store, and no two engines share one). The markers are removed in the same
// round, also when a step failed. A marker volume is the cheapest object an engine keeps: no image,
// no process, no network; create, list and remove touch only the engine's metadata.
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { describeEngineError, withDeadline } from './errors.js';

/** The label every marker volume carries (value `true`). */
export const IDENTITY_PROBE_LABEL = 'dockplan.identity-probe';
/** Every marker volume's name starts with this; listings and the watcher leave such volumes out. */
export const IDENTITY_MARKER_PREFIX = 'dockplan-identity-probe-';
/**
 * A marker older than this, by the engine's own clock, was left by a process that died in the
 * middle of a round (a round lasts at most three call deadlines); the next round on that engine
 * removes it.
 */
export const ORPHAN_MARKER_AGE_MS = 10 * 60_000;

/** True for the name of a marker volume (see IDENTITY_MARKER_PREFIX). */
export function isIdentityMarker(volumeName: string): boolean {
  return volumeName.startsWith(IDENTITY_MARKER_PREFIX);
}

/** One machine taking part in a round: its cluster-file name and a handle to its engine. */
export interface IdentityCandidate {
  name: string;
  host: string;
  docker: Docker;
  /** The engine's clock (`docker info` SystemTime) in ms since the epoch; without it no orphan is removed there. */
  engineTime?: number;
}

/** What a round found out about two machines. `unknown`: a step failed; `reason` says which, in words. */
export type IdentityVerdict = { kind: 'same' } | { kind: 'distinct' } | { kind: 'unknown'; reason: string };

/** How a machine of a group relates to the machines before it in the cluster file. */
export type EngineOwner =
  | { kind: 'own' }
  /** It reaches the same engine as `sameAs`, the first such machine in file order. */
  | { kind: 'same'; sameAs: string }
  /** It could not be told apart from `other`; `reason` is the failed step. */
  | { kind: 'unknown'; other: string; reason: string };

/**
 * Why a machine that reports the same engine ID as an earlier one is down, in words, or undefined
 * when it has an engine of its own (`owner` from EngineIdentityChecks.owners).
 */
export function sharedEngineReason(name: string, engineId: string, owner: EngineOwner | undefined): string | undefined {
  switch (owner?.kind) {
    case undefined:
    case 'own':
      return undefined;
    case 'same':
      return `${name} reaches the same engine as ${owner.sameAs} (engine ID ${engineId}): list each engine once in the cluster file`;
    case 'unknown':
      return `${name} reports the same engine ID as ${owner.other} (${engineId}) and could not be checked for being the same engine (${owner.reason}); it is left out until it can be`;
  }
}

interface ListedVolume {
  Name: string;
  CreatedAt?: string;
}

/** The cache key of a pair: the engine ID both reported, then both names in file order. */
function pairKey(engineId: string, first: string, second: string): string {
  return `${engineId}\u0000${first}\u0000${second}`;
}

/**
 * One round over `machines` (all reporting one engine ID): a verdict for every pair, keyed by
 * pairKey(engineId, earlier name, later name). Never throws: a failed step makes the pairs it
 * concerns `unknown`. Each engine call has `timeoutMs`. Every marker the round created is removed
 * before it resolves (through its own machine, else through any machine that saw it).
 */
export async function identityRound(engineId: string, machines: readonly IdentityCandidate[], timeoutMs: number): Promise<Map<string, IdentityVerdict>> {
  const round = `${IDENTITY_MARKER_PREFIX}${randomBytes(6).toString('hex')}-`;
  const markerOf = (i: number) => `${round}${i}`;

  // 1. every machine creates its marker
  const created = await Promise.all(machines.map(async (m, i) => {
    try {
      await withDeadline(timeoutMs, (abortSignal) => m.docker.createVolume({
        Name: markerOf(i),
        Labels: { [IDENTITY_PROBE_LABEL]: 'true' },
        abortSignal,
      } as Docker.VolumeCreateOptions));
      return undefined;
    } catch (err) {
      return `create volume ${markerOf(i)} on ${m.name}: ${describeEngineError(err, m.host)}`;
    }
  }));

  // 2. once all exist, every machine lists the markers it holds (this round's and orphans)
  const listed = await Promise.all(machines.map(async (m): Promise<{ volumes: ListedVolume[] } | { error: string }> => {
    try {
      const res = await withDeadline(timeoutMs, (abortSignal) => m.docker.listVolumes({ filters: { label: [`${IDENTITY_PROBE_LABEL}=true`] }, abortSignal }));
      return { volumes: ((res.Volumes ?? []) as ListedVolume[]).filter((v) => isIdentityMarker(v.Name)) };
    } catch (err) {
      return { error: `list volumes on ${m.name}: ${describeEngineError(err, m.host)}` };
    }
  }));

  const sees = (viewer: number, owner: number): boolean | string => {
    const failedCreate = created[owner];
    if (failedCreate !== undefined) return failedCreate;
    const list = listed[viewer]!;
    if ('error' in list) return list.error;
    return list.volumes.some((v) => v.Name === markerOf(owner));
  };
  const verdicts = new Map<string, IdentityVerdict>();
  for (let j = 1; j < machines.length; j++) {
    for (let i = 0; i < j; i++) {
      // Either direction decides: both markers exist until step 3, so one engine sees both.
      const forward = sees(j, i);
      const backward = typeof forward === 'boolean' ? forward : sees(i, j);
      const verdict: IdentityVerdict = typeof backward === 'boolean'
        ? { kind: backward ? 'same' : 'distinct' }
        : { kind: 'unknown', reason: typeof forward === 'string' ? forward : backward };
      verdicts.set(pairKey(engineId, machines[i]!.name, machines[j]!.name), verdict);
    }
  }

  // 3. remove this round's markers, and orphans old by the engine's own clock
  await Promise.all(machines.map(async (m, i) => {
    if (created[i] !== undefined) return;
    const through = [m, ...machines.filter((_, k) => k !== i && sees(k, i) === true)];
    for (const remover of through) {
      if (await removeMarker(remover, markerOf(i), timeoutMs)) return;
    }
  }));
  await Promise.all(machines.map(async (m, i) => {
    const list = listed[i]!;
    if ('error' in list || m.engineTime === undefined) return;
    const orphans = list.volumes.filter((v) => !v.Name.startsWith(round) && m.engineTime! - Date.parse(v.CreatedAt ?? '') > ORPHAN_MARKER_AGE_MS);
    for (const v of orphans) await removeMarker(m, v.Name, timeoutMs);
  }));
  return verdicts;
}

/** Removes one marker; true when it is gone (also when it was gone already). */
async function removeMarker(m: IdentityCandidate, name: string, timeoutMs: number): Promise<boolean> {
  try {
    await withDeadline(timeoutMs, (abortSignal) => m.docker.getVolume(name).remove({ abortSignal }));
    return true;
  } catch (err) {
    return (err as { statusCode?: number }).statusCode === 404;
  }
}

/**
 * The identity checks of one client: a verdict per pair of machines and the engine ID they both
 * reported, kept for the client's life (a re-created engine reports a new ID, and so gets a new
 * check). Concurrent callers share one round; an `unknown` verdict is not kept, so the next call
 * checks again.
 */
export class EngineIdentityChecks {
  private readonly verdicts = new Map<string, Promise<IdentityVerdict>>();

  /** @param timeoutMs the deadline of each engine call of a round */
  constructor(private readonly timeoutMs: number) {}

  /**
   * For machines that all reported `engineId` (in cluster-file order, at least two): how each
   * relates to the machines before it. The first is always `own`. A machine is `same` as the first
   * earlier machine that reaches its engine; `unknown` when no earlier machine does but one could
   * not be checked. Never throws.
   */
  async owners(engineId: string, group: readonly IdentityCandidate[]): Promise<Map<string, EngineOwner>> {
    const pairs: { first: string; second: string; verdict: Promise<IdentityVerdict> }[] = [];
    const missing: { key: string; first: number; second: number }[] = [];
    for (let j = 1; j < group.length; j++) {
      for (let i = 0; i < j; i++) {
        const key = pairKey(engineId, group[i]!.name, group[j]!.name);
        if (!this.verdicts.has(key)) missing.push({ key, first: i, second: j });
      }
    }
    if (missing.length > 0) {
      // Only the machines of unchecked pairs take part; the promises are in place before the first
      // await, so a concurrent caller waits for this round instead of starting its own.
      const involved = [...new Set(missing.flatMap((p) => [p.first, p.second]))].sort((a, b) => a - b).map((i) => group[i]!);
      const round = identityRound(engineId, involved, this.timeoutMs);
      for (const { key } of missing) {
        const verdict = round.then((found) => found.get(key) ?? { kind: 'unknown', reason: 'not checked' } as IdentityVerdict);
        this.verdicts.set(key, verdict);
        void verdict.then((v) => {
          if (v.kind === 'unknown' && this.verdicts.get(key) === verdict) this.verdicts.delete(key);
        });
      }
    }
    for (let j = 1; j < group.length; j++) {
      for (let i = 0; i < j; i++) {
        pairs.push({ first: group[i]!.name, second: group[j]!.name, verdict: this.verdicts.get(pairKey(engineId, group[i]!.name, group[j]!.name))! });
      }
    }
    const settled = await Promise.all(pairs.map(async (p) => ({ ...p, verdict: await p.verdict })));
    const owners = new Map<string, EngineOwner>();
    for (const m of group) {
      const before = settled.filter((p) => p.second === m.name);
      const same = before.find((p) => p.verdict.kind === 'same');
      const unknown = before.find((p) => p.verdict.kind === 'unknown');
      if (same) owners.set(m.name, { kind: 'same', sameAs: same.first });
      else if (unknown && unknown.verdict.kind === 'unknown') owners.set(m.name, { kind: 'unknown', other: unknown.first, reason: unknown.verdict.reason });
      else owners.set(m.name, { kind: 'own' });
    }
    return owners;
  }
}
