// The deploy lock on the real cluster, through the built binary: two deploys of one service at once
// (exactly one runs, the other exits 3 naming the holder), --lock-wait, and the lock of a run killed
// with SIGKILL seen with `lock status` and cleared with `lock release`. What is left on each machine
// is read through Docker.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '../../src/cluster/docker-client.js';
import { ClusterDeployLock, LOCK_LABEL, lockVolumeName, type HeldLock } from '../../src/execute/lock.js';
import { BIN, dockplan } from '../support/cli-run.js';
import { waitAllMachinesUp } from '../support/engine-helpers.js';
import { BUSYBOX, clusterFile, containersOf, machineUp, machines, skipReason, startMachine, stopMachine } from './harness.js';

const skip = skipReason();
const dir = mkdtempSync(join(tmpdir(), 'dockplan-lock-'));
const suffix = Math.random().toString(36).slice(2, 6);
const services: string[] = [];
const HOST = hostname();

/** A one-replica service whose deploy holds the lock for at least `monitor` (the health wait). */
function specFile(service: string, monitor: string, stage = 'one'): string {
  const file = join(dir, `${service}-${stage}.yaml`);
  writeFileSync(file, `
name: ${service}
image: ${BUSYBOX}
replicas: 1
command: ["sh", "-c", "exec sleep 2147483647"]
env: { STAGE: ${stage} }
init: true
update: { monitor: ${monitor} }
`);
  return file;
}

function newService(what: string): string {
  const name = `lock-${what}-${suffix}`;
  services.push(name);
  return name;
}

/** Each machine's lock volume of the service, by machine: { m1: <run id>, ... }. */
async function lockVolumes(service: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const m of machines()) {
    const { Volumes } = await m.docker.listVolumes({ filters: { label: [LOCK_LABEL.lock] } } as object);
    const v = (Volumes ?? []).find((x) => x.Name === lockVolumeName(service));
    if (v) out[m.name] = (v.Labels ?? {})[LOCK_LABEL.runId] ?? '(no run id)';
  }
  return out;
}

async function containerCount(service: string): Promise<number> {
  return (await Promise.all(machines().map((m) => containersOf(m.name, service)))).flat().length;
}

/** A dockplan process whose output can be waited on while it runs. */
interface Running {
  child: ChildProcess;
  /** Resolves with the first match in stdout, as soon as it is printed; rejects if the process ends first. */
  printed(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Exit code (or the signal's name) and everything printed. */
  done: Promise<{ code: number | string; stdout: string; stderr: string }>;
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, DOCKPLAN_CLUSTER: clusterFile(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.end();
  let stdout = '';
  let stderr = '';
  const waiting: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout!.on('data', (d) => {
    stdout += d;
    for (const w of [...waiting]) {
      const m = stdout.match(w.pattern);
      if (m) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | string; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code: code ?? signal ?? -1, stdout, stderr }));
  });
  return {
    child,
    done,
    printed: (pattern) => {
      const m = stdout.match(pattern);
      if (m) return Promise.resolve(m);
      return Promise.race([
        new Promise<RegExpMatchArray>((resolve) => waiting.push({ pattern, resolve })),
        done.then((r) => Promise.reject(new Error(`dockplan ${args.join(' ')} ended (${r.code}) without printing ${pattern}:\n${r.stdout}\n${r.stderr}`))),
      ]);
    },
  };
}

/** The volumes on each machine whose name starts with the service's lock volume name (the lock, and ended markers). */
async function lockAndMarkers(service: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const m of machines()) {
    const { Volumes } = await m.docker.listVolumes();
    const names = (Volumes ?? []).map((v) => v.Name).filter((n) => n.startsWith(lockVolumeName(service))).sort();
    if (names.length) out[m.name] = names;
  }
  return out;
}

async function removeEverything() {
  for (const m of machines()) {
    if (!(await machineUp(m.name))) await startMachine(m.name);
    for (const s of services) {
      for (const c of await containersOf(m.name, s).catch(() => [])) await m.docker.getContainer(c.id).remove({ force: true }).catch(() => undefined);
      const { Volumes } = await m.docker.listVolumes();
      for (const v of (Volumes ?? []).filter((x) => x.Name.startsWith(lockVolumeName(s)))) await m.docker.getVolume(v.Name).remove().catch(() => undefined);
    }
  }
}

before(async () => {
  if (skip) return;
  assert.ok(existsSync(BIN), `${BIN} is missing: run npm run build first`);
  await waitAllMachinesUp();
});
after(async () => {
  if (!skip) await removeEverything();
  rmSync(dir, { recursive: true, force: true });
});

