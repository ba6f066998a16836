// Placement of replicated services on the real cluster: containers land only on the named
// machines, and a placement change moves them. Checked through Docker on each machine.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServiceSpec } from '../../src/model/spec.js';
import { Engine, containersOfService, countByMachine, specOf, yaml } from '../support/engine-helpers.js';
import { skipReason } from './harness.js';

const skip = skipReason();

function placed(name: string, machines: string[]): ServiceSpec {
  return specOf(yaml(
    `name: ${name}`,
    'image: local/busybox:1',
    'replicas: 2',
    'placement:',
    `  machines: [${machines.join(', ')}]`,
    'command: ["sh", "-c", "exec sleep 3600"]',
    'init: true',
    'stop_grace_period: 2s',
    'update:',
    '  monitor: 1s',
  ));
}

describe('placement of a replicated service on the real cluster', { skip }, () => {
  let engine: Engine;
  let name: string;
  before(async () => {
    engine = await Engine.open();
    name = engine.service('place');
  });
  after(async () => {
    await engine?.cleanup();
  });

  it('a replicated service placed on [m2, m3] runs only on m2 and m3', async () => {
    await engine.deployOk(placed(name, ['m2', 'm3']));
    const all = await containersOfService(name);
    assert.deepEqual(countByMachine(all), { m2: 1, m3: 1 });
    assert.ok(all.every((c) => c.running));
  });

  it('changing the placement to [m1, m2] moves only the container on m3, onto m1; the one on m2 stays', async () => {
    const before = (await containersOfService(name, ['m2']))[0]!;
    const d = await engine.deployOk(placed(name, ['m1', 'm2']));
    const kinds = d.plan.operations.map((o) => `${o.kind}@${'machineId' in o ? engine.machineName(o.machineId) : '?'}`).sort();
    assert.deepEqual(kinds, ['remove@m3', 'run@m1']);
    const all = await containersOfService(name);
    assert.deepEqual(countByMachine(all), { m1: 1, m2: 1 }, 'nothing is left on m3');
    assert.ok(all.every((c) => c.running));
    assert.equal(all.find((c) => c.machine === 'm2')!.id, before.id, 'the container on m2 is untouched');
  });

  it('widening the placement again to [m1, m2, m3] plans nothing: every container is on an allowed machine', async () => {
    const d = await engine.deploy(placed(name, ['m1', 'm2', 'm3']));
    assert.deepEqual(d.plan.operations, []);
    assert.deepEqual(d.plan.changes.map((c) => c.field), ['placement.machines']);
  });
});
