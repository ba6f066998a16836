import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceSpec } from '../../src/model/spec.js';
import { evalContainerSpecChange } from '../../src/plan/spec-change.js';

const base: ServiceSpec = {
  name: 'web', mode: 'replicated', image: 'local/busybox:1', replicas: 2,
  command: ['httpd', '-f'], env: { A: '1', B: '2' },
  ports: [{ mode: 'host', published: 8080, container: 8080, protocol: 'tcp' }, { mode: 'host', published: 9090, container: 9090, protocol: 'udp' }],
  mounts: [{ volume: 'a', path: '/a' }, { volume: 'b', path: '/b', read_only: true }],
  volumes: [{ name: 'a', type: 'volume' }, { name: 'b', type: 'volume' }],
  resources: { cpu: 1, memory: 64 * 1024 * 1024 },
};

const recreateCases: [string, Partial<ServiceSpec>][] = [
  ['name', { name: 'web2' }],
  ['mode', { mode: 'global' }],
  ['image', { image: 'local/busybox:2' }],
  ['command', { command: ['httpd'] }],
  ['entrypoint', { entrypoint: ['/bin/sh'] }],
  ['env', { env: { A: '1', B: '3' } }],
  ['healthcheck', { healthcheck: { test: ['CMD', 'true'], interval: 1000 } }],
  ['init', { init: true }],
  ['privileged', { privileged: true }],
  ['user', { user: '1000' }],
  ['logging', { logging: { driver: 'none' } }],
  ['cap_add', { cap_add: ['NET_ADMIN'] }],
  ['cap_drop', { cap_drop: ['ALL'] }],
  ['sysctls', { sysctls: { 'net.core.somaxconn': '1024' } }],
  ['stop_grace_period', { stop_grace_period: 2000 }],
  ['mounts', { mounts: [{ volume: 'a', path: '/a' }] }],
  ['ports', { ports: [{ mode: 'host', published: 8081, container: 8080, protocol: 'tcp' }] }],
  ['volumes', { volumes: [{ name: 'a', type: 'volume' }, { name: 'b', type: 'tmpfs', size: 1 << 20 }] }],
  ['devices', { devices: [{ host_path: '/dev/null', container_path: '/dev/null', permissions: 'rwm' }] }],
  ['ulimits', { ulimits: { nofile: { soft: 1024, hard: 2048 } } }],
];

for (const [field, change] of recreateCases) {
  test(`a different ${field} needs recreate, naming ${field}`, () => {
    const result = evalContainerSpecChange(base, { ...base, ...change });
    assert.equal(result.status, 'needs-recreate');
    assert.ok(result.changes.includes(field), `changes ${JSON.stringify(result.changes)} should include ${field}`);
  });
  test(`the same ${field} on both sides is up to date`, () => {
    const spec = { ...base, ...change };
    assert.deepEqual(evalContainerSpecChange(spec, structuredClone(spec)), { status: 'up-to-date', changes: [] });
  });
}

test('only cpu, memory or memory_reservation differ: needs update, naming each field', () => {
  const result = evalContainerSpecChange(base, { ...base, resources: { cpu: 2, memory: 128 * 1024 * 1024, memory_reservation: 32 * 1024 * 1024 } });
  assert.deepEqual(result, { status: 'needs-update', changes: ['resources.cpu', 'resources.memory', 'resources.memory_reservation'] });
});

test('a limit set for the first time is an update in place', () => {
  const result = evalContainerSpecChange({ ...base, resources: {} }, base);
  assert.deepEqual(result, { status: 'needs-update', changes: ['resources.cpu', 'resources.memory'] });
});

test('shm_size cannot change in place: needs recreate', () => {
  const result = evalContainerSpecChange(base, { ...base, resources: { ...base.resources, shm_size: 128 * 1024 * 1024 } });
  assert.deepEqual(result, { status: 'needs-recreate', changes: ['resources.shm_size'] });
});

test('lifting a memory or cpu limit cannot happen in place: needs recreate', () => {
  assert.equal(evalContainerSpecChange(base, { ...base, resources: { cpu: 1 } }).status, 'needs-recreate');
  assert.equal(evalContainerSpecChange(base, { ...base, resources: { memory: 64 * 1024 * 1024 } }).status, 'needs-recreate');
});

test('resources and image differ: recreate wins and both are named', () => {
  const result = evalContainerSpecChange(base, { ...base, image: 'x:2', resources: { cpu: 2 } });
  assert.equal(result.status, 'needs-recreate');
  assert.deepEqual(result.changes, ['image', 'resources.cpu', 'resources.memory']);
});

test('replicas, placement, pull_policy and update settings never count as a container change', () => {
  const result = evalContainerSpecChange(base, {
    ...base, replicas: 7, placement: { machines: ['m1'] }, pull_policy: 'always', update: { order: 'stop-first', monitor: 1000 },
  });
  assert.deepEqual(result, { status: 'up-to-date', changes: [] });
});

test('the bytes count, not the policy: a different pinned image reference recreates, naming image', () => {
  const pinned = (ref: string): ServiceSpec => ({ ...base, pull_policy: 'always', image_ref: ref });
  const a = `local/busybox:1@sha256:${'a'.repeat(64)}`;
  const b = `local/busybox:1@sha256:${'b'.repeat(64)}`;
  assert.deepEqual(evalContainerSpecChange(pinned(a), pinned(b)), { status: 'needs-recreate', changes: ['image'] });
  assert.deepEqual(evalContainerSpecChange(pinned(a), pinned(a)), { status: 'up-to-date', changes: [] });
  const id = (c: string): ServiceSpec => ({ ...base, image_ref: `sha256:${c.repeat(64)}` });
  assert.deepEqual(evalContainerSpecChange(id('1'), id('2')), { status: 'needs-recreate', changes: ['image'] });
});

