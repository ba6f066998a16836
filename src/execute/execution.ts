// Runs the very Plan that was shown, batch by batch: the units of a batch run concurrently, each
// after its approval; a failed unit undoes itself; past the failure budget the rollout follows its
// failure_action (rollback, pause, continue); a canary batch waits to be promoted; replaced
// containers are kept, stopped, until everything succeeded, then removed. Everything it does is an
// event (with the run id, the operation id and the time) and an entry in its journal.
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { ContainerRef, NameResolver, Operation } from '../plan/operations.js';
import type { Plan } from '../plan/plan.js';
import type { Batch, RolloutUnit } from '../plan/rollout.js';
import type { ExecutorClient } from './client.js';
import { ContainerFailedError, messageOf } from './errors.js';
import type {
  ApprovalDecision, ApprovalRequest, DeployEvent, Effect, EventBody, ExecutionResult, FailureDetail, MachineRestore, Outcome, Phase,
} from './events.js';
import { APPROVAL_CHOICES } from './events.js';
import { OperationFailure, confirmRestored, createAhead, executeOperation, undoEffects, type OperationContext } from './run-operation.js';
import { maskText } from '../plan/secrets.js';

/**
 * Who must approve what: `each` unit (one container change), each `machine` once (its first unit's
 * approval covers the rest of it), or `all` at once (nothing is asked; `--yes`). A canary batch is
 * always followed by its promote question, whatever the policy.
 */
export type ApprovalPolicy = 'each' | 'machine' | 'all';

export interface ExecuteOptions {
  names: NameResolver;
  approval: ApprovalPolicy;
  onEvent?: (event: DeployEvent) => void;
  /** A run id chosen by the caller (the apply entry point, for the lock and history); random otherwise. */
  runId?: string;
  /** How many log lines of a failed container to attach. */
  logLines?: number;
  pollMs?: number;
  random?: () => number;
  /** Waits between batches; for tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The controls of a running execution, for the faces: answer approvals, interrupt. */
export interface ExecutionControl {
  readonly runId: string;
  /** The approval requests waiting for an answer now. */
  pending(): ApprovalRequest[];
  /** Answers a pending request; throws when there is no such request or the decision does not fit it. */
  answer(requestId: string, decision: ApprovalDecision): void;
  /**
   * Ctrl-C / SIGTERM. The first call stops the rollout: nothing new starts, health waits under way
   * end and their operations undo themselves, pending approvals are declined. The second rolls back
   * every change of this run.
   */
  interrupt(): void;
}

interface PendingApproval {
  request: ApprovalRequest;
  resolve: (decision: ApprovalDecision) => void;
}

interface UnitOutcome {
  unit: RolloutUnit;
  status: 'done' | 'failed' | 'skipped';
}

/** The phases of a container waiting at its health gate: its batch has nothing left but waiting. */
const GATE_PHASES: ReadonlySet<Phase> = new Set<Phase>(['health-starting', 'running', 'healthy', 'unhealthy']);

const defaultSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

export class Execution implements ExecutionControl {
  readonly runId: string;
  private readonly ops: Map<string, Operation>;
  private readonly approvals = new Map<string, PendingApproval>();
  private nextRequest = 1;
  private approved: { all: boolean; machines: Set<string> };
  private stopRequested = false;
  private interrupts = 0;
  private readonly interruptController = new AbortController();
  /** Aborted when a rollback begins: new containers still watched through their monitor period stop being watched. */
  private readonly monitorController = new AbortController();
  private started = false;
  /** Effects per operation, in the order they happened. */
  private readonly journal: { opId: string; effect: Effect }[] = [];
  /** Units that completed and were not undone, in completion order. */
  private readonly completedUnits: RolloutUnit[] = [];
  private readonly completedOps: string[] = [];
  private readonly failedOps: string[] = [];
  private readonly undoneOps: string[] = [];
  private firstFailure?: FailureDetail & { opId?: string };
  private readonly failures: (FailureDetail & { opId?: string })[] = [];
  /** What an undo or a rollback could not restore, in words (see undoEffects). */
  private readonly unrestored: string[] = [];
  /** Containers created ahead for operations of the next batch, by operation id, until they run. */
  private readonly ahead = new Map<string, { machineId: string; created: Promise<ContainerRef | undefined> }>();
  /**
   * Units of earlier batches past their gates, still stopping their old containers or watching
   * their new ones through the monitor period (see runBatch); each leaves the set when it ends.
   */
  private readonly tails = new Set<Promise<void>>();
  private lateFailures = 0;
  /** Wakes settleTails when a unit in the tails fails. */
  private lateFailureSeen?: () => void;
  /** Watchers of phase events: a batch learns that all its units wait at their health gates. */
  private readonly gateWatchers = new Set<(opId: string, phase: Phase) => void>();

