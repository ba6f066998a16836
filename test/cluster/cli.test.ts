// The plain CLI against the real cluster, through the built binary: the JSON contract, exit codes,
// confirmation, and what ends up on each machine (checked through Docker).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX, containersOf, machine, machines, skipReason } from './harness.js';
import { BIN, dockplan } from '../support/cli-run.js';

const skip = skipReason();
const dir = mkdtempSync(join(tmpdir(), 'dockplan-cli-'));
const suffix = Math.random().toString(36).slice(2, 6);
const WEB = `cli-web-${suffix}`;
const VOL = `dpt-cli-${suffix}`;

function specFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const webSpec = (replicas: number, env = 'one') => specFile(`${WEB}-${replicas}-${env}.yaml`, `
name: ${WEB}
image: ${BUSYBOX}
replicas: ${replicas}
command: ["sh", "-c", "exec sleep 2147483647"]
env: { STAGE: ${env} }
volumes: [{ name: ${VOL} }]
mounts: [{ volume: ${VOL}, path: /data }]
init: true
update: { monitor: 500ms }
`);

async function removeEverything() {
  for (const m of machines()) {
    for (const c of await containersOf(m.name, WEB).catch(() => [])) await m.docker.getContainer(c.id).remove({ force: true }).catch(() => undefined);
    await m.docker.getVolume(VOL).remove().catch(() => undefined);
  }
}

before(async () => {
  if (skip) return;
  assert.ok(existsSync(BIN), `${BIN} is missing: npm test builds it (npm run build)`);
  await removeEverything();
});
after(async () => {
  if (!skip) await removeEverything();
});

