// A state load parses each distinct spec label text once, so the replicas of a service share one
// spec object: planning must read it and never change it. The sealed service is gathered while the
// state is copied, instead of searched for again: it must be exactly what the search gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerFromListing, type ListedContainer, type SpecLabelCache } from '../../src/cluster/container-state.js';
import { specHash } from '../../src/model/canonical.js';
import { findService, LABEL, type ClusterState } from '../../src/model/cluster.js';
import { SecretKey } from '../../src/model/secret-key.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { planRolling } from '../../src/plan/rolling.js';
import { sealForPlan } from '../../src/plan/secret-seal.js';
import { cluster, container, machine, webSpec } from '../support/cluster-fixtures.js';

function listing(id: string, spec: ServiceSpec | string, name = 'web'): ListedContainer {
  const text = typeof spec === 'string' ? spec : JSON.stringify(spec);
  return {
    Id: id,
    Names: [`/${name}-${id}`],
    Image: 'local/busybox:1',
    Created: 1_700_000_000,
    State: 'running',
    Status: 'Up 3 minutes',
    Labels: {
      [LABEL.managed]: 'true',
      [LABEL.serviceId]: 'svc-1',
      [LABEL.serviceName]: name,
      [LABEL.serviceMode]: 'replicated',
      [LABEL.spec]: text,
      [LABEL.specHash]: typeof spec === 'string' ? 'h' : specHash(spec),
    },
  };
}

test('one load parses each distinct spec label once: equal texts share the spec, other texts and other loads do not', () => {
  const spec = webSpec({ replicas: 2 });
  const specs: SpecLabelCache = new Map();
  const a = containerFromListing(listing('a', spec), 'm1', specs);
  const b = containerFromListing(listing('b', spec), 'm2', specs);
  const other = containerFromListing(listing('c', { ...spec, image: 'local/busybox:2' }), 'm1', specs);
  assert.equal(a.service!.spec, b.service!.spec, 'equal label texts share one parsed spec');
  assert.deepEqual(a.service!.spec, spec);
  assert.notEqual(other.service!.spec, a.service!.spec);
  assert.equal(other.service!.spec!.image, 'local/busybox:2');
  assert.notEqual(a.service, b.service, 'each container has its own labels object');
  const alone = containerFromListing(listing('d', spec), 'm1');
  assert.notEqual(alone.service!.spec, a.service!.spec, 'without a cache each container parses its own');
  assert.deepEqual(alone.service!.spec, a.service!.spec);
  // A label that is not a spec reads as none, cached or not.
  const bad1 = containerFromListing(listing('e', '{not json'), 'm1', specs);
  const bad2 = containerFromListing(listing('f', '{not json'), 'm1', specs);
  assert.equal(bad1.service!.spec, undefined);
  assert.equal(bad2.service!.spec, undefined);
  assert.equal(specs.size, 3);
});

test('planning over containers that share one parsed label leaves that spec as it was', () => {
  const spec = webSpec({ replicas: 2, env: { DB_PASSWORD: 'hunter2', MODE: 'slow' }, secret_env: ['DB_PASSWORD'] });
  const specs: SpecLabelCache = new Map();
  const m1 = machine('m1');
  const m2 = machine('m2');
  m1.containers.push(containerFromListing(listing('a', spec), 'm1', specs));
  m2.containers.push(containerFromListing(listing('b', spec), 'm2', specs));
  const state: ClusterState = cluster(m1, m2);
  const shared = m1.containers[0]!.service!.spec!;
  assert.equal(m2.containers[0]!.service!.spec, shared);
  const before = structuredClone(shared);

  const service = findService(state, 'web')!;
  const sealed = sealForPlan(state, service, { ...structuredClone(spec), image: 'local/busybox:2' }, SecretKey.generate);
  const plan = planRolling(sealed.state, sealed.service, service.id, sealed.spec);
  assert.deepEqual(plan.operations.map((o) => o.kind), ['replace', 'replace']);
  assert.deepEqual(plan.changes.map((c) => c.field), ['image']);

  assert.equal(m1.containers[0]!.service!.spec, shared, 'the state still holds the shared object');
  assert.equal(m2.containers[0]!.service!.spec, shared);
  assert.deepEqual(shared, before, 'planning changed nothing in it');
  assert.equal(shared.env!.DB_PASSWORD, 'hunter2', 'sealing worked on copies');
  // The sealed state holds its own sealed copy, shared by the two replicas as well.
  const sealedSpecs = sealed.state.machines.flatMap((m) => m.containers).map((c) => c.service!.spec!);
  assert.notEqual(sealedSpecs[0], shared);
  assert.equal(sealedSpecs[0], sealedSpecs[1]);
  assert.notEqual(sealedSpecs[0]!.env!.DB_PASSWORD, 'hunter2');
});

test('sealForPlan gives the service as findService finds it in the sealed state', () => {
  const m1 = machine('m1');
  const m2 = machine('m2');
  const web = webSpec({ env: { API_TOKEN: 'abc123456' } });
  container(m1, web, { created: '2026-01-03T00:00:00Z' });
  container(m2, web, { created: '2026-01-01T00:00:00Z', service: { id: 'older-id', name: 'web', mode: 'replicated', spec: web } });
  container(m2, webSpec({ name: 'api' }), { service: { id: 'api-id', name: 'api', mode: 'replicated', spec: webSpec({ name: 'api' }) } });
  container(m1, web, { created: '2026-01-02T00:00:00Z' });
  const state = cluster(m1, m2);
  for (const name of ['web', 'api']) {
    const service = findService(state, name)!;
    const sealed = sealForPlan(state, service, structuredClone(service.containers[0]!.service!.spec!), SecretKey.generate);
    assert.deepEqual(sealed.service, findService(sealed.state, name));
    for (const c of sealed.service!.containers) assert.ok(sealed.state.machines.some((m) => m.containers.includes(c)), 'its containers are those of the sealed state');
  }
  const web2 = sealForPlan(state, findService(state, 'web')!, structuredClone(web), SecretKey.generate).service!;
  assert.equal(web2.id, 'older-id', 'the oldest container\'s id');
  assert.equal(web2.ids.length, 2);
  assert.deepEqual(web2.containers.map((c) => c.created), ['2026-01-03T00:00:00Z', '2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z'], 'in state order');
});
