// The worker side of SpecChecker (spec-checker.ts): answers each spec file with its verdict, and
// reports its heap after a full garbage collection when asked.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import type { CheckerReply, CheckerRequest, Verdict } from './spec-checker.js';
import { outcomeOf, outcomeProblems } from './spec-outcome.js';

// `gc` is only exposed by a flag; setting it now makes new contexts carry it.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const port = parentPort!;
const reply = (message: CheckerReply) => port.postMessage(message);

port.on('message', (request: CheckerRequest) => {
  if (request.type === 'heap') {
    collectGarbage();
    reply({ type: 'heap', id: request.id, heapUsed: process.memoryUsage().heapUsed });
    return;
  }
  if (request.type === 'misbehave') {
    const hoard: unknown[] = [];
    for (;;) if (request.how === 'hoard') hoard.push(new Array(1 << 16).fill(hoard.length));
  }
  const outcome = outcomeOf(request.text, request.situation);
  const verdict: Verdict = {
    kind: outcome.kind,
    ms: outcome.ms,
    errors: outcome.kind === 'errors' ? outcome.errors.length : 0,
    problems: outcomeProblems(outcome, request.text, request.budgetMs),
  };
  reply({ type: 'verdict', id: request.id, verdict });
});
reply({ type: 'ready' });
