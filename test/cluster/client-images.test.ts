// DockerClient's image and volume operations against the real engines and the cluster's registry.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DockerClient } from '../../src/cluster/docker-client.js';
import { EngineError } from '../../src/cluster/errors.js';
import { BUSYBOX, clusterFile, machine, registry, skipReason } from './harness.js';

const skip = skipReason();

describe('DockerClient images and volumes (real engines)', { skip }, () => {
  let client: DockerClient;
  const ids = new Map<string, string>();
  const volumes: { machine: string; name: string }[] = [];

  before(async () => {
    client = await DockerClient.open(clusterFile());
    for (const m of await client.listMachines()) ids.set(m.name, m.id);
  });

  after(async () => {
    for (const v of volumes) await machine(v.machine).docker.getVolume(v.name).remove({ force: true }).catch(() => {});
    await client?.close();
  });

  const idOf = (name: string) => ids.get(name)!;

  it('inspectImage: the local image is there, an unknown one is undefined', async () => {
    const image = await client.inspectImage(idOf('m1'), BUSYBOX);
    assert.ok(image);
    assert.match(image.id, /^sha256:[0-9a-f]{64}$/);
    assert.ok(image.repoTags.includes(BUSYBOX));
    assert.ok(Date.parse(image.created) > 0);
    assert.equal(await client.inspectImage(idOf('m1'), 'local/nope:1'), undefined);
  });

  it('pullImage pulls from the registry through the engine, reporting progress', async () => {
    const ref = `${registry()}/busybox:1`;
    const m2 = idOf('m2');
    // Untag first so the pull really fetches (the layers stay: local/busybox:1 is the same image).
    await machine('m2').docker.getImage(ref).remove({ noprune: true }).catch(() => {});
    assert.equal(await client.inspectImage(m2, ref), undefined);
    const progress: string[] = [];
    await client.pullImage(m2, ref, (status) => progress.push(status));
    assert.ok(progress.some((p) => /Downloaded newer image|Image is up to date/.test(p)), progress.join(' | '));
    const image = await client.inspectImage(m2, ref);
    assert.ok(image?.repoTags.includes(ref));
    assert.ok(image?.repoDigests.some((d) => d.startsWith(`${registry()}/busybox@sha256:`)));
  });

  it('a failing pull rejects with the registry message, the ref and the machine', async () => {
    const ref = `${registry()}/nope:1`;
    await assert.rejects(client.pullImage(idOf('m2'), ref), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.equal(err.message, `pull ${ref} on m2: manifest for ${ref} not found: manifest unknown: manifest unknown`);
      assert.equal(err.statusCode, 404);
      assert.equal(err.unreachable, false);
      return true;
    });
  });

  it('registryDigest asks the registry for the tag current digest', async () => {
    const ref = `${registry()}/busybox:1`;
    const digest = await client.registryDigest(idOf('m3'), ref);
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    // The digest the registry gives is the one a pull records.
    await client.pullImage(idOf('m3'), ref);
    const image = await client.inspectImage(idOf('m3'), ref);
    assert.ok(image?.repoDigests.includes(`${registry()}/busybox@${digest}`), JSON.stringify(image?.repoDigests));
    await assert.rejects(client.registryDigest(idOf('m3'), `${registry()}/nope:1`), /EngineError: read registry digest of .*nope:1 on m3: manifest unknown/);
  });

  it('createVolume makes a labelled named volume; listVolumes lists it; bind volumes are refused', async () => {
    const name = `dpt-vol-${randomBytes(2).toString('hex')}`;
    volumes.push({ machine: 'm3', name });
    const m3 = idOf('m3');
    await client.createVolume(m3, { name, type: 'volume', labels: { team: 'test' }, driver_opts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
    await client.createVolume(m3, { name, type: 'volume', labels: { team: 'test' }, driver_opts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
    const listed = await client.listVolumes(m3);
    assert.deepEqual(listed.find((v) => v.name === name), { name, driver: 'local', options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
    const inspected = await machine('m3').docker.getVolume(name).inspect();
    assert.deepEqual(inspected.Labels, { team: 'test', 'dockplan.managed': 'true' });
    assert.deepEqual(inspected.Options, { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' });
    assert.ok(!(await client.listVolumes(idOf('m1'))).some((v) => v.name === name), 'a volume lives on one machine');
    await assert.rejects(client.createVolume(m3, { name: 'dpt-bind', type: 'bind', source: '/tmp' }), /EngineError: create volume dpt-bind on m3: only named volumes/);
  });
});
