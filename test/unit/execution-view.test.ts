// The execute screen's state as the engine's events arrive: a done row stays done through the
// cleanup, and the quit question goes once the deploy it asked about has ended.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { DeployEvent, ExecutionResult } from '../../src/execute/events.js';
import { initialState, type AppState, type ExecutionView } from '../../src/tui/state/app-state.js';
import { applyExecutionEvent } from '../../src/tui/state/execution-view.js';
import { reducer } from '../../src/tui/state/reducer.js';

const base = { runId: 'r1', at: '2026-11-30T00:00:00.000Z' };

function view(status: ExecutionView['rows'][number]['status']): ExecutionView {
  return {
    rows: [{ opId: 'o1', batch: 1, machineId: 'm1', machineName: 'm1', text: '+/- replace container web-a', status }],
    total: 1, batches: [{ index: 1, kind: 'update' }], batch: 1, pending: [], auto: { kind: 'all' }, stopping: false, interrupts: 0,
  };
}

const removing = { ...base, type: 'phase', opId: 'o1', phase: 'removing', machineId: 'm1', container: { id: 'c0', name: 'web-old' } } as DeployEvent;

it('the cleanup removing an old container leaves its operation\'s row done', () => {
  assert.equal(applyExecutionEvent(view('done'), removing).rows[0]!.status, 'done');
  // An operation still under way shows what it does.
  assert.equal(applyExecutionEvent(view('stopping'), removing).rows[0]!.status, 'removing');
});

it('the quit question closes when the deploy ends; another modal stays', () => {
  const result: ExecutionResult = { runId: 'r1', outcome: 'done', completed: ['o1'], failed: [], undone: [], journal: [] } as ExecutionResult;
  const running = (modal: AppState['modal']): AppState => ({
    ...initialState({ readonly: false, clusterName: 'test', columns: 80, rows: 24 }), execution: view('health-starting'), modal,
  });
  assert.equal(reducer(running({ kind: 'confirm-quit' }), { type: 'execution-finished', result }).modal, undefined);
  assert.deepEqual(reducer(running({ kind: 'help' }), { type: 'execution-finished', result }).modal, { kind: 'help' });
});