  constructor(
    readonly plan: Plan,
    private readonly client: ExecutorClient,
    private readonly options: ExecuteOptions,
  ) {
    this.runId = options.runId ?? newRunId();
    this.ops = new Map(plan.operations.map((o) => [o.id, o]));
    this.approved = { all: options.approval === 'all', machines: new Set() };
    // Each operation waits on these signals at most once at a time (its health wait, its monitor):
    // as many listeners as operations in flight, which a wide batch takes past Node's default of
    // 10, and Node would then print a leak warning to the user's terminal. Past this many, it is one.
    setMaxListeners(plan.operations.length + 10, this.interruptController.signal, this.monitorController.signal);
  }

  pending(): ApprovalRequest[] {
    return [...this.approvals.values()].map((p) => p.request);
  }

  answer(requestId: string, decision: ApprovalDecision): void {
    const pending = this.approvals.get(requestId);
    if (!pending) throw new Error(`no approval request ${requestId} is waiting (it was answered, or the run has moved on)`);
    if (!APPROVAL_CHOICES[pending.request.kind].includes(decision)) {
      throw new Error(`${decision} does not answer a ${pending.request.kind} request; choose one of ${APPROVAL_CHOICES[pending.request.kind].join(', ')}`);
    }
    this.approvals.delete(requestId);
    this.emit({ type: 'approval-answered', requestId, decision });
    pending.resolve(decision);
  }

  interrupt(): void {
    this.interrupts++;
    this.emit({ type: 'interrupt', rollback: this.interrupts > 1 });
    this.stopRequested = true;
    if (this.interrupts === 1) this.interruptController.abort(new Error('interrupted'));
    // Nothing new may start: decline what waits for an answer.
    for (const [id, p] of [...this.approvals]) {
      this.approvals.delete(id);
      const decision: ApprovalDecision = p.request.kind === 'operation' ? 'stop' : p.request.kind === 'canary' ? 'rollback' : 'abort';
      this.emit({ type: 'approval-answered', requestId: id, decision });
      p.resolve(decision);
    }
  }

