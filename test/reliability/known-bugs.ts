// Bugs the reliability scenarios found that must be fixed in src/ before their checks can pass.
// Each is the `todo` reason of the checks it breaks, so the suite stays green while it is open and
// the report names it in the same words; delete an entry (and its todo marks) once it is fixed.

/**
 * The undo of a stop-first replace starts the old container before it stops the new one
 * (src/execute/run-operation.ts undoEffects walks the effects backwards: container-started is
 * skipped, so container-stopped (old) is undone before container-created (new)). With a host port,
 * the new container still holds the port, so Docker refuses the start ("Bind for 0.0.0.0:P failed:
 * port is already allocated") and the machine is left with nothing running: after a failed health
 * gate, an interrupt in a stop-first replace, and every rollback of a completed stop-first replace.
 */
export const STOP_FIRST_UNDO_ORDER =
  'src bug: undoing a stop-first replace with a host port starts the old container while the new one still holds the port ' +
  '(undoEffects restores container-stopped before it stops the container it created): "port is already allocated", nothing runs there';

/**
 * A run whose deploy lock cannot be released on a machine that went down keeps quiet about it
 * (src/execute/apply.ts: `held.release().catch(() => undefined)`): the lock volume stays on that
 * machine, and once it is back every deploy of the service is refused (exit 3, "held by ... (run
 * r...)", naming a run that has ended) until someone runs `dockplan lock release SERVICE`. The run
 * should at least say, when it ends, that its lock stays on that machine and how to release it;
 * better, a later run should not be refused by the lock of a run that is over.
 */
export const LOCK_LEFT_ON_DOWN_MACHINE =
  'src bug: a run that ends while a machine holding its deploy lock is down leaves the lock there without a word, ' +
  'and when the machine is back every deploy is refused (exit 3) until dockplan lock release';
