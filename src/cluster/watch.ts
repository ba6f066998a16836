// Live changes of the cluster, for views that refresh themselves: one Docker event stream per
// machine (containers and volumes), machines going down and coming back, and a periodic relist as
// the fallback for anything a stream missed. Everything is reported through one debounced
// callback; the stop function ends every stream, request and timer.
import type Docker from 'dockerode';
import type { WatchReason } from '../execute/client.js';
import { engineRequest } from './connect.js';
import { isIdentityMarker } from './engine-identity.js';

/**
 * One machine to watch. Its name is its id in every reason. A machine listed twice in the cluster
 * file (two host strings, one engine) reports that engine's changes under both names.
 */
export interface WatchTarget {
  name: string;
  /** Absent when no handle could be made (a host string the transport cannot use). */
  docker?: Docker;
}

export interface WatchOptions {
  /** Changes within this window are reported once, at its end. Default 150 ms. */
  debounceMs?: number;
  /** A `relist` reason this often (also when each connected engine is pinged); 0 turns it off. Default 10 s. */
  relistMs?: number;
  /** A down machine is tried again this often. Default 3 s. */
  retryMs?: number;
  /** Deadline for connecting to an engine (the event stream's answer) and for a ping. Default 5 s. */
  connectTimeoutMs?: number;
}

export const DEFAULT_WATCH_OPTIONS: Required<WatchOptions> = {
  debounceMs: 150,
  relistMs: 10_000,
  retryMs: 3_000,
  connectTimeoutMs: 5_000,
};

/** Container actions that change what a listing shows. exec_*, attach, resize, top ... do not. */
export const CONTAINER_ACTIONS: ReadonlySet<string> = new Set([
  'create', 'start', 'die', 'stop', 'destroy', 'health_status', 'kill', 'oom', 'restart', 'rename', 'update',
]);

/** Volume actions that change the volume list. mount/unmount do not. */
export const VOLUME_ACTIONS: ReadonlySet<string> = new Set(['create', 'destroy']);

/** The filter sent with the events request: containers and volumes only. */
export const EVENT_FILTERS = JSON.stringify({ type: ['container', 'volume'] });

/**
 * The action of one NDJSON event line when it is an interesting one, else undefined (also for a
 * line that is not JSON). `health_status: healthy` reads `health_status`; volume actions are
 * prefixed: `volume create`. The marker volumes of an identity check (engine-identity.ts) do not
 * count: they come and go within one check, and a refresh that set off another check must not
 * refresh again because of it.
 */
export function interestingAction(line: string): string | undefined {
  let event: { Type?: unknown; Action?: unknown; status?: unknown; Actor?: { ID?: unknown } };
  try {
    event = JSON.parse(line) as typeof event;
  } catch {
    return undefined;
  }
  if (event === null || typeof event !== 'object') return undefined;
  const raw = typeof event.Action === 'string' ? event.Action : typeof event.status === 'string' ? event.status : undefined;
  if (raw === undefined) return undefined;
  const action = raw.split(':')[0]!.trim();
  const type = typeof event.Type === 'string' ? event.Type : 'container';
  if (type === 'container') return CONTAINER_ACTIONS.has(action) ? action : undefined;
  if (type === 'volume') {
    const volume = typeof event.Actor?.ID === 'string' ? event.Actor.ID : '';
    return VOLUME_ACTIONS.has(action) && !isIdentityMarker(volume) ? `volume ${action}` : undefined;
  }
  return undefined;
}

/** Splits a byte stream into lines; a line split across chunks is held until its end arrives. */
export class LineSplitter {
  private rest = '';
  private readonly decoder = new TextDecoder();

  push(chunk: Buffer | string): string[] {
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines.map((l) => l.trim()).filter((l) => l !== '');
  }
}

type Transition = Extract<WatchReason, { kind: 'machine-down' | 'machine-up' }>;

/**
 * Collects reasons and hands them on at most once per window: the window opens with the first
 * reason and closes debounceMs later (a steady flood cannot postpone it forever). At its end every
 * machine that went down or up is reported (latest state per machine); otherwise the last event;
 * otherwise a pending relist. A consumer reloads the state on any reason, so nothing it needs is lost.
 */
class Debouncer {
  private timer: NodeJS.Timeout | undefined;
  private readonly transitions = new Map<string, Transition>();
  private lastEvent: WatchReason | undefined;
  private relist = false;

  constructor(private readonly ms: number, private readonly onChange: (reason: WatchReason) => void) {}

  add(reason: WatchReason): void {
    if (reason.kind === 'machine-down' || reason.kind === 'machine-up') {
      this.transitions.delete(reason.machineId);
      this.transitions.set(reason.machineId, reason);
    } else if (reason.kind === 'event') this.lastEvent = reason;
    else this.relist = true;
    this.timer ??= setTimeout(() => this.flush(), this.ms);
  }

