// The one entry point that applies a plan, whoever asks (deploy, scale, rm, apply, rollback, the
// view): the service's deploy lock, then the stale check under it, then the execution, then the
// history record. It returns at once with the controls (approvals, interrupt) and the result to await.
import { hostname, userInfo } from 'node:os';
import type { NameResolver } from '../plan/operations.js';
import type { Plan } from '../plan/plan.js';
import { summarize } from '../plan/plan.js';
import { unknownSecrets } from '../plan/secret-seal.js';
import type { ContainerClient, ExecutorClient, MachineClient } from './client.js';
import { messageOf } from './errors.js';
import type { ApprovalDecision, ApprovalRequest, DeployEvent, ExecutionResult, Outcome } from './events.js';
import { Execution, newRunId, type ApprovalPolicy, type ExecutionControl } from './execution.js';
import type { HistoryStore } from './history.js';
import type { DeployLock, LockHolder } from './lock.js';
import { changesSincePlan, staleReason } from './stale-plan.js';

/** What applying needs: the cluster, and optionally the lock and the history. */
export interface ApplyDeps {
  client: ExecutorClient & Pick<MachineClient, 'loadState'> & Pick<ContainerClient, 'inspectContainer'>;
  lock?: DeployLock;
  history?: HistoryStore;
}

export interface ApplyOptions {
  names: NameResolver;
  approval: ApprovalPolicy;
  onEvent?: (event: DeployEvent) => void;
  /** `user@host`; the current user and machine by default. */
  who?: string;
  /** Said to anyone the lock refuses. */
  message?: string;
  /** How long to wait for a held lock (ms); 0 refuses at once. */
  lockWaitMs?: number;
  /** Where the plan came from, for the history (`deploy -f web.yaml`, `scale web 3`). */
  origin?: string;
  pollMs?: number;
  random?: () => number;
  logLines?: number;
  /** The run's id; a new one by default. A project's services share one (see project.ts). */
  runId?: string;
}

/** A plan being applied: its controls now, its result later. */
export interface Application extends ExecutionControl {
  readonly result: Promise<ExecutionResult>;
}

/** `user@host` of this process. */
export function currentOperator(): string {
  let user = process.env.USER ?? process.env.LOGNAME;
  try {
    user ??= userInfo().username;
  } catch {
    user ??= 'unknown';
  }
  return `${user}@${hostname()}`;
}

/**
 * Applies `plan`: refuses it (outcome `locked`, naming the holder) when another run holds the
 * service's lock, or (outcome `stale`, saying what changed) when the cluster moved on since it was
 * made;
 * otherwise executes it under the lock and records the run in the history. Never throws for a
 * refused or failed run: the result says; an unexpected error rejects `result`.
 */
export function applyPlan(plan: Plan, deps: ApplyDeps, options: ApplyOptions): Application {
  const runId = options.runId ?? newRunId();
  const who = options.who ?? currentOperator();
  const startedAt = new Date().toISOString();
  let execution: Execution | undefined;
  let interrupted = false;
  /** Why the lock could not be released everywhere, when it could not. */
  let lockLeft: string | undefined;
  const emit = (body: { type: 'lock-waiting'; holder: string } | { type: 'lock-acquired'; warning?: string }) =>
    options.onEvent?.({ runId, at: new Date().toISOString(), ...body });
  const refused = (outcome: Outcome, reason: string): ExecutionResult => {
    options.onEvent?.({ runId, at: new Date().toISOString(), type: 'finished', outcome, completed: 0, total: plan.operations.length, reason });
    return { runId, outcome, completed: [], failed: [], undone: [], journal: [], reason };
  };
  const abort = new AbortController();
  const record = async (r: ExecutionResult) => {
    if (!deps.history) return;
    try {
      await deps.history.append({
        deployId: runId, service: plan.serviceName, serviceId: plan.serviceId, who, startedAt, finishedAt: new Date().toISOString(),
        action: plan.action, summary: summarize(plan), spec: plan.spec, outcome: r.outcome,
        completed: r.completed.length, total: plan.operations.length,
        ...(options.origin ? { origin: options.origin } : {}), ...(r.reason ? { reason: r.reason } : {}),
      });
    } catch (err) {
      r.reason = `${r.reason ? `${r.reason}; ` : ''}the history could not be written: ${messageOf(err)}`;
    }
  };

  const result = (async (): Promise<ExecutionResult> => {
    if (interrupted) return refused('interrupted', 'interrupted before anything ran');
    let held: Awaited<ReturnType<DeployLock['acquire']>> | undefined;
    if (deps.lock) {
      const holder: LockHolder = { owner: who, since: startedAt, runId, ...(options.message ? { message: options.message } : {}) };
      held = await deps.lock.acquire(plan.serviceName, holder, {
        waitMs: options.lockWaitMs ?? 0,
        signal: abort.signal,
        onWait: (h) => emit({ type: 'lock-waiting', holder: describeHolder(h) }),
      });
      if ('heldBy' in held) {
        if (interrupted) return refused('interrupted', 'interrupted while waiting for the deploy lock');
        return refused('locked', `the deploy lock of ${plan.serviceName} is held by ${describeHolder(held.heldBy)}: wait for it, pass --lock-wait, or, if that run crashed, dockplan lock release ${plan.serviceName}`);
      }
      emit({ type: 'lock-acquired', ...(held.warning ? { warning: held.warning } : {}) });
    }
    try {
      if (interrupted) return refused('interrupted', 'interrupted before anything ran');
      // Checked under the lock: a run refused by the lock is told who holds it (not that its plan
      // went stale because that run is changing the service), and a run that finished while this
      // one waited is seen.
      const changes = await changesSincePlan(deps.client, plan);
      if (changes.length > 0) return refused('stale', staleReason(plan, changes));
      // A plan holds secrets as hashes only: one read from a file needs its values read again first.
      const unknown = unknownSecrets(plan);
      if (unknown.length > 0) {
        return refused('failed', `the value of ${unknown.join(', ')} is not known here: plans keep only a hash of a secret; read it again from the spec file (dockplan apply does, from the file the plan was made from) or plan again`);
      }
      // An interrupt during the stale check: nothing has run yet. (From here on, the execution
      // takes it: created and told in the same turn.)
      if (interrupted) return refused('interrupted', 'interrupted before anything ran');
      execution = new Execution(plan, deps.client, { ...options, runId });
      const outcome = await execution.run();
      await record(outcome);
      return outcome;
    } finally {
      if (held && !('heldBy' in held)) {
        await held.release().catch((err: unknown) => {
          lockLeft = messageOf(err);
          options.onEvent?.({ runId, at: new Date().toISOString(), type: 'lock-release-failed', reason: lockLeft });
        });
      }
    }
  })().then((r) => (lockLeft ? { ...r, reason: `${r.reason ? `${r.reason}; ` : ''}${lockLeft}` } : r));

  return {
    runId,
    result,
    pending: (): ApprovalRequest[] => execution?.pending() ?? [],
    answer: (requestId: string, decision: ApprovalDecision) => {
      if (!execution) throw new Error(`no approval request ${requestId} is waiting: the run has not started`);
      execution.answer(requestId, decision);
    },
    interrupt: () => {
      if (execution) execution.interrupt();
      else {
        interrupted = true;
        abort.abort(new Error('interrupted'));
      }
    },
  };
}

/** `alice@jump1 since 2026-11-30T12:00:00Z (run r..., "hotfix")`. */
export function describeHolder(h: LockHolder): string {
  return `${h.owner} since ${h.since} (run ${h.runId}${h.message ? `, "${h.message}"` : ''})`;
}