  /** Executes the plan once; a second call is an error. Never throws for a failed deploy: the result says. */
  async run(): Promise<ExecutionResult> {
    if (this.started) throw new Error(`run ${this.runId} of ${this.plan.serviceName} has already started: plan again`);
    this.started = true;
    this.emit({ type: 'run-started', service: this.plan.serviceName, operations: this.plan.operations.length, batches: this.plan.batches.length });
    const total = this.plan.operations.length;
    const updateUnits = Math.max(1, this.plan.batches.filter((b) => b.kind === 'update' || b.kind === 'canary').reduce((n, b) => n + b.units.length, 0));
    let unitsRun = 0;
    let unitsFailed = 0;
    let outcome: Outcome | undefined;
    let reason: string | undefined;
    let restored: MachineRestore[] | undefined;

    for (const [i, batch] of this.plan.batches.entries()) {
      if (this.stopRequested) break;
      if (i > 0 && this.plan.rollout.delayMs > 0 && batch.kind !== 'removals') {
        await (this.options.sleep ?? defaultSleep)(this.plan.rollout.delayMs, this.interruptController.signal);
        if (this.stopRequested) break;
      }
      this.emit({ type: 'batch-started', batch: batch.index, kind: batch.kind, units: batch.units.map((u) => u.id) });
      const gated = this.whenGated(batch, () => this.createAheadFor(batch, this.plan.batches[i + 1]));
      const results = await this.runBatch(batch, gated);
      this.emit({ type: 'batch-done', batch: batch.index });
      const ran = results.filter((r) => r.status !== 'skipped');
      unitsRun += ran.length;
      unitsFailed += ran.filter((r) => r.status === 'failed').length + this.takeLateFailures();

      if (this.stopRequested) break;
      // As Swarm's updater: failures over every unit the rollout updates, against max_failure_ratio.
      if (unitsFailed > 0 && unitsFailed / updateUnits > this.plan.rollout.maxFailureRatio) {
        const after = await this.failureAction(batch.index, unitsFailed, unitsRun);
        if (after.outcome) {
          ({ outcome, reason, restored } = after);
          break;
        }
        if (after.resumed) {
          // resume: the failures so far are accepted
          unitsFailed = 0;
          unitsRun = 0;
        }
        // continue: go on
      }
      if (batch.kind === 'canary' && !this.stopRequested) {
        const decision = await this.ask({ kind: 'canary', machineId: batch.units[0]!.machineId, batch: batch.index });
        if (decision === 'rollback') {
          restored = await this.rollback('the canary was rolled back');
          outcome = 'rolled-back';
          break;
        }
        if (decision !== 'promote') {
          outcome = 'canary';
          reason = 'the canary batch is up and was not promoted';
          break;
        }
      }
    }

    // The units still ending behind the last batch (old containers stopping, new ones watched through
    // their monitor period): their outcome counts too, and a failure that calls for the rollback
    // calls for it at once.
    const rollbackDue = (failed: number) => failed / updateUnits > this.plan.rollout.maxFailureRatio && this.plan.rollout.failureAction === 'rollback';
    await this.settleTails(() => !outcome && !this.stopRequested && rollbackDue(unitsFailed + this.lateFailures));
    const late = this.takeLateFailures();
    if (!outcome && !this.stopRequested && late > 0) {
      unitsFailed += late;
      // The units of the last batch that failed behind it: rollback and pause act on them as after
      // any batch, before the cleanup.
      if (unitsFailed / updateUnits > this.plan.rollout.maxFailureRatio) {
        const last = this.plan.batches[this.plan.batches.length - 1]?.index ?? 0;
        const after = await this.failureAction(last, unitsFailed, unitsRun);
        if (after.outcome) ({ outcome, reason, restored } = after);
      }
    }
    if (outcome === 'rolled-back' && this.unrestored.length > 0) {
      // Not rolled back: the service does not run as it did.
      outcome = 'failed';
      reason = `rolled back, but not everything came back: ${this.unrestored.join('; ')}`;
    }
    if (!outcome && this.interrupts > 0) {
      if (this.interrupts > 1) restored = await this.rollback(`interrupted twice: every change this run made to ${this.plan.serviceName} is rolled back`);
      outcome = 'interrupted';
    } else if (!outcome && this.stopRequested) {
      outcome = 'stopped';
    }
    if (!outcome) {
      await this.cleanup();
      outcome = this.failedOps.length > 0 ? 'failed' : 'done';
    }
    await this.discardAhead();
    const result: ExecutionResult = {
      runId: this.runId,
      outcome,
      completed: [...this.completedOps],
      failed: [...this.failedOps],
      undone: [...this.undoneOps],
      journal: [...this.journal],
      ...(this.firstFailure ? { failure: this.firstFailure, failures: [...this.failures] } : {}),
      ...(restored ? { restored } : {}),
      ...(reason ? { reason } : {}),
    };
    this.emit({ type: 'finished', outcome, completed: this.completedOps.length, total, ...(reason ? { reason } : {}) });
    return result;
  }

