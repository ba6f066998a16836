// A service's logs as one stream: every container in scope read at once, merged by time
// (log-merge.ts), and, when following, containers that start meanwhile (a deploy replacing one)
// picked up and machines going down and coming back told as notices. What `dockplan logs` prints
// and the view's logs pane shows.
import type { ClusterState, ContainerState } from '../model/cluster.js';
import { findService, unseenMachines } from '../model/cluster.js';
import type { LogFollowClient, LogRecord } from './client.js';
import { messageOf, statusCodeOf } from './errors.js';
import { DEFAULT_REORDER_WINDOW_MS, LogReorder, logTimeNs } from './log-merge.js';
import { resolveLogScope, type LogScope } from './log-scope.js';

/** What to read and how: the scope, then Docker's `logs` options. */
export interface ServiceLogOptions extends LogScope {
  /** Keep reading: new records, new containers, machines down and back, until stopped. */
  follow: boolean;
  /** Only records from this time on, ms since the epoch. */
  since?: number;
  /** The last N records of each container at the start, or 'all'. */
  tail: number | 'all';
  /** How long a followed record may wait for older ones from other containers, ms (default 200). */
  windowMs?: number;
}

/**
 * One entry of the merged stream: a container's record with the names to prefix it with, or a
 * notice about a machine or a container (`m2 is down (connection refused): ...`), already in words.
 */
export type ServiceLogEntry =
  | { kind: 'record'; machineId: string; machine: string; containerId: string; container: string; record: LogRecord }
  | { kind: 'notice'; machineId: string; machine: string; text: string };

/** One container of the scope and how far its logs have been read. */
interface Followed {
  containerId: string;
  machineId: string;
  machine: string;
  container: string;
  /** The stream reading it now. */
  stream?: { source: string; controller: AbortController };
  /** The newest record's time read (ns): a resumed stream skips what was read before. */
  lastKey?: bigint;
  /** Its stream failed with an error: not resumed until its machine comes back. */
  failed?: boolean;
  /** Streams in a row that ended within a second while the container ran on. */
  quickEnds: number;
}

/** A stream that ends within this many ms of its start counts as a quick end. */
const QUICK_END_MS = 1_000;
/** After this many quick ends in a row a container's logs are no longer resumed. */
const QUICK_END_LIMIT = 3;

/**
 * A service's merged logs. `open` finds the scope (and throws LogScopeError when the service or a
 * machine is not there); `run` streams until the read is over (no follow: every container's records
 * sent) or `signal` aborts (follow), handing entries over in batches, oldest first.
 *
 * Ordering: see LogReorder. Without follow the merge is exact. With it a record waits at most
 * `windowMs` for older ones from the other containers. Containers found later (a deploy replacing
 * one, a machine back) are read from the time following began; a container that stopped and runs
 * again is read from its last record on, skipping what was already shown.
 */
export class ServiceLogs {
  private readonly followed = new Map<string, Followed>();
  private readonly reorder: LogReorder<ServiceLogEntry>;
  private readonly notices: ServiceLogEntry[] = [];
  /** Machines in scope told as down (by id). */
  private readonly down = new Set<string>();
  private onEntries: (entries: ServiceLogEntry[]) => void = () => undefined;
  private startedMs = 0;
  private streamSeq = 0;
  private active = 0;
  private stopped = false;
  private flushQueued = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private rescanning = false;
  private rescanAgain = false;
  private stopWatch: (() => void) | undefined;
  private finish: () => void = () => undefined;

  private constructor(
    private readonly client: LogFollowClient,
    private readonly options: ServiceLogOptions,
    private readonly initial: ClusterState,
    /** The service's name as found. */
    readonly service: string,
  ) {
    this.reorder = new LogReorder(options.follow ? options.windowMs ?? DEFAULT_REORDER_WINDOW_MS : Infinity);
  }

  /**
   * Finds the scope in `known` (a state just loaded, as the view holds one), else in a fresh load
   * of the cluster. Throws LogScopeError (see resolveLogScope), or the load's error.
   */
  static async open(client: LogFollowClient, options: ServiceLogOptions, known?: ClusterState): Promise<ServiceLogs> {
    const state = known ?? await client.loadState();
    const scope = resolveLogScope(state, options);
    const logs = new ServiceLogs(client, options, state, scope.service);
    for (const c of scope.containers) logs.track(c, state);
    return logs;
  }

