import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { LABEL } from '../../src/model/cluster.js';
import { SECRET_KEY_LABEL, SecretKey } from '../../src/model/secret-key.js';
import { PlanSecrets } from '../../src/plan/secret-seal.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { containerCreateOptions, MountSpecError } from '../../src/cluster/container-config.js';
import { canonicalJson, specHash } from '../../src/model/canonical.js';
import {
  containerFromInspect,
  containerFromListing,
  demuxLogs,
  exitCodeFromStatusText,
  healthFromStatusText,
  namedVolumes,
  parseSpecLabel,
} from '../../src/cluster/container-state.js';
import { resourceUpdate } from '../../src/cluster/resources.js';
import { parseEngineAddress } from '../../src/cluster/connect.js';

const MiB = 1024 * 1024;
const KEY = SecretKey.fromBytes(new Uint8Array(32).fill(7));
const sealing = () => new PlanSecrets(KEY, false);

const rich: ServiceSpec = {
  name: 'web',
  mode: 'global',
  image: 'registry.example.com/team/web:1.4',
  command: ['httpd', '-f', '-p', '8080'],
  entrypoint: ['/bin/sh', '-c'],
  env: { ZED: 'last', ALPHA: 'first', MIDDLE: 'a=b' },
  user: '1000:1000',
  ports: [
    { mode: 'ingress', hostname: 'web.example.com', container: 8080, protocol: 'http' },
    { mode: 'host', published: 9090, container: 9090, protocol: 'tcp' },
    { mode: 'host', host_ip: '127.0.0.1', published: 5353, container: 53, protocol: 'udp' },
    { mode: 'host', host_ip: '10.0.0.1', published: 9091, container: 9090, protocol: 'tcp' },
  ],
  volumes: [
    { name: 'data', type: 'volume', driver: 'local', driver_opts: { type: 'none', o: 'bind', device: '/srv/data' }, labels: { team: 'web' } },
    { name: 'plain', type: 'volume' },
    { name: 'conf', type: 'bind', source: '/etc/web' },
    { name: 'scratch', type: 'tmpfs', size: 64 * MiB, mode: 0o1777 },
  ],
  mounts: [
    { volume: 'data', path: '/data' },
    { volume: 'plain', path: '/plain' },
    { volume: 'conf', path: '/etc/web', read_only: true },
    { volume: 'scratch', path: '/tmp' },
  ],
  healthcheck: { test: ['CMD-SHELL', 'wget -qO- http://127.0.0.1:8080/ || exit 1'], interval: 2_000, timeout: 1_500, retries: 3, start_period: 500 },
  init: true,
  privileged: false,
  pull_policy: 'missing',
  resources: { cpu: 0.5, memory: 256 * MiB, memory_reservation: 128 * MiB, shm_size: 32 * MiB },
  cap_add: ['NET_ADMIN'],
  cap_drop: ['MKNOD'],
  sysctls: { 'net.core.somaxconn': '1024' },
  ulimits: { nofile: { soft: 1024, hard: 4096 }, core: { soft: 0, hard: 0 } },
  devices: [{ host_path: '/dev/fuse', container_path: '/dev/fuse', permissions: 'rwm' }],
  logging: { driver: 'json-file', options: { 'max-size': '10m' } },
  stop_grace_period: 2_500,
  update: { order: 'start-first', monitor: 5_000 },
};

