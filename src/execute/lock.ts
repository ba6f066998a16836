// The cluster-wide deploy lock of a service: who may change it now, as the apply entry point sees it.
//
// The lock lives on Docker itself, no store of our own: a labelled marker volume named
// `dockplan-lock-<service>` on the machines. Docker serialises the creation of a volume by name and
// answers a create of an existing volume with that volume (its labels say who won), so a claim on
// one engine is atomic. A run holds the lock when it claimed the volume on a strict majority of the
// machines in the cluster file: two majorities always share a machine, so two runs can never both
// hold it. When fewer than a majority answer, the run takes it on every machine that does and says
// so in a warning (an on-call engineer with half the fleet down must still be able to deploy).
import { messageOf } from './errors.js';
import type { MachineClient, MarkerClient } from './client.js';

/** Who holds a service's deploy lock. */
export interface LockHolder {
  /** `user@host` of the operator (or CI job) whose run holds it. */
  owner: string;
  /** What they said they were doing, if anything. */
  message?: string;
  /** ISO time the lock was taken. */
  since: string;
  /** The run that holds it. */
  runId: string;
}

/** A lock that was taken; release it when the run is over. */
export interface HeldLock {
  holder: LockHolder;
  /** Machines (ids, in name order) whose lock volume carries this run. */
  machines: string[];
  /**
   * Set when the lock is held without a majority of the cluster's machines (too few answered): it
   * names the machines that did not, and says that a run that sees only those could take it too.
   */
  warning?: string;
  /**
   * Removes this run's lock volumes (only those still carrying its run id). Rejects, naming the
   * machines and the command that releases it by hand, when a machine it holds could not be reached.
   */
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** How long to wait for a held lock (ms); 0 (the default) refuses at once. */
  waitMs?: number;
  /** Called while waiting, with whoever holds it: once at first, then each time the holder changes. */
  onWait?: (holder: LockHolder) => void;
  /** Stops waiting: acquire then answers with the holder it last saw. */
  signal?: AbortSignal;
}

/** One run's lock on one service, as the machines that carry it show it. */
export interface ServiceLock {
  service: string;
  holder: LockHolder;
  /** Machines (ids, in name order) whose lock volume of the service carries this run. */
  machines: string[];
  /** Whether those machines are a strict majority of the cluster file's. */
  majority: boolean;
}

/** A machine that could not be read or changed, and why (Docker's answer, in words). */
export interface UnreachableMachine {
  machineId: string;
  reason: string;
}

/** Every lock held on the cluster (or on one service), as far as the machines that answered show. */
export interface LockSurvey {
  /** By service name, then by start time. */
  locks: ServiceLock[];
  /** Machines that could not be read: a lock there is not in `locks`. */
  unreachable: UnreachableMachine[];
  /** How many machines the cluster file has. */
  machineCount: number;
}

/** What breaking a service's lock did. */
export interface BrokenLock {
  /** The locks whose volumes were removed, with the machines they were removed from. */
  removed: ServiceLock[];
  /** Locks left in place because their run was not among those asked for (one that began meanwhile). */
  kept: ServiceLock[];
  /** Machines that could not be read or changed: a lock volume there, if any, stays. */
  unreachable: UnreachableMachine[];
  machineCount: number;
}

/** The deploy lock every run of a service goes through, and what an operator needs to see and clear it. */
export interface DeployLock {
  /**
   * Takes the service's lock for `holder`, or says who holds it (after waiting up to waitMs).
   * Throws when no machine of the cluster answers at all.
   */
  acquire(service: string, holder: LockHolder, opts?: AcquireOptions): Promise<HeldLock | { heldBy: LockHolder }>;
  /** The locks held now: of one service when given, else of every service. Never throws for a machine that is down. */
  survey(service?: string): Promise<LockSurvey>;
  /**
   * Removes the service's lock volumes on every machine that answers, whoever holds them: for the
   * lock of a run that crashed. With `runIds`, only those runs' volumes (so a lock taken since the
   * operator looked is kept).
   */
  breakLock(service: string, opts?: { runIds?: string[] }): Promise<BrokenLock>;
}

/** Every lock volume's name starts with this, followed by the service name: never shown as a machine's volumes. */
export const LOCK_VOLUME_PREFIX = 'dockplan-lock-';

/** True for the name of a lock volume. */
export function isLockVolume(name: string): boolean {
  return name.startsWith(LOCK_VOLUME_PREFIX);
}

/** The lock volume of a service. */
export function lockVolumeName(service: string): string {
  return `${LOCK_VOLUME_PREFIX}${service}`;
}

