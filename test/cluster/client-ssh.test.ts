// ssh:// machines against real OpenSSH servers started in the test machines' network namespaces:
// the machine m2's sshd (10.213.0.12) runs `docker system dial-stdio` against m2's dockerd, and two
// more (m3 and m1) serve as jump hosts. dockplan reads a generated ~/.ssh (key, known_hosts, config)
// through HOME. One held ssh connection per machine, host keys, identities and every failure in words.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DockerClient } from '../../src/cluster/docker-client.js';
import { BUSYBOX, PROJECT_DIR, machine, skipReason, waitFor } from './harness.js';
import { SSHD, makeSshHome, startSshd, type RunningSshd, type SshHome } from '../support/sshd.js';

const DOCKER_CLI = ['/usr/local/bin/docker', '/usr/bin/docker'].find((p) => existsSync(p));
const skip = skipReason() ?? (!existsSync(SSHD) ? 'openssh-server is not installed (apt-get install openssh-server)' : !DOCKER_CLI ? 'no docker CLI for dial-stdio' : undefined);

// Ports in the namespaces, away from anything else the cluster runs.
const PORT = 22_000 + (process.pid % 1000) * 4;
const NO_DOCKER_PORT = PORT + 1;
const NO_DAEMON_PORT = PORT + 2;
const CLOSED_PORT = PORT + 3;
const JUMP_PORT = PORT;
const M2 = '10.213.0.12';

