// Asking before a change: on a terminal a question naming the cluster; without one, a refusal
// unless --yes was given.
import { createInterface } from 'node:readline/promises';
import { Interrupted } from './interrupt-notice.js';
import { UserError } from './user-error.js';

/** Whether stdin is a terminal a person can answer on. */
export function canAsk(): boolean {
  return process.stdin.isTTY === true;
}

/** The input ended (Ctrl-D) before an answer: taken as no answer, the safe one. */
export class EndOfInput extends Error {
  constructor() {
    super('the input ended before an answer');
    this.name = 'EndOfInput';
  }
}

/** Asks on the terminal. Rejects with Interrupted on Ctrl-C, EndOfInput on Ctrl-D, or the signal's error. */
async function question(text: string, signal?: AbortSignal): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  // With a listener, readline reports Ctrl-C here (and leaves the question pending) instead of
  // closing as it does at the end of input: each ends the question its own way.
  const interrupted = new Promise<never>((_, reject) => rl.once('SIGINT', () => reject(new Interrupted())));
  const ended = new Promise<never>((_, reject) => rl.once('close', () => reject(new EndOfInput())));
  // Settled after the answer too (the close below): nothing waits for them then.
  interrupted.catch(() => undefined);
  ended.catch(() => undefined);
  try {
    return (await Promise.race([rl.question(text, signal ? { signal } : {}), interrupted, ended])).trim();
  } catch (err) {
    // Closed under the question by the end of input: readline's own AbortError.
    if (!signal?.aborted && (err as { code?: string }).code === 'ABORT_ERR') throw new EndOfInput();
    throw err;
  } finally {
    rl.close();
  }
}

/** `question`, with the end of input taken as an empty answer (so: no). */
async function answerOrNothing(text: string): Promise<string> {
  try {
    return await question(text);
  } catch (err) {
    if (err instanceof EndOfInput) return '';
    throw err;
  }
}

/**
 * A y/N question; `--yes` answers yes; without a terminal and without --yes, a UserError. The end
 * of input answers no; Ctrl-C at it throws Interrupted.
 */
export async function confirmOrRefuse(text: string, opts: { yes?: boolean }): Promise<boolean> {
  if (opts.yes) return true;
  if (!canAsk()) throw new UserError('refusing to change the cluster without a terminal to confirm on: pass --yes to go ahead');
  return /^y(es)?$/i.test(await answerOrNothing(`${text} [y/N] `));
}

/**
 * The name typed back, for a risky plan: on a terminal the person must type `expected`; without
 * one, `--yes --allow-risky` is needed. Throws a UserError saying so when neither holds.
 */
export async function confirmRisky(expected: string, risks: string[], opts: { yes?: boolean; allowRisky?: boolean }, what: 'service' | 'project' = 'service'): Promise<boolean> {
  if (opts.allowRisky && opts.yes) return true;
  if (!canAsk() || opts.yes) {
    throw new UserError(`this plan is risky (${risks.join('; ')}): to go ahead without typing the ${what} name, pass --yes --allow-risky`);
  }
  return (await answerOrNothing(`This plan is risky:\n${risks.map((r) => `  ${r}`).join('\n')}\nType the ${what} name (${expected}) to go ahead: `)) === expected;
}

/**
 * One of `choices`, asked until the answer is one of them: in full, or any start of it that no
 * other choice shares (the hint shows the shortest: `re) resume, ro) rollback, a) abort`). Rejects
 * when `signal` aborts (the question no longer matters), with Interrupted on Ctrl-C and EndOfInput
 * on Ctrl-D. A wrong answer is told why before the question comes again.
 */
export async function choose<T extends string>(text: string, choices: readonly T[], signal?: AbortSignal): Promise<T> {
  const hint = choices.map((c) => `${shortestPrefix(c, choices)}) ${c}`).join(', ');
  const answers = choices.map((c) => shortestPrefix(c, choices));
  for (;;) {
    const answer = await question(`${text} [${hint}] `, signal);
    const found = pickChoice(answer, choices);
    if (found !== undefined) return found;
    const starting = answer === '' ? [] : choices.filter((c) => c.startsWith(answer.toLowerCase()));
    const why = answer === '' ? 'no answer' : starting.length > 1 ? `'${answer}' could be ${starting.join(' or ')}` : `'${answer}' is not one of the answers`;
    process.stderr.write(`${why}: type ${answers.slice(0, -1).join(', ')} or ${answers[answers.length - 1]}\n`);
  }
}

/** The choice `answer` names: in full, or by a start no other choice shares; undefined otherwise. */
export function pickChoice<T extends string>(answer: string, choices: readonly T[]): T | undefined {
  const a = answer.trim().toLowerCase();
  if (a === '') return undefined;
  const exact = choices.find((c) => c === a);
  if (exact) return exact;
  const starting = choices.filter((c) => c.startsWith(a));
  return starting.length === 1 ? starting[0] : undefined;
}

/** The shortest start of `choice` that no other of `choices` begins with (the whole word when none). */
export function shortestPrefix(choice: string, choices: readonly string[]): string {
  for (let n = 1; n < choice.length; n++) {
    const start = choice.slice(0, n);
    if (!choices.some((c) => c !== choice && c.startsWith(start))) return start;
  }
  return choice;
}