  /**
   * What the failure budget's failure_action does once it is exceeded after batch `batchIndex`:
   * rollback rolls back (outcome rolled-back); pause asks, and rolls back, leaves the service as it
   * is (outcome aborted) or resumes; continue goes on. Resolves with no outcome when the run goes
   * on (`resumed` when the user resumed a pause).
   */
  private async failureAction(batchIndex: number, unitsFailed: number, unitsRun: number): Promise<{ outcome?: Outcome; reason?: string; restored?: MachineRestore[]; resumed?: boolean }> {
    const action = this.plan.rollout.failureAction;
    if (action === 'rollback') {
      const restored = await this.rollback(`${unitsFailed} of ${unitsRun} container change${unitsRun === 1 ? '' : 's'} failed and failure_action is rollback`);
      return { outcome: 'rolled-back', restored };
    }
    if (action !== 'pause') return {};
    const decision = await this.ask({ kind: 'paused', batch: batchIndex, reason: this.firstFailure?.message ?? 'a container change failed' });
    if (decision === 'rollback') return { outcome: 'rolled-back', restored: await this.rollback('rolled back by the user after a failed batch') };
    if (decision === 'abort') {
      const replaced = this.completedUnits.length;
      const left = replaced === 0
        ? 'no container was replaced'
        : `${replaced} container change${replaced === 1 ? '' : 's'} done (old containers stopped and kept, new ones running), the rest not started`;
      // Declined by an interrupt (no one answered): the run ends interrupted, as any interrupt does.
      if (this.interrupts > 0) return { outcome: 'interrupted', reason: `interrupted at the pause after a failed batch, left as it is: ${left}` };
      return { outcome: 'aborted', reason: `paused after a failed batch and left as it is: ${left}` };
    }
    return { resumed: true };
  }

  // ---- units ---------------------------------------------------------------------------------

  /**
   * Runs a batch's units at once and returns when each has ended or, in an update batch, passed the
   * point where only its old container's stop is left (onGated): those stops go on behind the next
   * batch (tails), counted as done here, with the watch of their new containers through the rest of
   * the monitor period; one that fails counts at the next evaluation
   * (takeLateFailures). A canary or removal batch is waited for whole.
   */
  private async runBatch(batch: Batch, gated: (unitId: string) => void): Promise<UnitOutcome[]> {
    const early = batch.kind === 'update';
    const runs = batch.units.map((u) => {
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      const run: { released: Promise<void>; done: Promise<UnitOutcome>; outcome?: UnitOutcome } = { released, done: undefined as unknown as Promise<UnitOutcome> };
      run.done = this.runUnit(u, batch, early ? release : undefined).then((o) => (run.outcome = o)).finally(() => {
        gated(u.id);
        release();
      });
      return run;
    });
    await Promise.all(runs.map((r) => r.released));
    return runs.map((r, i): UnitOutcome => {
      if (r.outcome) return r.outcome;
      const tail: Promise<void> = r.done.then((o) => {
        this.tails.delete(tail);
        if (o.status === 'failed') {
          this.lateFailures++;
          this.lateFailureSeen?.();
        }
      });
      this.tails.add(tail);
      return { unit: batch.units[i]!, status: 'done' };
    });
  }

  /**
   * Waits for every unit still ending behind a batch (see runBatch), or, with `enough`, only until a
   * unit among them fails and `enough()` then says the run need not wait for the rest.
   */
  private async settleTails(enough?: () => boolean): Promise<void> {
    while (this.tails.size > 0) {
      if (enough?.()) return;
      const all = Promise.all([...this.tails]);
      await (enough ? Promise.race([all, new Promise<void>((resolve) => (this.lateFailureSeen = resolve))]) : all);
      this.lateFailureSeen = undefined;
    }
  }

  /** Units found failed after their batch was counted, since the last call. */
  private takeLateFailures(): number {
    const n = this.lateFailures;
    this.lateFailures = 0;
    return n;
  }

