// An interrupt that no run is under way to handle (Ctrl-C while a plan is made, or at the question
// before a change): said in words, with exit code 130, instead of a silent end or an error. Once a
// run has begun, supervise (run-plan.ts) handles the signals itself.
import { detachStdioIfGone, terminalGone } from '../terminal/hangup.js';
import { EXIT } from './exit-codes.js';
import { UserError } from './user-error.js';

let runsBegun = 0;

/** Called by supervise when a run begins: from then on an interrupt may come after a change. */
export function runBegan(): void {
  runsBegun += 1;
}

/** What an interrupt outside a run says: before any run, that nothing was changed. */
export function interruptedMessage(): string {
  return runsBegun === 0 ? 'interrupted before any change: nothing was changed' : 'interrupted';
}

/** Ctrl-C (or the end of input) at a question asked on the terminal; exit code 130. */
export class Interrupted extends UserError {
  constructor() {
    super(interruptedMessage(), EXIT.interrupted);
    this.name = 'Interrupted';
  }
}

/**
 * Listens for SIGINT, SIGTERM and SIGHUP for the rest of the process: a signal that nothing else listens
 * for (a run's supervise and `logs` do) writes `dockplan: interrupted ...` to stderr and exits 130,
 * as Node's default would, but in words. Called as the process starts; the interactive view stops
 * it (leaveInterruptsToTheView), as its own terminal handling (Ink) must see the signal alone.
 */
export function noticeInterrupts(): void {
  for (const signal of NOTICED) process.on(signal, onSignal);
}

/** Stops noticeInterrupts' listening: for the interactive view, before Ink loads. */
export function leaveInterruptsToTheView(): void {
  for (const signal of NOTICED) process.off(signal, onSignal);
}

/** SIGHUP as well: what a dropped ssh session sends. */
const NOTICED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function onSignal(signal: NodeJS.Signals): void {
  if (signal === 'SIGHUP') terminalGone();
  if (process.listenerCount(signal) > 1) return;
  process.stderr.write(`\ndockplan: ${interruptedMessage()}\n`);
  detachStdioIfGone();
  process.exit(EXIT.interrupted);
}
