// Checks fuzzed spec files in a worker thread, one at a time, so that time and memory stay bounded
// even for an input that loops or allocates without end: a synchronous loop cannot be interrupted
// in the thread that runs it, but a worker can be terminated from outside, and a worker's heap has
// its own limit (running out ends the worker, not the test).
import { Worker } from 'node:worker_threads';
import type { Outcome, Problem, Situation } from './spec-outcome.js';

/** The verdict on one spec file. `problems` is empty when the file ended as it should. */
export interface Verdict {
  kind: Outcome['kind'] | 'timeout' | 'out-of-memory' | 'worker-failed';
  /** Time to parse, resolve, plan and print, in milliseconds (the watchdog's limit for a timeout). */
  ms: number;
  /** Located errors reported (kind `errors`). */
  errors: number;
  problems: Problem[];
}

/** A message to the worker. `misbehave` spins or allocates without end, to test the checker itself. */
export type CheckerRequest =
  | { type: 'check'; id: number; text: string; situation: Situation; budgetMs: number }
  | { type: 'heap'; id: number }
  | { type: 'misbehave'; id: number; how: 'spin' | 'hoard' };

/** A message from the worker. */
export type CheckerReply =
  | { type: 'ready' }
  | { type: 'verdict'; id: number; verdict: Verdict }
  | { type: 'heap'; id: number; heapUsed: number };

/** Limits of a SpecChecker: how long a file may run, and how much heap its worker may use. */
export interface SpecCheckerOptions {
  /** An input still running after this long (milliseconds) is a hang: the worker is ended. */
  watchdogMs: number;
  /** Inputs slower than this (milliseconds) are reported as problems. */
  budgetMs: number;
  /** The worker's old-generation heap limit, in MiB. */
  heapLimitMb: number;
}

