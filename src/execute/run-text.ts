// A run in words, for every face (plain output, the view): phases, outcomes, what a rollback restored.
import type { MachineRestore, Outcome, Phase } from './events.js';
import type { NameResolver } from '../plan/operations.js';

/** Each phase in words, for plain output and the view alike. */
export const PHASE_WORDS: Record<Phase, string> = {
  pending: 'pending',
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
  'rolling-back': 'rolling back',
  done: 'done',
  failed: 'failed',
  'rolled-back': 'rolled back',
};

/** Each outcome in words. */
export const OUTCOME_WORDS: Record<Outcome, string> = {
  done: 'deployed',
  canary: 'canary up, not promoted',
  failed: 'finished with failures',
  'rolled-back': 'rolled back',
  stopped: 'stopped',
  aborted: 'aborted, left as it is',
  interrupted: 'interrupted',
  stale: 'refused: the plan is stale',
  locked: 'refused: the deploy lock is held',
};

/** An outcome in words for a plan of `action`: a removal that went through is `removed`, not `deployed`. */
export function outcomeWords(outcome: Outcome, action?: 'create' | 'update' | 'remove' | 'none'): string {
  return outcome === 'done' && action === 'remove' ? 'removed' : OUTCOME_WORDS[outcome] ?? outcome;
}

/** The restore of a rollback, one line per machine: `m1: started again web-ab12; stopped web-x1y2 (kept)`. */
export function restoreLines(restored: MachineRestore[], names: NameResolver): string[] {
  return restored.map((r) => {
    const parts: string[] = [];
    if (r.restarted.length) parts.push(`started again ${r.restarted.map((c) => c.name).join(', ')}`);
    if (r.stopped.length) parts.push(`stopped ${r.stopped.map((c) => c.name).join(', ')} (kept for inspection)`);
    if (r.failed.length) parts.push(`COULD NOT restore: ${r.failed.join('; ')}`);
    return `${names.machineName(r.machineId)}: ${parts.join('; ') || 'nothing to restore'}`;
  });
}

