// Asking before a change: on a terminal a y/N question naming the cluster; without one, a refusal
// unless --yes was given.
import { createInterface } from 'node:readline/promises';
import { UserError } from './user-error.js';

export async function confirmOrRefuse(question: string, opts: { yes?: boolean }): Promise<boolean> {
  if (opts.yes) return true;
  if (process.stdin.isTTY !== true) {
    throw new UserError('refusing to change the cluster without a terminal to confirm on: pass --yes to go ahead');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