  private async runUnit(unit: RolloutUnit, batch: Batch, release?: () => void): Promise<UnitOutcome> {
    if (this.stopRequested) return { unit, status: 'skipped' };
    if (!(await this.approve(unit, batch))) return { unit, status: 'skipped' };
    if (this.stopRequested) return { unit, status: 'skipped' };
    const unitEffects: { opId: string; effect: Effect }[] = [];
    for (const opId of unit.opIds) {
      const op = this.ops.get(opId)!;
      this.emit({ type: 'operation-started', opId });
      const started = Date.now();
      const prepared = this.ahead.get(opId);
      this.ahead.delete(opId);
      try {
        // Only the unit's last operation may let the next batch begin before it ends.
        const last = opId === unit.opIds[unit.opIds.length - 1];
        const effects = await executeOperation(op, {
          ...this.operationContext(opId),
          ...(prepared ? { prepared: prepared.created } : {}),
          ...(last && release ? { onGated: release } : {}),
        });
        for (const effect of effects) unitEffects.push({ opId, effect });
        this.journal.push(...effects.map((effect) => ({ opId, effect })));
        this.emit({ type: 'operation-done', opId, elapsedMs: Date.now() - started, effects });
      } catch (err) {
        const failure = err instanceof OperationFailure ? err : new OperationFailure(err, [], [], []);
        this.journal.push(...failure.effects.map((effect) => ({ opId, effect })), ...failure.undoEffects.map((effect) => ({ opId, effect })));
        // The unit's earlier operations (a stop that freed a port) are undone too.
        const earlier = await undoEffects(unitEffects.map((e) => e.effect), this.undoContext(opId));
        this.journal.push(...earlier.effects.map((effect) => ({ opId, effect })));
        const effects = [...failure.effects, ...failure.undoEffects, ...earlier.effects];
        if (this.interruptController.signal.aborted && failure.undoFailures.length === 0 && earlier.failures.length === 0) {
          // Interrupted in its health wait: the unit undid itself; it neither failed nor completed.
          this.emit({ type: 'operation-undone', opId, effects });
          this.undoneOps.push(...unit.opIds.slice(0, unit.opIds.indexOf(opId) + 1));
          return { unit, status: 'skipped' };
        }
        this.unrestored.push(...failure.undoFailures, ...earlier.failures);
        const detail = await this.describe(failure.cause, [...failure.undoFailures, ...earlier.failures], [...failure.undoEffects, ...earlier.effects]);
        this.firstFailure ??= { ...detail, opId };
        this.failures.push({ ...detail, opId });
        this.failedOps.push(opId);
        this.emit({ type: 'operation-failed', opId, elapsedMs: Date.now() - started, failure: detail, effects });
        return { unit, status: 'failed' };
      }
    }
    this.completedUnits.push(unit);
    this.completedOps.push(...unit.opIds);
    return { unit, status: 'done' };
  }

  private operationContext(opId: string): OperationContext {
    return {
      client: this.client,
      names: this.options.names,
      monitorMs: this.plan.rollout.monitorMs,
      pollMs: this.options.pollMs,
      random: this.options.random,
      signal: this.interruptController.signal,
      monitorSignal: this.monitorController.signal,
      deployId: this.runId,
      ...(this.plan.secrets ? { secrets: this.plan.secrets } : {}),
      phase: this.phaseOf(opId),
    };
  }

  // ---- work ahead ----------------------------------------------------------------------------

  /**
   * Calls `then` once every unit of the batch has either ended or reached its health gate (a
   * health phase of one of its containers), i.e. once the batch only waits. Returns the function
   * that marks a unit ended.
   */
  private whenGated(batch: Batch, then: () => void): (unitId: string) => void {
    const open = new Set(batch.units.map((u) => u.id));
    const unitOf = new Map(batch.units.flatMap((u) => u.opIds.map((opId) => [opId, u.id] as const)));
    let fired = false;
    const settle = (unitId: string | undefined) => {
      if (unitId) open.delete(unitId);
      if (open.size === 0 && !fired) {
        fired = true;
        this.gateWatchers.delete(watch);
        then();
      }
    };
    const watch = (opId: string, phase: Phase) => {
      if (GATE_PHASES.has(phase)) settle(unitOf.get(opId));
    };
    this.gateWatchers.add(watch);
    return (unitId) => settle(unitId);
  }