/** The labels of a lock volume. `lock` (value `true`) is on every one: the key that finds them all. */
export const LOCK_LABEL = {
  lock: 'dockplan.lock',
  service: 'dockplan.lock.service',
  owner: 'dockplan.lock.owner',
  message: 'dockplan.lock.message',
  since: 'dockplan.lock.since',
  runId: 'dockplan.lock.run-id',
  /** On the ended marker of a run that could not release its lock everywhere: its run id. */
  ended: 'dockplan.lock.ended',
} as const;

/**
 * The ended marker of a run: a volume saying that run is over, left on the machines that answered
 * when it could not remove its lock volume from one that did not. Service names are DNS labels (no
 * dots), so a marker's name is never another service's lock volume.
 */
export function endedMarkerName(service: string, runId: string): string {
  return `${lockVolumeName(service)}.ended.${runId}`;
}

/** The labels a run claims a service's lock volume with. */
export function lockLabels(service: string, holder: LockHolder): Record<string, string> {
  return {
    [LOCK_LABEL.lock]: 'true',
    [LOCK_LABEL.service]: service,
    [LOCK_LABEL.owner]: holder.owner,
    [LOCK_LABEL.since]: holder.since,
    [LOCK_LABEL.runId]: holder.runId,
    ...(holder.message ? { [LOCK_LABEL.message]: holder.message } : {}),
  };
}

/**
 * The holder a lock volume's labels name. A volume with the lock's name but none of its labels
 * (made by hand) reads as an unknown holder whose message says what it is.
 */
export function holderFromLabels(labels: Record<string, string>, volume: string, machineId: string): LockHolder {
  const runId = labels[LOCK_LABEL.runId];
  if (!runId) {
    return { owner: 'unknown', since: 'unknown', runId: 'unknown', message: `volume ${volume} on ${machineId} is not a dockplan lock: remove it with docker volume rm` };
  }
  const message = labels[LOCK_LABEL.message];
  return { owner: labels[LOCK_LABEL.owner] ?? 'unknown', since: labels[LOCK_LABEL.since] ?? 'unknown', runId, ...(message ? { message } : {}) };
}

