// Docker's container events of every test machine, as one live stream, and what a rollout looks
// like in it: the moment every new replica is healthy and every old one has stopped. The rollout
// benchmark (test/bench/rollout.bench.ts) times Docker Swarm and dockplan alike with it, so that
// neither is timed by a poll interval of its own.
import type Docker from 'dockerode';

/** One machine's engine, by its cluster-file name. */
export interface EventSource {
  name: string;
  docker: Docker;
}

/** One Docker event as it arrived here. */
export interface SeenEvent {
  machine: string;
  /** performance.now() when the event reached this process (ms). */
  at: number;
  /** `container`, `service`, ... */
  type: string;
  /** `create`, `start`, `health_status: healthy`, `die`, `destroy`, `update`, ... */
  action: string;
  /** The container's (or service's) id. */
  id: string;
  /** Docker's attributes: a container's labels, `name`, `image`; a service's `updatestate.new`. */
  attributes: Record<string, string>;
}

interface RawEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/**
 * A subscription to the container and service events of several engines (Docker's
 * `GET /events`), open until close(). Listeners see every event from the moment they are added.
 */
export class EngineEvents {
  private readonly listeners = new Set<(event: SeenEvent) => void>();
  private readonly streams: NodeJS.ReadableStream[] = [];
  private closed = false;

  private constructor() {}

  /** Subscribes on every engine; resolves once each engine has answered (events from then on are seen). */
  static async open(sources: readonly EventSource[]): Promise<EngineEvents> {
    const events = new EngineEvents();
    try {
      await Promise.all(sources.map((s) => events.subscribe(s)));
    } catch (err) {
      events.close();
      throw err;
    }
    return events;
  }

  private async subscribe(source: EventSource): Promise<void> {
    const stream = (await source.docker.getEvents({
      filters: JSON.stringify({ type: ['container', 'service'] }),
    } as unknown as Parameters<Docker['getEvents']>[0])) as NodeJS.ReadableStream;
    this.streams.push(stream);
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const at = performance.now();
      rest += chunk.toString('utf8');
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, nl).trim();
        rest = rest.slice(nl + 1);
        if (!line) continue;
        const raw = JSON.parse(line) as RawEvent;
        const event: SeenEvent = {
          machine: source.name,
          at,
          type: raw.Type ?? '',
          action: raw.Action ?? raw.status ?? '',
          id: raw.Actor?.ID ?? raw.id ?? '',
          attributes: raw.Actor?.Attributes ?? {},
        };
        for (const listener of this.listeners) listener(event);
      }
    });
    stream.on('error', (err: Error) => {
      if (!this.closed) console.error(`docker events of ${source.name} failed: ${err.message}`);
    });
  }

  /** Calls `listener` with every event from now on; returns the function that stops it. */
  listen(listener: (event: SeenEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves with the first event that `match` accepts, from now on; rejects after `timeoutMs`
   * with `what` in the message.
   */
  next(match: (event: SeenEvent) => boolean, what: string, timeoutMs: number): Promise<SeenEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`no Docker event within ${timeoutMs} ms: ${what}`));
      }, timeoutMs);
      const stop = this.listen((event) => {
        if (!match(event)) return;
        clearTimeout(timer);
        stop();
        resolve(event);
      });
    });
  }

  /** Ends every subscription. */
  close(): void {
    this.closed = true;
    this.listeners.clear();
    for (const s of this.streams) (s as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  }
}

/** What a replacing rollout of one service looked like in the events, in ms since its start. */
export interface RolloutSeen {
  /** The moment the service ran exactly its new, healthy replicas and nothing else. */
  convergedMs: number;
  /** The last new container's `health_status: healthy` before that moment. */
  lastHealthyMs: number;
  /** The last old container's `die` before that moment. */
  lastOldStoppedMs: number;
  /** New containers created (more than `replicas` when some failed and were replaced). */
  created: number;
}

/** What one service's rollout is, for watchRollout. */
export interface RolloutWatch {
  /** Whether a container event belongs to the service (by its labels). */
  member: (attributes: Record<string, string>) => boolean;
  /** The ids of the service's containers running before the change (the ones it replaces). */
  old: ReadonlySet<string>;
  /** How many new replicas must run, healthy. */
  replicas: number;
  /** performance.now() of the change's start: the figures count from here. */
  since: number;
  /** Gives up (rejecting, with what was seen) after this long (ms). */
  timeoutMs: number;
}

/**
 * Watches `events` (listening from the call on: call it before the change starts) until the
 * service has converged: the containers of it that run are exactly `replicas` containers created
 * after the call, each having reported `health_status: healthy`, and none of `old` (nor any other
 * container started before) still runs. The running set is kept from `start` and `die` events, so
 * a slot Swarm is still updating, or a task it replaced, keeps it from converging. Throws when that
 * takes longer than `timeoutMs`, saying how far it got.
 */
export function watchRollout(events: EngineEvents, watch: RolloutWatch): Promise<RolloutSeen> {
  const created = new Set<string>();
  /** Running containers of the service: whether each is new, and healthy. */
  const running = new Map<string, { fresh: boolean; healthy: boolean }>([...watch.old].map((id) => [id, { fresh: false, healthy: true }]));
  let lastHealthy = watch.since;
  let lastStopped = watch.since;
  const converged = (): boolean => running.size === watch.replicas && [...running.values()].every((c) => c.fresh && c.healthy);
  return new Promise((resolve, reject) => {
    const finish = (at: number) => {
      clearTimeout(timer);
      stop();
      resolve({ convergedMs: at - watch.since, lastHealthyMs: lastHealthy - watch.since, lastOldStoppedMs: lastStopped - watch.since, created: created.size });
    };
    const timer = setTimeout(() => {
      stop();
      const states = [...running.values()];
      reject(new Error(`the rollout did not converge within ${watch.timeoutMs} ms: ${states.filter((c) => c.fresh && c.healthy).length} of ${watch.replicas} new replicas healthy (${created.size} created), ${states.filter((c) => !c.fresh).length} old ones still running`));
    }, watch.timeoutMs);
    const stop = events.listen((e) => {
      if (e.type !== 'container' || !watch.member(e.attributes)) return;
      if (e.action === 'create') {
        if (!watch.old.has(e.id)) created.add(e.id);
        return;
      }
      if (e.action === 'start') {
        if (!running.has(e.id)) running.set(e.id, { fresh: created.has(e.id), healthy: false });
      } else if (e.action === 'health_status: healthy') {
        const c = running.get(e.id);
        if (!c || c.healthy) return;
        c.healthy = true;
        if (c.fresh) lastHealthy = e.at;
      } else if (e.action === 'die') {
        const c = running.get(e.id);
        if (!c) return;
        running.delete(e.id);
        if (!c.fresh) lastStopped = e.at;
      } else return;
      if (converged()) finish(e.at);
    });
    if (converged()) finish(watch.since);
  });
}
