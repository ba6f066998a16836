import { Text } from 'ink';
import { outcomeWords } from '../../execute/run-text.js';
import type { Draft, ExecutionView } from '../state/app-state.js';
import { theme } from '../theme.js';

/**
 * The line under the operations: the question waiting (an operation to approve, a canary to
 * promote, a paused rollout), the lock being waited for, a stop or interrupt under way, or the outcome.
 */
export function ExecutionStatus({ view, draft }: { view: ExecutionView; draft: Draft }) {
  const request = view.pending[0];
  const machine = (id: string) => draft.names?.machineName(id) ?? id;
  const more = view.pending.length > 1 ? ` (${view.pending.length - 1} more waiting)` : '';
  const outcome = view.outcome;
  if (outcome) {
    const ok = outcome.outcome === 'done' || outcome.outcome === 'canary';
    const colour = ok ? theme.ok : outcome.outcome === 'stopped' || outcome.outcome === 'interrupted' || outcome.outcome === 'aborted' ? theme.warn : theme.bad;
    return (
      <Text color={colour} wrap="wrap">
        {ok ? '✓ ' : '✗ '}{outcomeWords(outcome.outcome, draft.plan?.action)}: {outcome.completed} of {view.total} operations done{outcome.reason ? ` (${outcome.reason})` : ''} · esc goes back
        {outcome.outcome === 'canary' ? '; deploy again to promote, or plan a rollback from the history' : ''}
        {outcome.outcome === 'stopped' || outcome.outcome === 'interrupted' ? '; plan again to finish' : ''}
      </Text>
    );
  }
  if (request?.kind === 'operation') {
    const m = machine(request.machineId);
    return (
      <Text color={theme.accent} wrap="wrap">
        Approve {request.opIds.length > 1 ? `operations ${request.opIds.join(', ')}` : `operation ${request.opIds[0]}`} on {m} (batch {request.batch} of {view.batches.length})?{more} enter: this one · m: the rest of {m} · a: all remaining · s: stop here
      </Text>
    );
  }
  if (request?.kind === 'canary') {
    return (
      <Text color={theme.accent} wrap="wrap">
        The canary on {machine(request.machineId)} is up and healthy. p: promote it to the rest · b: roll it back · s: stop here, leaving it up
      </Text>
    );
  }
  if (request?.kind === 'paused') {
    return (
      <Text color={theme.warn} wrap="wrap">
        Paused after a failed batch: {request.reason}. c: resume · b: roll back everything · x: abort, leaving old (stopped) and new containers as they are
      </Text>
    );
  }
  if (view.lockHolder) return <Text color={theme.warn} wrap="wrap">waiting for the deploy lock, held by {view.lockHolder}</Text>;
  if (view.interrupts > 1) return <Text color={theme.warn}>interrupted twice: rolling back every change of this run…</Text>;
  if (view.interrupts === 1) return <Text color={theme.warn}>interrupted: what is under way finishes or undoes itself · ctrl-c again rolls back this run</Text>;
  if (view.stopping) return <Text color={theme.warn}>stopping after the operations under way…</Text>;
  if (view.rollback && !view.rollback.restored) return <Text color={theme.warn}>rolling back: {view.rollback.reason}…</Text>;
  return <Text> </Text>;
}
