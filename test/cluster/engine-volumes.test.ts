// Named volumes on the real cluster: created before the container, data kept across a replace,
// and never removed, not even when the whole service is removed. Checked through Docker.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applyPlan } from '../../src/execute/apply.js';
import { findService } from '../../src/model/cluster.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { nameResolver } from '../../src/plan/plan.js';
import { planRemoval } from '../../src/plan/removal.js';
import { Engine, containersOfService, execIn, specOf, volumeOn, yaml } from '../support/engine-helpers.js';
import { skipReason } from './harness.js';

const skip = skipReason();

describe('named volumes on the real cluster', { skip }, () => {
  let engine: Engine;
  let name: string;
  let volume: string;
  let home: string;
  const firstIds: string[] = [];

  const writer = (version: string): ServiceSpec => specOf(yaml(
    `name: ${name}`,
    'image: local/busybox:1',
    // Appends one line per start; $(...) is the container's shell, not YAML.
    'command: ["sh", "-c", "echo $(date +%s%N) $(hostname) >> /data/log.txt; exec sleep 3600"]',
    'env:',
    `  VERSION: "${version}"`,
    'volumes:',
    `  - name: ${volume}`,
    'mounts:',
    `  - volume: ${volume}`,
    '    path: /data',
    'init: true',
    'stop_grace_period: 2s',
    'update:',
    '  monitor: 1s',
  ));

  before(async () => {
    engine = await Engine.open();
    name = engine.service('vol');
    volume = engine.volume('data');
  });
  after(async () => {
    await engine?.cleanup();
  });

  it('a new service with a named volume creates the volume first, on the machine its container then runs on', async () => {
    const d = await engine.deployOk(writer('1'));
    assert.deepEqual(d.plan.operations.map((o) => o.kind), ['create-volume', 'run']);
    const [create, run] = d.plan.operations;
    assert.ok(create?.kind === 'create-volume' && run?.kind === 'run');
    assert.equal(create.machineId, run.machineId);
    home = engine.machineName(create.machineId);

    assert.deepEqual(await volumeOn(home, volume), { 'dockplan.managed': 'true' });
    for (const other of ['m1', 'm2', 'm3'].filter((m) => m !== home)) assert.equal(await volumeOn(other, volume), undefined);
    const all = await containersOfService(name);
    assert.equal(all.length, 1);
    const [c] = all;
    assert.equal(c.machine, home);
    assert.ok(c.running);
    assert.ok(c.mounts.some((m) => m.Type === 'volume' && m.Name === volume && m.Destination === '/data'), JSON.stringify(c.mounts));
    const log = await execIn(home, c.id, ['cat', '/data/log.txt']);
    assert.equal(log.trim().split('\n').length, 1, log);
    firstIds.push(c.id);
  });

  it('the data in the volume survives a replace: the new container sees the old line and adds its own', async () => {
    const d = await engine.deployOk(writer('2'));
    const [op] = d.plan.operations;
    assert.equal(d.plan.operations.length, 1);
    assert.ok(op?.kind === 'replace');
    assert.equal(op.order, 'stop-first', 'one writer per named volume');

    const all = await containersOfService(name);
    assert.equal(all.length, 1);
    const [c] = all;
    assert.equal(c.machine, home, 'the container stays with its volume');
    assert.notEqual(c.id, firstIds[0]);
    assert.ok(c.env.includes('VERSION=2'));
    const lines = (await execIn(home, c.id, ['cat', '/data/log.txt'])).trim().split('\n');
    assert.equal(lines.length, 2, lines.join('\n'));
    // hostname is the container id's first 12 chars: one line from each container, oldest first
    assert.ok(lines[0]!.endsWith(firstIds[0]!.slice(0, 12)), lines.join('\n'));
    assert.ok(lines[1]!.endsWith(c.id.slice(0, 12)), lines.join('\n'));
  });

  it('removing the service removes its containers and keeps its named volume', async () => {
    const state = await engine.client.loadState();
    const service = findService(state, name);
    assert.ok(service);
    const plan = planRemoval(state, service);
    assert.deepEqual(plan.operations.map((o) => o.kind), ['remove']);
    const result = await applyPlan(plan, { client: engine.client }, { names: nameResolver(state), approval: 'all', pollMs: 100 }).result;
    assert.equal(result.outcome, 'done', JSON.stringify(result.failure));

    assert.deepEqual(await containersOfService(name), [], 'no container of the service is left anywhere');
    assert.ok(await volumeOn(home, volume), 'the named volume is still there');
  });
});
