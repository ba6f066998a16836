// The planner works once per distinct running spec (a service's replicas mostly carry one), and
// finds a service by name without grouping the whole cluster: the results must be those of the
// plain, one-container-at-a-time rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameData, ValueKeyedMap } from '../../src/model/canonical.js';
import { findService, servicesOf, type ClusterState, type ContainerState } from '../../src/model/cluster.js';
import { SecretKey } from '../../src/model/secret-key.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { runningSpecOf } from '../../src/plan/current-spec.js';
import { nameResolver } from '../../src/plan/plan.js';
import type { Plan } from '../../src/plan/plan.js';
import { planRolling } from '../../src/plan/rolling.js';
import { sealForPlan } from '../../src/plan/secret-seal.js';
import { evalContainerSpecChange } from '../../src/plan/spec-change.js';
import { SERVICE_ID, cluster, container, machine, webSpec } from '../support/cluster-fixtures.js';

const MiB = 1024 * 1024;

test('sameData: equal members in any key order are equal; a missing, undefined or different member is not', () => {
  assert.equal(sameData({ a: 1, b: { c: [1, 'x'] } }, { b: { c: [1, 'x'] }, a: 1 }), true);
  assert.equal(sameData({ a: 1 }, { a: 1, b: undefined }), false);
  assert.equal(sameData({ a: [1, 2] }, { a: [2, 1] }), false);
  assert.equal(sameData({ a: { b: 'x' } }, { a: { b: 'y' } }), false);
  assert.equal(sameData({ a: NaN }, { a: NaN }), false);
  assert.equal(sameData([], {}), false);
  assert.equal(sameData(null, {}), false);
});

test('ValueKeyedMap: a key equal by value finds the value under its hint only, and a full hint keeps no more', () => {
  const map = new ValueKeyedMap<object, string>(2);
  map.set('h', { image: 'a' }, 'first');
  assert.equal(map.get('h', { image: 'a' }), 'first');
  assert.equal(map.get('other', { image: 'a' }), undefined);
  assert.equal(map.get('h', { image: 'b' }), undefined);
  map.set('h', { image: 'b' }, 'second');
  map.set('h', { image: 'c' }, 'third');
  assert.equal(map.get('h', { image: 'b' }), 'second');
  assert.equal(map.get('h', { image: 'c' }), undefined);
});

/** Three machines, one replica each, every label a separate copy of one spec under one hash, its limits in force. */
function sameLabels(spec: ServiceSpec): { state: ClusterState; containers: ContainerState[] } {
  const ms = [machine('m1'), machine('m2'), machine('m3')];
  const containers = ms.map((m) => container(m, structuredClone(spec), spec.resources ? { resources: { ...spec.resources } } : {}));
  for (const c of containers) c.service!.specHash = 'one-hash';
  return { state: cluster(...ms), containers };
}

/** The plan's change reasons by container name, for every operation that names a container. */
function reasons(p: Plan): Map<string, string> {
  const out = new Map<string, string>();
  for (const op of p.operations) {
    if (op.kind === 'replace') out.set(op.old.name, `replace: ${op.changes.join(', ')}`);
    if (op.kind === 'update') out.set(op.container.name, `update: ${op.changes.join(', ')}`);
  }
  return out;
}

test('replicas with equal labels but other limits in force or another image each get their own change', () => {
  const spec = webSpec({ replicas: 3, resources: { memory: 64 * MiB } });
  const { state, containers } = sameLabels(spec);
  containers[1]!.resources = { memory: 32 * MiB };
  containers[2]!.imageId = 'sha256:' + 'e'.repeat(64);
  const desired: ServiceSpec = { ...spec, env: { MODE: 'fast' } };
  const service = findService(state, 'web')!;
  const p = planRolling(state, service, service.id, desired);
  const expected = new Map(containers.map((c) => {
    const change = evalContainerSpecChange(runningSpecOf(c)!, desired);
    return [c.name, `${change.status === 'needs-update' ? 'update' : 'replace'}: ${change.changes.join(', ')}`];
  }));
  assert.deepEqual(reasons(p), expected);
  assert.notEqual(expected.get(containers[0]!.name), expected.get(containers[1]!.name));
  assert.notEqual(expected.get(containers[0]!.name), expected.get(containers[2]!.name));
});

