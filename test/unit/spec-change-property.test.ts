// Properties that tie the spec diff, the container change status and the planner together, over
// generated specs (fast-check). Values come from small domains so that equal, nearly equal and
// default-written-out pairs are common.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ContainerState, MachineState } from '../../src/model/cluster.js';
import { findService } from '../../src/model/cluster.js';
import type { HealthcheckSpec, ResourcesSpec, ServiceSpec } from '../../src/model/spec.js';
import { resourcesInForce } from '../../src/cluster/container-state.js';
import { resourceUpdate } from '../../src/cluster/resources.js';
import type { Operation } from '../../src/plan/operations.js';
import { containerCreateOptions } from '../../src/cluster/container-config.js';
import { planRolling } from '../../src/plan/rolling.js';
import { evalContainerSpecChange } from '../../src/plan/spec-change.js';
import { CONTAINER_EFFECTS, diffSpecs } from '../../src/plan/spec-diff.js';
import { cluster, machine } from '../support/cluster-fixtures.js';

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const healthcheck: fc.Arbitrary<HealthcheckSpec | undefined> = maybe(fc.record({
  test: maybe(fc.constantFrom<string[]>(['CMD', 'true'], ['CMD-SHELL', 'exit 0'], ['NONE'])),
  interval: maybe(fc.constantFrom(1000, 30_000)),
  timeout: maybe(fc.constantFrom(2000, 5000)),
  retries: maybe(fc.constantFrom(0, 3)),
  disable: maybe(fc.boolean()),
}, { requiredKeys: [] })).map((hc) => (hc?.disable && hc.test ? { ...hc, test: undefined } : hc));

const resources: fc.Arbitrary<ResourcesSpec | undefined> = maybe(fc.record({
  cpu: maybe(fc.constantFrom(0.5, 1, 0.3333333333, 333_333_333 / 1e9)),
  memory: maybe(fc.constantFrom(64 << 20, 128 << 20)),
  memory_reservation: maybe(fc.constantFrom(32 << 20)),
  shm_size: maybe(fc.constantFrom(64 << 20, 128 << 20)),
}, { requiredKeys: [] }));

/** A spec of the service `web`, every field optional, defaults as likely as other values. */
const spec: fc.Arbitrary<ServiceSpec> = fc.record({
  name: fc.constant('web'),
  image: fc.constant('local/busybox:1'),
  // A deploy always pins the image: to an image ID, or to a registry digest.
  image_ref: fc.constantFrom(`sha256:${'a'.repeat(64)}`, `sha256:${'b'.repeat(64)}`, `local/busybox:1@sha256:${'d'.repeat(64)}`),
  mode: maybe(fc.constant('replicated' as const)),
  replicas: maybe(fc.constantFrom(1, 2, 3)),
  command: maybe(fc.constantFrom([] as string[], ['sleep', '100'], ['sleep', '200'])),
  env: maybe(fc.dictionary(fc.constantFrom('A', 'B', 'DB_PASSWORD'), fc.constantFrom('', 'x', 'y'), { maxKeys: 3 })),
  placement: maybe(fc.record({ machines: maybe(fc.subarray(['m1', 'm2', 'm3'])) }, { requiredKeys: [] })),
  healthcheck,
  init: maybe(fc.boolean()),
  privileged: maybe(fc.boolean()),
  user: maybe(fc.constantFrom('', '1000')),
  pull_policy: maybe(fc.constantFrom('always' as const, 'missing' as const, 'never' as const)),
  resources,
  cap_add: maybe(fc.subarray(['NET_ADMIN', 'SYS_TIME'])),
  stop_grace_period: maybe(fc.constantFrom(10_000, 2000)),
  update: maybe(fc.record({ order: maybe(fc.constantFrom('auto' as const, 'start-first' as const)), monitor: maybe(fc.constantFrom(5000, 1000)) }, { requiredKeys: [] })),
}, { requiredKeys: ['name', 'image', 'image_ref'] });

const FIELDS = ['image_ref', 'replicas', 'command', 'env', 'placement', 'healthcheck', 'init', 'privileged', 'user', 'pull_policy', 'resources', 'cap_add', 'stop_grace_period', 'update'] as const;

/** A spec and an edit of it: a few of its fields taken from another spec, so pairs are mostly alike. */
const editedKeys = fc.oneof(
  { arbitrary: fc.constantFrom(...FIELDS).map((k) => [k]), weight: 3 },
  { arbitrary: fc.subarray([...FIELDS], { maxLength: 3 }), weight: 1 },
);
const edited: fc.Arbitrary<[ServiceSpec, ServiceSpec]> = fc.tuple(spec, spec, editedKeys).map(([a, other, keys]) => {
  const b: Record<string, unknown> = { ...structuredClone(a) };
  for (const k of keys) b[k] = structuredClone(other[k]);
  return [a, b as unknown as ServiceSpec];
});

const pairs = fc.oneof(fc.tuple(spec, spec), edited);

test('for any two specs, the diff lists a container change exactly when the container is not up to date', () => {
  fc.assert(fc.property(pairs, ([current, desired]) => {
    const containerDiff = diffSpecs(current, desired).filter((c) => CONTAINER_EFFECTS.has(c.effect));
    const status = evalContainerSpecChange(current, desired).status;
    assert.equal(containerDiff.length === 0, status === 'up-to-date', `diff ${JSON.stringify(containerDiff)} vs status ${status}`);
  }), { numRuns: 3000 });
});

