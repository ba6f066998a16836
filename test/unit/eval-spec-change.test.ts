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
  ['placement', { placement: { machines: ['m1'] } }],
  ['ports', { ports: [{ mode: 'host', published: 8081, container: 8080, protocol: 'tcp' }] }],
  ['volumes', { volumes: [{ name: 'a', type: 'volume' }, { name: 'b', type: 'volume', driver: 'local' }] }],
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

test('replicas and update settings never count as a container change', () => {
  const result = evalContainerSpecChange(base, { ...base, replicas: 7, update: { order: 'stop-first', monitor: 1000 } });
  assert.deepEqual(result, { status: 'up-to-date', changes: [] });
});

test('a new pull_policy of always recreates, any other pull_policy change does not', () => {
  assert.deepEqual(evalContainerSpecChange(base, { ...base, pull_policy: 'always' }), { status: 'needs-recreate', changes: ['pull_policy'] });
  assert.equal(evalContainerSpecChange({ ...base, pull_policy: 'always' }, { ...base, pull_policy: 'never' }).status, 'up-to-date');
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