test('a limit alone differing is an in-place update of that replica only; the others are up to date', () => {
  const spec = webSpec({ replicas: 3, resources: { memory: 64 * MiB } });
  const { state, containers } = sameLabels(spec);
  containers[1]!.resources = { memory: 32 * MiB };
  const service = findService(state, 'web')!;
  const p = planRolling(state, service, service.id, structuredClone(spec));
  assert.deepEqual([...reasons(p)], [[containers[1]!.name, 'update: resources.memory']]);
});

test('operations of replicas that share a change get their own list of reasons', () => {
  const spec = webSpec({ replicas: 3 });
  const { state } = sameLabels(spec);
  const service = findService(state, 'web')!;
  const p = planRolling(state, service, service.id, { ...spec, image: 'local/busybox:2' });
  const replaces = p.operations.filter((o) => o.kind === 'replace');
  assert.equal(replaces.length, 3);
  assert.deepEqual(replaces.map((o) => o.changes), [['image'], ['image'], ['image']]);
  assert.notEqual(replaces[0]!.changes, replaces[1]!.changes);
});

test('sealForPlan: equal labels are sealed alike; a label that differs under the same hash is sealed from its own values', () => {
  const spec = webSpec({ replicas: 3, env: { DB_PASSWORD: 'hunter2', MODE: 'slow' } });
  const { state, containers } = sameLabels(spec);
  containers[2]!.service!.spec = { ...structuredClone(spec), env: { DB_PASSWORD: 'other-secret', MODE: 'slow' } };
  const service = findService(state, 'web')!;
  const sealed = sealForPlan(state, service, structuredClone(spec), SecretKey.generate);
  const env = (c: ContainerState) => sealed.state.machines.flatMap((m) => m.containers).find((x) => x.id === c.id)!.service!.spec!.env!;
  assert.equal(env(containers[0]!).DB_PASSWORD, env(containers[1]!).DB_PASSWORD);
  assert.notEqual(env(containers[0]!).DB_PASSWORD, env(containers[2]!).DB_PASSWORD);
  assert.equal(env(containers[0]!).DB_PASSWORD, sealed.spec.env!.DB_PASSWORD, 'an unchanged value seals to the desired spec\'s token');
  assert.doesNotMatch(JSON.stringify(sealed.state), /hunter2|other-secret/);
  // The plan replaces only the replica whose secret differs.
  const p = planRolling(sealed.state, sealed.service, service.id, sealed.spec);
  assert.deepEqual([...reasons(p)], [[containers[2]!.name, 'replace: env']]);
});

test('findService by name gives what servicesOf gives for that name; by id, the service holding it', () => {
  const m1 = machine('m1');
  const m2 = machine('m2');
  const web = webSpec();
  container(m1, web, { created: '2026-01-02T00:00:00Z' });
  container(m2, web, { created: '2026-01-01T00:00:00Z', service: { id: 'older-id', name: 'web', mode: 'replicated', spec: web } });
  container(m2, webSpec({ name: 'api' }), { service: { id: 'api-id', name: 'api', mode: 'replicated', spec: webSpec({ name: 'api' }) } });
  const state = cluster(m1, m2);
  const expected = servicesOf(state).find((s) => s.name === 'web');
  assert.deepEqual(findService(state, 'web'), expected);
  assert.equal(findService(state, 'web')!.id, 'older-id');
  assert.deepEqual(findService(state, 'web')!.ids, ['older-id', SERVICE_ID]);
  assert.equal(findService(state, 'api-id')!.name, 'api');
  assert.equal(findService(state, SERVICE_ID)!.name, 'web');
  assert.equal(findService(state, 'nothing'), undefined);
});

test('nameResolver names the containers the state held when it was made, even when asked later', () => {
  const m1 = machine('m1');
  const first = container(m1, webSpec());
  const state = cluster(m1);
  const names = nameResolver(state);
  m1.containers.length = 0;
  const later = container(m1, webSpec());
  assert.equal(names.containerName(first.id), first.name);
  assert.equal(names.containerName(later.id), '');
  assert.equal(names.machineName('m1'), 'm1');
});