describe('containerCreateOptions', () => {
  it('maps every field of a rich spec to Docker create options', () => {
    const opts = containerCreateOptions(rich, 'svc-123', 'web-ab12', undefined, sealing());
    assert.deepEqual(opts, {
      name: 'web-ab12',
      Image: 'registry.example.com/team/web:1.4',
      Cmd: ['httpd', '-f', '-p', '8080'],
      Entrypoint: ['/bin/sh', '-c'],
      Env: ['ALPHA=first', 'MIDDLE=a=b', 'ZED=last'],
      User: '1000:1000',
      Labels: {
        'dockplan.managed': 'true',
        'dockplan.service.id': 'svc-123',
        'dockplan.service.name': 'web',
        'dockplan.service.mode': 'global',
        'dockplan.spec': JSON.stringify(rich),
        'dockplan.spec.hash': specHash(rich),
        [SECRET_KEY_LABEL]: KEY.label(),
      },
      Healthcheck: {
        Test: ['CMD-SHELL', 'wget -qO- http://127.0.0.1:8080/ || exit 1'],
        Interval: 2_000_000_000,
        Timeout: 1_500_000_000,
        Retries: 3,
        StartPeriod: 500_000_000,
      },
      ExposedPorts: { '9090/tcp': {}, '53/udp': {} },
      StopTimeout: 3,
      HostConfig: {
        RestartPolicy: { Name: 'unless-stopped' },
        Init: true,
        Privileged: false,
        CapAdd: ['NET_ADMIN'],
        CapDrop: ['MKNOD'],
        Sysctls: { 'net.core.somaxconn': '1024' },
        Ulimits: [
          { Name: 'core', Soft: 0, Hard: 0 },
          { Name: 'nofile', Soft: 1024, Hard: 4096 },
        ],
        Devices: [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }],
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m' } },
        NanoCpus: 500_000_000,
        Memory: 256 * MiB,
        MemoryReservation: 128 * MiB,
        ShmSize: 32 * MiB,
        Mounts: [
          {
            Type: 'volume',
            Source: 'data',
            Target: '/data',
            ReadOnly: false,
            VolumeOptions: {
              DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/srv/data' } },
              Labels: { team: 'web' },
            },
          },
          { Type: 'volume', Source: 'plain', Target: '/plain', ReadOnly: false },
          { Type: 'bind', Source: '/etc/web', Target: '/etc/web', ReadOnly: true },
          { Type: 'tmpfs', Target: '/tmp', ReadOnly: false, TmpfsOptions: { SizeBytes: 64 * MiB, Mode: 0o1777 } },
        ],
        PortBindings: {
          '9090/tcp': [
            { HostIp: '', HostPort: '9090' },
            { HostIp: '10.0.0.1', HostPort: '9091' },
          ],
          '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }],
        },
      },
    });
  });

  it('a minimal spec gives only image, labels and the restart policy', () => {
    const spec: ServiceSpec = { name: 'tiny', image: 'local/busybox:1' };
    const opts = containerCreateOptions(spec, 'svc-1', 'tiny-0000');
    assert.deepEqual(Object.keys(opts).sort(), ['HostConfig', 'Image', 'Labels', 'name']);
    assert.deepEqual(opts.HostConfig, { RestartPolicy: { Name: 'unless-stopped' } });
    assert.equal(opts.Labels[LABEL.serviceMode], 'replicated');
  });

  it('ingress ports are recorded in the spec label but never bound', () => {
    const spec: ServiceSpec = { name: 'site', image: 'x', ports: [{ mode: 'ingress', container: 80, protocol: 'http' }] };
    const opts = containerCreateOptions(spec, 's', 'site-aaaa');
    assert.equal(opts.ExposedPorts, undefined);
    assert.equal(opts.HostConfig.PortBindings, undefined);
    assert.deepEqual(JSON.parse(opts.Labels[LABEL.spec]!).ports, spec.ports);
  });

  it('a host port without a published port asks Docker for a random one', () => {
    const spec: ServiceSpec = { image: 'x', ports: [{ mode: 'host', container: 80, protocol: 'tcp' }] };
    assert.deepEqual(containerCreateOptions(spec, 's', 'x-aaaa').HostConfig.PortBindings, { '80/tcp': [{ HostIp: '', HostPort: '' }] });
  });

  it('a disabled healthcheck or test NONE becomes Test NONE', () => {
    for (const healthcheck of [{ disable: true, interval: 1000 }, { test: ['NONE'] }]) {
      assert.deepEqual(containerCreateOptions({ image: 'x', healthcheck }, 's', 'x-aaaa').Healthcheck, { Test: ['NONE'] });
    }
  });

  it('stop grace period rounds up to whole seconds', () => {
    assert.equal(containerCreateOptions({ image: 'x', stop_grace_period: 1 }, 's', 'x-aaaa').StopTimeout, 1);
    assert.equal(containerCreateOptions({ image: 'x', stop_grace_period: 10_000 }, 's', 'x-aaaa').StopTimeout, 10);
    assert.equal(containerCreateOptions({ image: 'x', stop_grace_period: 0 }, 's', 'x-aaaa').StopTimeout, 0);
  });

  it('the service name label falls back to the container name without its suffix', () => {
    assert.equal(containerCreateOptions({ image: 'x' }, 's', 'api-k3x9').Labels[LABEL.serviceName], 'api');
  });

  it('a mount naming an undefined volume is an error that names it', () => {
    assert.throws(
      () => containerCreateOptions({ image: 'x', mounts: [{ volume: 'ghost', path: '/g' }] }, 's', 'x-aaaa'),
      (err: unknown) => err instanceof MountSpecError && /"ghost"/.test(err.message) && /\/g/.test(err.message),
    );
  });
});