test("a named volume's driver and options change the volume, not the container", () => {
  const opts = (o: string): ServiceSpec => ({ ...base, volumes: [{ name: 'a', type: 'volume', driver_opts: { type: 'tmpfs', device: 'tmpfs', o } }, { name: 'b', type: 'volume' }] });
  assert.deepEqual(evalContainerSpecChange(opts('size=10m'), opts('size=20m')), { status: 'up-to-date', changes: [] });
});

test('healthcheck timings without a test still count: the image\'s test runs with them', () => {
  const hc = (interval: number, timeout: number): ServiceSpec => ({ ...base, healthcheck: { interval, timeout } });
  assert.deepEqual(evalContainerSpecChange(hc(1000, 2000), hc(30_000, 5000)), { status: 'needs-recreate', changes: ['healthcheck'] });
});

test('healthcheck disable: false written out changes nothing', () => {
  const a: ServiceSpec = { ...base, healthcheck: { test: ['CMD', 'true'], interval: 1000 } };
  const b: ServiceSpec = { ...base, healthcheck: { test: ['CMD', 'true'], interval: 1000, disable: false } };
  assert.deepEqual(evalContainerSpecChange(a, b), { status: 'up-to-date', changes: [] });
  assert.deepEqual(evalContainerSpecChange({ ...base, healthcheck: { disable: false } }, base), { status: 'up-to-date', changes: [] });
});

test('cpu compares at the nano-CPU precision Docker keeps', () => {
  const cpu = (n: number): ServiceSpec => ({ ...base, resources: { cpu: n } });
  assert.deepEqual(evalContainerSpecChange(cpu(333_333_333 / 1e9), cpu(0.3333333333)), { status: 'up-to-date', changes: [] });
  assert.equal(evalContainerSpecChange(cpu(0.33), cpu(0.34)).status, 'needs-update');
});

test('a reservation dropped from the spec is lifted in place; the default shm size written out changes nothing', () => {
  const withReservation: ServiceSpec = { ...base, resources: { memory: 64 << 20, memory_reservation: 32 << 20 } };
  assert.deepEqual(evalContainerSpecChange(withReservation, { ...base, resources: { memory: 64 << 20 } }), { status: 'needs-update', changes: ['resources.memory_reservation'] });
  assert.deepEqual(evalContainerSpecChange(base, { ...base, resources: { ...base.resources, shm_size: 64 << 20 } }), { status: 'up-to-date', changes: [] });
});

test('missing equals empty: no env, no command and no mounts equal their empty forms', () => {
  const bare: ServiceSpec = { name: 'x', image: 'i:1' };
  const empty: ServiceSpec = { name: 'x', image: 'i:1', mode: 'replicated', env: {}, command: [], mounts: [], ports: [], cap_add: [], init: false, privileged: false, stop_grace_period: 10_000 };
  assert.equal(evalContainerSpecChange(bare, empty).status, 'up-to-date');
  assert.equal(evalContainerSpecChange(empty, bare).status, 'up-to-date');
});

test('ports, mounts and env are compared regardless of order', () => {
  const reordered: ServiceSpec = {
    ...base,
    env: { B: '2', A: '1' },
    ports: [...base.ports!].reverse(),
    mounts: [{ path: '/b', volume: 'b', read_only: true }, { volume: 'a', path: '/a', read_only: false }],
  };
  assert.deepEqual(evalContainerSpecChange(base, reordered), { status: 'up-to-date', changes: [] });
});

test('a disabled healthcheck equals a NONE test', () => {
  const a = { ...base, healthcheck: { disable: true } };
  const b = { ...base, healthcheck: { test: ['NONE'] } };
  assert.equal(evalContainerSpecChange(a, b).status, 'up-to-date');
});

test("Docker's healthcheck defaults written out change nothing: interval 30s, timeout 30s, retries 3, start_period 0", () => {
  const a: ServiceSpec = { ...base, healthcheck: { test: ['CMD', 'true'] } };
  for (const extra of [{ interval: 30_000 }, { timeout: 30_000 }, { retries: 3 }, { start_period: 0 }]) {
    assert.deepEqual(evalContainerSpecChange(a, { ...base, healthcheck: { test: ['CMD', 'true'], ...extra } }), { status: 'up-to-date', changes: [] }, JSON.stringify(extra));
  }
  assert.equal(evalContainerSpecChange(a, { ...base, healthcheck: { test: ['CMD', 'true'], interval: 10_000 } }).status, 'needs-recreate');
});

test("the engines' default log driver named without options changes nothing; another driver does", () => {
  const context = { logDriver: 'json-file' };
  assert.deepEqual(evalContainerSpecChange(base, { ...base, logging: { driver: 'json-file' } }, context), { status: 'up-to-date', changes: [] });
  assert.equal(evalContainerSpecChange(base, { ...base, logging: { driver: 'json-file', options: { 'max-size': '10m' } } }, context).status, 'needs-recreate');
  assert.equal(evalContainerSpecChange(base, { ...base, logging: { driver: 'local' } }, context).status, 'needs-recreate');
  assert.equal(evalContainerSpecChange(base, { ...base, logging: { driver: 'json-file' } }).status, 'needs-recreate', 'without knowing the engines\' default');
});
