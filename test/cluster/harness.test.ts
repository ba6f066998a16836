// Proves the test cluster is real: three engines, published ports on every machine at once, a
// registry every machine pulls from, and machines that can be powered off and on again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import {
  BUSYBOX,
  NOT_RUNNING,
  cleanCluster,
  containersOf,
  machine,
  machineUp,
  machines,
  registry,
  skipReason,
  startMachine,
  stopMachine,
  waitFor,
} from './harness.js';

const skip = skipReason();

test('skipReason: a missing cluster skips locally and fails in CI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dpt-harness-'));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKPLAN_CLUSTER: join(dir, 'missing.yaml') };
    // a fresh process per case: what skipReason() says for this environment
    const code = `try { const h = await import(${JSON.stringify(new URL('./harness.ts', import.meta.url).href)}); console.log(JSON.stringify(h.skipReason() ?? null)); } catch (err) { console.log('THROWS ' + err.message); }`;
    const probe = (ci: string | undefined) => {
      const e: NodeJS.ProcessEnv = { ...env };
      if (ci === undefined) delete e.CI;
      else e.CI = ci;
      return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env: e, encoding: 'utf8' });
    };
    const local = probe(undefined);
    assert.equal(local.stdout.trim(), JSON.stringify(NOT_RUNNING), local.stderr);
    const ci = probe('true');
    assert.match(ci.stdout, /^THROWS the test cluster is required in CI/, ci.stderr);
    // a cluster file whose sockets do not exist counts as "not running" too
    writeFileSync(join(dir, 'dead.yaml'), 'machines:\n  - name: m1\n    host: unix:///nonexistent/dpt/m1.sock\n');
    env.DOCKPLAN_CLUSTER = join(dir, 'dead.yaml');
    assert.equal(probe(undefined).stdout.trim(), JSON.stringify(NOT_RUNNING));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('three machines answer info, each with its own engine ID and name', { skip }, async () => {
  const list = machines();
  assert.deepEqual(
    list.map((m) => m.name),
    ['m1', 'm2', 'm3'],
  );
  const infos = await Promise.all(list.map((m) => m.docker.info() as Promise<{ ID: string; Name: string; Driver: string }>));
  const ids = infos.map((i) => i.ID);
  // with the default, own identity keys; machine-identity.test.ts covers the shared key
  assert.equal(new Set(ids).size, 3, `engine IDs must differ: ${ids.join(', ')} (shared identity key left in place? bash scripts/cluster.sh rekey own)`);
  assert.deepEqual(
    infos.map((i) => i.Name),
    ['m1', 'm2', 'm3'],
  );
  for (const m of list) {
    assert.match(m.ip, /^10\.213\.0\.1[1-3]$/);
    const image = await m.docker.getImage(BUSYBOX).inspect();
    assert.ok(image.Id.startsWith('sha256:'), `${m.name} has ${BUSYBOX}`);
  }
});

async function runWeb(docker: Docker, name: string, text: string): Promise<Docker.Container> {
  const container = await docker.createContainer({
    name,
    Image: BUSYBOX,
    Cmd: ['sh', '-c', `echo ${text} > /www/index.html && exec httpd -f -p 8080 -h /www`],
    Labels: { 'dockplan.managed': 'true', 'dockplan.service.name': 'harness-web' },
    ExposedPorts: { '8080/tcp': {} },
    HostConfig: { PortBindings: { '8080/tcp': [{ HostPort: '8080' }] }, Init: true },
  });
  await container.start();
  return container;
}

/** Runs cmd in a fresh busybox container to its end; returns its output (throws on exit != 0). */
async function runOnce(docker: Docker, cmd: string[]): Promise<string> {
  const container = await docker.createContainer({
    Image: BUSYBOX,
    Cmd: cmd,
    Tty: true,
    Labels: { 'dockplan.managed': 'true' },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const output = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
    assert.equal(StatusCode, 0, `${cmd.join(' ')} exited ${StatusCode}: ${output}`);
    return output;
  } finally {
    await container.remove({ force: true });
  }
}

test('httpd with -p 8080:8080 runs on every machine at once and answers on each address', { skip }, async () => {
  await cleanCluster();
  const list = machines();
  try {
    await Promise.all(list.map((m) => runWeb(m.docker, `dpt-web-${m.name}`, `hello-${m.name}`)));
    for (const m of list) {
      const body = await waitFor(async () => {
        const res = await fetch(`http://${m.ip}:8080/`, { signal: AbortSignal.timeout(2000) });
        return res.status === 200 ? await res.text() : undefined;
      }, 10_000);
      assert.equal(body.trim(), `hello-${m.name}`);
      const found = await containersOf(m.name, 'harness-web');
      assert.equal(found.length, 1);
      assert.equal(found[0].name, `dpt-web-${m.name}`);
      assert.equal(found[0].state, 'running');
      assert.equal(found[0].image, BUSYBOX);
      assert.equal(found[0].labels['dockplan.managed'], 'true');
    }
    // machines reach each other across the bridge: a container on m1 fetches from m2 and m3
    const out = await runOnce(list[0].docker, [
      'sh',
      '-c',
      list
        .slice(1)
        .map((m) => `wget -qO- http://${m.ip}:8080/`)
        .join(' && '),
    ]);
    assert.deepEqual(out.trim().split(/\s+/), list.slice(1).map((m) => `hello-${m.name}`));
  } finally {
    await cleanCluster();
  }
  for (const m of list) assert.deepEqual(await containersOf(m.name, 'harness-web'), []);
});

test('a machine pulls the busybox image from the registry', { skip }, async () => {
  const { docker } = machine('m2');
  const ref = `${registry()}/busybox:1`;
  const untag = async () => {
    try {
      await docker.getImage(ref).remove();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  };
  await untag();
  try {
    const stream = await docker.pull(ref);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
    const pulled = await docker.getImage(ref).inspect();
    const local = await docker.getImage(BUSYBOX).inspect();
    assert.equal(pulled.Id, local.Id, 'the registry holds the very image imported on every machine');
    assert.ok(
      pulled.RepoDigests.some((d) => d.startsWith(`${registry()}/busybox@sha256:`)),
      `repo digest from the registry: ${pulled.RepoDigests.join(', ')}`,
    );
  } finally {
    await untag();
  }
});

test('stopMachine powers a machine off and startMachine brings it back', { skip }, async () => {
  const { docker } = machine('m3');
  const before = (await docker.info()) as { ID: string };
  await stopMachine('m3');
  try {
    assert.equal(await machineUp('m3'), false);
    await assert.rejects(docker.ping());
    assert.equal(await machineUp('m1'), true, 'the other machines stay up');
  } finally {
    await startMachine('m3');
  }
  assert.equal(await machineUp('m3'), true);
  const after = (await docker.info()) as { ID: string };
  assert.equal(after.ID, before.ID, 'the same engine comes back');
});
