// A terminal for the view's benchmarks: a TTY-like stdout that records every write (when, how
// many bytes) and a stdin that keys can be typed into, so the view runs as it does over SSH
// without a terminal. Shared by tui.bench.tsx and terminal-bytes.bench.tsx.
//
// Ink reads its environment once, when it is first imported: outside a terminal that looks like a
// CI (CI=true) it writes only the last frame at exit, and colours follow FORCE_COLOR. So the
// benchmarks call `terminalEnvironment()` first and import ink (and the view) only after it.
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';

/**
 * Makes this process look like an interactive 256-colour terminal to Ink and chalk: CI and
 * CONTINUOUS_INTEGRATION removed, NO_COLOR removed, FORCE_COLOR=2. Call before importing ink.
 */
export function terminalEnvironment(): void {
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  delete process.env.NO_COLOR;
  process.env.FORCE_COLOR = '2';
}

/** One write to the terminal: when (performance.now(), ms) and what. */
export interface TerminalWrite {
  at: number;
  text: string;
  bytes: number;
}

/**
 * A stdout that is a TTY of `columns` x `rows` (120 x 40 by default) and keeps every write; `bytes`
 * is the total written (UTF-8), what an SSH link would carry before compression.
 */
export class FakeTty extends Writable {
  readonly isTTY = true;
  columns: number;
  rows: number;
  bytes = 0;
  readonly writes: TerminalWrite[] = [];
  private readonly waiters = new Set<(w: TerminalWrite) => void>();

  constructor(columns = 120, rows = 40) {
    super({ decodeStrings: false });
    this.columns = columns;
    this.rows = rows;
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    const w: TerminalWrite = { at: performance.now(), text, bytes: Buffer.byteLength(text) };
    this.bytes += w.bytes;
    this.writes.push(w);
    for (const waiter of [...this.waiters]) waiter(w);
    callback();
  }

  /** Bytes written since `at` (a performance.now() moment). */
  bytesSince(at: number): number {
    let n = 0;
    for (let i = this.writes.length - 1; i >= 0 && this.writes[i]!.at >= at; i--) n += this.writes[i]!.bytes;
    return n;
  }

  /**
   * The first write from now on for which `accept` holds (by default any), or the last one
   * already written if `accept` holds for it and `includeLast`. Rejects after `timeoutMs` naming
   * `what`, so a benchmark whose frame never comes fails instead of hanging.
   */
  nextWrite(what: string, accept: (w: TerminalWrite) => boolean = () => true, timeoutMs = 10_000): Promise<TerminalWrite> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no frame ${what} within ${timeoutMs} ms (last write: ${JSON.stringify(this.writes.at(-1)?.text.slice(-200) ?? '')})`));
      }, timeoutMs);
      const waiter = (w: TerminalWrite) => {
        if (!accept(w)) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(w);
      };
      this.waiters.add(waiter);
    });
  }
}

/** A stdin in raw mode, as Ink reads it ('readable', then read() until null). `type` sends keys. */
export class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  private queued: string[] = [];

  /** Sends keys as a terminal would (e.g. 'j', '\r', '\x1b[B' for the down arrow). */
  type(keys: string): void {
    this.queued.push(keys);
    this.emit('readable');
  }

  read(): string | null {
    return this.queued.shift() ?? null;
  }

  setEncoding(): this {
    return this;
  }

  setRawMode(): this {
    return this;
  }

  resume(): this {
    return this;
  }

  pause(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }
}

/** Terminal key sequences the benchmarks type. */
export const KEYS = { down: '\x1b[B', up: '\x1b[A', enter: '\r', esc: '\x1b' } as const;

/** Resolves after `ms` milliseconds: pacing a simulated engine or a typist, never waiting for a result. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