test('two deploys of one service started at once: exactly one runs, the other exits 3 naming the holder (user@host, since, run id)', { skip }, async () => {
  const service = newService('race');
  const file = specFile(service, '4s');
  const [a, b] = await Promise.all([
    dockplan(['deploy', '-f', file, '--yes', '-m', 'deploy by alice'], { USER: 'alice' }),
    dockplan(['deploy', '-f', file, '--yes', '-m', 'deploy by bob'], { USER: 'bob' }),
  ]);
  assert.deepEqual([a.code, b.code].sort(), [0, 3], `exit codes ${a.code} and ${b.code}:\n${a.stdout}${a.stderr}\n---\n${b.stdout}${b.stderr}`);
  const [winner, loser, who] = a.code === 0 ? [a, b, 'alice'] : [b, a, 'bob'];
  const runId = winner.stdout.match(/^run (r\S+): /m)?.[1];
  assert.ok(runId, winner.stdout);
  assert.match(loser.stdout, new RegExp(
    `the deploy lock of ${service} is held by ${who}@${HOST.replace(/[.]/g, '\\.')} since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\(run ${runId}, "deploy by ${who}"\\)`,
  ));
  assert.match(loser.stdout, new RegExp(`dockplan lock release ${service}`));
  assert.doesNotMatch(loser.stdout, /^\[o\d+ /m, 'the refused run started no operation');
  assert.equal(await containerCount(service), 1, 'one run created the one replica');
  assert.deepEqual(await lockVolumes(service), {}, 'the winner released the lock on every machine');
});

test('--lock-wait: a deploy waits for the run that holds the lock, saying whose it is, and runs once it is released', { skip }, async () => {
  const service = newService('wait');
  // The holder is another run that does not change the service (so the waiting plan stays current).
  const client = await DockerClient.open(clusterFile());
  let held: HeldLock | undefined;
  try {
    const taken = await new ClusterDeployLock(client).acquire(service, { owner: 'carol@jump2', since: new Date().toISOString(), runId: 'r-test-holder', message: 'maintenance' });
    assert.ok(!('heldBy' in taken));
    held = taken;
    const refused = await dockplan(['deploy', '-f', specFile(service, '500ms'), '--yes']);
    assert.equal(refused.code, 3, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /held by carol@jump2 since \S+ \(run r-test-holder, "maintenance"\)/);

    const waiter = start(['deploy', '-f', specFile(service, '500ms'), '--yes', '--lock-wait', '2m']);
    await waiter.printed(new RegExp(`^waiting for the deploy lock of ${service}, held by carol@jump2 since \\S+ \\(run r-test-holder, "maintenance"\\)$`, 'm'));
    assert.equal(await containerCount(service), 0, 'nothing ran while it waited');
    await held.release();
    const r = await waiter.done;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^${service}: .*1 of 1 operations done`, 'm'));
    assert.equal(await containerCount(service), 1);
    assert.deepEqual(await lockVolumes(service), {});
  } finally {
    await held?.release().catch(() => undefined);
    await client.close();
  }
});

test('a run killed with SIGKILL mid-deploy leaves its lock: lock status shows it, a deploy is refused, lock release removes it, and a deploy then runs', { skip }, async () => {
  const service = newService('crash');
  const crashing = start(['deploy', '-f', specFile(service, '5m'), '--yes', '-m', 'will crash'], { USER: 'dave' });
  // The run line is printed once the run holds the lock and starts executing.
  const runId = (await crashing.printed(/^run (r\S+): /m))[1]!;
  await crashing.printed(/^\[o1 m\d\] /m);
  crashing.child.kill('SIGKILL');
  assert.equal((await crashing.done).code, 'SIGKILL');
  assert.deepEqual(await lockVolumes(service), { m1: runId, m2: runId, m3: runId });

  const status = await dockplan(['lock', 'status', service]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`^${service}: locked by dave@${HOST.replace(/[.]/g, '\\.')} since \\S+Z \\(\\d+s ago\\)$`, 'm'));
  assert.match(status.stdout, new RegExp(`^  run       ${runId}$`, 'm'));
  assert.match(status.stdout, /^ {2}message {3}will crash$/m);
  assert.match(status.stdout, /^ {2}machines {2}m1, m2, m3 \(3 of 3\)$/m);
  const json = await dockplan(['lock', 'status', service, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { machines: number; locks: { service: string; owner: string; runId: string; message: string; machines: string[]; majority: boolean; since: string }[]; unreachable: unknown[] };
  assert.equal(parsed.machines, 3);
  assert.deepEqual(parsed.unreachable, []);
  assert.deepEqual(parsed.locks.map(({ since: _s, ...l }) => l), [{ service, owner: `dave@${HOST}`, runId, message: 'will crash', machines: ['m1', 'm2', 'm3'], majority: true }]);
  // Every held lock is listed without a service too.
  assert.match((await dockplan(['lock', 'status'])).stdout, new RegExp(`^${service}: locked by dave@`, 'm'));

  const refused = await dockplan(['deploy', '-f', specFile(service, '500ms'), '--yes']);
  assert.equal(refused.code, 3, refused.stdout + refused.stderr);
  assert.match(refused.stdout, new RegExp(`held by dave@\\S+ since \\S+ \\(run ${runId}, "will crash"\\)`));

  const unconfirmed = await dockplan(['lock', 'release', service]);
  assert.equal(unconfirmed.code, 1);
  assert.match(unconfirmed.stderr, /without a terminal to confirm on: pass --yes/);
  assert.deepEqual(await lockVolumes(service), { m1: runId, m2: runId, m3: runId }, 'nothing released without confirmation');

  const released = await dockplan(['lock', 'release', service, '--yes']);
  assert.equal(released.code, 0, released.stdout + released.stderr);
  assert.match(released.stdout, new RegExp(`^released the deploy lock of ${service} held by dave@\\S+ since \\S+ \\(\\d+s ago\\) \\(run ${runId}\\) on m1, m2, m3$`, 'm'));
  assert.deepEqual(await lockVolumes(service), {});
  assert.match((await dockplan(['lock', 'status', service])).stdout, new RegExp(`^${service}: not locked$`, 'm'));

  const after = await dockplan(['deploy', '-f', specFile(service, '500ms'), '--yes']);
  assert.equal(after.code, 0, after.stdout + after.stderr);
  assert.deepEqual(await lockVolumes(service), {});
});

test('a lock held across an engine restart still refuses (Docker answers the first claim after a restart without labels: they are read back)', { skip }, async () => {
  const service = newService('restart');
  const client = await DockerClient.open(clusterFile());
  try {
    const taken = await new ClusterDeployLock(client).acquire(service, { owner: 'erin@jump3', since: new Date().toISOString(), runId: 'r-test-restart' });
    assert.ok(!('heldBy' in taken));
    // m1 is claimed first: its engine restarts under the lock.
    await stopMachine('m1');
    await startMachine('m1');
    const refused = await dockplan(['deploy', '-f', specFile(service, '500ms'), '--yes']);
    assert.equal(refused.code, 3, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /held by erin@jump3 since \S+ \(run r-test-restart\)/);
    assert.equal(await containerCount(service), 0);
    await taken.release();
  } finally {
    if (!(await machineUp('m1'))) await startMachine('m1');
    await client.close();
  }
});

test('a run that ends while a machine holding its lock is down leaves an ended marker; once the machine is back the next deploy clears the leftover and runs', { skip, timeout: 240_000 }, async () => {
  const service = newService('ended');
  const client = await DockerClient.open(clusterFile(), { timeouts: { probe: 2_000, change: 5_000 } });
  try {
    const taken = await new ClusterDeployLock(client).acquire(service, { owner: 'frank@jump4', since: new Date().toISOString(), runId: 'r-test-ended' });
    assert.ok(!('heldBy' in taken));
    await stopMachine('m3');
    await assert.rejects(taken.release(), new RegExp(`^Error: release the deploy lock of ${service}: m3: .*; its lock volume stays on m3, and the next run of ${service} clears it once that machine answers \\(or: dockplan lock release ${service}\\)$`));
    await startMachine('m3');
    const marker = `${lockVolumeName(service)}.ended.r-test-ended`;
    assert.deepEqual(await lockAndMarkers(service), { m1: [marker], m2: [marker], m3: [lockVolumeName(service)] });
    // The leftover is a lock of its own to `lock status` (it is a volume of that run)...
    assert.match((await dockplan(['lock', 'status', service])).stdout, /^ {2}machines {2}m3 \(1 of 3: not a majority\)$/m);
    // ... but the next run knows that run is over.
    const r = await dockplan(['deploy', '-f', specFile(service, '500ms'), '--yes']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(await lockAndMarkers(service), {}, 'the leftover and the markers are gone, and the run released its own lock');
  } finally {
    if (!(await machineUp('m3'))) await startMachine('m3');
    await client.close();
  }
});
