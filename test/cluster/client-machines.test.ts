// DockerClient's machines and state loading against the real engines, down machines included.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import type { ServiceSpec } from '../../src/model/spec.js';
import { DockerClient } from '../../src/cluster/docker-client.js';
import { EngineError, UnknownMachineError } from '../../src/cluster/errors.js';
import { specHash } from '../../src/model/canonical.js';
import { BUSYBOX, clusterFile, machine, machines, skipReason, startMachine, stopMachine, waitFor } from './harness.js';

const skip = skipReason();
const suffix = () => randomBytes(2).toString('hex');

function listen(server: Server, where: string | number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (typeof where === 'string') server.listen(where, () => resolve());
    else server.listen(where, '127.0.0.1', () => resolve());
  });
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('DockerClient machines and state (real engines)', { skip }, () => {
  let client: DockerClient;
  const created: { machine: string; id: string }[] = [];
  const volumes: { machine: string; name: string }[] = [];

  before(async () => {
    client = await DockerClient.open(clusterFile());
  });

  after(async () => {
    for (const c of created) await machine(c.machine).docker.getContainer(c.id).remove({ force: true, v: true }).catch(() => {});
    for (const v of volumes) await machine(v.machine).docker.getVolume(v.name).remove({ force: true }).catch(() => {});
    await client?.close();
  });

  it('listMachines: the three machines up, each id its name, each with the engine ID docker info reports', async () => {
    const list = await client.listMachines();
    assert.deepEqual(list.map((m) => m.name), ['m1', 'm2', 'm3']);
    for (const m of list) {
      assert.equal(m.status, 'up', `${m.name}: ${m.downReason}`);
      assert.equal(m.id, m.name);
      assert.equal(m.engineId, (await machine(m.name).docker.info()).ID);
      assert.match(m.engineId ?? '', /^[A-Z0-9]{4}(:[A-Z0-9]{4}){11}$/);
      assert.match(m.engineVersion ?? '', /^20\.10\./);
      assert.equal(typeof m.containerCount, 'number');
      assert.equal(m.host, machine(m.name).host);
      assert.equal(client.machineName(m.id), m.name);
    }
  });

  it('describe and clusterDomain come from the cluster file', () => {
    const file = parseYaml(readFileSync(clusterFile(), 'utf8')) as { domain?: string };
    assert.equal(client.describe(), `cluster file ${clusterFile()} (3 machines)`);
    assert.equal(client.clusterDomain(), file.domain);
  });

  it('loadState sees a labelled container with its parsed spec, health, host port and the named volume', async (t) => {
    const volume = `dpt-state-${suffix()}`;
    volumes.push({ machine: 'm1', name: volume });
    const port = 39000 + Math.floor(Math.random() * 900);
    const spec: ServiceSpec = {
      name: 'dpt-state',
      image: BUSYBOX,
      command: ['sh', '-c', 'touch /tmp/ready; exec sleep 1000'],
      init: true,
      env: { B: '2', A: '1' },
      ports: [
        { mode: 'host', published: port, container: 8080, protocol: 'tcp' },
        { mode: 'ingress', hostname: 'dpt-state.dockplan.test', container: 8080, protocol: 'http' },
      ],
      volumes: [{ name: volume, type: 'volume' }],
      mounts: [{ volume, path: '/data' }],
      healthcheck: { test: ['CMD-SHELL', 'test -e /tmp/ready'], interval: 300, timeout: 1000, retries: 3 },
    };
    const list = await client.listMachines();
    const m1 = list.find((m) => m.name === 'm1')!.id;
    await client.createVolume(m1, { name: volume, type: 'volume' });
    const { id, name } = await client.createContainer({ machineId: m1, serviceId: 'dpt-svc-state', spec, name: `dpt-state-${suffix()}` });
    created.push({ machine: 'm1', id });
    await client.startContainer(m1, id);

    const seen = await waitFor(async () => {
      const state = await client.loadState();
      const c = state.machines.find((m) => m.name === 'm1')?.containers.find((x) => x.id === id);
      return c?.health === 'healthy' ? { state, c } : undefined;
    }, 15_000);
    assert.equal(seen.state.domain, client.clusterDomain());
    const { secretKey, ...labels } = seen.c.service ?? {};
    assert.deepEqual(labels, { id: 'dpt-svc-state', name: 'dpt-state', mode: 'replicated', spec, specHash: specHash(spec) });
    assert.match(secretKey?.id ?? '', /^[0-9a-f]{8}$/, 'the sealing key is read back from its label');
    assert.equal(seen.c.name, name);
    assert.equal(seen.c.machineId, m1);
    assert.equal(seen.c.state, 'running');
    assert.equal(seen.c.image, BUSYBOX);
    assert.deepEqual(seen.c.hostPorts, [{ host_ip: '0.0.0.0', published: port, protocol: 'tcp' }]);
    const m1State = seen.state.machines.find((m) => m.name === 'm1')!;
    assert.ok(m1State.volumes.some((v) => v.name === volume && v.driver === 'local'));
    assert.equal(seen.state.machines.length, 3);
    assert.ok(seen.state.machines.every((m) => m.status === 'up'));

    const resolver = client.nameResolver(seen.state);
    assert.equal(resolver.machineName(m1), 'm1');
    assert.equal(resolver.containerName(id), name);
    assert.equal(resolver.containerName('f'.repeat(64)), 'f'.repeat(12));

    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await client.loadState();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    t.diagnostic(`loadState of 3 machines: median ${times[5]!.toFixed(1)} ms, max ${times[9]!.toFixed(1)} ms`);
  });

  it('a crashing container reads as restarting with its exit code, then exited once stopped', async () => {
    const m2 = (await client.listMachines()).find((m) => m.name === 'm2')!.id;
    // It exits 7 on its own, and also when stopped once its TERM trap is set.
    const spec: ServiceSpec = { name: 'dpt-exit', image: BUSYBOX, command: ['sh', '-c', 'trap "exit 7" TERM; sleep 0.3 & wait; exit 7'], init: true };
    const { id } = await client.createContainer({ machineId: m2, serviceId: 'dpt-svc-exit', spec, name: `dpt-exit-${suffix()}` });
    created.push({ machine: 'm2', id });
    await client.startContainer(m2, id);
    // The restart policy (unless-stopped) restarts it with a growing back-off: it is seen restarting.
    const inspected = await waitFor(async () => {
      const c = await client.inspectContainer(m2, id);
      return c.state === 'restarting' ? c : undefined;
    }, 15_000, 20);
    assert.equal(inspected.exitCode, 7);
    const listed = await waitFor(async () => {
      const state = await client.loadState();
      const c = state.machines.find((m) => m.id === m2)!.containers.find((x) => x.id === id);
      return c?.state === 'restarting' ? c : undefined;
    }, 15_000, 20);
    assert.equal(listed.exitCode, 7);
    await client.stopContainer(m2, id, 1_000);
    const state = await client.loadState();
    const c = state.machines.find((m) => m.id === m2)!.containers.find((x) => x.id === id)!;
    assert.equal(c.state, 'exited');
    // The stop may catch the shell before its trap is set (between two restarts), so the exit code
    // is whatever Docker recorded: it must be read as Docker reports it.
    const docker = (await machine('m2').docker.getContainer(id).inspect()).State;
    assert.equal(docker.Status, 'exited');
    assert.equal(c.exitCode, docker.ExitCode);
  });

  it('an unknown machine id is an error that lists the machines by name; an engine ID is not a machine id', async () => {
    await assert.rejects(client.inspectContainer('nope', 'x'), (err: unknown) => {
      assert.ok(err instanceof UnknownMachineError);
      assert.equal(err.message, 'unknown machine nope; the cluster has m1, m2, m3');
      return true;
    });
    const engineId = (await machine('m1').docker.info()).ID as string;
    await assert.rejects(client.listVolumes(engineId), (err: unknown) => {
      assert.ok(err instanceof UnknownMachineError);
      assert.equal(err.message, `unknown machine ${engineId}; the cluster has m1, m2, m3`);
      return true;
    });
  });

  it('tcp:// reaches an engine; a second name for the same engine is reported, not merged', async () => {
    const m1 = machine('m1');
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = createConnection(m1.socketPath);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await listen(proxy, 0);
    const port = (proxy.address() as { port: number }).port;
    const twice = new DockerClient({ machines: [{ name: 'm1', host: m1.host }, { name: 'm1-again', host: `tcp://127.0.0.1:${port}` }] }, { env: {} });
    try {
      const [direct, viaTcp] = await twice.listMachines();
      assert.equal(direct!.status, 'up');
      assert.equal(viaTcp!.status, 'down');
      assert.equal(viaTcp!.downReason, `m1-again reaches the same engine as m1 (engine ID ${direct!.engineId}): list each engine once in the cluster file`);
      assert.equal(viaTcp!.id, 'm1-again');
      assert.equal(viaTcp!.engineId, direct!.engineId);

      const tcpOnly = new DockerClient({ machines: [{ name: 'remote', host: `tcp://127.0.0.1:${port}` }] }, { env: {} });
      const [remote] = await tcpOnly.listMachines();
      assert.equal(remote!.status, 'up');
      assert.equal(remote!.id, 'remote');
      assert.equal(remote!.engineId, direct!.engineId);
      assert.ok(await tcpOnly.inspectImage(remote!.id, BUSYBOX));
      assert.equal(tcpOnly.describe(), `local engine tcp://127.0.0.1:${port}`);
    } finally {
      await closeServer(proxy, sockets);
    }
  });

  it('a machine that accepts but never answers is down after the probe timeout; the others still load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpt-silent-'));
    const socketPath = join(dir, 'docker.sock');
    const sockets = new Set<Socket>();
    const silent = createServer((s) => void sockets.add(s));
    await listen(silent, socketPath);
    const config = {
      machines: [
        ...machines().map((m) => ({ name: m.name, host: m.host })),
        { name: 'silent', host: `unix://${socketPath}` },
        { name: 'gone', host: `unix://${join(dir, 'missing.sock')}` },
      ],
    };
    const probing = new DockerClient(config, { timeouts: { probe: 500 } });
    try {
      const t0 = performance.now();
      const state = await probing.loadState();
      const ms = performance.now() - t0;
      const byName = new Map(state.machines.map((m) => [m.name, m]));
      assert.deepEqual([...byName.values()].map((m) => m.status), ['up', 'up', 'up', 'down', 'down']);
      assert.equal(byName.get('silent')!.downReason, 'timed out after 0.5s');
      assert.equal(byName.get('silent')!.id, 'silent');
      assert.equal(byName.get('silent')!.engineId, undefined, 'never reached: no engine ID');
      assert.deepEqual(byName.get('silent')!.containers, []);
      assert.equal(byName.get('gone')!.downReason, `no engine socket at unix://${join(dir, 'missing.sock')}`);
      assert.ok(ms < 1_500, `machines are probed concurrently: ${ms.toFixed(0)} ms`);
      await assert.rejects(probing.listVolumes('silent'), (err: unknown) => {
        assert.ok(err instanceof EngineError);
        assert.equal(err.unreachable, true);
        assert.equal(err.message, 'list volumes on silent: timed out after 0.5s');
        return true;
      });
    } finally {
      await closeServer(silent, sockets);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a stopped machine shows as down with a reason while m1 and m2 still load', async (t) => {
    const before = await client.listMachines();
    const m3EngineId = before.find((m) => m.name === 'm3')!.engineId;
    assert.ok(m3EngineId);
    await stopMachine('m3');
    try {
      const t0 = performance.now();
      const list = await client.listMachines();
      const listMs = performance.now() - t0;
      const m3 = list.find((m) => m.name === 'm3')!;
      assert.equal(m3.status, 'down');
      assert.equal(m3.id, 'm3');
      assert.equal(m3.engineId, m3EngineId, 'a machine reached before keeps the engine ID it last reported');
      assert.match(m3.downReason ?? '', /^(connection refused at|no engine socket at) unix:\/\/.*m3\/docker\.sock$/);

      const t1 = performance.now();
      const state = await client.loadState();
      const loadMs = performance.now() - t1;
      t.diagnostic(`with m3 down: listMachines ${listMs.toFixed(1)} ms, loadState ${loadMs.toFixed(1)} ms; reason: ${m3.downReason}`);
      assert.deepEqual(state.machines.map((m) => `${m.name}:${m.status}`), ['m1:up', 'm2:up', 'm3:down']);
      assert.equal(state.machines[2]!.downReason, m3.downReason);

      await assert.rejects(client.listVolumes('m3'), (err: unknown) => {
        assert.ok(err instanceof EngineError);
        assert.equal(err.unreachable, true);
        assert.equal(err.statusCode, undefined);
        assert.match(err.message, /^list volumes on m3: (connection refused|no engine socket) at unix:/);
        return true;
      });
    } finally {
      await startMachine('m3');
    }
    const again = await client.listMachines();
    assert.equal(again.find((m) => m.name === 'm3')!.status, 'up');
    assert.equal(again.find((m) => m.name === 'm3')!.engineId, m3EngineId);
  });
});
