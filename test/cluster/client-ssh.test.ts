// DockerClient over ssh:// against a real sshd (openssh-server) whose ForceCommand bridges to m1's
// engine with `docker system dial-stdio`, the way a remote Docker host is reached.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DockerClient } from '../../src/cluster/docker-client.js';
import { BUSYBOX, machine, skipReason, waitFor } from './harness.js';

const SSHD = '/usr/sbin/sshd';
const DOCKER_CLI = ['/usr/local/bin/docker', '/usr/bin/docker'].find((p) => existsSync(p));
const skip = skipReason() ?? (!existsSync(SSHD) ? 'openssh-server is not installed (apt-get install openssh-server)' : !DOCKER_CLI ? 'no docker CLI for dial-stdio' : undefined);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('DockerClient over ssh:// (real sshd)', { skip }, () => {
  let dir: string;
  let sshd: ChildProcess | undefined;
  let agent: ChildProcess | undefined;
  let host: string;
  let agentSock: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dpt-ssh-'));
    const m1 = machine('m1');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'user_key')]);
    execFileSync('cp', [join(dir, 'user_key.pub'), join(dir, 'authorized_keys')]);
    const port = await freePort();
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_key')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'StrictModes no',
        'UsePAM no',
        'PasswordAuthentication no',
        'PermitRootLogin prohibit-password',
        `ForceCommand env DOCKER_HOST=${m1.host} ${DOCKER_CLI} system dial-stdio`,
        '',
      ].join('\n'),
    );
    execFileSync('mkdir', ['-p', '/run/sshd']);
    sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
    agentSock = join(dir, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
    await waitFor(() => existsSync(agentSock), 5_000, 50);
    execFileSync('ssh-add', ['-q', join(dir, 'user_key')], { env: { ...process.env, SSH_AUTH_SOCK: agentSock } });
    host = `ssh://root@127.0.0.1:${port}`;
    // sshd is up once it accepts a TCP connection.
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          const s = createConnection(port, '127.0.0.1');
          s.once('connect', () => (s.destroy(), resolve(true)));
          s.once('error', () => resolve(false));
        }),
      10_000,
      100,
    );
  });

  after(() => {
    sshd?.kill();
    agent?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reaches the engine through sshd with the key from ssh-agent', async (t) => {
    const client = new DockerClient({ machines: [{ name: 'far', host }] }, { env: { SSH_AUTH_SOCK: agentSock } });
    const local = new DockerClient({ machines: [{ name: 'm1', host: machine('m1').host }] }, { env: {} });
    const [far] = await client.listMachines();
    const [m1] = await local.listMachines();
    assert.equal(far!.status, 'up', far!.downReason);
    assert.equal(far!.engineId, m1!.engineId, 'the same engine as m1');

    const t0 = performance.now();
    const state = await client.loadState();
    t.diagnostic(`loadState over ssh (3 requests, one ssh connection each): ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(state.machines[0]!.status, 'up');
    assert.ok(await client.inspectImage(far!.id, BUSYBOX));

    const { id } = await client.createContainer({
      machineId: far!.id,
      serviceId: 'dpt-svc-ssh',
      name: `dpt-ssh-${process.pid}`,
      spec: { name: 'dpt-ssh', image: BUSYBOX, command: ['sh', '-c', 'echo over-ssh; exec sleep 1000'], init: true },
    });
    try {
      await client.startContainer(far!.id, id);
      const logs = await waitFor(async () => {
        const text = await client.containerLogs(far!.id, id, 10);
        return text.includes('over-ssh') ? text : undefined;
      }, 10_000);
      assert.equal(logs, 'over-ssh\n');
      await client.stopContainer(far!.id, id, 1_000);
      assert.equal((await client.inspectContainer(far!.id, id)).state, 'exited');
    } finally {
      await client.removeContainer(far!.id, id);
    }
  });

  it('without a usable key the machine is down with an ssh reason, quickly', async () => {
    const client = new DockerClient({ machines: [{ name: 'far', host }] }, { env: {} });
    const t0 = performance.now();
    const [far] = await client.listMachines();
    assert.equal(far!.status, 'down');
    assert.match(far!.downReason ?? '', /ssh authentication failed at ssh:\/\/root@127\.0\.0\.1:\d+/);
    assert.ok(performance.now() - t0 < 5_000);
  });
});
