// A machine that is down: the state says so and why, the plan names it as unseen, its text says
// its containers cannot be seen, and a deploy still works on the machines that are up.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { servicesOf } from '../../src/model/cluster.js';
import { formatPlan } from '../../src/plan/plan.js';
import { planRemoval } from '../../src/plan/removal.js';
import { Engine, containersOfService, countByMachine, specOf, volumeOn, yaml } from '../support/engine-helpers.js';
import { machineUp, skipReason, startMachine, stopMachine, waitFor } from './harness.js';

const skip = skipReason();

describe('deploying while a machine is down', { skip }, () => {
  let engine: Engine;
  before(async () => {
    engine = await Engine.open();
  });
  after(async () => {
    if (!(await machineUp('m3'))) await startMachine('m3');
    await engine?.cleanup();
  });

  it('with m3 down, the state shows it down with a reason, the plan names it unseen, and the deploy runs on m1 and m2', async () => {
    const name = engine.service('down');
    const spec = specOf(yaml(
      `name: ${name}`,
      'image: local/busybox:1',
      'replicas: 2',
      'command: ["sh", "-c", "exec sleep 3600"]',
      'init: true',
      'stop_grace_period: 2s',
      'update:',
      '  monitor: 1s',
    ));
    await stopMachine('m3');
    try {
      const state = await engine.client.loadState();
      const m3 = state.machines.find((m) => m.name === 'm3');
      assert.equal(m3?.status, 'down');
      assert.ok(m3.downReason && m3.downReason.length > 0, 'a down machine says why');
      assert.deepEqual(m3.containers, []);
      assert.deepEqual(state.machines.filter((m) => m.status === 'up').map((m) => m.name).sort(), ['m1', 'm2']);

      // Not seeing the service anywhere proves nothing while m3 is down: it may run there.
      await assert.rejects(engine.deploy(spec), /m3 is down, and service e2e-down-\w+ may already run there.*--ignore-down/s);
      assert.deepEqual(await containersOfService(name, ['m1', 'm2']), [], 'a refused plan creates nothing');

      const d = await engine.deploy(spec, {}, { ignoreDown: true });
      assert.equal(d.result.outcome, 'done', JSON.stringify(d.result.failure));
      assert.deepEqual(d.plan.unseen.map((u) => u.name), ['m3']);
      assert.ok(d.plan.unseen[0]!.reason.length > 0);
      const text = formatPlan(d.plan, d.names);
      assert.match(text, /m3 is down/);
      assert.match(text, /its containers cannot be seen/);
      assert.ok(!d.plan.operations.some((o) => 'machineId' in o && d.names.machineName(o.machineId) === 'm3'), 'nothing is planned on m3');

      const running = await containersOfService(name, ['m1', 'm2']);
      assert.deepEqual(countByMachine(running), { m1: 1, m2: 1 });
      assert.ok(running.every((c) => c.running));
    } finally {
      await startMachine('m3');
    }
    assert.deepEqual(await containersOfService(name, ['m3']), [], 'nothing of the service ever reached m3');
  });

  it('a single replica with a named volume on m2: while m2 is down nothing is created elsewhere; once back, the plan is empty', async () => {
    const name = engine.service('downvol');
    const volume = engine.volume('downvol');
    const spec = specOf(yaml(
      `name: ${name}`,
      'image: local/busybox:1',
      'command: ["sh", "-c", "exec sleep 3600"]',
      'init: true',
      'stop_grace_period: 1s',
      'placement: {machines: [m2, m3]}',
      'volumes: [{name: ' + volume + '}]',
      'mounts: [{volume: ' + volume + ', path: /data}]',
      'update: {monitor: 500ms}',
    ));
    await engine.deployOk(spec);
    const [where] = await containersOfService(name);
    assert.ok(where, 'deployed');
    const other = where.machine === 'm2' ? 'm3' : 'm2';
    await stopMachine(where.machine);
    try {
      await assert.rejects(engine.deploy(spec), new RegExp(`${where.machine} is down, and service ${name} may already run there.*new, empty volume ${volume}`, 's'));
      assert.deepEqual(await containersOfService(name, [other]), [], `nothing was created on ${other}`);
      assert.equal(await volumeOn(other, volume), undefined, `no second volume on ${other}`);
    } finally {
      await startMachine(where.machine);
    }
    // Docker restarts the container (restart policy unless-stopped) once its engine is back.
    await waitFor(async () => (await containersOfService(name, [where.machine]))[0]?.running, 30_000, 100);
    const again = await engine.deploy(spec);
    assert.deepEqual(again.plan.operations, [], 'back up, the service is whole: nothing to do');
  });

  it('forced past a down machine, one name can end up under two service ids: it is still one service, and rm removes both', async () => {
    const name = engine.service('dup');
    const spec = specOf(yaml(
      `name: ${name}`,
      'image: local/busybox:1',
      'command: ["sh", "-c", "exec sleep 3600"]',
      'init: true',
      'stop_grace_period: 1s',
      'placement: {machines: [m2, m3]}',
      'update: {monitor: 300ms}',
    ));
    await engine.deployOk(spec);
    const [first] = await containersOfService(name);
    await stopMachine(first!.machine);
    try {
      const forced = await engine.deploy(spec, {}, { ignoreDown: true });
      assert.equal(forced.result.outcome, 'done', JSON.stringify(forced.result.failure));
    } finally {
      await startMachine(first!.machine);
    }
    await waitFor(async () => (await containersOfService(name)).filter((c) => c.running).length === 2, 30_000, 100);
    const ids = new Set((await containersOfService(name)).map((c) => c.labels['dockplan.service.id']));
    assert.equal(ids.size, 2, 'two deploys that could not see each other made two service ids');

    const state = await engine.client.loadState();
    const services = servicesOf(state).filter((s) => s.name === name);
    assert.equal(services.length, 1, 'one name is one service');
    assert.equal(services[0]!.ids.length, 2);
    const again = await engine.deployment(spec);
    assert.deepEqual(again.plan.operations.map((o) => o.kind), ['remove'], 'replicas 1: the second copy is surplus');
    assert.match(again.plan.warnings.join('\n'), new RegExp(`service ${name} exists under 2 service ids`));

    const removal = planRemoval(state, services[0]!);
    assert.equal(removal.operations.length, 2, 'rm removes both copies');
    const removed = await engine.execute(removal.operations, spec, services[0]!.id);
    assert.equal(removed.result.outcome, 'done');
    assert.deepEqual(await containersOfService(name), []);
  });
});