  /**
   * While `current` waits for its health gates, pulls and creates the new containers of `next`'s
   * run and replace operations (the part of a rollout that changes nothing running), so that each
   * of them starts at once when its turn comes. Only for units already approved (approval all, or
   * their machine approved), only into an update batch, and never past a canary batch (its
   * promotion is a decision still to come). A container made ahead that is never used is removed
   * when the run ends (discardAhead).
   */
  private createAheadFor(current: Batch, next: Batch | undefined): void {
    if (!next || next.kind !== 'update' || current.kind === 'canary' || this.stopRequested) return;
    // After a failure the rollout may end (rollback, pause): nothing more is made ahead.
    if (this.firstFailure && this.plan.rollout.failureAction !== 'continue') return;
    for (const unit of next.units) {
      if (!(this.approved.all || this.approved.machines.has(unit.machineId))) continue;
      for (const opId of unit.opIds) {
        const op = this.ops.get(opId)!;
        if ((op.kind !== 'run' && op.kind !== 'replace') || this.ahead.has(opId)) continue;
        const created = createAhead(op, this.operationContext(opId)).catch(() => undefined);
        this.ahead.set(opId, { machineId: op.machineId, created });
      }
    }
  }

  /** Removes the containers created ahead for operations that never ran (the run stopped first). */
  private async discardAhead(): Promise<void> {
    const unused = [...this.ahead.values()];
    this.ahead.clear();
    await Promise.all(unused.map(async ({ machineId, created }) => {
      const container = await created;
      // Never started, so nothing of it can be lost; a failure leaves a created container behind,
      // which the next plan shows as not running.
      if (container) await this.client.removeContainer(machineId, container.id).catch(() => undefined);
    }));
  }

  /** Whether the unit may run: by the policy, by earlier answers, or by asking. */
  private async approve(unit: RolloutUnit, batch: Batch): Promise<boolean> {
    if (this.approved.all || this.approved.machines.has(unit.machineId)) return true;
    const decision = await this.ask({ kind: 'operation', unitId: unit.id, opIds: unit.opIds, machineId: unit.machineId, batch: batch.index });
    switch (decision) {
      case 'approve':
        if (this.options.approval === 'machine') this.approved.machines.add(unit.machineId);
        return true;
      case 'approve-machine':
        this.approved.machines.add(unit.machineId);
        return true;
      case 'approve-all':
        this.approved.all = true;
        return true;
      default:
        this.stopRequested = true;
        return false;
    }
  }

  private ask(body: ApprovalRequest extends infer R ? (R extends ApprovalRequest ? Omit<R, 'id'> : never) : never): Promise<ApprovalDecision> {
    const request = { id: `a${this.nextRequest++}`, ...body } as ApprovalRequest;
    return new Promise((resolve) => {
      this.approvals.set(request.id, { request, resolve });
      this.emit({ type: 'approval-requested', request });
    });
  }

  // ---- rollback and cleanup ----------------------------------------------------------------

  /**
   * Restores every unit this run completed, last first, machines in parallel: containers it
   * started are stopped and kept, containers it stopped are started again, limits set back.
   */
  private async rollback(why: string): Promise<MachineRestore[]> {
    // Every unit's effects must be in the journal first, old containers still stopping included;
    // containers still watched through their monitor period are rolled back whatever it shows.
    this.monitorController.abort();
    await this.settleTails();
    this.emit({ type: 'rollback-started', reason: why });
    const byMachine = new Map<string, RolloutUnit[]>();
    for (const unit of [...this.completedUnits].reverse()) byMachine.set(unit.machineId, [...(byMachine.get(unit.machineId) ?? []), unit]);
    const restored = await Promise.all([...byMachine].map(async ([machineId, units]): Promise<MachineRestore> => {
      const result: MachineRestore = { machineId, restarted: [], stopped: [], failed: [] };
      const restarts: Effect[] = [];
      for (const unit of units) {
        const effects = this.journal.filter((e) => unit.opIds.includes(e.opId)).map((e) => e.effect);
        // The old containers started again are waited for below, the machine's all at once.
        const undo = await undoEffects(effects, this.undoContext(unit.id), false);
        for (const e of undo.effects) {
          if (e.kind === 'container-started-again') result.restarted.push(e.container);
          if (e.kind === 'container-stopped') result.stopped.push(e.container);
        }
        result.failed.push(...undo.failures);
        restarts.push(...undo.unconfirmed);
        this.journal.push(...undo.effects.map((effect) => ({ opId: unit.id, effect })));
        for (const opId of unit.opIds) {
          this.emit({ type: 'operation-undone', opId, effects: undo.effects });
          this.undoneOps.push(opId);
        }
      }
      result.failed.push(...(await confirmRestored(restarts, this.undoContext(machineId))));
      this.unrestored.push(...result.failed);
      return result;
    }));
    this.completedUnits.length = 0;
    const undone = new Set(this.undoneOps);
    this.completedOps.splice(0, this.completedOps.length, ...this.completedOps.filter((id) => !undone.has(id)));
    this.emit({ type: 'rollback-done', restored });
    return restored;
  }

