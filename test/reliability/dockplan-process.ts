// The built binary as a child process whose NDJSON output is read while it runs, so a scenario can
// act at the moment an event proves (a signal inside a stop-first replace, a machine powered off
// while the rollout is at it) and then read how the run ended.
import { spawn, type ChildProcess } from 'node:child_process';
import type { DeployEvent } from '../../src/execute/events.js';
import { clusterFile } from '../cluster/harness.js';
import { BIN } from '../support/cli-run.js';

export { BIN } from '../support/cli-run.js';

/** An operation as `plan --json` and the first line of `deploy --json` show it (README: the JSON contract). */
export interface PlannedOperationJson {
  id: string;
  type: 'create-volume' | 'run' | 'replace' | 'update' | 'stop' | 'remove';
  machine: { id: string; name: string };
  /** The container the operation acts on (the old one of a replace); null for run and create-volume. */
  container: { id: string; name: string } | null;
  order?: 'start-first' | 'stop-first';
  text: string;
}

/** The parts of `plan --json` the scenarios read. */
export interface PlanJson {
  service: { id: string; name: string; new: boolean };
  operations: PlannedOperationJson[];
  rollout: { parallelism: number; failureAction: string };
}

/** One NDJSON line of `deploy --json`: the plan first, then every execution event. */
export type OutputLine = { type: 'plan'; plan: PlanJson } | DeployEvent;

/** How the process ended, with everything it wrote. */
export interface Exit {
  /** Null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Waiter {
  match: (line: OutputLine) => boolean;
  /** With the line, or undefined when the process exited first. */
  resolve: (line: OutputLine | undefined) => void;
}

/** `dockplan ARGS` running against the test cluster; stdin is closed (no terminal, as in CI). */
export class DockplanProcess {
  /** Every NDJSON line parsed so far, in order (lines that are not JSON are left in `stdout`). */
  readonly lines: OutputLine[] = [];
  /** Resolves once the process has exited and its output is read. */
  readonly exit: Promise<Exit>;
  private stdout = '';
  private stderr = '';
  private pending = '';
  private waiters: Waiter[] = [];
  private readonly child: ChildProcess;
  private exited = false;

  private constructor(readonly args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, DOCKPLAN_CLUSTER: clusterFile(), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdin!.end();
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => this.read(d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exit = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => {
        this.exited = true;
        if (this.pending) this.read('\n');
        for (const w of this.waiters) w.resolve(undefined);
        this.waiters = [];
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  /** Starts `dockplan ARGS` (dist/bin/dockplan.js: `npm run build` first). */
  static start(args: string[], env: NodeJS.ProcessEnv = {}): DockplanProcess {
    return new DockplanProcess(args, env);
  }

  /** Runs `dockplan ARGS` to its end (killed after timeoutMs, see finished()). */
  static run(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs?: number): Promise<Exit> {
    return new DockplanProcess(args, env).finished(timeoutMs);
  }

  /** The execution events so far (the plan line left out). */
  get events(): DeployEvent[] {
    return this.lines.filter((l): l is DeployEvent => l.type !== 'plan');
  }

  /** The plan of the first line; throws when there is none (the command failed before planning). */
  get plan(): PlanJson {
    const line = this.lines.find((l) => l.type === 'plan');
    if (!line || line.type !== 'plan') throw new Error(`dockplan ${this.args.join(' ')} printed no plan line; stderr: ${this.stderr.trim()}`);
    return line.plan;
  }

  /**
   * The first line (already printed or still to come) that matches. Rejects, naming `what` and
   * the last lines, when the process exits without printing one or `timeoutMs` passes.
   */
  async next(match: (line: OutputLine) => boolean, what: string, timeoutMs = 60_000): Promise<OutputLine> {
    const seen = this.lines.find(match);
    if (seen) return seen;
    if (this.exited) throw this.missing(what, 'it exited first');
    let timer: NodeJS.Timeout | undefined;
    let waiter: Waiter | undefined;
    try {
      const found = await new Promise<OutputLine | undefined>((resolve, reject) => {
        waiter = { match, resolve };
        this.waiters.push(waiter);
        timer = setTimeout(() => reject(this.missing(what, `not within ${timeoutMs} ms`)), timeoutMs);
      });
      if (!found) throw this.missing(what, 'it exited first');
      return found;
    } finally {
      clearTimeout(timer);
      this.waiters = this.waiters.filter((w) => w !== waiter);
    }
  }

  /** The first `phase` event of that phase, on that machine, optionally of that operation. */
  phase(phase: string, machineId: string, opId?: string, timeoutMs?: number): Promise<OutputLine> {
    return this.next(
      (l) => l.type === 'phase' && l.phase === phase && l.machineId === machineId && (opId === undefined || l.opId === opId),
      `a ${phase} phase on ${machineId}${opId ? ` (operation ${opId})` : ''}`,
      timeoutMs,
    );
  }

  /** Sends a signal to the process (SIGINT as Ctrl-C would, SIGTERM as a supervisor would). */
  signal(sig: NodeJS.Signals): void {
    if (!this.child.kill(sig)) throw new Error(`could not send ${sig} to dockplan ${this.args.join(' ')} (pid ${this.child.pid}): it has exited`);
  }

  /**
   * Waits for the exit; after `timeoutMs` the process is killed (SIGKILL) and this rejects with
   * its last output: a run that hangs is a finding, not a slow test.
   */
  async finished(timeoutMs = 120_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const watchdog = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`dockplan ${this.args.join(' ')} did not exit within ${timeoutMs} ms; last output:\n${this.tail()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exit, watchdog]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The last lines printed, for failure messages. */
  tail(lines = 12): string {
    const out = this.stdout.trim().split('\n').slice(-lines).map((l) => (l.length > 400 ? `${l.slice(0, 400)}...` : l));
    return [...out, ...(this.stderr.trim() ? [`stderr: ${this.stderr.trim()}`] : [])].join('\n');
  }

  private read(chunk: string): void {
    this.stdout += chunk;
    this.pending += chunk;
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const text = this.pending.slice(0, nl).trim();
      this.pending = this.pending.slice(nl + 1);
      if (!text.startsWith('{')) continue;
      let line: OutputLine;
      try {
        line = JSON.parse(text) as OutputLine;
      } catch {
        continue;
      }
      this.lines.push(line);
      for (const w of [...this.waiters]) {
        if (w.match(line)) {
          this.waiters = this.waiters.filter((x) => x !== w);
          w.resolve(line);
        }
      }
    }
  }

  private missing(what: string, why: string): Error {
    return new Error(`dockplan ${this.args.join(' ')} printed no ${what} (${why}); last output:\n${this.tail()}`);
  }
}
