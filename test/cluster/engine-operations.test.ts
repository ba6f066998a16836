// Every operation's Execute against the real engines: run, replace (start-first and stop-first),
// update in place, stop, remove, create volume and sequence, each checked through Docker.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { specHash } from '../../src/model/canonical.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { Engine, containersOfService, inspect, specOf, stepIndex, volumeOn, yaml } from '../support/engine-helpers.js';
import { skipReason } from './harness.js';

const skip = skipReason();
const MiB = 1024 * 1024;

/** A quick service: one replica, sleeps, stops fast, counts as up after 1s. */
function quick(name: string, ...extra: string[]): ServiceSpec {
  return specOf(yaml(
    `name: ${name}`,
    'image: local/busybox:1',
    'command: ["sh", "-c", "exec sleep 3600"]',
    'init: true',
    'stop_grace_period: 2s',
    'update:',
    '  monitor: 1s',
    ...extra,
  ));
}

const healthy = ['healthcheck:', '  test: ["CMD-SHELL", "true"]', '  interval: 500ms', '  timeout: 2s', '  retries: 2'];

describe('engine operations, executed on the real cluster', { skip }, () => {
  let engine: Engine;
  before(async () => {
    engine = await Engine.open();
  });
  after(async () => {
    await engine?.cleanup();
  });

  it('run creates, starts and waits until the new container is healthy, labelled with its service and spec', async () => {
    const name = engine.service('run');
    const d = await engine.deployOk(quick(name, ...healthy));
    assert.deepEqual(d.plan.operations.map((o) => o.kind), ['run']);
    const phases = d.steps.map((s) => s.phase);
    assert.ok(phases.indexOf('creating') < phases.indexOf('starting'), phases.join(' '));
    assert.ok(phases.indexOf('starting') < phases.indexOf('healthy'), phases.join(' '));

    const all = await containersOfService(name);
    assert.equal(all.length, 1, 'exactly one container in the whole cluster');
    const [c] = all;
    assert.equal(c.status, 'running');
    assert.equal(c.health, 'healthy');
    assert.equal(c.init, true);
    assert.match(c.name, new RegExp(`^${name}-[a-z0-9]{4}$`));
    assert.equal(c.labels['dockplan.managed'], 'true');
    assert.equal(c.labels['dockplan.service.id'], d.plan.serviceId);
    assert.equal(c.labels['dockplan.service.name'], name);
    assert.equal(c.labels['dockplan.service.mode'], 'replicated');
    const stored = JSON.parse(c.labels['dockplan.spec']!) as ServiceSpec;
    assert.deepEqual(stored, d.plan.spec);
    assert.equal(stored.name, name);
    assert.equal(c.labels['dockplan.spec.hash'], specHash(d.plan.spec));
    assert.equal(c.machine, engine.machineName((d.plan.operations[0] as { machineId: string }).machineId));
  });

  it('replace start-first runs the new container until healthy before it stops the old one, then removes the old one', async () => {
    const name = engine.service('sf');
    await engine.deployOk(quick(name, ...healthy, 'env:', '  VERSION: "1"'));
    const [old] = await containersOfService(name);
    assert.ok(old);

    const d = await engine.deployOk(quick(name, ...healthy, 'env:', '  VERSION: "2"'));
    const [op] = d.plan.operations;
    assert.equal(d.plan.operations.length, 1);
    assert.ok(op?.kind === 'replace');
    assert.equal(op.order, 'start-first');
    assert.deepEqual(op.changes, ['env']);
    assert.equal(op.old.id, old.id);

    const now = await containersOfService(name);
    assert.equal(now.length, 1, 'only the new container is left');
    const [fresh] = now;
    assert.notEqual(fresh.id, old.id);
    assert.equal(fresh.machine, old.machine, 'replaced on the same machine');
    assert.equal(fresh.status, 'running');
    assert.equal(fresh.health, 'healthy');
    assert.ok(fresh.env.includes('VERSION=2'), fresh.env.join(' '));
    assert.equal(await inspect(old.machine, old.id), undefined, 'the old container is gone');

    const healthyNew = stepIndex(d.steps, 'healthy', fresh.id);
    const stopOld = stepIndex(d.steps, 'stopping', old.id);
    const removeOld = stepIndex(d.steps, 'removing', old.id);
    assert.ok(healthyNew >= 0 && stopOld > healthyNew && removeOld > stopOld, JSON.stringify(d.steps));
  });

  it('replace stop-first stops the old container before the new one starts when the new one needs its host port', async () => {
    const name = engine.service('port');
    const port = 20000 + Math.floor(Math.random() * 20000);
    await engine.deployOk(quick(name, `ports: ["${port}:8080@host"]`, 'env:', '  VERSION: "1"'));
    const [old] = await containersOfService(name);
    assert.ok(old);
    assert.deepEqual(old.portBindings['8080/tcp']?.map((b) => b.HostPort), [String(port)]);

    const d = await engine.deployOk(quick(name, `ports: ["${port}:8080@host"]`, 'env:', '  VERSION: "2"'));
    const [op] = d.plan.operations;
    assert.equal(d.plan.operations.length, 1);
    assert.ok(op?.kind === 'replace');
    assert.equal(op.order, 'stop-first');
    assert.match(op.orderReason, new RegExp(`${port}/tcp`));

    const now = await containersOfService(name);
    assert.equal(now.length, 1);
    const [fresh] = now;
    assert.notEqual(fresh.id, old.id);
    assert.equal(fresh.machine, old.machine);
    assert.equal(fresh.status, 'running');
    assert.deepEqual(fresh.portBindings['8080/tcp']?.map((b) => b.HostPort), [String(port)]);
    assert.equal(await inspect(old.machine, old.id), undefined);

    const stopOld = stepIndex(d.steps, 'stopping', old.id);
    const startNew = stepIndex(d.steps, 'starting', fresh.id);
    const removeOld = stepIndex(d.steps, 'removing', old.id);
    assert.ok(stopOld >= 0 && startNew > stopOld && removeOld > startNew, JSON.stringify(d.steps));
  });

  it('update changes memory and cpu limits in place: same container, same StartedAt, new limits', async () => {
    const name = engine.service('upd');
    await engine.deployOk(quick(name, 'resources:', '  memory: 64M', '  cpu: 0.5'));
    const [before] = await containersOfService(name);
    assert.ok(before);
    assert.equal(before.memory, 64 * MiB);
    assert.equal(before.nanoCpus, 0.5e9);

    const d = await engine.deployOk(quick(name, 'resources:', '  memory: 96M', '  cpu: 0.25'));
    assert.equal(d.plan.operations.length, 1);
    const [op] = d.plan.operations;
    assert.ok(op?.kind === 'update');
    assert.deepEqual([...op.changes].sort(), ['resources.cpu', 'resources.memory']);

    const now = await containersOfService(name);
    assert.equal(now.length, 1);
    const [after] = now;
    assert.equal(after.id, before.id, 'the same container');
    assert.equal(after.startedAt, before.startedAt, 'not restarted');
    assert.equal(after.restartCount, 0);
    assert.equal(after.status, 'running');
    assert.equal(after.memory, 96 * MiB);
    assert.equal(after.nanoCpus, 0.25e9);
  });

  it('after an in-place update, redeploying the same spec plans no operations', async () => {
    const name = engine.service('upd2');
    await engine.deployOk(quick(name, 'resources:', '  memory: 64M'));
    const target = quick(name, 'resources:', '  memory: 96M');
    const updated = await engine.deployOk(target);
    assert.deepEqual(updated.plan.operations.map((o) => o.kind), ['update']);
    const [c] = await containersOfService(name);
    assert.equal(c?.memory, 96 * MiB, 'the limit Docker enforces is the new one');

    const again = await engine.deploy(target);
    assert.deepEqual(again.plan.operations.map((o) => o.kind), [], 'the container already has the limits the spec asks for');
  });

  it('stop stops the container and keeps it', async () => {
    const name = engine.service('stop');
    const d = await engine.deployOk(quick(name));
    const [c] = await containersOfService(name);
    assert.ok(c?.running);
    const res = await engine.execute([
      { kind: 'stop', machineId: engine.machineId(c.machine), container: { id: c.id, name: c.name }, graceMs: 2000, reason: 'e2e' },
    ], d.plan.spec, d.plan.serviceId);
    assert.equal(res.result.outcome, 'done', JSON.stringify(res.result.failure));
    assert.deepEqual(res.steps.map((s) => s.phase), ['stopping']);
    const seen = await inspect(c.machine, c.id);
    assert.ok(seen, 'the stopped container still exists');
    assert.equal(seen.running, false);
    assert.equal(seen.status, 'exited');
  });

  it('remove stops and removes the container but never its named volume', async () => {
    const name = engine.service('rm');
    const volume = engine.volume('rm');
    const d = await engine.deployOk(quick(name, 'volumes:', `  - name: ${volume}`, 'mounts:', `  - volume: ${volume}`, '    path: /data'));
    assert.deepEqual(d.plan.operations.map((o) => o.kind), ['create-volume', 'run']);
    const [c] = await containersOfService(name);
    assert.ok(c?.running);
    assert.ok(c.mounts.some((m) => m.Type === 'volume' && m.Name === volume && m.Destination === '/data'), JSON.stringify(c.mounts));

    const res = await engine.execute([
      { kind: 'remove', machineId: engine.machineId(c.machine), container: { id: c.id, name: c.name }, graceMs: 2000, reason: 'e2e' },
    ], d.plan.spec, d.plan.serviceId);
    assert.equal(res.result.outcome, 'done', JSON.stringify(res.result.failure));
    assert.deepEqual(res.steps.map((s) => s.phase), ['stopping', 'removing'], 'stopped during the rollout, removed by the cleanup once the deploy succeeded');
    const cleanup = res.events.find((e) => e.type === 'cleanup');
    assert.ok(cleanup?.type === 'cleanup' && cleanup.removed.some((r) => r.id === c.id), '... and removed by the cleanup once the deploy succeeded');
    assert.equal(await inspect(c.machine, c.id), undefined, 'the container is gone');
    assert.deepEqual(await containersOfService(name), []);
    assert.ok(await volumeOn(c.machine, volume), 'the named volume stays');
  });

  it('create-volume creates a managed named volume on that one machine only', async () => {
    const volume = engine.volume('cv');
    const res = await engine.execute([
      { kind: 'create-volume', machineId: engine.machineId('m2'), volume: { name: volume, type: 'volume', labels: { purpose: 'e2e' } } },
    ], { name: 'e2e-none', image: 'local/busybox:1' });
    assert.equal(res.result.outcome, 'done', JSON.stringify(res.result.failure));
    assert.deepEqual(await volumeOn('m2', volume), { purpose: 'e2e', 'dockplan.managed': 'true' });
    assert.equal(await volumeOn('m1', volume), undefined);
    assert.equal(await volumeOn('m3', volume), undefined);
  });

  it('volumes are created first, in their own batch; a failure there rolls the rollout back before any container runs, keeping the volume', async () => {
    const name = engine.service('seq');
    const volume = engine.volume('seq');
    const spec: ServiceSpec = { ...quick(name), mode: 'replicated' };
    const m3 = engine.machineId('m3');
    const res = await engine.execute([
      { kind: 'create-volume', machineId: m3, volume: { name: volume, type: 'volume' } },
      { kind: 'run', machineId: m3, serviceId: 'e2e-seq-service', spec },
      { kind: 'create-volume', machineId: m3, volume: { name: `${volume}-bind`, type: 'bind', source: '/tmp' } },
      { kind: 'run', machineId: m3, serviceId: 'e2e-seq-service', spec },
    ], spec, 'e2e-seq-service');
    assert.deepEqual(res.plan.batches.map((b) => [b.kind, b.units.map((u) => u.id)]), [['volumes', ['o1', 'o3']], ['update', ['o2']], ['update', ['o4']]]);
    assert.equal(res.result.outcome, 'rolled-back');
    assert.deepEqual(res.result.failed, ['o3']);
    assert.match(res.result.failure?.message ?? '', /only named volumes/);
    assert.deepEqual(res.steps.map((s) => s.phase), ['creating-volume', 'creating-volume'], 'no container was created');
    assert.ok(await volumeOn('m3', volume), 'the volume stays: a deploy never removes one');
    assert.deepEqual(await containersOfService(name), []);
  });

  it('a run records itself on the containers it makes (dockplan.deploy.id)', async () => {
    const name = engine.service('depid');
    const d = await engine.deployOk(quick(name));
    const [c] = await containersOfService(name);
    assert.equal(c?.labels['dockplan.deploy.id'], d.result.runId);
  });
});