  /** After success: the containers this run stopped for good (replaced, removed) are removed. */
  private async cleanup(): Promise<void> {
    // A container stopped for good: stopped by a replace (its old one) or a remove, and not started
    // again since (a failed or undone unit starts its old container again: it runs, and stays).
    const stoppedFor = new Map<string, { opId: string; machineId: string; container: ContainerRef }>();
    for (const { opId, effect } of this.journal) {
      if (effect.kind === 'container-started-again') {
        stoppedFor.delete(effect.container.id);
        continue;
      }
      const op = this.ops.get(opId);
      if (effect.kind !== 'container-stopped' || !op) continue;
      const gone = (op.kind === 'replace' && effect.container.id === op.old.id) || op.kind === 'remove';
      if (gone) stoppedFor.set(effect.container.id, { opId, machineId: effect.machineId, container: effect.container });
    }
    const removable = [...stoppedFor.values()];
    if (removable.length === 0) return;
    const removed: ContainerRef[] = [];
    const failed: string[] = [];
    await Promise.all(removable.map(async ({ opId, machineId, container }) => {
      try {
        this.phaseOf(opId)('removing', machineId, container);
        await this.client.removeContainer(machineId, container.id);
        removed.push(container);
        this.journal.push({ opId: 'cleanup', effect: { kind: 'container-removed', machineId, container } });
      } catch (err) {
        failed.push(`remove container ${container.name} on ${this.options.names.machineName(machineId)}: ${messageOf(err)}`);
      }
    }));
    this.emit({ type: 'cleanup', removed, failed });
  }

  private undoContext(opId: string) {
    return { client: this.client, names: this.options.names, phase: this.phaseOf(opId) };
  }

  private phaseOf(opId: string) {
    return (phase: Phase, machineId: string, container?: ContainerRef, detail?: string) => {
      this.emit({ type: 'phase', opId, phase, machineId, ...(container ? { container } : {}), ...(detail ? { detail } : {}) });
      for (const watch of [...this.gateWatchers]) watch(opId, phase);
    };
  }

  private async describe(err: unknown, undoFailures: string[], undone: Effect[] = []): Promise<FailureDetail> {
    const restarted = undone.flatMap((e) => (e.kind === 'container-started-again' ? [e.container.name] : []));
    const suffix = (restarted.length ? `; the old container ${restarted.join(', ')} was started again` : '')
      + (undoFailures.length ? `; and undoing it failed: ${undoFailures.join('; ')}` : '');
    // An engine's error can quote what it was given (a volume's mount options, passwords included),
    // and a container's log what it runs with: every secret value the plan knows is masked.
    const masked = (text: string) => this.plan.secrets?.scrub(maskText(text)) ?? maskText(text);
    if (!(err instanceof ContainerFailedError)) return { message: masked(`${messageOf(err)}${suffix}`) };
    const logs = await this.client.containerLogs(err.machineId, err.container.id, this.options.logLines ?? 20).catch((e) => `(logs unavailable: ${messageOf(e)})`);
    return { message: masked(`${err.message}${suffix}`), machineId: err.machineId, container: err.container, logs: masked(logs) };
  }

  private emit(body: EventBody): void {
    this.options.onEvent?.({ runId: this.runId, at: new Date().toISOString(), ...body } as DeployEvent);
  }
}

/** A run id: `r` + the time + 4 random hex chars, sortable by start. */
export function newRunId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `r${t}-${randomBytes(2).toString('hex')}`;
}
