// Prints execution events as plain lines (or NDJSON): the same events the view consumes. Units of
// a batch run at once, so every line about an operation names it: `[o3 m1] web-k2x9: health: healthy`.
import type { DeployEvent } from '../execute/events.js';
import { outcomeWords, PHASE_WORDS, restoreLines } from '../execute/run-text.js';
import type { NameResolver } from '../plan/operations.js';
import { formatOperation } from '../plan/operations.js';
import type { Plan } from '../plan/plan.js';
import { operationById } from '../plan/plan.js';
import { jsonText } from './json-output.js';
import { seconds } from './table.js';

export function plainProgress(plan: Plan, names: NameResolver, write: (line: string) => void): (e: DeployEvent) => void {
  const machineOf = (opId: string) => {
    const op = operationById(plan, opId);
    return op ? names.machineName(op.machineId) : '?';
  };
  const tag = (opId: string) => `[${opId} ${machineOf(opId)}]`;
  return (e) => {
    switch (e.type) {
      case 'run-started':
        write(`run ${e.runId}: ${e.operations} operation${e.operations === 1 ? '' : 's'} in ${e.batches} batch${e.batches === 1 ? '' : 'es'}`);
        break;
      case 'lock-waiting':
        write(`waiting for the deploy lock of ${plan.serviceName}, held by ${e.holder}`);
        break;
      case 'batch-started':
        write(`batch ${e.batch} of ${plan.batches.length}${e.kind === 'update' ? '' : ` (${e.kind})`}`);
        break;
      case 'operation-started': {
        const op = operationById(plan, e.opId);
        write(`${tag(e.opId)} ${op ? formatOperation(op, names, { machine: false }) : e.opId}`);
        break;
      }
      case 'phase': {
        const who = e.container?.name ? `${e.container.name}: ` : '';
        const what = PHASE_WORDS[e.phase] ?? e.phase;
        write(`${tag(e.opId)}   ${who}${what}${e.detail && e.phase !== 'unhealthy' ? ` (${e.detail})` : ''}`);
        break;
      }
      case 'operation-done':
        write(`${tag(e.opId)}   done in ${seconds(e.elapsedMs)}`);
        break;
      case 'operation-failed':
        write(`${tag(e.opId)}   FAILED after ${seconds(e.elapsedMs)}: ${e.failure.message}`);
        break;
      case 'operation-undone':
        write(`${tag(e.opId)}   undone`);
        break;
      case 'rollback-started':
        write(`rolling back: ${e.reason}`);
        break;
      case 'rollback-done':
        write('rollback, per machine:');
        for (const line of restoreLines(e.restored, names)) write(`  ${line}`);
        break;
      case 'interrupt':
        write(e.rollback
          ? 'interrupted again: rolling back every change of this run'
          : 'interrupted: the operations under way finish or undo themselves, nothing new starts (interrupt again to roll back this run)');
        break;
      case 'cleanup':
        if (e.removed.length) write(`removed the ${e.removed.length} container${e.removed.length === 1 ? '' : 's'} taken out of service: ${e.removed.map((c) => c.name).join(', ')}`);
        for (const f of e.failed) write(`could not remove: ${f} (the next deploy removes it)`);
        break;
      case 'finished':
        write(`${plan.serviceName}: ${outcomeWords(e.outcome, plan.action)}: ${e.completed} of ${e.total} operations done${e.reason ? ` (${e.reason})` : ''}`);
        break;
      case 'lock-acquired':
        if (e.warning) write(`warning: ${e.warning}`);
        break;
      case 'lock-release-failed':
        write(`warning: ${e.reason}`);
        break;
      case 'batch-done':
      case 'approval-requested':
      case 'approval-answered':
        break;
    }
  };
}

/** Every event as one NDJSON line. */
export function jsonProgress(write: (line: string) => void): (e: DeployEvent) => void {
  return (e) => write(jsonText(e));
}