const ENTRY = new URL('./spec-check-worker.ts', import.meta.url).href;
// A worker does not inherit the loader hooks that run TypeScript, so it registers tsx itself.
const BOOT = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(ENTRY)}); })`;

interface Pending {
  id: number;
  resolve: (reply: CheckerReply | { type: 'gone'; reason: 'timeout' | 'out-of-memory' | 'worker-failed'; message: string }) => void;
}

interface Booting {
  worker: Worker;
  /** Settles when the worker has loaded the checker; rejects if it dies first. */
  ready: Promise<void>;
}

/**
 * One worker checking spec files in order. A spare is kept booted, so that after a hang or a crash
 * the next file goes to a ready worker while another spare boots.
 */
export class SpecChecker {
  private current?: Booting;
  private spare?: Booting;
  private pending?: Pending;
  private nextId = 1;
  private closed = false;
  /** Workers ended by a hang, running out of memory or failing; each was replaced by the spare. */
  replaced = 0;

  constructor(readonly options: SpecCheckerOptions) {}

  private boot(): Booting {
    const worker = new Worker(BOOT, { eval: true, resourceLimits: { maxOldGenerationSizeMb: this.options.heapLimitMb } });
    // a worker ended after a timeout, or still a spare, reports nothing to the pending check
    const isCurrent = () => this.current?.worker === worker;
    const ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (reply: CheckerReply) => {
        if (reply.type === 'ready') resolve();
        else if (isCurrent() && this.pending && reply.id === this.pending.id) this.pending.resolve(reply);
      });
      worker.on('error', (err: Error & { code?: string }) => {
        reject(err);
        if (!isCurrent()) return;
        const reason = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'out-of-memory' : 'worker-failed';
        this.current = undefined;
        this.pending?.resolve({ type: 'gone', reason, message: `${err.name}: ${err.message}` });
      });
      worker.on('exit', (code) => {
        reject(new Error(`the spec checker worker exited with code ${code} before it was ready`));
        if (!isCurrent()) return;
        this.current = undefined;
        this.pending?.resolve({ type: 'gone', reason: 'worker-failed', message: `the worker exited with code ${code}` });
      });
    });
    ready.catch(() => undefined); // a spare that dies unused is only noticed when it is used
    return { worker, ready };
  }

  /** The worker to ask, ready; a spare is booted behind it. */
  private async start(): Promise<Worker> {
    if (this.closed) throw new Error('the spec checker is closed');
    if (!this.current) {
      this.current = this.spare ?? this.boot();
      this.spare = undefined;
    }
    const { worker, ready } = this.current;
    await ready;
    this.spare ??= this.boot();
    return worker;
  }

  /** Ends the current worker (a hang): the next check goes to the spare. */
  private drop(worker: Worker): void {
    if (this.current?.worker === worker) this.current = undefined;
    void worker.terminate();
  }

  private async ask(request: CheckerRequest, watchdogMs: number) {
    const worker = await this.start();
    return new Promise<Parameters<Pending['resolve']>[0]>((resolve) => {
      const finish: Pending['resolve'] = (reply) => {
        clearTimeout(timer);
        this.pending = undefined;
        if (reply.type === 'gone') this.replaced++;
        resolve(reply);
      };
      const timer = setTimeout(() => {
        this.drop(worker);
        finish({ type: 'gone', reason: 'timeout', message: `no answer within ${watchdogMs} ms` });
      }, watchdogMs);
      this.pending = { id: request.id, resolve: finish };
      worker.postMessage(request);
    });
  }

  /**
   * The verdict on one spec file, planned in `situation`. A file over the budget (but under the
   * watchdog) is checked up to twice more and judged by its fastest run: a machine busy with other
   * work must not make a file slow. One past the watchdog is not tried again: that is a hang.
   */
  async check(text: string, situation: Situation): Promise<Verdict> {
    const once = () => this.verdictOn({ type: 'check', id: this.nextId++, text, situation, budgetMs: this.options.budgetMs });
    let verdict = await once();
    for (let runs = 1; runs < 3 && verdict.problems.some((p) => p.rule === 'slow'); runs++) {
      const again = await once();
      if (again.ms < verdict.ms) verdict = again;
    }
    return verdict;
  }

  /** Has the worker loop (`spin`) or allocate (`hoard`) without end: the verdict must say so. */
  misbehave(how: 'spin' | 'hoard'): Promise<Verdict> {
    return this.verdictOn({ type: 'misbehave', id: this.nextId++, how });
  }

  private async verdictOn(request: CheckerRequest): Promise<Verdict> {
    const reply = await this.ask(request, this.options.watchdogMs);
    if (reply.type === 'verdict') return reply.verdict;
    if (reply.type === 'gone') {
      const detail = reply.reason === 'timeout'
        ? `still running after ${this.options.watchdogMs} ms (a hang, or far over the ${this.options.budgetMs} ms budget)`
        : reply.reason === 'out-of-memory'
          ? `ran out of memory (the checker's heap is limited to ${this.options.heapLimitMb} MiB): ${reply.message}`
          : `the checker worker failed: ${reply.message}`;
      return { kind: reply.reason, ms: reply.reason === 'timeout' ? this.options.watchdogMs : 0, errors: 0, problems: [{ rule: reply.reason, detail }] };
    }
    throw new Error(`unexpected reply from the spec checker: ${JSON.stringify(reply)}`);
  }

  /** The worker's heap in use after a full garbage collection, in bytes. */
  async heapUsed(): Promise<number> {
    const reply = await this.ask({ type: 'heap', id: this.nextId++ }, 30_000);
    if (reply.type !== 'heap') throw new Error(`the spec checker did not report its heap: ${JSON.stringify(reply)}`);
    return reply.heapUsed;
  }

  /** Ends the workers; the checker cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = [this.current?.worker, this.spare?.worker];
    this.current = undefined;
    this.spare = undefined;
    await Promise.all(workers.map((w) => w?.terminate()));
  }
}