/** How long ago a lock was taken, in words: `4m12s ago`, `2h5m ago`, `3d ago`; empty when `since` cannot be read. */
export function lockAgeText(since: string, now = Date.now()): string {
  const then = Date.parse(since);
  if (Number.isNaN(then)) return '';
  const s = Math.max(0, Math.floor((now - then) / 1000));
  if (s < 60) return `${s}s ago`;
  const [m, h] = [Math.floor(s / 60) % 60, Math.floor(s / 3600) % 24];
  if (s < 3600) return `${m}m${s % 60 ? `${s % 60}s` : ''} ago`;
  if (s < 86_400) return `${h}h${m ? `${m}m` : ''} ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** How many machines of `total` are a strict majority. */
export function majorityOf(total: number): number {
  return Math.floor(total / 2) + 1;
}

/** What the lock needs from the cluster: its machines, and labelled marker volumes on them. */
export type LockClient = MarkerClient & Pick<MachineClient, 'listMachines'>;

export interface ClusterDeployLockOptions {
  /** How often a waiting acquire tries again (ms); 1000 by default. */
  pollMs?: number;
}

type Attempt = { held: HeldLock } | { heldBy: LockHolder };

/**
 * The deploy lock over marker volumes on every machine (see the file comment for the protocol).
 * Claims go to the machines that are up one at a time, in name order, so two runs starting together
 * meet on the first machine and the loser backs off before it takes anything else. A waiting
 * acquire tries again every `pollMs`.
 */
export class ClusterDeployLock implements DeployLock {
  private readonly pollMs: number;

  constructor(
    private readonly client: LockClient,
    options: ClusterDeployLockOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
  }

  async acquire(service: string, holder: LockHolder, opts: AcquireOptions = {}): Promise<HeldLock | { heldBy: LockHolder }> {
    const deadline = Date.now() + (opts.waitMs ?? 0);
    let lastSeen: string | undefined;
    for (;;) {
      const attempt = await this.attempt(service, holder);
      if ('held' in attempt) return attempt.held;
      const left = deadline - Date.now();
      if (left <= 0 || opts.signal?.aborted) return attempt;
      const seen = `${attempt.heldBy.runId} ${attempt.heldBy.owner}`;
      if (seen !== lastSeen) opts.onWait?.(attempt.heldBy);
      lastSeen = seen;
      if (!(await pause(Math.min(this.pollMs, left), opts.signal))) return attempt;
    }
  }

  /**
   * One round of claims: held, or the holder met (with everything this round took given back). A
   * lock volume of a run that has ended (an ended marker names it, see releaseRun) is cleared on the
   * way, and claimed again.
   */
  private async attempt(service: string, holder: LockHolder): Promise<Attempt> {
    const machines = await this.client.listMachines();
    const up = machines.filter((x) => x.status === 'up').sort(byName);
    const volume = lockVolumeName(service);
    const labels = lockLabels(service, holder);
    const unreachable: UnreachableMachine[] = machines
      .filter((m) => m.status !== 'up')
      .map((m) => ({ machineId: m.id, reason: m.downReason ?? 'unreachable' }));
    const taken: string[] = [];
    // A claim that failed may still have created the volume (the answer was lost): release looks there too.
    const uncertain: string[] = [];
    const cleared = new Set<string>();
    for (const m of up) {
      let got = await this.claimOn(m.id, volume, labels);
      const other = 'labels' in got && got.labels[LOCK_LABEL.runId] !== holder.runId ? holderFromLabels(got.labels, volume, m.id) : undefined;
      if (other && other.runId !== 'unknown' && (await this.hasEnded(service, other.runId, up.map((x) => x.id)))) {
        await this.removeRunVolume(m.id, volume, other.runId).catch(() => undefined);
        cleared.add(other.runId);
        got = await this.claimOn(m.id, volume, labels);
      }
      if ('error' in got) {
        uncertain.push(m.id);
        unreachable.push({ machineId: m.id, reason: got.error });
        continue;
      }
      if (got.labels[LOCK_LABEL.runId] === holder.runId) {
        taken.push(m.id);
        continue;
      }
      await this.releaseRun(volume, holder.runId, [...taken, ...uncertain]).catch(() => undefined);
      return { heldBy: holderFromLabels(got.labels, volume, m.id) };
    }
    if (taken.length === 0) {
      throw new Error(`take the deploy lock of ${service}: no machine answered (${unreachable.map((u) => `${u.machineId}: ${u.reason}`).join('; ')})`);
    }
    // Holding every machine, no leftover of the cleared runs can remain anywhere: their markers go.
    if (taken.length === machines.length) {
      await Promise.all([...cleared].flatMap((runId) => taken.map((id) => this.client.removeVolume(id, endedMarkerName(service, runId)).catch(() => undefined))));
    }
    const held: HeldLock = {
      holder,
      machines: taken,
      release: () => this.releaseRun(volume, holder.runId, [...taken, ...uncertain], taken),
    };
    if (taken.length < majorityOf(machines.length)) {
      const missing = unreachable.map((u) => `${u.machineId} (${u.reason})`).join(', ');
      held.warning = `the deploy lock of ${service} is held on ${taken.join(', ')} only, not on a majority of the ${machines.length} machines: ` +
        `${missing} did not answer, so a run that sees only ${unreachable.length === 1 ? 'that machine' : 'those machines'} could take it too`;
    }
    return { held };
  }

  /** A claim on one machine: the labels of the volume there now, or why the machine did not answer. */
  private async claimOn(machineId: string, volume: string, labels: Record<string, string>): Promise<{ labels: Record<string, string> } | { error: string }> {
    try {
      return { labels: await this.client.claimVolume(machineId, volume, labels) };
    } catch (err) {
      return { error: messageOf(err) };
    }
  }

  /** Whether any of the machines carries the ended marker of `runId`: that run is over. */
  private async hasEnded(service: string, runId: string, machineIds: string[]): Promise<boolean> {
    const marker = endedMarkerName(service, runId);
    const found = await Promise.all(machineIds.map((id) => this.client.labelledVolumes(id, LOCK_LABEL.ended).then(
      (vs) => vs.some((v) => v.name === marker && v.labels[LOCK_LABEL.ended] === runId),
      () => false,
    )));
    return found.includes(true);
  }

  /** Removes the lock volume on the machine if it still carries `runId` (read, then remove). */
  private async removeRunVolume(machineId: string, volume: string, runId: string): Promise<void> {
    // Between the read and the remove only a hand release can touch that run's volume, and it
    // removes the same thing.
    const found = (await this.client.labelledVolumes(machineId, LOCK_LABEL.runId)).find((v) => v.name === volume);
    if (found?.labels[LOCK_LABEL.runId] === runId) await this.client.removeVolume(machineId, volume);
  }

  /**
   * Removes the volume on `machineIds` where it still carries `runId` (never another run's). Errors
   * on the machines of `mustAnswer` are reported; on the others (claims that failed) they are not.
   * When a machine it holds does not answer, the run leaves an ended marker on those that did, so
   * that the next run that meets its volume there (once the machine is back) knows it is over and
   * clears it instead of being refused by it.
   */
  private async releaseRun(volume: string, runId: string, machineIds: string[], mustAnswer: string[] = []): Promise<void> {
    const service = volume.slice(LOCK_VOLUME_PREFIX.length);
    const results = await Promise.all(machineIds.map(async (machineId) => {
      try {
        await this.removeRunVolume(machineId, volume, runId);
        return { machineId };
      } catch (err) {
        return { machineId, error: messageOf(err) };
      }
    }));
    const failed = results.filter((r) => r.error !== undefined && mustAnswer.includes(r.machineId));
    if (failed.length === 0) return;
    const answered = results.filter((r) => r.error === undefined).map((r) => r.machineId);
    const marked = await Promise.all(answered.map((id) => this.client.claimVolume(id, endedMarkerName(service, runId), { [LOCK_LABEL.ended]: runId, [LOCK_LABEL.service]: service }).then(() => true, () => false)));
    const where = failed.map((f) => f.machineId).join(', ');
    const after = marked.includes(true)
      ? `its lock volume stays on ${where}, and the next run of ${service} clears it once ${failed.length === 1 ? 'that machine answers' : 'those machines answer'} (or: dockplan lock release ${service})`
      : `its lock volume stays on ${where}: once ${failed.length === 1 ? 'that machine answers' : 'those machines answer'}, dockplan lock release ${service}`;
    throw new Error(`release the deploy lock of ${service}: ${failed.map((f) => `${f.machineId}: ${f.error}`).join('; ')}; ${after}`);
  }

  async survey(service?: string): Promise<LockSurvey> {
    const machines = await this.client.listMachines();
    const { claims, unreachable } = await this.readClaims(machines, service);
    return { locks: groupClaims(claims, machines.length), unreachable, machineCount: machines.length };
  }

  async breakLock(service: string, opts: { runIds?: string[] } = {}): Promise<BrokenLock> {
    const machines = await this.client.listMachines();
    const { claims, unreachable } = await this.readClaims(machines, service);
    const removed: Claim[] = [];
    const kept: Claim[] = [];
    await Promise.all(claims.map(async (c) => {
      if (opts.runIds && !opts.runIds.includes(c.holder.runId)) {
        kept.push(c);
        return;
      }
      try {
        await this.client.removeVolume(c.machineId, c.volume);
        removed.push(c);
      } catch (err) {
        unreachable.push({ machineId: c.machineId, reason: `remove volume ${c.volume}: ${messageOf(err)}` });
      }
    }));
    // With every machine answering, no volume of the removed runs is left: their ended markers go too.
    if (unreachable.length === 0) {
      const runs = new Set(removed.map((c) => c.holder.runId));
      await Promise.all(machines.flatMap((m) => [...runs].map((runId) => this.client.removeVolume(m.id, endedMarkerName(service, runId)).catch(() => undefined))));
    }
    return { removed: groupClaims(removed, machines.length), kept: groupClaims(kept, machines.length), unreachable: unreachable.sort((a, b) => byName({ name: a.machineId }, { name: b.machineId })), machineCount: machines.length };
  }

  /** The lock volumes on every machine that is up (of one service when given). */
  private async readClaims(machines: { id: string; name: string; status: string; downReason?: string }[], service?: string) {
    const unreachable: UnreachableMachine[] = [];
    const claims: Claim[] = [];
    await Promise.all(machines.map(async (m) => {
      if (m.status !== 'up') {
        unreachable.push({ machineId: m.id, reason: m.downReason ?? 'unreachable' });
        return;
      }
      try {
        for (const v of await this.client.labelledVolumes(m.id, LOCK_LABEL.lock)) {
          if (!isLockVolume(v.name)) continue;
          const name = v.labels[LOCK_LABEL.service] ?? v.name.slice(LOCK_VOLUME_PREFIX.length);
          if (service !== undefined && v.name !== lockVolumeName(service)) continue;
          claims.push({ machineId: m.id, volume: v.name, service: name, holder: holderFromLabels(v.labels, v.name, m.id) });
        }
      } catch (err) {
        unreachable.push({ machineId: m.id, reason: messageOf(err) });
      }
    }));
    return { claims, unreachable: unreachable.sort((a, b) => byName({ name: a.machineId }, { name: b.machineId })) };
  }
}

/** One lock volume on one machine. */
interface Claim {
  machineId: string;
  volume: string;
  service: string;
  holder: LockHolder;
}

/** Claims grouped by service and run, machines in name order; sorted by service, then start time. */
function groupClaims(claims: Claim[], machineCount: number): ServiceLock[] {
  const groups = new Map<string, ServiceLock>();
  for (const c of claims) {
    const key = `${c.service}\n${c.holder.runId}`;
    const group = groups.get(key) ?? { service: c.service, holder: c.holder, machines: [], majority: false };
    group.machines.push(c.machineId);
    groups.set(key, group);
  }
  const locks = [...groups.values()];
  for (const l of locks) {
    l.machines.sort((a, b) => byName({ name: a }, { name: b }));
    l.majority = l.machines.length >= majorityOf(machineCount);
  }
  return locks.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.holder.since < b.holder.since ? -1 : a.holder.since > b.holder.since ? 1 : 0));
}

/** Machines in name order (code-point order: the same on every operator's machine, whatever the locale). */
function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Waits `ms`; false when `signal` aborted first. */
function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
