// Reliability 2, a failing healthcheck with rollback: a 3-replica httpd rolled to a version whose
// healthcheck fails on the second replaced replica only, with update.failure_action rollback (the
// default). Afterwards every machine runs the old spec's very container again, healthy; the new
// containers that ran are kept, stopped, for inspection; the exit code is 1; and the NDJSON and
// the plain output name what the rollback did on each machine.
//
// What fails where is decided by a file, not by timing: every machine holds a named volume (made
// here, before the service) mounted at /marks, and only the copy on the machine of the plan's
// second replace holds /marks/fail, which the new healthcheck tests.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test, type TestContext } from 'node:test';
import type { DeployEvent } from '../../src/execute/events.js';
import { machine, skipReason } from '../cluster/harness.js';
import { BIN, type Exit, type PlanJson } from './dockplan-process.js';
import {
  ALL_MACHINES, Scenario, describeCensus, freeHostPort, httpdSpec, runningOnly, sweepLeftovers, waitConverged, waitForReplicas, writeToVolume,
  type ServiceCensus,
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

interface Setup {
  order: Order;
  name: string;
  /** The spec files of the old and the new version. */
  v1File: string;
  v2: string;
  /** The v1 container per machine, before the failed rollout. */
  v1: Map<string, { id: string; name: string }>;
  plan: PlanJson;
  /** The machine of the plan's second replace, where the new healthcheck fails. */
  failAt: string;
}

/** Deploys v1 everywhere and plans v2; marks the machine of the second replace to fail there. */
async function setUp(order: Order): Promise<Setup> {
  const name = scenario.service(`rb-${order === 'stop-first' ? 'stop' : 'start'}`);
  const marks = scenario.volume('marks');
  for (const m of ALL_MACHINES) await machine(m).docker.createVolume({ Name: marks });
  const hostPort = order === 'stop-first' ? await freeHostPort() : undefined;
  const common = { name, mounts: [[marks, '/marks']] as [string, string][], ...(hostPort ? { hostPort } : {}) };
  const v1 = scenario.spec(`${name}-v1.yaml`, httpdSpec({ ...common, version: 'v1' }));
  const v2 = scenario.spec(`${name}-v2.yaml`, httpdSpec({
    ...common, version: 'v2', healthTest: 'test ! -e /marks/fail && wget -qO- http://127.0.0.1:8080/ >/dev/null || exit 1',
  }));
  await scenario.deployAtOnce(v1);
  const before = await waitConverged(name, 'v1');

  const planned = await scenario.run(['plan', '-f', v2, '--json']);
  assert.equal(planned.code, 0, planned.stderr);
  const plan = JSON.parse(planned.stdout) as PlanJson;
  assert.deepEqual(plan.operations.map((o) => [o.type, o.order]), ALL_MACHINES.map(() => ['replace', order]), `three ${order} replaces: ${planned.stdout}`);
  const failAt = plan.operations[1]!.machine.name;
  await writeToVolume(failAt, marks, 'fail', 'the new healthcheck fails here');
  return { order, name, v1File: v1, v2, v1: new Map(before.replicas.map((r) => [r.machine, { id: r.id, name: r.name }])), plan, failAt };
}

/** Every machine runs its v1 container again, healthy, and nothing else runs; the census. */
function waitOldEverywhere(s: Setup): Promise<ServiceCensus> {
  return waitForReplicas(s.name, (containers, m) => runningOnly((r) => r.id === s.v1.get(m)!.id, `its v1 container ${s.v1.get(m)!.name}`)(containers, m),
    'every machine should run its v1 container again, healthy');
}

/** The new containers that ran (on the first two machines) are kept, stopped; none on the third. */
function assertFailedKept(s: Setup, census: ServiceCensus): void {
  const v2 = census.replicas.filter((r) => r.version === 'v2');
  const [first, second, third] = s.plan.operations.map((o) => o.machine.name);
  assert.deepEqual(v2.map((r) => r.machine).sort(), [first, second].sort(), `one v2 container kept on ${first} and ${second}: ${describeCensus(census)}`);
  for (const r of v2) assert.equal(r.running, false, `${r.name} on ${r.machine} is kept stopped`);
  assert.ok(!v2.some((r) => r.machine === third), `nothing new was created on ${third}`);
}

/** What the NDJSON says: the failure at the second replica, the rollback of the first, the third untouched. */
function assertRollbackEvents(s: Setup, events: DeployEvent[]): void {
  const [op1, op2, op3] = s.plan.operations;
  const failed = events.find((e) => e.type === 'operation-failed');
  assert.ok(failed?.type === 'operation-failed', 'an operation failed');
  assert.equal(failed.opId, op2!.id, 'the second replace failed');
  assert.equal(failed.failure.machineId, s.failAt);
  assert.match(failed.failure.message, new RegExp(`container ${s.name}-\\w{4} on ${s.failAt} is unhealthy`));
  const failedNew = failed.failure.container?.id;
  assert.ok(failed.effects.some((e) => e.kind === 'container-stopped' && e.machineId === s.failAt && e.container.id === failedNew), `the failed container on ${s.failAt} was stopped`);
  if (s.order === 'stop-first') {
    const old = s.v1.get(s.failAt)!.id;
    assert.ok(failed.effects.some((e) => e.kind === 'container-started-again' && e.container.id === old), `the old container on ${s.failAt} was started again`);
  }
  assert.ok(events.some((e) => e.type === 'rollback-started'), 'a rollback started');
  const done = events.find((e) => e.type === 'rollback-done');
  assert.ok(done?.type === 'rollback-done', 'the rollback finished');
  const first = done.restored.find((r) => r.machineId === op1!.machine.id);
  assert.ok(first, `the rollback names ${op1!.machine.name}: ${JSON.stringify(done.restored)}`);
  assert.deepEqual(first.failed, [], `nothing failed to restore on ${op1!.machine.name}`);
  assert.deepEqual(first.restarted.map((c) => c.id), [s.v1.get(op1!.machine.name)!.id], `the old container on ${op1!.machine.name} was started again`);
  assert.equal(first.stopped.length, 1, `the new container on ${op1!.machine.name} was stopped`);
  assert.ok(!events.some((e) => e.type === 'operation-started' && e.opId === op3!.id), `the replace on ${op3!.machine.name} never started`);
  const finished = events.find((e) => e.type === 'finished');
  assert.equal(finished?.type === 'finished' && finished.outcome, 'rolled-back');
}

/** What the plain output says: the failure, the rollback per machine, the kept container, what to do next. */
function assertRollbackText(s: Setup, exit: Exit): void {
  const [op1] = s.plan.operations;
  const out = exit.stdout;
  assert.match(out, new RegExp(`FAILED after [\\d.]+s: container ${s.name}-\\w{4} on ${s.failAt} is unhealthy`));
  assert.match(out, /rolling back: 1 of 2 container changes failed and failure_action is rollback/);
  assert.match(out, /rollback, per machine:/);
  const old = s.v1.get(op1!.machine.name)!.name;
  assert.match(out, new RegExp(`\\n  ${op1!.machine.name}: started again ${old}; stopped ${s.name}-\\w{4} \\(kept for inspection\\)`));
  assert.match(out, new RegExp(`the failed container ${s.name}-\\w{4} is kept, stopped, for inspection: docker -H \\S+ inspect ${s.name}-\\w{4}`));
  assert.match(out, new RegExp(`${s.name}: rolled back: 0 of \\d+ operations done`));
}

async function failedRollout(t: TestContext, order: Order): Promise<void> {
  const s = await setUp(order);
  const run = scenario.start(['deploy', '-f', s.v2, '--yes', '--json']);
  const exit = await run.finished();
  t.diagnostic(`${order}: exit ${exit.code}; ${s.failAt} failed its health gate; events: ${run.events.length}`);
  assert.equal(exit.code, 1, `a rolled-back deploy exits 1:\n${run.tail()}`);
  assert.deepEqual(run.plan.operations.map((o) => o.machine.name), s.plan.operations.map((o) => o.machine.name), 'the deploy ran the plan that was read');

  await t.test('every machine runs its old container again, healthy; the new ones are kept, stopped; the events name the rollback per machine', async () => {
    assertFailedKept(s, await waitOldEverywhere(s));
    assertRollbackEvents(s, run.events);
  });
  await t.test('the same failing deploy again, plain output: it names the rollback per machine and the kept container; the old spec still runs', async () => {
    const again = await scenario.run(['deploy', '-f', s.v2, '--yes']);
    assert.equal(again.code, 1, again.stdout);
    assertRollbackText(s, again);
    const census = await waitOldEverywhere(s);
    const kept = census.replicas.filter((r) => r.version === 'v2');
    assert.ok(kept.every((r) => !r.running), `the v2 containers are all stopped: ${describeCensus(census)}`);
  });
  await t.test('deploying the old spec again removes the kept containers and changes nothing else', async () => {
    const planned = await scenario.run(['plan', '-f', s.v1File, '--json']);
    assert.equal(planned.code, 0, planned.stderr);
    const plan = JSON.parse(planned.stdout) as PlanJson;
    assert.ok(plan.operations.length > 0 && plan.operations.every((o) => o.type === 'remove'), `only removals: ${planned.stdout}`);
    const deployed = await scenario.run(['deploy', '-f', s.v1File, '--yes']);
    assert.equal(deployed.code, 0, deployed.stdout);
    const census = await waitConverged(s.name, 'v1');
    assert.deepEqual(census.replicas.map((r) => r.id).sort(), [...s.v1.values()].map((c) => c.id).sort(), 'the very v1 containers still run');
  });
}

test('a healthcheck failing at replica 2 of 3, start-first: rolled back everywhere, failed containers kept stopped, exit 1', { skip, timeout: 120_000 }, async (t) => {
  await failedRollout(t, 'start-first');
});

test('a healthcheck failing at replica 2 of 3, stop-first (host port): rolled back everywhere, failed containers kept stopped, exit 1', { skip, timeout: 120_000 }, async (t) => {
  await failedRollout(t, 'stop-first');
});
