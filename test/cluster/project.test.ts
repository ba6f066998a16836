// A compose project deployed with the built CLI on the real cluster: every service in depends_on
// order under one run, NDJSON lines naming their service, the shared volume made once, nothing to
// do after; a service whose health fails ends the run there, rolled back, the one before it kept.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dockplan } from '../support/cli-run.js';
import { containersOfService, shortId, waitAllMachinesUp } from '../support/engine-helpers.js';
import { removeServices } from '../support/tui-harness.js';
import { BUSYBOX, machine, skipReason } from './harness.js';

const skip = skipReason();

describe('a compose project deployed on the real cluster', { skip }, () => {
  const project = `dpp${shortId()}`;
  const dir = mkdtempSync(join(tmpdir(), 'dockplan-project-'));
  const file = join(dir, 'compose.yaml');
  const write = (webHealth: string) => writeFileSync(file, [
    `name: ${project}`,
    'x-fast: &fast {update_config: {monitor: 300ms}}',
    'services:',
    '  web:',
    `    image: ${BUSYBOX}`,
    '    command: ["sh", "-c", "exec sleep 2147483647"]',
    '    init: true',
    '    stop_grace_period: 1s',
    `    healthcheck: {test: ["CMD", "${webHealth}"], interval: 300ms, timeout: 2s, retries: 1}`,
    '    deploy: {replicas: 2, <<: *fast}',
    '    depends_on: [db]',
    '  db:',
    `    image: ${BUSYBOX}`,
    '    command: ["sh", "-c", "exec sleep 2147483647"]',
    '    init: true',
    '    stop_grace_period: 1s',
    '    volumes: [data:/data]',
    '    x-machines: [m2]',
    '    deploy: *fast',
    'volumes:',
    '  data: {}',
    '',
  ].join('\n'));
  const volume = `${project}_data`;

  before(async () => {
    await waitAllMachinesUp();
    write('true');
  });
  after(async () => {
    await removeServices([`${project}-web`, `${project}-db`]);
    await machine('m2').docker.getVolume(volume).remove().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploy --yes --json runs db then web under one run id, each line naming its service; then there is nothing to do', async () => {
    const run = await dockplan(['deploy', '-f', file, '--yes', '--json']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // The plan line and the run's last finished line are about the whole run: they name `services`.
    const events = lines.filter((l) => l.services === undefined);
    assert.ok(events.length > 0);
    assert.deepEqual([lines[0]!.type, lines.at(-1)!.type, lines.at(-1)!.services], ['plan', 'finished', ['db', 'web']]);
    assert.deepEqual([...new Set(events.map((e) => e.service))], ['db', 'web'], 'db first, then web, each line naming its service');
    assert.equal(new Set(events.map((e) => e.runId ?? e.run)).size, 1, 'one run id');
    const db = await containersOfService(`${project}-db`);
    const web = await containersOfService(`${project}-web`);
    assert.deepEqual(db.map((c) => [c.machine, c.running]), [['m2', true]]);
    assert.deepEqual(web.filter((c) => c.running).length, 2);
    // db's volume, made once, on db's machine; its containers mount it.
    const volumes = await Promise.all(['m1', 'm2', 'm3'].map(async (m) => (await machine(m).docker.listVolumes()).Volumes?.some((v) => v.Name === volume)));
    assert.deepEqual(volumes, [false, true, false]);
    const ls = JSON.parse((await dockplan(['ls', '--json'])).stdout) as { services: { name: string; project: string | null }[] };
    assert.deepEqual(ls.services.filter((s) => s.name.startsWith(`${project}-`)).map((s) => [s.name, s.project]).sort(), [[`${project}-db`, project], [`${project}-web`, project]]);
    const again = await dockplan(['plan', '-f', file, '--detailed-exitcode']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, new RegExp(`^project ${project}: no changes$`, 'm'));
  });

  it('a web whose healthcheck now fails: exit 1, web rolled back to its old containers, db left as it was, the last line says how each ended', async () => {
    const before = await containersOfService(`${project}-web`);
    const dbBefore = (await containersOfService(`${project}-db`)).map((c) => c.id);
    write('false');
    const run = await dockplan(['deploy', '-f', file, '--yes']);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /^web \| rolling back: /m, 'progress lines name their service');
    assert.match(run.stdout, new RegExp(`^project ${project}: db done · web rolled-back$`, 'm'));
    const running = (await containersOfService(`${project}-web`)).filter((c) => c.running).map((c) => c.id).sort();
    assert.deepEqual(running, before.filter((c) => c.running).map((c) => c.id).sort(), 'the old web containers run again');
    assert.deepEqual((await containersOfService(`${project}-db`)).map((c) => c.id), dbBefore, 'db was not touched');
  });
});