  /** The containers in scope so far as `{machine, container}` names, for lining up prefixes. */
  sources(): { machine: string; container: string }[] {
    return [...this.followed.values()].map((f) => ({ machine: f.machine, container: f.container }));
  }

  /**
   * Streams: `onEntries` gets each batch of entries that may go out, oldest first. Resolves when
   * the read is over, or soon after `signal` aborts (held records are handed over first). Never
   * rejects: a machine or container that fails is a notice.
   */
  run(onEntries: (entries: ServiceLogEntry[]) => void, signal?: AbortSignal): Promise<void> {
    this.onEntries = onEntries;
    this.startedMs = Date.now();
    const done = new Promise<void>((resolve) => (this.finish = resolve));
    if (signal?.aborted) {
      this.stop();
      return done;
    }
    signal?.addEventListener('abort', () => this.stop(), { once: true });
    const scoped = resolveLogScope(this.initial, this.options).machines;
    for (const m of unseenMachines(this.initial).filter((u) => scoped.some((s) => s.id === u.id))) this.machineDown(m.id, m.name, m.downReason);
    for (const f of this.followed.values()) this.startStream(f, this.options.since, this.options.tail, false);
    if (this.options.follow) {
      this.stopWatch = this.client.watch?.(() => void this.rescan());
    }
    this.queueFlush();
    return done;
  }

  /** Ends the read: streams and the watch stop; held records are handed over. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopWatch?.();
    this.stopWatch = undefined;
    for (const f of this.followed.values()) f.stream?.controller.abort();
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const rest = [...this.reorder.drain(), ...this.notices.splice(0)];
    if (rest.length > 0) this.onEntries(rest);
    this.finish();
  }

  // ---- containers and their streams ----------------------------------------------------------

  private track(c: ContainerState, state: ClusterState): Followed {
    const machine = state.machines.find((m) => m.id === c.machineId)?.name ?? c.machineId;
    const f: Followed = { containerId: c.id, machineId: c.machineId, machine, container: c.name, quickEnds: 0 };
    this.followed.set(c.id, f);
    return f;
  }

  private startStream(f: Followed, since: number | undefined, tail: number | 'all', resumed: boolean): void {
    const source = `${f.containerId}#${++this.streamSeq}`;
    const controller = new AbortController();
    f.stream = { source, controller };
    this.reorder.open(source);
    this.active++;
    void this.pump(f, source, controller.signal, since, tail, resumed ? f.lastKey : undefined);
  }

  private async pump(f: Followed, source: string, signal: AbortSignal, since: number | undefined, tail: number | 'all', skipUpTo: bigint | undefined): Promise<void> {
    const startedMs = Date.now();
    let ended: 'clean' | 'failed' = 'clean';
    try {
      const records = this.client.streamLogs(f.machineId, f.containerId, { follow: this.options.follow, ...(since !== undefined ? { since } : {}), tail, signal });
      for await (const record of records) {
        if (this.stopped) break;
        const key = logTimeNs(record.time) ?? f.lastKey ?? 0n;
        if (skipUpTo !== undefined && key <= skipUpTo) continue;
        if (f.lastKey === undefined || key > f.lastKey) f.lastKey = key;
        const entry: ServiceLogEntry = { kind: 'record', machineId: f.machineId, machine: f.machine, containerId: f.containerId, container: f.container, record };
        this.reorder.push(source, key, entry, Date.now());
        this.queueFlush();
      }
    } catch (err) {
      if (!signal.aborted && !this.stopped) {
        ended = 'failed';
        this.streamFailed(f, err);
      }
    } finally {
      if (f.stream?.source === source) f.stream = undefined;
      this.reorder.close(source);
      this.active--;
      if (!signal.aborted) f.quickEnds = ended === 'clean' && Date.now() - startedMs < QUICK_END_MS ? f.quickEnds + 1 : 0;
      if (this.options.follow && !this.stopped) void this.rescan();
      this.queueFlush();
    }
  }

  /** A stream that failed: its machine down (it did not answer), the container gone (quietly), or a notice with Docker's words. */
  private streamFailed(f: Followed, err: unknown): void {
    if ((err as { unreachable?: unknown }).unreachable === true) {
      this.machineDown(f.machineId, f.machine, (err as { reason?: string }).reason ?? messageOf(err));
      return;
    }
    if (statusCodeOf(err) === 404) return;
    f.failed = true;
    this.notice(f.machineId, f.machine, messageOf(err));
  }