describe('specHash', () => {
  it('is the first 16 hex chars of sha256 over the canonical JSON', () => {
    const spec: ServiceSpec = { image: 'x', name: 'a' };
    assert.equal(canonicalJson(spec), '{"image":"x","name":"a"}');
    assert.equal(specHash(spec), createHash('sha256').update('{"image":"x","name":"a"}').digest('hex').slice(0, 16));
  });

  it('does not depend on key order, nested too, and ignores undefined fields', () => {
    const a: ServiceSpec = { name: 'a', image: 'x', env: { B: '2', A: '1' }, resources: { memory: 1, cpu: 1 } };
    const b: ServiceSpec = { resources: { cpu: 1, memory: 1 }, env: { A: '1', B: '2' }, image: 'x', name: 'a', user: undefined };
    assert.equal(specHash(a), specHash(b));
  });

  it('changes when anything changes, array order included', () => {
    const base: ServiceSpec = { image: 'x', command: ['a', 'b'] };
    assert.notEqual(specHash(base), specHash({ image: 'x', command: ['b', 'a'] }));
    assert.notEqual(specHash(base), specHash({ image: 'y', command: ['a', 'b'] }));
  });
});

describe('reading containers back', () => {
  it('a listed container gives its labels, parsed spec, health, ports and state', () => {
    const opts = containerCreateOptions(rich, 'svc-123', 'web-ab12', undefined, sealing());
    const c = containerFromListing(
      {
        Id: 'abc123',
        Names: ['/web-ab12'],
        Image: rich.image,
        Created: 1_700_000_000,
        Ports: [
          { IP: '0.0.0.0', PrivatePort: 9090, PublicPort: 9090, Type: 'tcp' },
          { IP: '::', PrivatePort: 9090, PublicPort: 9090, Type: 'tcp' },
          { PrivatePort: 7000, Type: 'tcp' },
          { IP: '127.0.0.1', PrivatePort: 53, PublicPort: 5353, Type: 'udp' },
        ],
        Labels: opts.Labels,
        State: 'running',
        Status: 'Up 3 minutes (healthy)',
      },
      'ENGINE:ID',
    );
    assert.deepEqual(c, {
      id: 'abc123',
      name: 'web-ab12',
      machineId: 'ENGINE:ID',
      image: rich.image,
      state: 'running',
      health: 'healthy',
      created: '2023-11-14T22:13:20.000Z',
      status: 'Up 3 minutes (healthy)',
      hostPorts: [
        { host_ip: '127.0.0.1', published: 5353, protocol: 'udp' },
        { host_ip: '0.0.0.0', published: 9090, protocol: 'tcp' },
      ],
      service: { id: 'svc-123', name: 'web', mode: 'global', spec: rich, specHash: specHash(rich), secretKey: KEY },
    });
  });

  it('health and exit code come from the Status text', () => {
    assert.equal(healthFromStatusText('Up 2 seconds (health: starting)'), 'starting');
    assert.equal(healthFromStatusText('Up 2 minutes (unhealthy)'), 'unhealthy');
    assert.equal(healthFromStatusText('Up 2 minutes'), 'none');
    assert.equal(exitCodeFromStatusText('Exited (137) 5 seconds ago'), 137);
    assert.equal(exitCodeFromStatusText('Restarting (1) 2 seconds ago'), 1);
    assert.equal(exitCodeFromStatusText('Up 1 second'), undefined);
    assert.equal(exitCodeFromStatusText('Created'), undefined);
  });

  it('a garbage spec label leaves the spec unknown but keeps the service', () => {
    for (const text of ['{not json', '[]', '"x"', '{"name":"no-image"}', '']) assert.equal(parseSpecLabel(text), undefined);
    const c = containerFromListing(
      { Id: 'x', Names: ['/a'], Image: 'i', Created: 0, Labels: { [LABEL.serviceId]: 's1', [LABEL.serviceName]: 'a', [LABEL.spec]: '{oops', [LABEL.serviceMode]: 'weird' }, State: 'exited', Status: 'Exited (0) 1 hour ago' },
      'm',
    );
    assert.deepEqual(c.service, { id: 's1', name: 'a', mode: 'replicated' });
    assert.equal(c.exitCode, 0);
    assert.equal(c.state, 'exited');
  });

  it('a container without dockplan labels has no service', () => {
    const c = containerFromListing({ Id: 'x', Names: ['/other'], Image: 'i', Created: 0, Labels: { foo: 'bar' }, State: 'running', Status: 'Up' }, 'm');
    assert.equal(c.service, undefined);
  });

  it('an inspected restarting container reads as restarting with its exit code and start time', () => {
    const c = containerFromInspect(
      {
        Id: 'id1',
        Name: '/web-1',
        Created: '2026-01-01T00:00:00.1Z',
        Config: { Image: 'local/busybox:1', Labels: {} },
        State: { Status: 'running', Restarting: true, ExitCode: 3, StartedAt: '2026-01-01T00:00:01Z', Health: null },
        NetworkSettings: { Ports: { '8080/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }], '9/tcp': null } },
      },
      'm',
    );
    const { values, ...read } = c;
    assert.deepEqual(values?.values(), []);
    assert.deepEqual(read, {
      id: 'id1',
      name: 'web-1',
      machineId: 'm',
      image: 'local/busybox:1',
      state: 'restarting',
      health: 'none',
      created: '2026-01-01T00:00:00.1Z',
      startedAt: '2026-01-01T00:00:01Z',
      exitCode: 3,
      hostPorts: [{ host_ip: '0.0.0.0', published: 8080, protocol: 'tcp' }],
    });
  });

  it('a never-started container has no startedAt', () => {
    const c = containerFromInspect(
      { Id: 'i', Name: '/n', Created: 't', Config: { Image: 'x' }, State: { Status: 'created', StartedAt: '0001-01-01T00:00:00Z', Health: { Status: 'starting' } } },
      'm',
    );
    assert.equal(c.startedAt, undefined);
    assert.equal(c.health, 'starting');
    assert.equal(c.exitCode, undefined);
  });

  it('anonymous volumes (64 hex chars) are not listed', () => {
    assert.deepEqual(
      namedVolumes([
        { Name: 'b-data', Driver: 'local' },
        { Name: 'a'.repeat(64), Driver: 'local' },
        { Name: 'a-data', Driver: 'nfs' },
      ]),
      [
        { name: 'a-data', driver: 'nfs' },
        { name: 'b-data', driver: 'local' },
      ],
    );
  });

  it('logs are demultiplexed into text in the order written', () => {
    const frame = (stream: number, text: string) => {
      const body = Buffer.from(text);
      const header = Buffer.alloc(8);
      header[0] = stream;
      header.writeUInt32BE(body.length, 4);
      return Buffer.concat([header, body]);
    };
    assert.equal(demuxLogs(Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, 'out 2\n')])), 'out 1\nerr 1\nout 2\n');
    assert.equal(demuxLogs(Buffer.from('plain tty output\n')), 'plain tty output\n');
    assert.equal(demuxLogs(Buffer.alloc(0)), '');
  });
});

