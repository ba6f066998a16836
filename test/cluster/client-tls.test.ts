// DockerClient over tcp:// with TLS against a real dockerd: m3 also listens on tcp://10.213.0.13:2376
// with --tlsverify (scripts/cluster.sh makes its CA, server and client certificates in
// $DOCKPLAN_CLUSTER_ROOT/tls). Wrong certificates are made here, with openssl.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DockerClient } from '../../src/cluster/docker-client.js';
import type { MachineState } from '../../src/model/cluster.js';
import { dockplan } from '../support/cli-run.js';
import { issue, makeCa, useContext, writeContext, type CertFiles } from '../support/tls-fixtures.js';
import { clusterEnv, machine, skipReason } from './harness.js';

const skip = skipReason();

function setting(key: string): string | undefined {
  return process.env[key] || clusterEnv()[key] || undefined;
}

describe('DockerClient over tcp:// with TLS (real dockerd --tlsverify)', { skip }, () => {
  const tlsHost = setting('DOCKPLAN_TLS_HOST') ?? 'tcp://10.213.0.13:2376';
  const tlsDir = setting('DOCKPLAN_TLS_DIR') ?? join(setting('DOCKPLAN_CLUSTER_ROOT') ?? '/var/lib/dockplan-cluster', 'tls');
  const client = { ca: join(tlsDir, 'client', 'ca.pem'), cert: join(tlsDir, 'client', 'cert.pem'), key: join(tlsDir, 'client', 'key.pem') };
  let dir: string;
  let m3EngineId: string;
  let strangerCa: CertFiles;
  let strangerClient: CertFiles;
  let expiredClient: CertFiles;

  before(async () => {
    if (!existsSync(client.cert)) {
      throw new Error(`no TLS client certificate at ${client.cert}: this cluster was started before m3 had a TLS listener; run bash scripts/cluster.sh down && bash scripts/cluster.sh up`);
    }
    dir = mkdtempSync(join(tmpdir(), 'dpt-tls-'));
    m3EngineId = ((await machine('m3').docker.info()) as { ID: string }).ID;
    strangerCa = makeCa(dir, 'stranger');
    strangerClient = issue(dir, strangerCa, 'stranger-client', { usage: 'clientAuth' });
    expiredClient = issue(dir, { cert: join(tlsDir, 'ca', 'ca.pem'), key: join(tlsDir, 'ca', 'key.pem') }, 'expired-client', { usage: 'clientAuth', expired: true });
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** One machine `m3` at `host` with the given tls mapping (YAML flow text), probed once. */
  async function probeWith(tls: string, host = tlsHost, env: NodeJS.ProcessEnv = {}): Promise<MachineState> {
    const file = join(dir, `cluster-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, `machines:\n  - name: m3\n    host: ${host}\n    tls: ${tls}\n`);
    const docker = await DockerClient.open(file, { env, timeouts: { probe: 3_000 } });
    try {
      return (await docker.loadState()).machines[0]!;
    } finally {
      await docker.close();
    }
  }

  it('loads the state of m3 over TLS with the tls files of the cluster file, relative to its folder', async () => {
    const certs = join(dir, 'certs');
    mkdirSync(certs);
    for (const f of ['ca', 'cert', 'key'] as const) copyFileSync(client[f], join(certs, `${f}.pem`));
    const state = await probeWith('{ca: certs/ca.pem, cert: certs/cert.pem, key: certs/key.pem}');
    assert.equal(state.status, 'up', state.downReason);
    assert.equal(state.engineId, m3EngineId, 'the engine behind the TLS port is m3');
    const viaSocket = await machine('m3').docker.listContainers({ all: true });
    assert.deepEqual(state.containers.map((c) => c.id).sort(), viaSocket.map((c) => c.Id).sort());
  });

  it('follows DOCKER_TLS_VERIFY and DOCKER_CERT_PATH for DOCKER_HOST without a cluster file', async () => {
    const docker = await DockerClient.open(undefined, { env: { DOCKER_HOST: tlsHost, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(tlsDir, 'client') } });
    try {
      const [m] = await docker.listMachines();
      assert.equal(m!.status, 'up', m!.downReason);
      assert.equal(m!.engineId, m3EngineId);
    } finally {
      await docker.close();
    }
  });

  it('an engine certificate from a CA the machine does not trust: down, saying to set tls.ca', async () => {
    const state = await probeWith(`{ca: ${strangerCa.cert}, cert: ${client.cert}, key: ${client.key}}`);
    assert.equal(state.status, 'down');
    assert.match(state.downReason ?? '', /^the engine at tcp:\/\/10\.213\.0\.13:2376 shows a certificate that no trusted CA signed \(\w+\): set the machine's tls\.ca/);
  });

  it('with verify: false the same wrong CA is not checked, and the engine answers', async () => {
    const state = await probeWith(`{ca: ${strangerCa.cert}, cert: ${client.cert}, key: ${client.key}, verify: false}`);
    assert.equal(state.status, 'up', state.downReason);
  });

  it('a client certificate the engine does not trust, none, or an expired one: down, saying which', async () => {
    const stranger = await probeWith(`{ca: ${client.ca}, cert: ${strangerClient.cert}, key: ${strangerClient.key}}`);
    assert.equal(stranger.status, 'down');
    assert.match(stranger.downReason ?? '', /^the engine at tcp:\/\/10\.213\.0\.13:2376 refused this client's certificate \([a-z ]+\): give the machine tls\.cert and tls\.key signed by the CA the engine trusts/);
    const none = await probeWith(`{ca: ${client.ca}}`);
    assert.equal(none.status, 'down');
    assert.match(none.downReason ?? '', /^the engine at tcp:\/\/10\.213\.0\.13:2376 requires a client certificate: give the machine tls\.cert and tls\.key/);
    // an engine refuses an expired one with "bad certificate" only: it is caught before connecting, with its date
    const expired = await probeWith(`{ca: ${client.ca}, cert: ${expiredClient.cert}, key: ${expiredClient.key}}`);
    assert.equal(expired.status, 'down');
    const quote = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    assert.match(expired.downReason ?? '', new RegExp(`^host ${quote(tlsHost)}: the TLS certificate ${quote(expiredClient.cert)} \\(tls of m3 in ${quote(dir)}/cluster-\\w+\\.yaml\\) expired on 2020-02-01: renew it$`));
  });

  it('an engine reached at an address its certificate does not list: down, naming the mismatch', async () => {
    // A plain TCP relay on 127.0.0.1: the TLS session is m3's own, end to end, but 127.0.0.1 is not in its certificate.
    const [, ip, port] = /^tcp:\/\/([^:]+):(\d+)$/.exec(tlsHost)!;
    const sockets = new Set<Socket>();
    const relay: Server = createServer((inbound) => {
      const outbound = createConnection({ host: ip, port: Number(port) });
      for (const s of [inbound, outbound]) {
        sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => sockets.delete(s));
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    try {
      const relayPort = (relay.address() as { port: number }).port;
      const state = await probeWith(`{ca: ${client.ca}, cert: ${client.cert}, key: ${client.key}}`, `tcp://127.0.0.1:${relayPort}`);
      assert.equal(state.status, 'down');
      assert.match(state.downReason ?? '', /shows a certificate made out for another host \(.*127\.0\.0\.1.*\): reach the engine by a name or address its certificate lists/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    }
  });

  it('plain HTTP to the TLS port (tls: false): down, saying the engine wants TLS', async () => {
    const state = await probeWith('false');
    assert.equal(state.status, 'down');
    assert.match(state.downReason ?? '', /speaks TLS but was reached in plain HTTP: give the machine tls: \{ca, cert, key\}/);
  });

  it('a machine named by a docker context in the cluster file uses its host and TLS files', async () => {
    const config = join(dir, 'ctx-config');
    writeContext(config, 'tls-m3', { host: tlsHost, tls: client });
    const file = join(dir, 'cluster-context.yaml');
    writeFileSync(file, 'machines:\n  - name: m3\n    context: tls-m3\n');
    const docker = await DockerClient.open(file, { env: { DOCKER_CONFIG: config } });
    try {
      const [m] = await docker.listMachines();
      assert.equal(m!.status, 'up', m!.downReason);
      assert.equal(m!.host, tlsHost);
      assert.equal(m!.engineId, m3EngineId);
    } finally {
      await docker.close();
    }
  });

  it('without a cluster file or DOCKER_HOST, the CLI uses the current docker context (HOME/.docker/config.json)', async () => {
    const home = join(dir, 'home');
    writeContext(join(home, '.docker'), 'tls-m3', { host: tlsHost, tls: client });
    useContext(join(home, '.docker'), 'tls-m3');
    const run = await dockplan(['machines', '--json'], { HOME: home, DOCKPLAN_CLUSTER: '', DOCKER_HOST: '', DOCKER_CONTEXT: '', DOCKER_CONFIG: '' });
    assert.equal(run.code, 0, run.stderr);
    const [m] = JSON.parse(run.stdout) as Array<{ name: string; host: string; status: string; engineId?: string }>;
    assert.deepEqual({ name: m!.name, host: m!.host, status: m!.status, engineId: m!.engineId }, { name: 'local', host: tlsHost, status: 'up', engineId: m3EngineId });

    const unknown = await dockplan(['machines', '--json'], { HOME: home, DOCKPLAN_CLUSTER: '', DOCKER_HOST: '', DOCKER_CONTEXT: 'tls-m4', DOCKER_CONFIG: '' });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^error: docker context "tls-m4" does not exist in .*; did you mean "tls-m3"\?; the contexts there are: default, tls-m3 .*chosen by DOCKER_CONTEXT/);
  });

  it('the CLI names the machine whose certificate is refused', async () => {
    const file = join(dir, 'cluster-cli.yaml');
    writeFileSync(file, `machines:\n  - name: m3\n    host: ${tlsHost}\n    tls: {ca: ${strangerCa.cert}, cert: ${client.cert}, key: ${client.key}}\n`);
    const run = await dockplan(['machines'], { DOCKPLAN_CLUSTER: file });
    assert.match(run.stdout + run.stderr, /m3.*down.*no trusted CA signed/s);
  });
});
