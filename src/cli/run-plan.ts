// The plain face of applying a plan, shared by deploy, scale, rm, apply and rollback: show the plan,
// ask (naming the cluster; the service name typed back for a risky plan), apply it through the
// engine's one entry point, turn Ctrl-C and SIGTERM into interrupts, answer the canary and pause
// questions on a terminal, print what happened, and return the exit code.
import { applyPlan, type ApplyDeps } from '../execute/apply.js';
import type { ApprovalDecision, ApprovalRequest, DeployEvent, ExecutionResult } from '../execute/events.js';
import type { ExecutionControl } from '../execute/execution.js';
import type { ClusterState } from '../model/cluster.js';
import type { NameResolver } from '../plan/operations.js';
import type { Plan } from '../plan/plan.js';
import { hasChanges } from '../plan/plan.js';
import { displayLines, fitWidth } from '../terminal/text.js';
import { canAsk, choose, confirmOrRefuse, confirmRisky, EndOfInput } from './confirm.js';
import { Interrupted, runBegan } from './interrupt-notice.js';
import { EXIT, exitCodeOf } from './exit-codes.js';
import { runOutput, type OutputFlags } from './progress.js';

/** What every mutating command accepts (and how it writes: --json, --quiet, colour). */
export interface RunFlags extends OutputFlags {
  yes?: boolean;
  allowRisky?: boolean;
  /** How long to wait for a held deploy lock (ms). */
  lockWaitMs?: number;
  /** Said to whoever the lock refuses while this run holds it. */
  message?: string;
}

export interface RunContext extends Omit<ApplyDeps, 'client'> {
  client: ApplyDeps['client'] & { describe(): string };
  write: (line: string) => void;
}

/** A plan ready to run, with the names to print it in and (when known) the state it was made from. */
export interface PlanToRun {
  plan: Plan;
  names: NameResolver;
  state?: Pick<ClusterState, 'machines'>;
}

/**
 * Runs `planned` (see the file comment) and returns the exit code: 0 done (or nothing to do, or a
 * canary left up), 1 failed / rolled back / refused by the user, 3 lock held, 4 stale, 130
 * interrupted. `origin` says where the plan came from, for the history.
 */
export async function runPlanned(planned: PlanToRun, ctx: RunContext, flags: RunFlags, origin: string): Promise<number> {
  const { plan, names } = planned;
  const out = ctx.write;
  const output = runOutput(plan, names, flags, out);
  output.showPlan();
  if (!hasChanges(plan)) return EXIT.ok;
  const verb = plan.action === 'remove' ? 'Remove' : 'Deploy';
  if (plan.risks.length > 0) {
    if (!(await confirmRisky(plan.serviceName, plan.risks.map((r) => `${r.setting}: ${r.why}`), flags))) {
      out('the name did not match: nothing changed');
      return EXIT.error;
    }
  } else if (!(await confirmOrRefuse(`${verb} ${plan.serviceName} on ${ctx.client.describe()}?`, flags))) {
    out('nothing changed');
    return EXIT.error;
  }

  const questions = new Questions();
  const onEvent = (e: DeployEvent) => {
    output.event(e);
    if (e.type === 'approval-requested') questions.push(e.request);
  };
  const app = applyPlan(plan, { client: ctx.client, ...(ctx.lock ? { lock: ctx.lock } : {}), ...(ctx.history ? { history: ctx.history } : {}) }, {
    names, approval: 'all', onEvent, origin, runId: output.runId,
    ...(flags.lockWaitMs !== undefined ? { lockWaitMs: flags.lockWaitMs } : {}),
    ...(flags.message ? { message: flags.message } : {}),
  });
  const result = await supervise(app, questions, (request, signal) => decide(request, plan.serviceName, names, flags, signal));
  if (output.explains) explain(result, planned, out);
  return exitCodeOf(result.outcome);
}

/** The questions a run asks (approval requests from its events), queued until answered. */
export class Questions {
  private queue: ApprovalRequest[] = [];
  private wake: (() => void) | undefined;

  push(request: ApprovalRequest): void {
    this.queue.push(request);
    this.wake?.();
  }

