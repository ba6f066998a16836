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

const info = (created: string, repoDigests: string[]): ImageInfo => ({ id: 'sha256:x', repoTags: [], repoDigests, created });

test('repositoryOf drops the tag and digest but keeps a registry port', () => {
  assert.equal(repositoryOf('10.0.0.1:5000/app:1'), '10.0.0.1:5000/app');
  assert.equal(repositoryOf('10.0.0.1:5000/app'), '10.0.0.1:5000/app');
  assert.equal(repositoryOf(`app:1@${D1}`), 'app');
});

test('a digest-pinned image is returned as is, without asking anyone', async () => {
  const client = images({});
  const image = `reg:5000/app:1@${D1}`;
  assert.equal(await new ImageDigestResolver(client, ['m1']).resolve(image, 'always'), image);
  assert.equal(client.registryCalls, 0);
});

test('missing: pins to the newest local copy\'s digest on any machine', async () => {
  const client = images({
    m1: info('2026-01-01T00:00:00Z', [`reg:5000/app@${D1}`]),
    m2: info('2026-02-01T00:00:00Z', [`other/app@${D1}`, `reg:5000/app@${D2}`]),
    m3: undefined,
  });
  assert.equal(await new ImageDigestResolver(client, ['m1', 'm2', 'm3']).resolve('reg:5000/app:1', 'missing'), `reg:5000/app:1@${D2}`);
  assert.equal(client.registryCalls, 0);
});

test('missing: a locally built image without a registry digest is used by tag', async () => {
  const client = images({ m1: info('2026-01-01T00:00:00Z', []) });
  assert.equal(await new ImageDigestResolver(client, ['m1']).resolve('local/app:1', 'missing'), 'local/app:1');
});

test('missing: on no machine, asks the registry', async () => {
  const client = images({}, REG);
  assert.equal(await new ImageDigestResolver(client, ['m1']).resolve('reg:5000/app:1', 'missing'), `reg:5000/app:1@${REG}`);
  assert.equal(client.registryCalls, 1);
});

test('always: asks the registry even when a machine has the image', async () => {
  const client = images({ m1: info('2026-01-01T00:00:00Z', [`reg:5000/app@${D1}`]) }, REG);
  assert.equal(await new ImageDigestResolver(client, ['m1']).resolve('reg:5000/app:1', 'always'), `reg:5000/app:1@${REG}`);
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

test('Docker Hub images match their short repository digests', async () => {
  const client = images({ m1: info('2026-01-01T00:00:00Z', [`busybox@${D1}`]) });
  assert.equal(await new ImageDigestResolver(client, ['m1']).resolve('docker.io/library/busybox:1', 'never'), `docker.io/library/busybox:1@${D1}`);
});
