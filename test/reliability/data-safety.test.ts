// Reliability 7, data safety: a file written into a service's named volume is still there after
// every kind of change: a stop-first replace, a failed deploy rolled back, `dockplan rollback`, a
// scale up, `rm`, and a deploy after the rm. Each time the file is read through every running
// replica (docker exec), or through a new throwaway container when none runs; and the volume is
// the very one it was (on one machine only, its creation time unchanged).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { machine, skipReason } from '../cluster/harness.js';
import { execIn } from '../support/engine-helpers.js';
import { BIN } from './dockplan-process.js';
import { ALL_MACHINES, Scenario, censusOf, describeCensus, httpdSpec, readFromVolume, sweepLeftovers } from './scenario.js';

const skip = skipReason() ?? (existsSync(BIN) ? undefined : `${BIN} is missing: npm run build first`);
const scenario = new Scenario();

before(async () => {
  if (!skip) await sweepLeftovers();
});
after(async () => {
  if (!skip) await scenario.cleanup();
});

/** Where the volume is: the machines holding it, with its creation time there. */
async function volumeCopies(volume: string): Promise<{ machine: string; createdAt: string }[]> {
  const found = await Promise.all(ALL_MACHINES.map(async (m) => {
    try {
      const v = (await machine(m).docker.getVolume(volume).inspect()) as { CreatedAt?: string };
      return [{ machine: m, createdAt: v.CreatedAt ?? '' }];
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return [];
      throw err;
    }
  }));
  return found.flat();
}

test('a file in a named volume survives a replace, a rollback, dockplan rollback, a scale, rm and a deploy after it', { skip, timeout: 180_000 }, async (t) => {
  const name = scenario.service('data');
  const volume = scenario.volume('data');
  const token = randomBytes(8).toString('hex');
  const spec = (version: string, extra: Partial<Parameters<typeof httpdSpec>[0]> = {}) =>
    scenario.spec(`${name}-${version}.yaml`, httpdSpec({ name, version, replicas: 1, mounts: [[volume, '/data']], ...extra }));
  const v1 = spec('v1');
  const v2 = spec('v2');
  const broken = spec('v3', { healthTest: 'test -e /data/no-such-file' });

  const first = await scenario.run(['deploy', '-f', v1, '--yes']);
  assert.equal(first.code, 0, first.stdout);
  const [replica] = (await censusOf(name)).replicas.filter((r) => r.running);
  assert.ok(replica, 'one replica runs');
  const home = replica.machine;
  await execIn(home, replica.id, ['sh', '-c', `echo ${token} > /data/keep.txt`]);
  const [created] = await volumeCopies(volume);
  assert.equal(created?.machine, home, `the volume lives where the replica runs (${home})`);

  /** The file, through every running replica, or a new container when none runs; the volume unchanged. */
  const assertFileThere = async (after: string) => {
    assert.deepEqual(await volumeCopies(volume), [created], `after ${after}: the volume is the one made first, on ${home} only`);
    const census = await censusOf(name);
    const running = census.replicas.filter((r) => r.running);
    for (const r of running) {
      assert.equal(r.machine, home, `after ${after}: replicas run where the volume is: ${describeCensus(census)}`);
      assert.equal((await execIn(r.machine, r.id, ['cat', '/data/keep.txt'])).trim(), token, `after ${after}: ${r.name} reads the file`);
    }
    if (running.length === 0) assert.equal(await readFromVolume(home, volume, 'keep.txt'), token, `after ${after}: a new container reads the file`);
    t.diagnostic(`after ${after}: the file is there (read through ${running.length ? running.map((r) => r.name).join(', ') : 'a new container'})`);
  };

  await t.test('a replace (stop-first: one writer per named volume)', async () => {
    const r = await scenario.run(['deploy', '-f', v2, '--yes']);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /-\/\+ replace container .* stop-first: one writer per named volume/);
    await assertFileThere('a stop-first replace');
  });

  await t.test('a failed deploy, rolled back', async () => {
    const r = await scenario.run(['deploy', '-f', broken, '--yes']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /rolled back/);
    const running = (await censusOf(name)).replicas.filter((x) => x.running);
    assert.deepEqual(running.map((x) => x.version), ['v2'], 'the old replica runs again');
    await assertFileThere('a rolled-back deploy');
  });

  const help = await scenario.run(['rollback', '--help']);
  const noRollback = help.code === 0 ? undefined : `dockplan rollback --help exits ${help.code}: the command is not there`;
  await t.test('dockplan rollback (to the deploy before what runs now)', { skip: noRollback }, async () => {
    const r = await scenario.run(['rollback', name, '--yes']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const running = (await censusOf(name)).replicas.filter((x) => x.running);
    assert.deepEqual(running.map((x) => x.version), ['v1'], 'v1 runs again');
    await assertFileThere('dockplan rollback');
  });

  await t.test('a scale to 2 replicas (both where the volume is)', async () => {
    const r = await scenario.run(['scale', name, '2', '--yes']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal((await censusOf(name)).replicas.filter((x) => x.running).length, 2);
    await assertFileThere('a scale to 2');
  });

  await t.test('rm (containers go, the named volume stays)', async () => {
    const r = await scenario.run(['rm', name, '--yes', '--allow-risky']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual((await censusOf(name)).replicas, [], 'no container of the service is left');
    await assertFileThere('rm');
  });

  await t.test('a deploy after the rm', async () => {
    const r = await scenario.run(['deploy', '-f', v2, '--yes']);
    assert.equal(r.code, 0, r.stdout);
    assert.equal((await censusOf(name)).replicas.filter((x) => x.running).length, 1);
    await assertFileThere('a deploy after rm');
  });
});