describe('ssh:// machines over one held connection (real sshd)', { skip }, () => {
  let dir: string;
  let home: SshHome;
  let target: RunningSshd;
  let bastion: RunningSshd;
  let inner: RunningSshd;
  let agent: ChildProcess | undefined;
  let agentSock: string;
  const clients: DockerClient[] = [];

  /** A DockerClient for the machines, reading ~/.ssh from `homeDir`; closed after the tests. */
  const open = (machines: Record<string, string>, env: NodeJS.ProcessEnv = { HOME: home.home }): DockerClient => {
    const client = new DockerClient({ machines: Object.entries(machines).map(([name, host]) => ({ name, host })) }, { env, timeouts: { probe: 8_000 } });
    clients.push(client);
    return client;
  };
  /** Another HOME with the same config and key, and the known_hosts given. */
  const homeWith = (name: string, knownHosts: string, identity = home.identity): string => {
    const other = join(dir, name);
    mkdirSync(join(other, '.ssh'), { recursive: true, mode: 0o700 });
    copyFileSync(home.config, join(other, '.ssh', 'config'));
    copyFileSync(identity, join(other, '.ssh', 'id_ed25519'));
    writeFileSync(join(other, '.ssh', 'known_hosts'), knownHosts);
    return other;
  };
  const downReason = async (client: DockerClient, name: string): Promise<string> => {
    const found = (await client.listMachines()).find((m) => m.name === name);
    assert.equal(found?.status, 'down', `${name} should be down`);
    return found!.downReason ?? '';
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dpt-ssh-'));
    home = makeSshHome(join(dir, 'home'));
    const authorizedKeys = [home.publicKey];
    [target, bastion, inner] = await Promise.all([
      startSshd({
        dir: join(dir, 'sshd-m2'), netns: 'dp-m2', address: M2, authorizedKeys,
        ports: [
          { port: PORT, dockerHost: machine('m2').host },
          { port: NO_DOCKER_PORT, path: '/nonexistent/bin' },
          { port: NO_DAEMON_PORT, dockerHost: 'unix:///nonexistent/docker.sock' },
        ],
      }),
      startSshd({ dir: join(dir, 'sshd-m3'), netns: 'dp-m3', address: '10.213.0.13', authorizedKeys, ports: [{ port: JUMP_PORT }] }),
      startSshd({ dir: join(dir, 'sshd-m1'), netns: 'dp-m1', address: '10.213.0.11', authorizedKeys, ports: [{ port: JUMP_PORT }] }),
    ]);
    // The jump hosts' keys are hashed by OpenSSH's own ssh-keygen -H; m2's stay as [host]:port.
    const jumps = join(dir, 'jump_known_hosts');
    writeFileSync(jumps, bastion.knownHostsLine(JUMP_PORT) + inner.knownHostsLine(JUMP_PORT));
    execFileSync('ssh-keygen', ['-q', '-H', '-f', jumps], { stdio: 'ignore' });
    assert.match(readFileSync(jumps, 'utf8'), /^\|1\|/);
    writeFileSync(home.knownHosts, [PORT, NO_DOCKER_PORT, NO_DAEMON_PORT].map((p) => target.knownHostsLine(p)).join('') + readFileSync(jumps, 'utf8'));
    writeFileSync(
      home.config,
      [
        'Host far',
        `  HostName ${M2}`,
        `  Port ${PORT}`,
        'Host far-via-*',
        `  HostName ${M2}`,
        `  Port ${PORT}`,
        '  ProxyJump bastion,inner',
        'Host bastion',
        '  HostName 10.213.0.13',
        `  Port ${JUMP_PORT}`,
        'Host inner',
        '  HostName 10.213.0.11',
        `  Port ${JUMP_PORT}`,
        'Host *',
        '  User root',
        '  IdentityFile ~/.ssh/id_ed25519',
        '',
      ].join('\n'),
    );
    agentSock = join(dir, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
    await waitFor(() => existsSync(agentSock), 5_000, 50);
    execFileSync('ssh-add', ['-q', home.identity], { env: { ...process.env, SSH_AUTH_SOCK: agentSock } });
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([target, bastion, inner].map((s) => s?.stop()));
    agent?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads state through two jump hosts (ProxyJump bastion,inner) over ONE connection, and closes it', async (t) => {
    const client = open({ far: 'ssh://far-via-jumps' });
    const local = open({ m2: machine('m2').host }, {});
    const [far] = await client.listMachines();
    const [m2] = await local.listMachines();
    assert.equal(far!.status, 'up', far!.downReason);
    assert.equal(far!.engineId, m2!.engineId, 'the engine behind the jumps is m2');
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) assert.equal((await client.loadState()).machines[0]!.status, 'up');
    t.diagnostic(`5 state loads through 2 jump hosts: ${(performance.now() - t0).toFixed(0)} ms`);
    assert.ok(await client.inspectImage('far', BUSYBOX));

    // One login per hop for 1 listing + 5 state loads + 1 inspect (15+ requests), each hop reached from the one before.
    assert.equal(target.connections(PORT), 1, target.log());
    assert.deepEqual(target.peers(), ['10.213.0.11'], 'm2 is reached from inner (m1)');
    assert.deepEqual(inner.peers(), ['10.213.0.13'], 'inner is reached from bastion (m3)');
    assert.equal(bastion.connections(), 1);

    await client.close();
    // sshd sees the close a moment after our side: wait for its sockets to go.
    await waitFor(() => target.established(PORT) === 0 && bastion.established(JUMP_PORT) === 0 && inner.established(JUMP_PORT) === 0, 5_000, 50);
    await assert.rejects(client.loadState(), /closed/);
  });

  it('reaches the engine with the key from ssh-agent: create, start, logs, stop, remove', async () => {
    const agentHome = join(dir, 'agent-home');
    mkdirSync(join(agentHome, '.ssh'), { recursive: true });
    writeFileSync(join(agentHome, '.ssh', 'known_hosts'), target.knownHostsLine(PORT));
    const client = open({ far: `ssh://root@${M2}:${PORT}` }, { HOME: agentHome, SSH_AUTH_SOCK: agentSock });
    const before = target.connections(PORT);
    const { id } = await client.createContainer({
      machineId: 'far',
      serviceId: 'dpt-svc-ssh',
      name: `dpt-ssh-${process.pid}`,
      spec: { name: 'dpt-ssh', image: BUSYBOX, command: ['sh', '-c', 'echo over-ssh; exec sleep 1000'], init: true },
    });
    try {
      await client.startContainer('far', id);
      const logs = await waitFor(async () => {
        const text = await client.containerLogs('far', id, 10);
        return text.includes('over-ssh') ? text : undefined;
      }, 10_000);
      assert.equal(logs, 'over-ssh\n');
      await client.stopContainer('far', id, 1_000);
      assert.equal((await client.inspectContainer('far', id)).state, 'exited');
    } finally {
      await client.removeContainer('far', id);
    }
    assert.equal(target.connections(PORT) - before, 1, 'one connection for the whole container life');
    await client.close();
  });

  it('dials again after the connection drops; the request in flight fails saying so', async () => {
    const client = open({ far: 'ssh://far' });
    const othersPids = new Set(target.connectionPids());
    await client.loadState();
    const before = target.connections(PORT);
    // PID 1 without init ignores SIGTERM: the stop request stays in flight for its whole grace period.
    const { id } = await client.createContainer({
      machineId: 'far', serviceId: 'dpt-svc-ssh', name: `dpt-ssh-drop-${process.pid}`,
      spec: { name: 'dpt-ssh-drop', image: BUSYBOX, command: ['sleep', '1000'] },
    });
    try {
      await client.startContainer('far', id);
      const events = await machine('m2').docker.getEvents({ filters: { container: [id], event: ['kill'] } });
      const killed = new Promise<void>((resolve) => events.once('data', () => resolve()));
      const stop = client.stopContainer('far', id, 30_000);
      stop.catch(() => undefined);
      await killed;
      (events as unknown as { destroy(): void }).destroy();
      const pids = target.connectionPids().filter((pid) => !othersPids.has(pid));
      assert.equal(pids.length, 1, 'one sshd connection process for this client');
      process.kill(pids[0]!, 'SIGTERM');
      await assert.rejects(stop, /stop container .* on far: the ssh connection to far \(root@10\.213\.0\.12:\d+\) dropped while the request was in flight/);

      const state = await client.loadState();
      assert.equal(state.machines[0]!.status, 'up');
      assert.equal(target.connections(PORT) - before, 1, 'exactly one new connection after the drop');
    } finally {
      await client.removeContainer('far', id);
      await client.close();
    }
  });

  it('refuses an unknown host key (saying how to add it) and a changed one, for the machine and a jump host', async () => {
    const stranger = join(dir, 'stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const strangerKey = readFileSync(`${stranger}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const jumpLines = bastion.knownHostsLine(JUMP_PORT) + inner.knownHostsLine(JUMP_PORT);

    const unknown = open({ far: 'ssh://far' }, { HOME: homeWith('h-unknown', jumpLines) });
    assert.match(
      await downReason(unknown, 'far'),
      new RegExp(`the host key of \\[10\\.213\\.0\\.12\\]:${PORT} \\(ssh-ed25519 SHA256:\\S+\\) is not in \\S+known_hosts\\. .*ssh-keyscan -p ${PORT} 10\\.213\\.0\\.12 >> \\S+known_hosts`),
    );

    const changed = open({ far: 'ssh://far' }, { HOME: homeWith('h-changed', `[${M2}]:${PORT} ${strangerKey}\n`) });
    assert.match(await downReason(changed, 'far'), new RegExp(`REFUSED: the host key of \\[10\\.213\\.0\\.12\\]:${PORT} has CHANGED`));

    const jumpChanged = open({ far: 'ssh://far-via-jumps' }, { HOME: homeWith('h-jump', target.knownHostsLine(PORT) + `[10.213.0.13]:${JUMP_PORT} ${strangerKey}\n`) });
    assert.match(await downReason(jumpChanged, 'far'), new RegExp(`REFUSED: the host key of jump host \\[10\\.213\\.0\\.13\\]:${JUMP_PORT} has CHANGED`));
  });

  it('says which identities were tried when none is accepted', async () => {
    const other = makeSshHome(join(dir, 'h-other-key'));
    const client = open({ far: 'ssh://far' }, { HOME: homeWith('h-auth', target.knownHostsLine(PORT), other.identity) });
    assert.match(await downReason(client, 'far'), /ssh authentication failed for root at 10\.213\.0\.12:\d+: tried \S+h-auth\/\.ssh\/id_ed25519\. Put one of these keys/);
  });

  it('names a missing docker CLI, a daemon that is down and a refused connection', async () => {
    const client = open({
      nodocker: `ssh://root@${M2}:${NO_DOCKER_PORT}`,
      nodaemon: `ssh://root@${M2}:${NO_DAEMON_PORT}`,
      refused: `ssh://root@${M2}:${CLOSED_PORT}`,
    });
    const reasons = Object.fromEntries((await client.listMachines()).map((m) => [m.name, m.downReason ?? `status ${m.status}`]));
    assert.match(reasons.nodocker!, /the docker CLI is missing on root@10\.213\.0\.12:\d+ \(`docker system dial-stdio` exited 127: .*docker: command not found\)/);
    assert.match(reasons.nodaemon!, /the docker daemon on root@10\.213\.0\.12:\d+ is not reachable by its docker CLI: .*\/nonexistent\/docker\.sock/);
    assert.match(reasons.refused!, new RegExp(`connection refused by 10\\.213\\.0\\.12:${CLOSED_PORT}`));
  });

  it('dockplan machines over ssh exits on its own once done (the connection is closed on exit)', async () => {
    const clusterFile = join(dir, 'cluster.yaml');
    writeFileSync(clusterFile, `machines:\n  - name: far\n    host: ssh://far\n`);
    const before = target.connections(PORT);
    const establishedBefore = target.established(PORT);
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_DIR, 'bin', 'dockplan.ts'), '--cluster', clusterFile, 'machines', '--json'], {
      cwd: PROJECT_DIR,
      env: { PATH: process.env.PATH, HOME: home.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`dockplan did not exit within 20 s (a connection kept it alive?)\n${out}${err}`))), 20_000);
      child.once('exit', (c) => (clearTimeout(timer), resolve(c)));
    });
    assert.equal(code, 0, err);
    const [far] = JSON.parse(out) as Array<{ name: string; status: string }>;
    assert.equal(far!.status, 'up');
    assert.equal(target.connections(PORT) - before, 1);
    await waitFor(() => target.established(PORT) === establishedBefore, 5_000, 50);
  });
});