  /** The next question, or undefined once `done()` is called (waits for one meanwhile). */
  async next(isDone: () => boolean): Promise<ApprovalRequest | undefined> {
    while (!isDone()) {
      const request = this.queue.shift();
      if (request) return request;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    return undefined;
  }

  /** Wakes a waiting `next` (to see that the run is done). */
  poke(): void {
    this.wake?.();
  }
}

/** The signals that interrupt a run on the command line (SIGHUP: the terminal went away). */
const RUN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs `app` to its end on the command line: SIGINT, SIGTERM and SIGHUP interrupt it, and every question
 * it asks (a canary, a pause) gets `decide`'s answer. Returns the run's result.
 */
export async function supervise<R>(
  app: ExecutionControl & { readonly result: Promise<R> },
  questions: Questions,
  decideOne: (request: ApprovalRequest, signal: AbortSignal) => Promise<ApprovalDecision>,
): Promise<R> {
  const onSignal = () => app.interrupt();
  runBegan();
  // SIGHUP too: a dropped ssh session must not kill a run half way (its lock held, no history).
  for (const signal of RUN_SIGNALS) process.on(signal, onSignal);
  let finished = false;
  const asking = new AbortController();
  // Questions the execution asks even when everything was approved: a canary, a pause.
  const answering = (async () => {
    for (let request = await questions.next(() => finished); request; request = await questions.next(() => finished)) {
      try {
        app.answer(request.id, await decideOne(request, asking.signal));
      } catch (err) {
        // Ctrl-C at the question is an interrupt, as a SIGINT would be (it declines what waits).
        // Otherwise: answered meanwhile, or the run ended while asking.
        if (err instanceof Interrupted) app.interrupt();
      }
    }
  })();
  try {
    return await app.result;
  } finally {
    finished = true;
    questions.poke();
    asking.abort();
    for (const signal of RUN_SIGNALS) process.off(signal, onSignal);
    await answering;
  }
}

/** The answer to a question the execution asks: on a terminal the person's; without one the safe one. */
export async function decide(request: ApprovalRequest, serviceName: string, names: NameResolver, flags: RunFlags, signal: AbortSignal): Promise<ApprovalDecision> {
  const interactive = canAsk() && !flags.json;
  // The answer when no one answers (no terminal, or the input ended): nothing more changes.
  const unanswered = (ask: () => Promise<ApprovalDecision>, safe: ApprovalDecision) =>
    ask().catch((err: unknown) => {
      if (err instanceof EndOfInput) return safe;
      throw err;
    });
  switch (request.kind) {
    case 'canary':
      if (!interactive) return 'stop';
      return unanswered(() => choose(`canary batch on ${names.machineName(request.machineId)} is up and healthy: promote it to the rest, or roll it back?`, ['promote', 'rollback', 'stop'] as const, signal), 'stop');
    case 'paused':
      // With --yes no question is asked: a script that said yes to the deploy must not hang here.
      if (!interactive || flags.yes) return 'abort';
      return unanswered(() => choose(`${serviceName} is paused after a failed batch (${request.reason}): resume, roll back, or abort (leave both)?`, ['resume', 'rollback', 'abort'] as const, signal), 'abort');
    case 'operation':
      return 'approve';
  }
}

/** How many failed containers `explain` shows with their logs; the rest it names. */
const EXPLAINED_FAILURES = 3;

/** After the run: what failed and its logs, and what to run next (the progress lines said what a rollback restored). */
export function explain(result: ExecutionResult, planned: PlanToRun, out: (line: string) => void): void {
  const { plan, names } = planned;
  const f = result.failure;
  // Every failed container, each with its logs, up to a few; the rest by name.
  const failures = result.failures ?? (f ? [f] : []);
  for (const each of failures.slice(0, EXPLAINED_FAILURES)) {
    if (each.logs !== undefined) {
      out(`last log lines of ${each.container?.name ?? 'the container'}:`);
      // One row per record, controls neutralised; cut to the terminal's width when there is one.
      const width = process.stdout.isTTY ? process.stdout.columns : undefined;
      const lines = displayLines(each.logs).map((l) => (width ? fitWidth(`  | ${l}`, width) : `  | ${l}`));
      out(lines.join('\n') || '  | (no output)');
    }
    if (each.container) {
      const host = planned.state?.machines.find((m) => m.id === each.machineId)?.host;
      out(`the failed container ${each.container.name} is kept, stopped, for inspection${host ? `: docker -H ${host} inspect ${each.container.name}` : ''}`);
    }
  }
  const unexplained = failures.slice(EXPLAINED_FAILURES).flatMap((x) => (x.container ? [`${x.container.name}${x.machineId ? ` on ${names.machineName(x.machineId)}` : ''}`] : []));
  if (unexplained.length) out(`${unexplained.length} more failed container${unexplained.length === 1 ? ' is' : 's are'} kept, stopped: ${unexplained.join(', ')}`);
  const service = plan.serviceName;
  switch (result.outcome) {
    case 'canary':
      out(`the canary is up and was not promoted. To promote it: deploy the same spec again (a fresh plan rolls out the rest). To undo it: dockplan rollback ${service}`);
      break;
    case 'aborted':
      out(result.completed.length === 0
        ? 'nothing was replaced. To try again: fix the spec and deploy again'
        : `left paused. To resume: deploy the same spec again. To roll back: dockplan rollback ${service}`);
      break;
    case 'interrupted':
    case 'stopped':
      out(`${result.completed.length} of ${plan.operations.length} operations done; the rest did not start. Plan again to see what is left: a fresh plan finishes the work`);
      break;
    case 'failed':
    case 'rolled-back':
      if (f?.container) out('fix the spec and deploy again: the next plan removes the stopped container');
      break;
    case 'done':
    case 'stale':
    case 'locked':
      break;
  }
}
