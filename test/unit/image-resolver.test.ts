// The resolver's decisions per pull policy, over an in-memory image client (the real registry
// and engines are exercised in test/cluster/engine-*.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageClient, ImageInfo } from '../../src/execute/client.js';
import { ImageDigestResolver, repositoryOf } from '../../src/execute/image-resolver.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const REG = `sha256:${'9'.repeat(64)}`;

function images(byMachine: Record<string, ImageInfo | undefined>, registry?: string): ImageClient & { registryCalls: number } {
  const client = {
    registryCalls: 0,
    inspectImage: async (machineId: string) => byMachine[machineId],
    pullImage: async () => undefined,
    registryDigest: async () => {
      client.registryCalls++;
      if (!registry) throw new Error('manifest unknown');
      return registry;
    },
  };
  return client;
}

const info = (created: string, repoDigests: string[], id = `sha256:${'0'.repeat(64)}`): ImageInfo => ({ id, repoTags: [], repoDigests, created });
const ref = async (r: ImageDigestResolver, image: string, policy: 'always' | 'missing' | 'never') => (await r.resolve(image, policy)).ref;

test('repositoryOf drops the tag and digest but keeps a registry port', () => {
  assert.equal(repositoryOf('10.0.0.1:5000/app:1'), '10.0.0.1:5000/app');
  assert.equal(repositoryOf('10.0.0.1:5000/app'), '10.0.0.1:5000/app');
  assert.equal(repositoryOf(`app:1@${D1}`), 'app');
});

test('a digest-pinned image is returned as is, without asking anyone', async () => {
  const client = images({});
  const image = `reg:5000/app:1@${D1}`;
  assert.equal(await ref(new ImageDigestResolver(client, ['m1']), image, 'always'), image);
  assert.equal(client.registryCalls, 0);
});

test('missing: pins to the newest local copy\'s digest on any machine', async () => {
  const client = images({
    m1: info('2026-01-01T00:00:00Z', [`reg:5000/app@${D1}`]),
    m2: info('2026-02-01T00:00:00Z', [`other/app@${D1}`, `reg:5000/app@${D2}`]),
    m3: undefined,
  });
  assert.equal(await ref(new ImageDigestResolver(client, ['m1', 'm2', 'm3']), 'reg:5000/app:1', 'missing'), `reg:5000/app:1@${D2}`);
  assert.equal(client.registryCalls, 0);
});

test('missing: a locally built image without a registry digest is pinned to its image ID', async () => {
  const client = images({ m1: info('2026-01-01T00:00:00Z', [], D1) });
  assert.deepEqual(await new ImageDigestResolver(client, ['m1']).resolve('local/app:1', 'missing'), { ref: D1, warnings: [] });
});

test('a tag rebuilt on one machine: the newest is pinned, and the machines holding other bytes are named', async () => {
  const client = images({
    m1: info('2026-01-01T00:00:00Z', [], D1),
    m2: info('2026-03-01T00:00:00Z', [], D2),
    m3: info('2026-01-01T00:00:00Z', [], D1),
  });
  const { ref: pinned, warnings } = await new ImageDigestResolver(client, ['m1', 'm2', 'm3']).resolve('local/app:1', 'never');
  assert.equal(pinned, D2);
  assert.deepEqual(warnings, [
    `image local/app:1 differs between machines: sha256:222222222222 (newest, pinned) on m2; sha256:111111111111 on m1, m3: ` +
      'it has no registry digest, so m1, m3 cannot pull it: load it there (docker save | docker load) or containers there will not start',
  ]);
});

test('an image without a registry digest missing on a machine is named: it cannot be pulled there', async () => {
  const client = images({ m1: info('2026-01-01T00:00:00Z', [], D1), m2: undefined });
  const { warnings } = await new ImageDigestResolver(client, ['m1', 'm2']).resolve('local/app:1', 'missing');
  assert.deepEqual(warnings, ['image local/app:1 (sha256:111111111111, no registry digest) is not on m2: load it there (docker save | docker load) or containers there will not start']);
});

test('machines holding other copies of a registry image are named; they will pull the pinned digest', async () => {
  const client = images({
    m1: info('2026-01-01T00:00:00Z', [`reg:5000/app@${D1}`], `sha256:${'a'.repeat(64)}`),
    m2: info('2026-02-01T00:00:00Z', [`reg:5000/app@${D2}`], `sha256:${'b'.repeat(64)}`),
  });
  const { ref: pinned, warnings } = await new ImageDigestResolver(client, ['m1', 'm2']).resolve('reg:5000/app:1', 'missing');
  assert.equal(pinned, `reg:5000/app:1@${D2}`);
  assert.deepEqual(warnings, ['image reg:5000/app:1 differs between machines: sha256:bbbbbbbbbbbb (newest, pinned) on m2; sha256:aaaaaaaaaaaa on m1: m1 will pull it']);
});

test('missing: on no machine, asks the registry', async () => {
  const client = images({}, REG);
  assert.equal(await ref(new ImageDigestResolver(client, ['m1']), 'reg:5000/app:1', 'missing'), `reg:5000/app:1@${REG}`);
  assert.equal(client.registryCalls, 1);
});

test('always: asks the registry even when a machine has the image', async () => {
  const client = images({ m1: info('2026-01-01T00:00:00Z', [`reg:5000/app@${D1}`]) }, REG);
  assert.equal(await ref(new ImageDigestResolver(client, ['m1']), 'reg:5000/app:1', 'always'), `reg:5000/app:1@${REG}`);
});

test('always: a registry that does not answer is an error naming the image and the policy', async () => {
  await assert.rejects(new ImageDigestResolver(images({}), ['m1']).resolve('reg:5000/app:1', 'always'),
    /resolve image reg:5000\/app:1: manifest unknown \(pull_policy is always, so the registry must answer\)/);
});

test('never: on no machine is an error that names pull_policy; the registry is not asked', async () => {
  const client = images({}, REG);
  await assert.rejects(new ImageDigestResolver(client, ['m1']).resolve('reg:5000/app:1', 'never'),
    /image reg:5000\/app:1 is on no machine and pull_policy is never/);
  assert.equal(client.registryCalls, 0);
});

test('never: a copy only outside placement does not pin the tag, and the error names where it is', async () => {
  const client = images({ m3: info('2026-01-01T00:00:00Z', [`reg:5000/app@${D1}`]) }, REG);
  await assert.rejects(new ImageDigestResolver(client, ['m1', 'm2'], ['m3']).resolve('reg:5000/app:1', 'never'),
    /image reg:5000\/app:1 is not on m1, m2 \(where placement lets the service run\) and pull_policy is never; m3 has it: load it onto m1, m2, or set pull_policy: missing/);
  // Nowhere at all still reads as on no machine.
  await assert.rejects(new ImageDigestResolver(images({}, REG), ['m1'], ['m2', 'm3']).resolve('reg:5000/app:1', 'never'), /is on no machine and pull_policy is never/);
  // missing pins what the placed machines hold, or asks the registry: m3's copy plays no part.
  assert.equal(await ref(new ImageDigestResolver(client, ['m1'], ['m3']), 'reg:5000/app:1', 'missing'), `reg:5000/app:1@${REG}`);
  assert.equal(client.registryCalls, 1);
});

test('Docker Hub images match their short repository digests', async () => {
  const client = images({ m1: info('2026-01-01T00:00:00Z', [`busybox@${D1}`]) });
  assert.equal(await ref(new ImageDigestResolver(client, ['m1']), 'docker.io/library/busybox:1', 'never'), `docker.io/library/busybox:1@${D1}`);
});
