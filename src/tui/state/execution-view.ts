// The execution screen's state from the engine's event stream: one row per operation (grouped by
// batch), the approval requests waiting, rollback and outcome. Pure.
import type { DeployEvent, ExecutionResult } from '../../execute/events.js';
import { formatOperation } from '../../plan/operations.js';
import { batchOf } from '../../plan/plan-tree.js';
import type { Draft, ExecutionRow, ExecutionView } from './app-state.js';

/** Every operation of the draft's plan as a pending row, in batch order. */
export function startExecution(draft: Draft): ExecutionView {
  const rows: ExecutionRow[] = [];
  const plan = draft.plan;
  const names = draft.names;
  if (plan && names) {
    const batch = batchOf(plan);
    for (const b of plan.batches) {
      for (const unit of b.units) {
        for (const opId of unit.opIds) {
          const op = plan.operations.find((o) => o.id === opId);
          if (!op) continue;
          rows.push({
            opId, batch: batch.get(opId) ?? b.index, machineId: op.machineId, machineName: names.machineName(op.machineId),
            text: formatOperation(op, names, { machine: false }), status: 'pending',
          });
        }
      }
    }
  }
  return {
    rows,
    total: plan?.operations.length ?? 0,
    batches: plan?.batches.map((b) => ({ index: b.index, kind: b.kind })) ?? [],
    batch: 0,
    pending: [],
    auto: { kind: 'none' },
    stopping: false,
    interrupts: 0,
  };
}

/** The view after one event. `now` is when it arrived (ms), for elapsed times. */
export function applyExecutionEvent(view: ExecutionView, event: DeployEvent, now = Date.now()): ExecutionView {
  const row = (opId: string, update: (r: ExecutionRow) => ExecutionRow): ExecutionView => ({
    ...view,
    rows: view.rows.map((r) => (r.opId === opId ? update(r) : r)),
  });
  switch (event.type) {
    case 'run-started':
      return { ...view, runId: event.runId };
    case 'lock-waiting':
      return { ...view, lockHolder: event.holder };
    case 'lock-acquired':
      return { ...view, lockHolder: undefined };
    case 'batch-started':
      return { ...view, batch: event.batch };
    case 'approval-requested':
      return { ...view, pending: [...view.pending, event.request] };
    case 'approval-answered':
      return { ...view, pending: view.pending.filter((p) => p.id !== event.requestId) };
    case 'operation-started':
      return row(event.opId, (r) => ({ ...r, status: 'pending', startedAt: now }));
    case 'phase':
      // The cleanup after a successful run removes the old containers of operations already done:
      // their rows stay done.
      if (event.phase === 'removing' && view.rows.some((r) => r.opId === event.opId && r.status === 'done')) return view;
      return row(event.opId, (r) => ({ ...r, status: event.phase, container: event.container?.name || r.container }));
    case 'operation-done':
      return row(event.opId, (r) => ({ ...r, status: 'done', elapsedMs: event.elapsedMs }));
    case 'operation-failed':
      return row(event.opId, (r) => ({ ...r, status: 'failed', elapsedMs: event.elapsedMs }));
    case 'operation-undone':
      return row(event.opId, (r) => ({ ...r, status: 'rolled-back' }));
    case 'rollback-started':
      return { ...view, rollback: { reason: event.reason } };
    case 'rollback-done':
      return { ...view, rollback: { reason: view.rollback?.reason ?? 'rolled back', restored: event.restored } };
    case 'interrupt':
      return { ...view, interrupts: view.interrupts + 1, stopping: true };
    case 'batch-done':
    case 'cleanup':
    case 'finished':
    case 'lock-release-failed': // the result's reason says it when the run ends
      return view;
  }
}

/** The view once the run has ended. */
export function finishExecution(view: ExecutionView, result: ExecutionResult): ExecutionView {
  return {
    ...view,
    pending: [],
    outcome: {
      outcome: result.outcome,
      completed: result.completed.length,
      ...(result.failure ? { failure: result.failure, ...(result.failures ? { failures: result.failures } : {}) } : {}),
      ...(result.reason ? { reason: result.reason } : {}),
      ...(result.restored ? { restored: result.restored } : {}),
    },
  };
}