describe('resourceUpdate', () => {
  it('moves memory and swap together (swap = 2x memory)', () => {
    assert.deepEqual(resourceUpdate({ cpu: 1.5, memory: 64 * MiB, memory_reservation: 32 * MiB }, { ShmSize: 64 * MiB }), {
      body: { NanoCpus: 1_500_000_000, Memory: 64 * MiB, MemorySwap: 128 * MiB, MemoryReservation: 32 * MiB },
    });
  });

  it('a dropped reservation is lifted with -1', () => {
    assert.deepEqual(resourceUpdate({ memory: 64 * MiB }, { Memory: 32 * MiB, MemoryReservation: 16 * MiB, ShmSize: 64 * MiB }), {
      body: { Memory: 64 * MiB, MemorySwap: 128 * MiB, MemoryReservation: -1 },
    });
  });

  it('lifting cpu or memory and changing shm are refused before anything changes', () => {
    assert.deepEqual(resourceUpdate({ shm_size: 128 * MiB }, { NanoCpus: 1e9, Memory: 64 * MiB, ShmSize: 64 * MiB }), {
      impossible: ['cpu (a limit cannot be lifted in place)', 'memory (a limit cannot be lifted in place)', 'shm_size (fixed at create)'],
    });
  });
});

describe('parseEngineAddress', () => {
  it('reads unix, tcp and ssh hosts', () => {
    assert.deepEqual(parseEngineAddress('unix:///var/run/docker.sock', {}), { kind: 'unix', socketPath: '/var/run/docker.sock' });
    assert.deepEqual(parseEngineAddress('tcp://10.0.0.5:2375', {}), { kind: 'tcp', host: '10.0.0.5', port: 2375, tls: false });
    assert.deepEqual(parseEngineAddress('tcp://10.0.0.5:2376', {}), { kind: 'tcp', host: '10.0.0.5', port: 2376, tls: true });
    assert.deepEqual(parseEngineAddress('tcp://h:2375', { DOCKER_TLS_VERIFY: '1' }), { kind: 'tcp', host: 'h', port: 2375, tls: true });
    assert.deepEqual(parseEngineAddress('ssh://deploy@h.example:2222', {}), { kind: 'ssh', host: 'h.example', port: 2222, username: 'deploy' });
    assert.deepEqual(parseEngineAddress('ssh://h', {}), { kind: 'ssh', host: 'h', port: 22 });
  });

  it('rejects what it cannot reach, saying what is expected', () => {
    assert.throws(() => parseEngineAddress('http://h:1', {}), /tcp:\/\/host:port/);
    assert.throws(() => parseEngineAddress('unix://relative.sock', {}), /absolute/);
  });
});
