// Prints execution events as plain lines (or NDJSON): the same events the TUI consumes.
import type { DeployEvent } from '../execute/events.js';
import type { NameResolver } from '../plan/operations.js';
import { formatOperation } from '../plan/operations.js';
import type { Plan } from '../plan/plan.js';
import { jsonText } from './json-output.js';
import { seconds } from './table.js';

const PHASE_WORDS: Record<string, string> = {
  'creating-volume': 'creating volume',
  pulling: 'pulling image',
  creating: 'creating',
  starting: 'starting',
  'health-starting': 'health: starting',
  healthy: 'health: healthy',
  unhealthy: 'health: unhealthy',
  running: 'running (watching for restarts)',
  updating: 'updating limits in place',
  stopping: 'stopping',
  removing: 'removing',
  'restarting-old': 'starting the old container again',
};

export function plainProgress(plan: Plan, names: NameResolver, write: (line: string) => void): (e: DeployEvent) => void {
  const total = plan.operations.length;
  return (e) => {
    switch (e.type) {
      case 'operation-started':
        write(`[${e.index + 1}/${total}] ${formatOperation(e.operation, names)}`);
        break;
      case 'phase': {
        const who = e.container?.name ? `${e.container.name}: ` : '';
        const what = PHASE_WORDS[e.phase] ?? e.phase;
        write(`      ${who}${what}${e.detail && e.phase !== 'unhealthy' ? ` ${e.detail}` : ''}`);
        break;
      }
      case 'operation-done':
        write(`      done in ${seconds(e.elapsedMs)}`);
        break;
      case 'operation-failed':
        write(`      FAILED after ${seconds(e.elapsedMs)}: ${e.failure.message}`);
        break;
      case 'stopped':
        write(`stopped before operation ${e.index + 1} of ${total}`);
        break;
      case 'finished':
        write(e.ok ? `deployed ${plan.serviceName}: ${e.completed} operation${e.completed === 1 ? '' : 's'} done` : `deploy of ${plan.serviceName} did not finish: ${e.completed} of ${e.total} operations done`);
        break;
    }
  };
}

export function jsonProgress(write: (line: string) => void): (e: DeployEvent) => void {
  return (e) => write(jsonText(e.type === 'operation-started' ? { type: e.type, index: e.index } : e));
}
