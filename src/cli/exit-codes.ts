// The exit codes of every command, in one table (documented in README.md, pinned by tests).
import type { Outcome } from '../execute/events.js';

export const EXIT = {
  /** Done (for `plan --detailed-exitcode`: no changes). */
  ok: 0,
  /** An error, a refusal, or a failed deploy (also after a successful rollback). */
  error: 1,
  /** `plan --detailed-exitcode`: there are changes; `dockplan` without a command: no terminal. */
  changes: 2,
  noTerminal: 2,
  /** Another run holds the service's deploy lock. */
  locked: 3,
  /** The cluster changed since the plan was made. */
  stale: 4,
  /** Interrupted (Ctrl-C, SIGTERM). */
  interrupted: 130,
} as const;

/** The exit code of a run that ended with `outcome`. A canary left up unpromoted is not a failure. */
export function exitCodeOf(outcome: Outcome): number {
  switch (outcome) {
    case 'done':
    case 'canary':
      return EXIT.ok;
    case 'locked':
      return EXIT.locked;
    case 'stale':
      return EXIT.stale;
    case 'interrupted':
      return EXIT.interrupted;
    case 'failed':
    case 'rolled-back':
    case 'stopped':
    case 'aborted':
      return EXIT.error;
  }
}
