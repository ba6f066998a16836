// DockerClient's container operations against the real engines of the test cluster.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ServiceSpec } from '../../src/model/spec.js';
import { DockerClient } from '../../src/cluster/docker-client.js';
import { EngineError, InPlaceUpdateError } from '../../src/cluster/errors.js';
import { BUSYBOX, clusterFile, machine, skipReason, waitFor } from './harness.js';

const skip = skipReason();
const MiB = 1024 * 1024;
const suffix = () => randomBytes(2).toString('hex');

describe('DockerClient containers (real engines)', { skip }, () => {
  let client: DockerClient;
  const ids = new Map<string, string>();
  const created: { machine: string; id: string }[] = [];
  const volumes: { machine: string; name: string }[] = [];

  before(async () => {
    client = await DockerClient.open(clusterFile());
    for (const m of await client.listMachines()) ids.set(m.name, m.id);
  });

  after(async () => {
    for (const c of created) await machine(c.machine).docker.getContainer(c.id).remove({ force: true, v: true }).catch(() => {});
    for (const v of volumes) await machine(v.machine).docker.getVolume(v.name).remove({ force: true }).catch(() => {});
    await client?.close();
  });

  const idOf = (name: string) => {
    const id = ids.get(name);
    assert.ok(id, `machine ${name} should be in the cluster file`);
    return id;
  };

  async function create(machineName: string, spec: ServiceSpec) {
    const name = `${spec.name}-${suffix()}`;
    const res = await client.createContainer({ machineId: idOf(machineName), serviceId: `dpt-svc-${spec.name}`, spec, name });
    created.push({ machine: machineName, id: res.id });
    return res;
  }

  it('create, start, inspect, stop and remove a container', async () => {
    const spec: ServiceSpec = { name: 'dpt-life', image: BUSYBOX, command: ['sleep', '1000'], init: true, stop_grace_period: 1000 };
    const m2 = idOf('m2');
    const { id, name } = await create('m2', spec);
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(name, /^dpt-life-[0-9a-f]{4}$/);

    let state = await client.inspectContainer(m2, id);
    assert.equal(state.state, 'created');
    assert.equal(state.name, name);
    assert.equal(state.machineId, m2);
    assert.equal(state.startedAt, undefined);
    assert.deepEqual(state.service?.spec, spec);
    assert.equal(state.service?.id, 'dpt-svc-dpt-life');

    await client.startContainer(m2, id);
    await client.startContainer(m2, id); // already started: 304, not an error
    state = await client.inspectContainer(m2, id);
    assert.equal(state.state, 'running');
    assert.equal(state.health, 'none');
    assert.ok(state.startedAt && Date.parse(state.startedAt) > Date.now() - 60_000);

    const t0 = Date.now();
    await client.stopContainer(m2, id, 10_000);
    const stopMs = Date.now() - t0;
    assert.ok(stopMs < 2_000, `init: true should make stop fast, took ${stopMs} ms`);
    state = await client.inspectContainer(m2, id);
    assert.equal(state.state, 'exited');
    assert.equal(typeof state.exitCode, 'number');
    await client.stopContainer(m2, id, 1_000); // stopping a stopped container is fine

    await client.removeContainer(m2, id);
    await client.removeContainer(m2, id); // already gone is fine
    await assert.rejects(client.inspectContainer(m2, id), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.equal(err.statusCode, 404);
      assert.equal(err.machineName, 'm2');
      assert.match(err.message, new RegExp(`^inspect container ${name} on m2: No such container`));
      return true;
    });
  });

  it('create with a missing image fails with a 404 that names the image and machine', async () => {
    const spec: ServiceSpec = { name: 'dpt-noimg', image: 'local/nope:1', init: true };
    await assert.rejects(create('m2', spec), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.equal(err.statusCode, 404);
      assert.match(err.message, /^create container dpt-noimg-[0-9a-f]{4} on m2: No such image: local\/nope:1$/);
      return true;
    });
  });

  it('a mount naming an undefined volume fails before reaching the engine, naming container and machine', async () => {
    const spec: ServiceSpec = { name: 'dpt-ghost', image: BUSYBOX, mounts: [{ volume: 'ghost', path: '/g' }] };
    await assert.rejects(create('m2', spec), {
      name: 'EngineError',
      message: /^create container dpt-ghost-[0-9a-f]{4} on m2: mount at \/g names volume "ghost", which the spec does not define$/,
    });
  });

  it('remove deletes anonymous volumes but keeps named ones', async () => {
    const volume = `dpt-keep-${suffix()}`;
    volumes.push({ machine: 'm1', name: volume });
    const spec: ServiceSpec = {
      name: 'dpt-vol',
      image: BUSYBOX,
      command: ['sh', '-c', 'echo kept > /data/file; exec sleep 1000'],
      init: true,
      volumes: [{ name: volume, type: 'volume', labels: { purpose: 'test' } }],
      mounts: [{ volume, path: '/data' }],
    };
    const m1 = idOf('m1');
    const { id } = await create('m1', spec);
    await client.startContainer(m1, id);
    const docker = machine('m1').docker;
    const inspected = await docker.getContainer(id).inspect();
    const mount = inspected.Mounts.find((m) => m.Destination === '/data');
    assert.equal(mount?.Name, volume);
    // The image declares no VOLUME; make an anonymous one through Docker to see it go.
    const anon = await docker.createContainer({ Image: BUSYBOX, name: `dpt-anon-${suffix()}`, HostConfig: { Mounts: [{ Type: 'volume', Target: '/anon' } as never] } });
    created.push({ machine: 'm1', id: anon.id });
    const anonVolume = (await anon.inspect()).Mounts[0]?.Name;
    assert.ok(anonVolume);

    await client.removeContainer(m1, id);
    await client.removeContainer(m1, anon.id);
    const names = (await client.listVolumes(m1)).map((v) => v.name);
    assert.ok(names.includes(volume), `named volume ${volume} must survive the remove`);
    const all = ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name);
    assert.ok(!all.includes(anonVolume!), 'the anonymous volume goes with its container');
  });

  it('updates cpu and memory in place: same StartedAt, new limits', async () => {
    const spec: ServiceSpec = { name: 'dpt-res', image: BUSYBOX, command: ['sleep', '1000'], init: true, resources: { cpu: 0.5, memory: 64 * MiB } };
    const m3 = idOf('m3');
    const { id } = await create('m3', spec);
    await client.startContainer(m3, id);
    const before = await client.inspectContainer(m3, id);
    const docker = machine('m3').docker;

    // Raising memory beyond the swap Docker derived at create (2x) is the case that needs MemorySwap.
    const raised = { cpu: 1.5, memory: 256 * MiB, memory_reservation: 32 * MiB };
    await client.updateContainerResources(m3, id, raised, { ...spec, resources: raised });
    let host = (await docker.getContainer(id).inspect()).HostConfig;
    assert.equal(host.NanoCpus, 1_500_000_000);
    assert.equal(host.Memory, 256 * MiB);
    assert.equal(host.MemorySwap, 512 * MiB);
    assert.equal(host.MemoryReservation, 32 * MiB);

    const lowered = { cpu: 0.25, memory: 16 * MiB };
    await client.updateContainerResources(m3, id, lowered, { ...spec, resources: lowered });
    host = (await docker.getContainer(id).inspect()).HostConfig;
    assert.equal(host.NanoCpus, 250_000_000);
    assert.equal(host.Memory, 16 * MiB);
    assert.equal(host.MemoryReservation, -1, 'a dropped reservation is lifted');

    const after = await client.inspectContainer(m3, id);
    assert.equal(after.state, 'running');
    assert.equal(after.startedAt, before.startedAt, 'no restart');

    await assert.rejects(client.updateContainerResources(m3, id, { cpu: 1 }, spec), (err: unknown) => {
      assert.ok(err instanceof InPlaceUpdateError);
      assert.deepEqual(err.fields, ['memory (a limit cannot be lifted in place)']);
      assert.match(err.message, /^update resources of container dpt-res-[0-9a-f]{4} on m3: Docker cannot change memory/);
      return true;
    });
  });

  it('sets memory on a container created without any limit', async () => {
    const spec: ServiceSpec = { name: 'dpt-nolimit', image: BUSYBOX, command: ['sleep', '1000'], init: true };
    const m1 = idOf('m1');
    const { id } = await create('m1', spec);
    await client.startContainer(m1, id);
    await client.updateContainerResources(m1, id, { memory: 48 * MiB, cpu: 1 }, spec);
    const host = (await machine('m1').docker.getContainer(id).inspect()).HostConfig;
    assert.equal(host.Memory, 48 * MiB);
    assert.equal(host.NanoCpus, 1e9);
  });

  it('logs: the last lines of stdout and stderr as text', async () => {
    const spec: ServiceSpec = {
      name: 'dpt-logs',
      image: BUSYBOX,
      // Docker copies stdout and stderr separately: the pause keeps their order in the log certain.
      command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo out-$i; done; sleep 1; echo err-1 >&2; exec sleep 1000'],
      init: true,
    };
    const m1 = idOf('m1');
    const { id } = await create('m1', spec);
    await client.startContainer(m1, id);
    let last = '';
    const text = await waitFor(async () => {
      last = await client.containerLogs(m1, id, 3);
      return last.includes('err-1') ? last : undefined;
    }, 10_000).catch(async (err: Error) => {
      const state = await client.inspectContainer(m1, id).catch((e: Error) => e.message);
      throw new Error(`${err.message}; last logs ${JSON.stringify(last)}; container ${JSON.stringify(state)}`);
    });
    assert.deepEqual(text.trim().split('\n').sort(), ['err-1', 'out-4', 'out-5']);
    const all = await client.containerLogs(m1, id, 100);
    assert.equal(all.split('\n').filter(Boolean).length, 6);
  });

  it('health: a healthcheck shows starting then healthy in inspect', async () => {
    const spec: ServiceSpec = {
      name: 'dpt-health',
      image: BUSYBOX,
      command: ['sh', '-c', 'sleep 1; touch /tmp/ready; exec sleep 1000'],
      init: true,
      healthcheck: { test: ['CMD-SHELL', 'test -e /tmp/ready'], interval: 300, timeout: 1000, retries: 3 },
    };
    const m2 = idOf('m2');
    const { id } = await create('m2', spec);
    await client.startContainer(m2, id);
    assert.equal((await client.inspectContainer(m2, id)).health, 'starting');
    await waitFor(async () => (await client.inspectContainer(m2, id)).health === 'healthy', 10_000);
  });
});
