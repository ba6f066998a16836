// Replicated services on the real cluster: spreading, scaling up and down, replacing on the same
// machines, and an unchanged redeploy that does nothing. Checked through Docker on each machine.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServiceSpec } from '../../src/model/spec.js';
import { Engine, containersOfService, countByMachine, specOf, yaml } from '../support/engine-helpers.js';
import { skipReason } from './harness.js';

const skip = skipReason();

function replicated(name: string, replicas: number, version = '1'): ServiceSpec {
  return specOf(yaml(
    `name: ${name}`,
    'image: local/busybox:1',
    `replicas: ${replicas}`,
    'command: ["sh", "-c", "exec sleep 3600"]',
    'env:',
    `  VERSION: "${version}"`,
    'init: true',
    'stop_grace_period: 2s',
    'update:',
    '  monitor: 1s',
  ));
}

const sortedIds = (list: { id: string }[]) => list.map((c) => c.id).sort();

describe('replicated services on the real cluster', { skip }, () => {
  let engine: Engine;
  before(async () => {
    engine = await Engine.open();
  });
  after(async () => {
    await engine?.cleanup();
  });

  it('a new service with 3 replicas runs one container on each machine', async () => {
    const name = engine.service('r3');
    const d = await engine.deployOk(replicated(name, 3));
    assert.deepEqual(d.plan.operations.map((o) => o.kind), ['run', 'run', 'run']);
    const all = await containersOfService(name);
    assert.deepEqual(countByMachine(all), { m1: 1, m2: 1, m3: 1 });
    assert.ok(all.every((c) => c.running), JSON.stringify(all.map((c) => c.status)));
    assert.equal(new Set(all.map((c) => c.labels['dockplan.service.id'])).size, 1, 'one service id on every machine');
  });

  describe('one service through its life', () => {
    let name: string;
    let two: { id: string; machine: string }[] = [];
    let three: { id: string; machine: string }[] = [];

    it('2 replicas run on two different machines', async () => {
      name = engine.service('life');
      await engine.deployOk(replicated(name, 2));
      const all = await containersOfService(name);
      assert.equal(all.length, 2);
      assert.equal(new Set(all.map((c) => c.machine)).size, 2, 'one replica per machine');
      assert.ok(all.every((c) => c.running));
      two = all;
    });

    it('scaling 2 -> 3 keeps both containers and runs the third on the machine that had none', async () => {
      const d = await engine.deployOk(replicated(name, 3));
      assert.deepEqual(d.plan.operations.map((o) => o.kind), ['run']);
      const all = await containersOfService(name);
      assert.deepEqual(countByMachine(all), { m1: 1, m2: 1, m3: 1 });
      assert.ok(all.every((c) => c.running));
      for (const c of two) assert.ok(all.some((n) => n.id === c.id && n.machine === c.machine), `${c.id} on ${c.machine} is kept`);
      const added = all.filter((c) => !two.some((o) => o.id === c.id));
      assert.equal(added.length, 1);
      assert.ok(!two.some((c) => c.machine === added[0]!.machine), 'the new replica goes to the empty machine');
      three = all;
    });

    it('scaling 3 -> 2 removes one container and leaves the other two untouched', async () => {
      const d = await engine.deployOk(replicated(name, 2));
      assert.deepEqual(d.plan.operations.map((o) => o.kind), ['remove']);
      const all = await containersOfService(name);
      assert.equal(all.length, 2, 'the removed container is gone, not just stopped');
      assert.ok(all.every((c) => c.running));
      assert.equal(new Set(all.map((c) => c.machine)).size, 2);
      for (const c of all) assert.ok(three.some((o) => o.id === c.id), `${c.id} is one of the three`);
      two = all;
    });

    it('an env change replaces every container on the machine it ran on', async () => {
      const d = await engine.deployOk(replicated(name, 2, '2'));
      assert.deepEqual(d.plan.operations.map((o) => o.kind), ['replace', 'replace']);
      const all = await containersOfService(name);
      assert.equal(all.length, 2);
      assert.deepEqual(all.map((c) => c.machine).sort(), two.map((c) => c.machine).sort(), 'the same machines');
      for (const c of all) {
        assert.ok(!two.some((o) => o.id === c.id), 'every container is new');
        assert.ok(c.running);
        assert.ok(c.env.includes('VERSION=2'), c.env.join(' '));
      }
      two = all;
    });

    it('redeploying the unchanged spec plans zero operations and changes nothing', async () => {
      const d = await engine.deployOk(replicated(name, 2, '2'));
      assert.deepEqual(d.plan.operations, []);
      assert.deepEqual(d.result.completed, []);
      const all = await containersOfService(name);
      assert.deepEqual(sortedIds(all), sortedIds(two));
      assert.ok(all.every((c) => c.running));
    });
  });
});
