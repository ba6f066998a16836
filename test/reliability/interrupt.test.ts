// Reliability 5, SIGINT, SIGTERM and SIGHUP mid-deploy: a 3-replica httpd rolling to a new version gets the
// signal while the second replica's new container waits for its health gate (for stop-first: after
// the old container stopped, before the new one is healthy). Once: exit 130, the operation in
// flight undid itself, the first replica stays done, the third never started, the running replicas
// never fewer than the order allows while it ran (sampled through Docker) and all back after; a
// fresh plan shows exactly the remaining work and a deploy converges. Twice: the whole run is
// rolled back, every replica on the old spec's very container.
//
// The second signal is sent when the NDJSON shows the first was taken (an `interrupt` event). To be
// sure the run is still going then, the new version runs httpd as PID 1 without an init (init:
// false), which ignores SIGTERM as such processes do: stopping it, in the undo of the first
// signal, takes the undo's full 1 s grace.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test, type TestContext } from 'node:test';
import { skipReason } from '../cluster/harness.js';
import { BIN, type PlanJson } from './dockplan-process.js';
import {
  ALL_MACHINES, CensusWatch, Scenario, censusOf, describeCensus, freeHostPort, httpdSpec, runningOnly, sweepLeftovers, waitConverged, waitForReplicas,
  type Replica,
} from './scenario.js';

const skip = skipReason() ?? (existsSync(BIN) ? undefined : `${BIN} is missing: npm run build first`);
const scenario = new Scenario();
const N = ALL_MACHINES.length;

before(async () => {
  if (!skip) await sweepLeftovers();
});
after(async () => {
  if (!skip) await scenario.cleanup();
});

interface InterruptCase {
  signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP';
  times: 1 | 2;
  /** How the replaces run: start-first (no port), stop-first by update.order, or stop-first forced by a host port. */
  order: 'start-first' | 'stop-first' | 'stop-first (host port)';
}

