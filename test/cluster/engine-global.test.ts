// Global services on the real cluster: one container per machine, restricted by placement, and
// removed from a machine that leaves the placement. Checked through Docker on each machine.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServiceSpec } from '../../src/model/spec.js';
import { Engine, containersOfService, countByMachine, specOf, yaml } from '../support/engine-helpers.js';
import { skipReason } from './harness.js';

const skip = skipReason();

function global(name: string, placement?: string[]): ServiceSpec {
  return specOf(yaml(
    `name: ${name}`,
    'image: local/busybox:1',
    'mode: global',
    ...(placement ? ['placement:', `  machines: [${placement.join(', ')}]`] : []),
    'command: ["sh", "-c", "exec sleep 3600"]',
    'init: true',
    'stop_grace_period: 2s',
    'update:',
    '  monitor: 1s',
  ));
}

describe('global services on the real cluster', { skip }, () => {
  let engine: Engine;
  before(async () => {
    engine = await Engine.open();
  });
  after(async () => {
    await engine?.cleanup();
  });

  it('a global service runs exactly one container on every machine, and an unchanged redeploy does nothing', async () => {
    const name = engine.service('glob');
    const d = await engine.deployOk(global(name));
    assert.deepEqual(d.plan.operations.map((o) => o.kind), ['run', 'run', 'run']);
    const all = await containersOfService(name);
    assert.deepEqual(countByMachine(all), { m1: 1, m2: 1, m3: 1 });
    assert.ok(all.every((c) => c.running && c.labels['dockplan.service.mode'] === 'global'));

    const again = await engine.deployOk(global(name));
    assert.deepEqual(again.plan.operations, []);
    assert.deepEqual((await containersOfService(name)).map((c) => c.id), all.map((c) => c.id));
  });

  it('placement restricts a global service to the machines it names', async () => {
    const name = engine.service('gplace');
    await engine.deployOk(global(name, ['m1', 'm3']));
    const all = await containersOfService(name);
    assert.deepEqual(countByMachine(all), { m1: 1, m3: 1 });
    assert.ok(all.every((c) => c.running));
  });

  it('removing a machine from the placement removes the container on that machine', async () => {
    const name = engine.service('gshrink');
    await engine.deployOk(global(name, ['m1', 'm2', 'm3']));
    const before = await containersOfService(name);
    assert.deepEqual(countByMachine(before), { m1: 1, m2: 1, m3: 1 });

    const d = await engine.deployOk(global(name, ['m1', 'm2']));
    const removes = d.plan.operations.filter((o) => o.kind === 'remove');
    assert.equal(removes.length, 1);
    assert.equal(engine.machineName(removes[0]!.machineId), 'm3');
    const after = await containersOfService(name);
    assert.deepEqual(countByMachine(after), { m1: 1, m2: 1 }, 'nothing is left on m3, not even a stopped container');
    assert.ok(after.every((c) => c.running));
  });
});
