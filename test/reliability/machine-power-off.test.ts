// Reliability 3, a machine powered off mid-rollout: while a 3-replica httpd rolls to a new version
// and the rollout is at the second machine (its new container started, not yet healthy), that
// machine's dockerd is killed with SIGKILL and its containers with it (scripts/cluster.sh
// stop-machine), then started again. The run must end with an error that names the machine and a
// non-zero exit; the machines still up must be back on the old spec; and once the machine is back,
// `plan` then `deploy` must converge: one running, healthy container per machine, on the new spec,
// and nothing else of the service (no duplicate, no stopped leftover), counted through Docker.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test, type TestContext } from 'node:test';
import { machineUp, skipReason, startMachine, stopMachine } from '../cluster/harness.js';
import { BIN, type PlanJson } from './dockplan-process.js';
import {
  ALL_MACHINES, Scenario, censusOf, describeCensus, freeHostPort, httpdSpec, runningOnly, sweepLeftovers, waitConverged, waitForReplicas,
  type Replica,
} from './scenario.js';

const skip = skipReason() ?? (existsSync(BIN) ? undefined : `${BIN} is missing: npm run build first`);
const scenario = new Scenario();

before(async () => {
  if (!skip) await sweepLeftovers();
});
after(async () => {
  if (!skip) await scenario.cleanup();
});

type Order = 'start-first' | 'stop-first';

async function powerOffMidRollout(t: TestContext, order: Order): Promise<void> {
  const name = scenario.service(`off-${order === 'stop-first' ? 'stop' : 'start'}`);
  const hostPort = order === 'stop-first' ? await freeHostPort() : undefined;
  const v1 = scenario.spec(`${name}-v1.yaml`, httpdSpec({ name, version: 'v1', ...(hostPort ? { hostPort } : {}) }));
  // The new version's first healthcheck runs 1 s after its start: the window in which the machine goes.
  const v2 = scenario.spec(`${name}-v2.yaml`, httpdSpec({ name, version: 'v2', healthInterval: '1s', ...(hostPort ? { hostPort } : {}) }));
  await scenario.deployAtOnce(v1);
  const before = await waitConverged(name, 'v1');

  const run = scenario.start(['deploy', '-f', v2, '--yes', '--json']);
  await run.next((l) => l.type === 'plan', 'the plan');
  const ops = run.plan.operations;
  assert.deepEqual(ops.map((o) => [o.type, o.order]), ALL_MACHINES.map(() => ['replace', order]), 'three replaces');
  const [, op2, op3] = ops;
  const victim = op2.machine.name;
  try {
    await run.phase('health-starting', op2.machine.id, op2.id);
    await stopMachine(victim);
    const exit = await run.finished(90_000);
    const failed = run.events.find((e) => e.type === 'operation-failed');
    const finished = run.events.find((e) => e.type === 'finished');
    t.diagnostic(`${order}: ${victim} powered off in its health wait; exit ${exit.code}; ${failed?.type === 'operation-failed' ? failed.failure.message : 'no failure event'}`);
    assert.equal(exit.code, 1, `the run exits 1:\n${run.tail()}`);
    assert.ok(failed?.type === 'operation-failed' && failed.opId === op2.id, `the replace on ${victim} failed:\n${run.tail()}`);
    assert.match(failed.failure.message, new RegExp(`on ${victim}\\b`), 'the error names the machine');
    assert.match(failed.failure.message, new RegExp(`${victim}/docker\\.sock`), 'and how it was reached');
    assert.doesNotMatch(exit.stderr + exit.stdout, /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace');
    assert.ok(finished?.type === 'finished' && finished.outcome !== 'done', `the run did not claim success: ${JSON.stringify(finished)}`);
    assert.ok(!run.events.some((e) => e.type === 'operation-started' && e.opId === op3.id), `the rollout stopped before ${op3.machine.name}`);
    const lockLeft = run.events.find((e) => e.type === 'lock-release-failed');
    assert.ok(lockLeft?.type === 'lock-release-failed' && lockLeft.reason.includes(victim), `the run says its deploy lock stays on ${victim}: ${JSON.stringify(lockLeft)}`);

    const old = (m: string) => before.replicas.find((r) => r.machine === m)!;
    const expected = (containers: Replica[], m: string) => runningOnly((r) => r.id === old(m).id, `its v1 container ${old(m).name}`)(containers, m);
    await waitForReplicas(name, expected, `the machines still up should each run their v1 container, healthy`, 15_000, ALL_MACHINES.filter((m) => m !== victim));
  } finally {
    if (!(await machineUp(victim))) await startMachine(victim);
  }

  const back = await censusOf(name);
  t.diagnostic(`${order}: after ${victim} came back: ${describeCensus(back)}`);
  const planned = await scenario.run(['plan', '-f', v2, '--json']);
  assert.equal(planned.code, 0, planned.stderr);
  const plan = JSON.parse(planned.stdout) as PlanJson;
  t.diagnostic(`${order}: the plan after: ${plan.operations.map((o) => o.text).join(' | ')}`);
  assert.ok(plan.operations.length > 0, 'the plan has the rest of the work to do');
  const deployedAgain = await scenario.run(['deploy', '-f', v2, '--yes', '--parallelism', String(ALL_MACHINES.length)]);
  assert.equal(deployedAgain.code, 0, `the deploy after the machine came back failed:\n${deployedAgain.stdout}\n${deployedAgain.stderr}`);
  const census = await waitConverged(name, 'v2');
  assert.equal(census.replicas.length, ALL_MACHINES.length, `one container per machine, nothing else: ${describeCensus(census)}`);
  const settled = await scenario.run(['plan', '-f', v2, '--detailed-exitcode']);
  assert.equal(settled.code, 0, `nothing left to do:\n${settled.stdout}`);
}

test('a machine powered off mid-rollout, start-first: the error names it, exit 1, the others are restored; back up, plan + deploy converge', { skip, timeout: 180_000 }, async (t) => {
  await powerOffMidRollout(t, 'start-first');
});

test('a machine powered off mid-rollout, stop-first (host port): the error names it, exit 1, the others are restored; back up, plan + deploy converge', { skip, timeout: 180_000 }, async (t) => {
  await powerOffMidRollout(t, 'stop-first');
});