  private flush(): void {
    this.timer = undefined;
    const out: WatchReason[] = this.transitions.size > 0 ? [...this.transitions.values()] : this.lastEvent ? [this.lastEvent] : this.relist ? [{ kind: 'relist' }] : [];
    this.transitions.clear();
    this.lastEvent = undefined;
    this.relist = false;
    for (const reason of out) this.onChange(reason);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

type Stream = NodeJS.ReadableStream & { destroy?: (err?: Error) => void };

/** One machine's connection: its event stream while up, a retry timer while down. */
class MachineWatch {
  /** unknown until the first connect settles. */
  private state: 'unknown' | 'up' | 'down' = 'unknown';
  private stream: Stream | undefined;
  private streamController: AbortController | undefined;
  private streamOpenedAt = 0;
  /** Streams in a row that lived shorter than retryMs. */
  private quickDrops = 0;
  private connecting = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** The stream dropped while the engine stayed up: events may have been missed. */
  private missed = false;
  private stopped = false;
  /** Cancels in-flight requests (connect, ping) and their deadline timers. */
  private readonly pending = new Set<() => void>();

  constructor(
    private readonly target: WatchTarget,
    private readonly opts: Required<WatchOptions>,
    private readonly report: (reason: WatchReason) => void,
  ) {}

  private get machineId(): string {
    return this.target.name;
  }

  start(): void {
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    for (const cancel of [...this.pending]) cancel();
    this.pending.clear();
    this.closeStream();
  }

  /** Pings the engine while its stream is open; a stream that hangs on a dead peer is dropped. */
  async heartbeat(): Promise<void> {
    const docker = this.target.docker;
    const stream = this.stream;
    if (this.stopped || !docker || !stream) return;
    try {
      await this.request((signal) => engineRequest<unknown>(docker, { path: '/_ping', method: 'GET', abortSignal: signal, statusCodes: { 200: true } }));
    } catch {
      if (this.stream === stream) this.lost(stream);
    }
  }

  private async connect(): Promise<void> {
    const docker = this.target.docker;
    if (this.stopped || this.connecting || this.stream) return;
    if (!docker) {
      this.markDown();
      return;
    }
    this.connecting = true;
    const controller = new AbortController();
    let stream: Stream;
    try {
      // the deadline covers the answer's headers, which come at once; the stream then stays open
      stream = await this.request(async (signal) => {
        signal.addEventListener('abort', () => controller.abort(), { once: true });
        return (await docker.getEvents({ filters: EVENT_FILTERS, abortSignal: controller.signal } as Docker.GetEventsOptions)) as Stream;
      });
    } catch {
      this.connecting = false;
      if (this.stopped) return;
      this.markDown();
      this.scheduleRetry();
      return;
    }
    this.connecting = false;
    if (this.stopped) {
      controller.abort();
      stream.destroy?.();
      return;
    }
    this.stream = stream;
    this.streamController = controller;
    this.streamOpenedAt = Date.now();
    this.follow(stream);
    const before = this.state;
    this.state = 'up';
    if (before === 'down') this.report({ kind: 'machine-up', machineId: this.machineId });
    else if (this.missed) this.report({ kind: 'relist' });
    this.missed = false;
  }

  private follow(stream: Stream): void {
    const lines = new LineSplitter();
    stream.on('data', (chunk: Buffer | string) => {
      if (this.stream !== stream) return;
      for (const line of lines.push(chunk)) {
        const action = interestingAction(line);
        if (action) this.report({ kind: 'event', machineId: this.machineId, action });
      }
    });
    const end = () => this.lost(stream);
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', end);
  }

  /**
   * The stream ended or failed: reconnect at once (when that fails the machine is down). From the
   * second stream in a row that lived shorter than retryMs on, wait retryMs first, so an engine
   * that answers but keeps dropping the stream is not hammered.
   */
  private lost(stream: Stream): void {
    if (this.stream !== stream) return;
    this.closeStream();
    if (this.stopped) return;
    this.missed = true;
    this.quickDrops = Date.now() - this.streamOpenedAt < this.opts.retryMs ? this.quickDrops + 1 : 0;
    if (this.quickDrops >= 2) this.scheduleRetry();
    else void this.connect();
  }

  private closeStream(): void {
    const stream = this.stream;
    const controller = this.streamController;
    this.stream = undefined;
    this.streamController = undefined;
    controller?.abort();
    stream?.destroy?.();
  }

  private markDown(): void {
    if (this.state === 'down') return;
    this.state = 'down';
    this.report({ kind: 'machine-down', machineId: this.machineId });
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, this.opts.retryMs);
  }

  /**
   * One request under the connect deadline. The race makes sure a transport that ignores the abort
   * cannot hang the watcher; stop() cancels it (its timer included) at once.
   */
  private request<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let cancel!: () => void;
    const deadline = new Promise<never>((_, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        controller.abort();
        reject(new Error(why));
      };
      timer = setTimeout(() => fail(`no answer within ${this.opts.connectTimeoutMs} ms`), this.opts.connectTimeoutMs);
      cancel = () => fail('stopped');
    });
    this.pending.add(cancel);
    const work = call(controller.signal);
    work.catch(() => {}); // a late failure after the deadline is not an unhandled rejection
    return Promise.race([work, deadline]).finally(() => {
      clearTimeout(timer);
      this.pending.delete(cancel);
    });
  }
}

/**
 * Watches every target's engine; see ClusterWatch.watch. A machine that cannot be reached at the
 * start is reported down once (its state was never seen); one that answers at the start is not
 * reported. Returns the stop function (idempotent).
 */
export function watchEngines(targets: readonly WatchTarget[], onChange: (reason: WatchReason) => void, options: WatchOptions = {}): () => void {
  const opts: Required<WatchOptions> = { ...DEFAULT_WATCH_OPTIONS };
  for (const [key, value] of Object.entries(options) as [keyof WatchOptions, number | undefined][]) {
    if (value !== undefined) opts[key] = value;
  }
  let stopped = false;
  const debouncer = new Debouncer(Math.max(0, opts.debounceMs), (reason) => {
    if (!stopped) onChange(reason);
  });
  const report = (reason: WatchReason) => {
    if (!stopped) debouncer.add(reason);
  };
  const watches = targets.map((t) => new MachineWatch(t, opts, report));
  for (const w of watches) w.start();
  const relist = opts.relistMs > 0 && Number.isFinite(opts.relistMs)
    ? setInterval(() => {
        report({ kind: 'relist' });
        for (const w of watches) void w.heartbeat();
      }, opts.relistMs)
    : undefined;
  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(relist);
    debouncer.stop();
    for (const w of watches) w.stop();
  };
}