  // ---- following: the cluster as it changes --------------------------------------------------

  /**
   * Reads the cluster again (on every watch reason, and when a stream ends): machines in scope that
   * went down or came back are told; the service's containers not read yet are read from the time
   * following began; stopped ones that run again are read from their last record on.
   */
  private async rescan(): Promise<void> {
    if (this.stopped) return;
    if (this.rescanning) {
      this.rescanAgain = true;
      return;
    }
    this.rescanning = true;
    try {
      const state = await this.client.loadState();
      if (!this.stopped) this.catchUp(state);
    } catch {
      // The next watch reason (at the latest the periodic relist) reads it again.
    } finally {
      this.rescanning = false;
      if (this.rescanAgain && !this.stopped) {
        this.rescanAgain = false;
        void this.rescan();
      }
    }
  }

  private catchUp(state: ClusterState): void {
    const asked = this.options.machines ?? [];
    const inScope = (m: { id: string; name: string }) => asked.length === 0 || asked.includes(m.name) || asked.includes(m.id);
    const unseen = new Set(unseenMachines(state).map((m) => m.id));
    for (const m of state.machines.filter(inScope)) {
      if (unseen.has(m.id)) this.machineDown(m.id, m.name, m.downReason);
      else if (m.status === 'up' && this.down.delete(m.id)) {
        this.notice(m.id, m.name, `${m.name} is back: its containers' logs follow again`);
        for (const f of this.followed.values()) if (f.machineId === m.id) f.failed = false;
      }
    }
    const service = findService(state, this.service);
    for (const c of service?.containers ?? []) {
      const machine = state.machines.find((m) => m.id === c.machineId);
      if (!machine || !inScope(machine) || this.down.has(machine.id)) continue;
      if (this.options.containerId !== undefined && c.id !== this.options.containerId) continue;
      const f = this.followed.get(c.id);
      if (!f) this.startStream(this.track(c, state), Math.max(this.options.since ?? 0, this.startedMs), 'all', false);
      else if (!f.stream && !f.failed && c.state === 'running' && f.quickEnds < QUICK_END_LIMIT) {
        this.startStream(f, f.lastKey === undefined ? this.startedMs : Number(f.lastKey / 1_000_000n), 'all', true);
      }
    }
  }

  private machineDown(machineId: string, machine: string, reason: string | undefined): void {
    if (this.down.has(machineId)) return;
    this.down.add(machineId);
    // A stream from a machine that stopped answering may hang rather than end: it is read again when the machine is back.
    for (const f of this.followed.values()) if (f.machineId === machineId) f.stream?.controller.abort();
    const until = this.options.follow ? 'until it is back' : 'now';
    this.notice(machineId, machine, `${machine} is down${reason ? ` (${reason})` : ''}: its containers' logs cannot be read ${until}`);
  }

  private notice(machineId: string, machine: string, text: string): void {
    this.notices.push({ kind: 'notice', machineId, machine, text });
    this.queueFlush();
  }

  // ---- handing entries over ------------------------------------------------------------------

  /** One flush per turn of the event loop, however many records arrived in it. */
  private queueFlush(): void {
    if (this.flushQueued || this.stopped) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.stopped) return;
    const now = Date.now();
    const out = [...this.reorder.release(now), ...this.notices.splice(0)];
    if (out.length > 0) this.onEntries(out);
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const next = this.reorder.nextDeadline();
    if (next !== undefined) this.flushTimer = setTimeout(() => this.flush(), Math.max(0, next - now));
    if (!this.options.follow && this.active === 0) this.stop();
  }
}