test('for any spec, the same spec is up to date and has an empty diff', () => {
  fc.assert(fc.property(spec, (s) => {
    assert.deepEqual(diffSpecs(s, structuredClone(s)), []);
    assert.equal(evalContainerSpecChange(s, structuredClone(s)).status, 'up-to-date');
  }), { numRuns: 500 });
});

let counter = 0;
/**
 * What Docker makes of a deployed container, as far as planning reads it back: the label holds the
 * spec, the limits come back as Docker stores them (nano-CPUs, no limit as 0), the image ID is the
 * one the reference named.
 */
function deployed(m: MachineState, s: ServiceSpec, serviceId: string): ContainerState {
  counter++;
  const host = containerCreateOptions(s, serviceId, `web-${counter}`).HostConfig;
  const c: ContainerState = {
    id: `${counter.toString(16).padStart(12, '0')}${'0'.repeat(52)}`,
    name: `web-${counter}`,
    machineId: m.id,
    image: s.image_ref ?? s.image,
    imageId: s.image_ref?.startsWith('sha256:') ? s.image_ref : `sha256:${'c'.repeat(64)}`,
    state: 'running',
    health: 'none',
    created: new Date(Date.UTC(2026, 0, 1, 0, 0, counter % 60)).toISOString(),
    hostPorts: [],
    resources: resourcesInForce({ NanoCpus: host.NanoCpus ?? 0, Memory: host.Memory ?? 0, MemoryReservation: host.MemoryReservation ?? 0, ShmSize: host.ShmSize ?? 64 << 20 }),
    service: { id: serviceId, name: s.name!, mode: s.mode ?? 'replicated', spec: JSON.parse(JSON.stringify(s)) as ServiceSpec },
  };
  m.containers.push(c);
  return c;
}

test('deploy then plan is always empty: a plan carried out to the letter leaves nothing to do', () => {
  fc.assert(fc.property(spec, (desired) => {
    const machines = [machine('m1'), machine('m2'), machine('m3')];
    const state = cluster(...machines);
    const first = planRolling(state, undefined, 'svc-1', desired);
    for (const op of first.operations) {
      assert.equal(op.kind, 'run', 'a new service only runs containers');
      if (op.kind === 'run') deployed(machines.find((m) => m.id === op.machineId)!, op.spec, op.serviceId);
    }
    const again = planRolling(state, findService(state, 'web'), 'svc-1', desired);
    assert.deepEqual(again.operations, [], JSON.stringify(again.operations.map((o) => o.kind)));
    assert.deepEqual(again.changes.filter((c) => CONTAINER_EFFECTS.has(c.effect)), []);
  }), { numRuns: 500 });
});

/**
 * Carries out a plan the way Docker would: runs and replaces create containers as above; an
 * in-place update changes the limits in force (a lifted reservation reads -1 afterwards, as
 * dockerd 20.10 reports it); removes take the container away.
 */
function carryOut(machines: MachineState[], operations: Operation[]): void {
  const on = (id: string) => machines.find((m) => m.id === id)!;
  const drop = (machineId: string, containerId: string) => {
    const m = on(machineId);
    m.containers = m.containers.filter((c) => c.id !== containerId);
  };
  for (const op of operations) {
    switch (op.kind) {
      case 'run':
        deployed(on(op.machineId), op.spec, op.serviceId);
        break;
      case 'replace':
        drop(op.machineId, op.old.id);
        deployed(on(op.machineId), op.spec, op.serviceId);
        break;
      case 'update': {
        const c = on(op.machineId).containers.find((x) => x.id === op.container.id)!;
        const now = { NanoCpus: Math.round((c.resources?.cpu ?? 0) * 1e9), Memory: c.resources?.memory ?? 0, MemoryReservation: c.resources?.memory_reservation ?? 0, ShmSize: c.resources?.shm_size ?? 64 << 20 };
        const update = resourceUpdate(op.spec.resources ?? {}, now);
        assert.ok('body' in update, `an in-place update the planner chose must be possible: ${JSON.stringify(update)}`);
        c.resources = resourcesInForce({ ...now, ...update.body });
        break;
      }
      case 'remove':
        drop(op.machineId, op.container.id);
        break;
      case 'stop':
      case 'create-volume':
        break;
    }
  }
}

test('any change carried out leaves nothing to do: plan A, deploy, plan B, deploy, plan B again is empty', () => {
  fc.assert(fc.property(pairs, ([a, b]) => {
    const machines = [machine('m1'), machine('m2'), machine('m3')];
    const state = cluster(...machines);
    carryOut(machines, planRolling(state, undefined, 'svc-1', a).operations);
    carryOut(machines, planRolling(state, findService(state, 'web'), 'svc-1', b).operations);
    const again = planRolling(state, findService(state, 'web'), 'svc-1', b);
    assert.deepEqual(again.operations.map((o) => o.kind), []);
    assert.deepEqual(again.changes.filter((c) => CONTAINER_EFFECTS.has(c.effect)), []);
  }), { numRuns: 3000 });
});