async function interruptMidRollout(t: TestContext, c: InterruptCase): Promise<void> {
  const stopFirst = c.order !== 'start-first';
  const name = scenario.service(`int-${c.signal.toLowerCase()}-${c.times}`);
  const hostPort = c.order === 'stop-first (host port)' ? await freeHostPort() : undefined;
  const common = { name, ...(hostPort ? { hostPort } : {}), ...(c.order === 'stop-first' ? { update: ['order: stop-first'] } : {}) };
  const v1 = scenario.spec(`${name}-v1.yaml`, httpdSpec({ ...common, version: 'v1' }));
  // The new version's first healthcheck runs 1 s after its start: the window the signal lands in.
  const v2 = scenario.spec(`${name}-v2.yaml`, httpdSpec({ ...common, version: 'v2', healthInterval: '1s', ...(c.times === 2 ? { init: false } : {}) }));
  await scenario.deployAtOnce(v1);
  const before = await waitConverged(name, 'v1');
  const v1Id = (m: string) => before.replicas.find((r) => r.machine === m)!.id;

  const watch = await CensusWatch.start(name);
  const run = scenario.start(['deploy', '-f', v2, '--yes', '--json']);
  await run.next((l) => l.type === 'plan', 'the plan');
  const ops = run.plan.operations;
  const wanted = stopFirst ? 'stop-first' : 'start-first';
  assert.deepEqual(ops.map((o) => [o.type, o.order]), ALL_MACHINES.map(() => ['replace', wanted]), `three ${wanted} replaces`);
  const [op1, op2, op3] = ops;
  await run.phase('health-starting', op2.machine.id, op2.id);
  if (stopFirst) assert.ok(run.events.some((e) => e.type === 'phase' && e.opId === op2.id && e.phase === 'stopping' && e.container?.id === op2.container?.id), 'the old container was stopped first');
  run.signal(c.signal);
  await run.next((l) => l.type === 'interrupt' && !l.rollback, `the interrupt of ${c.signal}`, 10_000);
  if (c.times === 2) {
    run.signal(c.signal);
    await run.next((l) => l.type === 'interrupt' && l.rollback, `the second interrupt of ${c.signal}`, 10_000);
  }
  const exit = await run.finished(60_000);
  const samples = await watch.stop();
  const minRunning = watch.minRunning();
  t.diagnostic(`${c.signal} x${c.times} (${c.order}): exit ${exit.code}; fewest running replicas while it ran ${minRunning} (${samples.length} Docker samples)`);

  assert.equal(exit.code, 130, `an interrupted run exits 130:\n${run.tail()}`);
  const finished = run.events.find((e) => e.type === 'finished');
  assert.ok(finished?.type === 'finished' && finished.outcome === 'interrupted', JSON.stringify(finished));
  assert.ok(run.events.some((e) => e.type === 'operation-done' && e.opId === op1.id), `the replace on ${op1.machine.name} had finished`);
  assert.ok(!run.events.some((e) => e.type === 'operation-done' && e.opId === op2.id), `the replace in flight on ${op2.machine.name} did not complete`);
  assert.ok(!run.events.some((e) => e.type === 'operation-started' && e.opId === op3.id), `nothing started on ${op3.machine.name}`);
  if (c.times === 2) {
    const done = run.events.find((e) => e.type === 'rollback-done');
    assert.ok(done?.type === 'rollback-done', 'the second signal rolled back the run');
    assert.deepEqual(done.restored.map((r) => r.machineId), [op1.machine.id], `the rollback restored ${op1.machine.name}`);
  }

  await t.test(`the replace in flight undid itself; never fewer running replicas than ${stopFirst ? 'N-1' : 'N'} while it ran; afterwards every replica back, the old ones where the run did not finish`, async () => {
    assert.ok(run.events.some((e) => e.type === 'operation-undone' && e.opId === op2.id), `the replace in flight on ${op2.machine.name} undid itself`);
    assert.ok(minRunning >= (stopFirst ? N - 1 : N), `fewest running replicas while it ran: ${minRunning}`);
    const expected = (containers: Replica[], m: string) => (c.times === 1 && m === op1.machine.name
      ? runningOnly((r) => r.version === 'v2', 'its new v2 container')
      : runningOnly((r) => r.id === v1Id(m), 'its v1 container'))(containers, m);
    await waitForReplicas(name, expected, c.times === 1
      ? `${op1.machine.name} should run v2, the others their v1 container`
      : 'every machine should run its v1 container again');
  });

  await t.test('a fresh plan shows exactly the remaining work, and a deploy converges', async () => {
    const census = await censusOf(name);
    const planned = await scenario.run(['plan', '-f', v2, '--json']);
    assert.equal(planned.code, 0, planned.stderr);
    const plan = JSON.parse(planned.stdout) as PlanJson;
    t.diagnostic(`${c.signal} x${c.times} (${c.order}): the plan after: ${plan.operations.map((o) => o.text).join(' | ')}`);
    const work = plan.operations.filter((o) => o.type !== 'remove');
    const left = c.times === 1 ? [op2.machine.name, op3.machine.name] : [...ALL_MACHINES];
    assert.deepEqual(work.map((o) => o.machine.name).sort(), left.sort(), `work only where the run did not finish: ${planned.stdout}`);
    const stopped = new Set(census.replicas.filter((r) => !r.running).map((r) => r.id));
    for (const o of plan.operations.filter((x) => x.type === 'remove')) {
      assert.ok(o.container && stopped.has(o.container.id), `only containers the run left stopped are removed: ${o.text}`);
    }
    await scenario.deployAtOnce(v2);
    const converged = await waitConverged(name, 'v2');
    assert.equal(converged.replicas.length, N, describeCensus(converged));
  });
}

test('SIGINT once inside a stop-first replace (host port): exit 130, the replace undoes itself, plan shows the rest, deploy converges', { skip, timeout: 120_000 }, async (t) => {
  await interruptMidRollout(t, { signal: 'SIGINT', times: 1, order: 'stop-first (host port)' });
});

test('SIGTERM once in a start-first health wait: exit 130, never fewer than N replicas, plan shows the rest, deploy converges', { skip, timeout: 120_000 }, async (t) => {
  await interruptMidRollout(t, { signal: 'SIGTERM', times: 1, order: 'start-first' });
});

test('SIGINT twice in a start-first rollout: the run is rolled back, every replica on the old spec', { skip, timeout: 120_000 }, async (t) => {
  await interruptMidRollout(t, { signal: 'SIGINT', times: 2, order: 'start-first' });
});

test('SIGTERM twice inside a stop-first replace (update.order): the run is rolled back, every replica on the old spec', { skip, timeout: 120_000 }, async (t) => {
  await interruptMidRollout(t, { signal: 'SIGTERM', times: 2, order: 'stop-first' });
});

test('SIGHUP (the ssh session dropped) once in a start-first health wait: an interrupt like the others, exit 130, lock released, deploy converges', { skip, timeout: 120_000 }, async (t) => {
  await interruptMidRollout(t, { signal: 'SIGHUP', times: 1, order: 'start-first' });
});
