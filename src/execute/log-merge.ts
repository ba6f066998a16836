// Several containers' log records as one stream in time order. Pure: the caller says what arrived
// and when (its own clock), and asks what may go out now.

/**
 * A record's time as nanoseconds since the epoch, for ordering the records of several containers.
 * Docker writes RFC 3339 with nine fraction digits in UTC; fewer digits and offsets compare right
 * too. undefined when the text is not an RFC 3339 time.
 */
export function logTimeNs(time: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(time);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (!Number.isFinite(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** The reorder window of a followed merge, in ms: long enough for a record to cross an ssh hop. */
export const DEFAULT_REORDER_WINDOW_MS = 200;

interface Held<T> {
  key: bigint;
  /** Arrival order: equal times keep the order they came in. */
  seq: number;
  arrivedMs: number;
  item: T;
}

/**
 * Merges the records of several sources (one per container stream) by time.
 *
 * Each source sends its own records in time order (Docker does, per container), so once a source
 * has sent a record at time t nothing older will come from it: a held record goes out as soon as
 * every open source has sent something at least as new (its "watermark"), which is exact. A quiet
 * source would then hold everything back, so no record is held longer than `windowMs` after it
 * arrived: when one's window closes, it goes out with every held record older than it. A record
 * that arrives older than one already sent (from a source slower than the window) goes out at once,
 * out of order, rather than never. With `windowMs` Infinity only the watermark counts: exact, for
 * reads that end (no follow).
 *
 * Sources are named by the caller; a source that was added and has sent nothing yet holds
 * everything (up to the window) until it sends or ends.
 */
export class LogReorder<T> {
  private readonly held: Held<T>[] = [];
  /** Open sources and the newest time each has sent (undefined: nothing yet). */
  private readonly sources = new Map<string, bigint | undefined>();
  private seq = 0;

  /** @param windowMs the longest a record is held, in ms (Infinity: until every source has passed it). */
  constructor(private readonly windowMs: number) {}

  /** A source that will send records: it holds back the others until it sends or ends. */
  open(source: string): void {
    if (!this.sources.has(source)) this.sources.set(source, undefined);
  }

  /** A source that will send nothing more. */
  close(source: string): void {
    this.sources.delete(source);
  }

  /** A record from `source` at time `key` (ns, see logTimeNs), arrived at `nowMs`. Opens the source if needed. */
  push(source: string, key: bigint, item: T, nowMs: number): void {
    const newest = this.sources.get(source);
    this.sources.set(source, newest === undefined || key > newest ? key : newest);
    const held: Held<T> = { key, seq: this.seq++, arrivedMs: nowMs, item };
    // Records mostly come in order: search from the end.
    let at = this.held.length;
    while (at > 0 && this.held[at - 1]!.key > key) at--;
    this.held.splice(at, 0, held);
  }

  /** The records that may go out at `nowMs`, oldest first (see the class comment for the rule). */
  release(nowMs: number): T[] {
    let cut: bigint | undefined = this.watermark();
    for (const h of this.held) {
      if (nowMs - h.arrivedMs >= this.windowMs && (cut === undefined || h.key > cut)) cut = h.key;
    }
    if (cut === undefined) return [];
    let n = 0;
    while (n < this.held.length && this.held[n]!.key <= cut) n++;
    return this.held.splice(0, n).map((h) => h.item);
  }

  /** Everything held, oldest first, whatever the sources: for the end of a read. */
  drain(): T[] {
    return this.held.splice(0).map((h) => h.item);
  }

  /** When (ms, the caller's clock) the oldest-arrived held record's window closes; undefined when nothing is held or the window is infinite. */
  nextDeadline(): number | undefined {
    if (this.held.length === 0 || !Number.isFinite(this.windowMs)) return undefined;
    return Math.min(...this.held.map((h) => h.arrivedMs)) + this.windowMs;
  }

  /** How many records are held. */
  get size(): number {
    return this.held.length;
  }

  /** The oldest time every open source has passed; undefined while one has sent nothing. No open source: no limit. */
  private watermark(): bigint | undefined {
    let low: bigint | undefined;
    for (const newest of this.sources.values()) {
      if (newest === undefined) return undefined;
      if (low === undefined || newest < low) low = newest;
    }
    if (low !== undefined) return low;
    // No source is open: everything held may go.
    return this.held.length > 0 ? this.held[this.held.length - 1]!.key : undefined;
  }
}
