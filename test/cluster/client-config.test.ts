// Which machines a DockerClient talks to: the cluster file, $DOCKPLAN_CLUSTER, or the local engine.
// These need no cluster: they use temporary files and sockets that do not exist.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { ClusterConfigError, loadClusterConfig } from '../../src/cluster/cluster-config.js';
import { DockerClient } from '../../src/cluster/docker-client.js';

const dir = mkdtempSync(join(tmpdir(), 'dpt-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadClusterConfig', () => {
  it('reads machines and domain from the given file, as an absolute path', async () => {
    const path = file('ok.yaml', 'domain: example.test\nmachines:\n  - name: a\n    host: unix:///run/a.sock\n  - name: b\n    host: tcp://10.0.0.2:2375\n');
    const config = await loadClusterConfig(relative(process.cwd(), path), {});
    assert.deepEqual(config, {
      file: path,
      domain: 'example.test',
      machines: [
        { name: 'a', host: 'unix:///run/a.sock' },
        { name: 'b', host: 'tcp://10.0.0.2:2375' },
      ],
    });
  });

  it('takes $DOCKPLAN_CLUSTER when no path is given; the flag wins over it', async () => {
    const fromEnv = file('env.yaml', 'machines:\n  - name: e\n    host: unix:///run/e.sock\n');
    const fromFlag = file('flag.yaml', 'machines:\n  - name: f\n    host: unix:///run/f.sock\n');
    assert.deepEqual((await loadClusterConfig(undefined, { DOCKPLAN_CLUSTER: fromEnv })).machines, [{ name: 'e', host: 'unix:///run/e.sock' }]);
    assert.deepEqual((await loadClusterConfig(fromFlag, { DOCKPLAN_CLUSTER: fromEnv })).machines, [{ name: 'f', host: 'unix:///run/f.sock' }]);
  });

  it('a missing file is an error naming the path (and where the path came from)', async () => {
    const missing = join(dir, 'nope.yaml');
    await assert.rejects(loadClusterConfig(missing, {}), (err: unknown) => {
      assert.ok(err instanceof ClusterConfigError);
      assert.equal(err.message, `cannot read cluster file ${missing}: no such file`);
      assert.equal(err.file, missing);
      return true;
    });
    await assert.rejects(loadClusterConfig(undefined, { DOCKPLAN_CLUSTER: missing }), {
      message: `cannot read cluster file ${missing} (from DOCKPLAN_CLUSTER): no such file`,
    });
    await assert.rejects(loadClusterConfig(dir, {}), { message: `cannot read cluster file ${dir}: it is a folder` });
  });

  it('an invalid file lists every problem with its line and column', async () => {
    const path = file('bad.yaml', 'machines:\n  - name: Bad_Name\n    host: unix:///run/x.sock\n  - name: two\n    host: http://x\n');
    await assert.rejects(loadClusterConfig(path, {}), (err: unknown) => {
      assert.ok(err instanceof ClusterConfigError);
      const lines = err.message.split('\n');
      assert.equal(lines[0], `invalid cluster file ${path} (2 problems):`);
      assert.match(lines[1]!, new RegExp(`^  ${path}:2:\\d+: `));
      assert.match(lines[2]!, new RegExp(`^  ${path}:5:\\d+: machines\\[1\\]\\.host: `));
      return true;
    });
  });

  it('without a file: one machine named local, on DOCKER_HOST or the default socket', async () => {
    assert.deepEqual(await loadClusterConfig(undefined, {}), { machines: [{ name: 'local', host: 'unix:///var/run/docker.sock' }] });
    assert.deepEqual(await loadClusterConfig(undefined, { DOCKER_HOST: 'tcp://10.1.2.3:2375' }), { machines: [{ name: 'local', host: 'tcp://10.1.2.3:2375' }] });
  });
});

describe('DockerClient without a reachable engine', () => {
  it('the local engine is described by its host and shows as down with the reason', async () => {
    const sock = join(dir, 'no-engine.sock');
    const client = await DockerClient.open(undefined, { env: { DOCKER_HOST: `unix://${sock}` } });
    assert.equal(client.describe(), `local engine unix://${sock}`);
    assert.equal(client.clusterDomain(), undefined);
    const state = await client.loadState();
    assert.deepEqual(state, {
      machines: [{ id: 'local', name: 'local', host: `unix://${sock}`, status: 'down', downReason: `no engine socket at unix://${sock}`, containers: [], volumes: [] }],
    });
    await assert.rejects(client.listVolumes('local'), { message: `list volumes on local: no engine socket at unix://${sock}` });
  });

  it('a host the transport cannot use makes that machine down, not the client unusable', async () => {
    const client = new DockerClient({ machines: [{ name: 'pipe', host: 'npipe:////./pipe/docker_engine' }] }, { env: {} });
    const [m] = await client.listMachines();
    assert.equal(m!.status, 'down');
    assert.match(m!.downReason ?? '', /^host npipe:\/\/\/\/\.\/pipe\/docker_engine: use unix:\/\/\/path\/docker\.sock, tcp:\/\/host:port or ssh:\/\/user@host\[:port\]$/);
  });

  it('TLS without readable certificates is a down machine whose reason says what to set', async () => {
    const client = new DockerClient({ machines: [{ name: 'tls', host: 'tcp://10.9.9.9:2376' }] }, { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(dir, 'certs') } });
    const [m] = await client.listMachines();
    assert.equal(m!.status, 'down');
    assert.match(m!.downReason ?? '', /cannot read the TLS CA .*certs\/ca\.pem \(DOCKER_TLS_VERIFY, DOCKER_CERT_PATH=.*\): no such file; set DOCKER_CERT_PATH to the folder with ca\.pem, cert\.pem and key\.pem$/);
  });
});
