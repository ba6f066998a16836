// Asking before a change: on a terminal a question naming the cluster; without one, a refusal
// unless --yes was given.
import { createInterface } from 'node:readline/promises';
import { Interrupted } from './interrupt-notice.js';
import { UserError } from './user-error.js';

/** Whether stdin is a terminal a person can answer on. */
export function canAsk(): boolean {
  return process.stdin.isTTY === true;
}

async function question(text: string, signal?: AbortSignal): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(text, signal ? { signal } : {})).trim();
  } catch (err) {
    // Ctrl-C (or the end of input) at the question: readline rejects with an AbortError of its own.
    if (!signal?.aborted && (err as { code?: string }).code === 'ABORT_ERR') throw new Interrupted();
    throw err;
  } finally {
    rl.close();
  }
}

/** A y/N question; `--yes` answers yes; without a terminal and without --yes, a UserError; Ctrl-C at it throws Interrupted. */
export async function confirmOrRefuse(text: string, opts: { yes?: boolean }): Promise<boolean> {
  if (opts.yes) return true;
  if (!canAsk()) throw new UserError('refusing to change the cluster without a terminal to confirm on: pass --yes to go ahead');
  return /^y(es)?$/i.test(await question(`${text} [y/N] `));
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
  return (await question(`This plan is risky:\n${risks.map((r) => `  ${r}`).join('\n')}\nType the ${what} name (${expected}) to go ahead: `)) === expected;
}

/**
 * One of `choices` (by its first letter or in full), asked until the answer is one of them. Rejects
 * when `signal` aborts (the question no longer matters), with Interrupted on Ctrl-C.
 */
export async function choose<T extends string>(text: string, choices: readonly T[], signal?: AbortSignal): Promise<T> {
  const hint = choices.map((c) => `${c[0]}) ${c}`).join(', ');
  for (;;) {
    const answer = (await question(`${text} [${hint}] `, signal)).toLowerCase();
    const found = choices.find((c) => c === answer || c[0] === answer);
    if (found) return found;
  }
}