test('machines --json lists every machine up by name, with its engine ID and version', { skip }, async () => {
  const r = await dockplan(['machines', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout) as { name: string; id: string; engineId: string; status: string; engineVersion: string; host: string }[];
  assert.deepEqual(list.map((m) => [m.name, m.id, m.status]), [['m1', 'm1', 'up'], ['m2', 'm2', 'up'], ['m3', 'm3', 'up']]);
  for (const m of list) assert.match(m.engineVersion, /^\d+\.\d+/);
  const info = await machine('m2').docker.info();
  assert.equal(list[1].engineId, info.ID);
});

test('a spec with mistakes exits 1 and lists every problem as FILE:LINE:COL, without a stack trace', { skip }, async () => {
  const file = specFile('bad.yaml', 'name: Bad_Name\nimgae: x\nreplicas: -1\n');
  const r = await dockplan(['plan', '-f', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`${file}:1:7: name: `));
  assert.match(r.stderr, new RegExp(`${file}:2:1: imgae: unknown key; did you mean "image"\\?`));
  assert.match(r.stderr, new RegExp(`${file}:3:11: replicas: `));
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('a missing cluster file is a clear error naming the file', { skip }, async () => {
  const r = await dockplan(['machines'], { DOCKPLAN_CLUSTER: join(dir, 'nope.yaml') });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot read cluster file .*nope\.yaml.*no such file/);
});

test('plan --json of a new service follows the contract and --detailed-exitcode says 2', { skip }, async () => {
  const r = await dockplan(['plan', '-f', webSpec(2), '--json', '--detailed-exitcode']);
  assert.equal(r.code, 2, r.stderr);
  const plan = JSON.parse(r.stdout);
  assert.equal(plan.service.name, WEB);
  assert.equal(plan.service.mode, 'replicated');
  assert.equal(plan.service.new, true);
  assert.match(plan.service.id, /^[0-9a-f]{32}$/);
  assert.deepEqual(plan.operations.map((o: { type: string }) => o.type), ['create-volume', 'run', 'run']);
  const [volume, run] = plan.operations;
  assert.equal(volume.container, null);
  assert.equal(run.container, null);
  assert.equal(run.machine.name, volume.machine.name, 'replicas follow the new volume');
  assert.equal(run.text, `+ run container ${WEB} on ${run.machine.name}`);
  assert.deepEqual(plan.summary, { create: 3, replace: 0, update: 0, stop: 0, remove: 0, machines: 1 });
  assert.deepEqual(plan.warnings, []);
});

test('deploy without a terminal and without --yes refuses and changes nothing', { skip }, async () => {
  const r = await dockplan(['deploy', '-f', webSpec(2)]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /refusing .* without a terminal .*--yes/);
  for (const m of machines()) assert.deepEqual(await containersOf(m.name, WEB), []);
});

test('deploy --yes creates the service; its containers carry the labels; plan then has no changes', { skip }, async () => {
  const r = await dockplan(['deploy', '-f', webSpec(2), '--yes']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^\[o1 m\d\] \+ create volume/m);
  assert.match(r.stdout, /^\[o2 m\d\]   done in \d+\.\ds$/m, 'each line names its operation and machine');
  assert.match(r.stdout, new RegExp(`^${WEB}: deployed: 3 of 3 operations done$`, 'm'));
  const all = (await Promise.all(machines().map((m) => containersOf(m.name, WEB)))).flat();
  assert.equal(all.length, 2);
  for (const c of all) {
    assert.equal(c.state, 'running');
    assert.equal(c.labels['dockplan.managed'], 'true');
    assert.equal(c.labels['dockplan.service.name'], WEB);
    assert.equal(c.labels['dockplan.service.mode'], 'replicated');
    assert.match(c.labels['dockplan.service.id'], /^[0-9a-f]{32}$/);
    assert.equal(JSON.parse(c.labels['dockplan.spec']).env.STAGE, 'one');
    assert.ok(c.labels['dockplan.spec.hash']);
  }
  const again = await dockplan(['plan', '-f', webSpec(2), '--detailed-exitcode']);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /is up to date: no changes/);
});

test('ls --json shows the service with its containers per machine', { skip }, async () => {
  const r = await dockplan(['ls', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const svc = JSON.parse(r.stdout).services.find((s: { name: string }) => s.name === WEB);
  assert.ok(svc, `${WEB} in ls --json`);
  assert.deepEqual(svc.replicas, { running: 2, desired: 2 });
  assert.equal(svc.containers.length, 2);
  for (const c of svc.containers) {
    assert.match(c.id, /^[0-9a-f]{64}$/);
    assert.ok(c.name.startsWith(`${WEB}-`));
    assert.match(c.machine.name, /^m[123]$/);
    assert.equal(c.state, 'running');
    assert.equal(c.health, 'none');
    assert.equal(c.image, BUSYBOX);
  }
});

test('plan --json of a changed env names the field, and two replicas replace start-first', { skip }, async () => {
  const r = await dockplan(['plan', '-f', webSpec(2, 'two'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout);
  assert.equal(plan.service.new, false);
  assert.deepEqual(plan.operations.map((o: { type: string; order: string; changes: string[] }) => [o.type, o.order, o.changes]), [
    ['replace', 'start-first', ['env']],
    ['replace', 'start-first', ['env']],
  ]);
  for (const o of plan.operations) assert.match(o.container.name, new RegExp(`^${WEB}-`));
});

test('scale 1 removes one container and keeps the other', { skip }, async () => {
  const before = (await Promise.all(machines().map((m) => containersOf(m.name, WEB)))).flat();
  const r = await dockplan(['scale', WEB, '1', '--yes']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /- remove container .* \(scaled to 1 replica\)/);
  const afterScale = (await Promise.all(machines().map((m) => containersOf(m.name, WEB)))).flat();
  assert.equal(afterScale.length, 1);
  assert.ok(before.some((c) => c.id === afterScale[0].id), 'the kept container is one of the originals');
});

test('rm removes every container of the service and keeps its named volume; a whole service needs --allow-risky', { skip }, async () => {
  const refused = await dockplan(['rm', WEB, '--yes']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /this plan is risky \(service: removes service .* and its 1 container/);
  assert.match(refused.stderr, /pass --yes --allow-risky/);
  assert.equal((await Promise.all(machines().map((m) => containersOf(m.name, WEB)))).flat().length, 1, 'nothing was removed');
  const r = await dockplan(['rm', WEB, '--yes', '--allow-risky']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`- remove service ${WEB}`));
  for (const m of machines()) assert.deepEqual(await containersOf(m.name, WEB), []);
  const volumes = await Promise.all(machines().map((m) => m.docker.getVolume(VOL).inspect().then(() => m.name, () => null)));
  assert.equal(volumes.filter(Boolean).length, 1, 'the named volume is still on its machine');
});

test('rm of an unknown service is a clear error', { skip }, async () => {
  const r = await dockplan(['rm', `cli-nothing-${suffix}`, '--yes']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no service named cli-nothing-\w+ on the cluster: see dockplan ls/);
});

test('a deploy whose healthcheck fails exits 1, says unhealthy and shows the last log lines', { skip }, async () => {
  const name = `cli-sick-${suffix}`;
  const file = specFile('sick.yaml', `
name: ${name}
image: ${BUSYBOX}
command: ["sh", "-c", "echo starting sick service; exec sleep 2147483647"]
healthcheck: { test: ["CMD-SHELL", "exit 1"], interval: 500ms, timeout: 1s, retries: 1 }
init: true
update: { monitor: 1s }
`);
  try {
    const r = await dockplan(['deploy', '-f', file, '--yes']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /FAILED after .*: container cli-sick-\w+-\w+ on m\d is unhealthy/);
    assert.match(r.stdout, /kept, stopped, for inspection/);
    assert.match(r.stdout, /\| starting sick service/);
    const kept = (await Promise.all(machines().map((m) => containersOf(m.name, name)))).flat();
    assert.equal(kept.length, 1);
    assert.equal(kept[0].state, 'exited');
  } finally {
    for (const m of machines()) for (const c of await containersOf(m.name, name)) await m.docker.getContainer(c.id).remove({ force: true });
  }
});

test('dockplan with no command and no terminal points to the plain commands and exits 2', { skip }, async () => {
  const r = await dockplan([]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /needs a terminal/);
  assert.match(r.stderr, /deploy -f SPEC --yes/);
});
