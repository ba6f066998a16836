import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceState } from '../../src/model/cluster.js';
import { findService } from '../../src/model/cluster.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { formatOperation } from '../../src/plan/operations.js';
import type { Plan } from '../../src/plan/plan.js';
import { formatPlan, nameResolver, planToJson, summaryLine } from '../../src/plan/plan.js';
import { PlanError } from '../../src/plan/plan-error.js';
import { planRolling } from '../../src/plan/rolling.js';
import { currentSpecOf } from '../../src/plan/current-spec.js';
import { SERVICE_ID, cluster, container, machine, webSpec } from '../support/cluster-fixtures.js';
import type { ClusterState } from '../../src/model/cluster.js';

function plan(state: ClusterState, spec: ServiceSpec, opts = {}): Plan {
  const service: ServiceState | undefined = findService(state, spec.name!);
  return planRolling(state, service, service?.id ?? SERVICE_ID, spec, opts);
}

/** "kind@machine" for every operation, in order. */
function shape(p: Plan, state: ClusterState): string[] {
  const names = nameResolver(state);
  return p.operations.map((o) => `${o.kind}@${names.machineName(o.machineId)}`);
}

test('replicated: a new service spreads its replicas across machines', () => {
  const state = cluster(machine('m1'), machine('m2'), machine('m3'));
  const p = plan(state, webSpec({ replicas: 3 }));
  assert.deepEqual(shape(p, state), ['run@m1', 'run@m2', 'run@m3']);
  assert.equal(p.isNew, true);
  assert.equal(summaryLine(p), '3 create · across 3 machines');
});

test('replicated: new replicas go to the emptiest machines', () => {
  const m1 = machine('m1');
  const m2 = machine('m2');
  const m3 = machine('m3');
  container(m1, webSpec({ name: 'other' }), { service: undefined });
  container(m2, webSpec({ name: 'other' }), { service: undefined });
  const state = cluster(m1, m2, m3);
  assert.deepEqual(shape(plan(state, webSpec({ replicas: 1 })), state), ['run@m3']);
});

test('replicated: scale 2 -> 3 keeps both and runs one', () => {
  const spec = webSpec({ replicas: 2 });
  const m1 = machine('m1'), m2 = machine('m2'), m3 = machine('m3');
  container(m1, spec);
  container(m3, spec);
  const state = cluster(m1, m2, m3);
  const p = plan(state, { ...spec, replicas: 3 });
  assert.deepEqual(shape(p, state), ['run@m2']);
  assert.equal(p.isNew, false);
});

test('replicated: scale 3 -> 2 removes one', () => {
  const spec = webSpec({ replicas: 3 });
  const m1 = machine('m1'), m2 = machine('m2'), m3 = machine('m3');
  container(m1, spec); container(m2, spec); container(m3, spec);
  const state = cluster(m1, m2, m3);
  const p = plan(state, { ...spec, replicas: 2 });
  assert.deepEqual(shape(p, state), ['remove@m3']);
  assert.match(formatPlan(p, nameResolver(state)), /- remove container web-\w+ on m3 \(scaled to 2 replicas\)/);
});

test('replicated: a spec change replaces in place on the same machines', () => {
  const spec = webSpec({ replicas: 2 });
  const m1 = machine('m1'), m2 = machine('m2'), m3 = machine('m3');
  const a = container(m1, spec);
  const b = container(m3, spec);
  const state = cluster(m1, m2, m3);
  const p = plan(state, { ...spec, image: 'local/busybox:2' });
  assert.deepEqual(shape(p, state), ['replace@m1', 'replace@m3']);
  const replaced = p.operations.map((o) => (o.kind === 'replace' ? o.old.id : ''));
  assert.deepEqual(replaced.sort(), [a.id, b.id].sort());
  const op = p.operations[0];
  assert.equal(formatOperation(op, nameResolver(state)), `+/- replace container ${a.name} on m1 (image changed)`);
});

test('replicated: an unchanged, balanced service plans zero operations', () => {
  const spec = webSpec({ replicas: 3 });
  const m1 = machine('m1'), m2 = machine('m2'), m3 = machine('m3');
  container(m1, spec); container(m2, spec); container(m3, spec);
  const state = cluster(m1, m2, m3);
  const p = plan(state, structuredClone(spec));
  assert.deepEqual(p.operations, []);
  assert.match(formatPlan(p, nameResolver(state)), /service web is up to date: no changes/);
});

test('replicated: unbalanced replicas are rebalanced onto the empty machine', () => {
  const spec = webSpec({ replicas: 3 });
  const m1 = machine('m1'), m2 = machine('m2'), m3 = machine('m3');
  container(m1, spec); container(m1, spec); container(m2, spec);
  const state = cluster(m1, m2, m3);
  assert.deepEqual(shape(plan(state, spec), state), ['run@m3', 'remove@m1']);
});

test('replicated: only resources changed updates in place', () => {
  const spec = webSpec({ replicas: 1, resources: { memory: 64 << 20 } });
  const m1 = machine('m1');
  container(m1, spec);
  const state = cluster(m1);
  const p = plan(state, { ...spec, resources: { memory: 128 << 20 } });
  assert.deepEqual(shape(p, state), ['update@m1']);
  assert.equal(planToJson(p, nameResolver(state)).summary.update, 1);
});

test('replicated: limits already applied in place count as up to date', () => {
  const old = webSpec({ replicas: 1, resources: { memory: 64 << 20 } });
  const m1 = machine('m1');
  container(m1, old, { resources: { memory: 128 << 20 } });
  const state = cluster(m1);
  assert.deepEqual(plan(state, { ...old, resources: { memory: 128 << 20 } }).operations, []);
});

test('replicated: force recreate replaces up-to-date containers', () => {
  const spec = webSpec({ replicas: 1 });
  const m1 = machine('m1');
  container(m1, spec);
  const state = cluster(m1);
  assert.deepEqual(shape(plan(state, spec, { forceRecreate: true }), state), ['replace@m1']);
});

test('replicated: stale stopped containers are removed after the runs', () => {
  const spec = webSpec({ replicas: 1 });
  const m1 = machine('m1');
  container(m1, spec, { state: 'exited', exitCode: 1 });
  const state = cluster(m1);
  const p = plan(state, spec);
  assert.deepEqual(shape(p, state), ['run@m1', 'remove@m1']);
  assert.match(formatPlan(p, nameResolver(state)), /stale: exited \(exit code 1\)/);
});

test('placement: narrowing moves only what must move; a container whose machine is still allowed stays', () => {
  const spec = webSpec({ replicas: 2 });
  const m1 = machine('m1'), m2 = machine('m2'), m3 = machine('m3');
  container(m1, spec); container(m2, spec);
  const state = cluster(m1, m2, m3);
  const p = plan(state, { ...spec, placement: { machines: ['m2', 'm3'] } });
  assert.deepEqual(shape(p, state), ['run@m3', 'remove@m1']);
  assert.match(formatPlan(p, nameResolver(state)), /remove container web-\w+ on m1 \(m1 is no longer eligible: not in placement.machines \[m2, m3\]\)/);
});

test('placement: widening changes nothing; containers on allowed machines stay', () => {
  const spec = webSpec({ replicas: 2, placement: { machines: ['m2', 'm3'] } });
  const m1 = machine('m1'), m2 = machine('m2'), m3 = machine('m3');
  container(m2, spec); container(m3, spec);
  const state = cluster(m1, m2, m3);
  const p = plan(state, { ...spec, placement: { machines: ['m1', 'm2', 'm3'] } });
  assert.deepEqual(p.operations, []);
  assert.deepEqual(p.changes.map((c) => `${c.field} ${c.effect}`), ['placement.machines scheduling']);
});

test('placement by engine ID works like by name', () => {
  const state = cluster(machine('m1'), machine('m2'));
  assert.deepEqual(shape(plan(state, webSpec({ replicas: 2, placement: { machines: ['engine-m2'] } })), state), ['run@m2', 'run@m2']);
});

test('no eligible machine: the error names each machine and the constraint that excluded it', () => {
  const state = cluster(machine('m1', { status: 'down', downReason: 'connection refused' }), machine('m2'));
  assert.throws(() => plan(state, webSpec({ placement: { machines: ['m1'] } })), (e: unknown) => {
    assert.ok(e instanceof PlanError);
    assert.equal(e.message, 'no machine can run service web:\n  m1: down (connection refused)\n  m2: not in placement.machines [m1]');
    return true;
  });
});

test('a down machine is named in the plan with what cannot be seen there; a replica that may run there is not started elsewhere', () => {
  const spec = webSpec({ replicas: 2 });
  const m1 = machine('m1'), m2 = machine('m2');
  container(m1, spec);
  const m3 = machine('m3', { status: 'down', downReason: 'connection refused' });
  const state = cluster(m1, m2, m3);
  const p = plan(state, spec);
  assert.deepEqual(shape(p, state), []);
  const text = formatPlan(p, nameResolver(state));
  assert.match(text, /m3 is down \(connection refused\): its containers cannot be seen and are not changed/);
  assert.match(text, /1 replica of web may be on m3 \(down\) and cannot be seen: not started elsewhere/);
  assert.deepEqual(planToJson(p, nameResolver(state)).unreachable, [{ machine: { id: 'm3', name: 'm3' }, reason: 'connection refused' }]);
  // forced, it is started elsewhere
  assert.deepEqual(shape(plan(state, spec, { ignoreDown: true }), state), ['run@m2']);
  // growth beyond the last deployed count is started anyway
  assert.deepEqual(shape(plan(state, { ...spec, replicas: 3 }), state), ['run@m2']);
});

test('global: one container per eligible machine', () => {
  const state = cluster(machine('m1'), machine('m2'), machine('m3', { status: 'down', downReason: 'timed out' }));
  const p = plan(state, webSpec({ name: 'agent', mode: 'global', replicas: undefined }));
  assert.deepEqual(shape(p, state), ['run@m1', 'run@m2']);
});

test('global: keeps an up-to-date container and removes extras', () => {
  const spec = webSpec({ name: 'agent', mode: 'global' });
  const m1 = machine('m1'), m2 = machine('m2');
  container(m1, spec); container(m1, spec); container(m2, spec);
  const state = cluster(m1, m2);
  const p = plan(state, spec);
  assert.deepEqual(shape(p, state), ['remove@m1']);
  assert.match(formatPlan(p, nameResolver(state)), /global service: one container per machine/);
});

test('global: an extra holding the new host port is stopped before the replace', () => {
  const port = { mode: 'host' as const, published: 8080, container: 80, protocol: 'tcp' as const };
  const old = webSpec({ name: 'agent', mode: 'global', ports: [port] });
  const m1 = machine('m1');
  container(m1, old);
  container(m1, { ...old, ports: [] }, { hostPorts: [{ host_ip: '0.0.0.0', published: 8080, protocol: 'tcp' }] });
  const state = cluster(m1);
  const p = plan(state, { ...old, image: 'local/busybox:2' });
  assert.deepEqual(shape(p, state), ['stop@m1', 'replace@m1', 'remove@m1']);
  const text = formatPlan(p, nameResolver(state));
  assert.match(text, /! stop container agent-\w+ on m1 \(holds host port 8080\/tcp the new container needs\)/);
  assert.match(text, /-\/\+ replace container agent-\w+ on m1 \(image changed; stop-first: host port 8080\/tcp is held by the old container\)/);
});

test('global: containers on machines no longer eligible are removed', () => {
  const spec = webSpec({ name: 'agent', mode: 'global' });
  const m1 = machine('m1'), m2 = machine('m2');
  container(m1, spec); container(m2, spec);
  const state = cluster(m1, m2);
  const p = plan(state, { ...spec, placement: { machines: ['m1'] } });
  assert.deepEqual(shape(p, state), ['remove@m2']);
});

test('update order: explicit order wins over the automatic rules', () => {
  const spec = webSpec({ replicas: 3, update: { order: 'stop-first' } });
  const m1 = machine('m1');
  container(m1, spec);
  const state = cluster(m1);
  const op = plan(state, { ...spec, image: 'x:2', replicas: 1 }).operations[0];
  assert.equal(op.kind === 'replace' && `${op.order}: ${op.orderReason}`, 'stop-first: set in update.order');
});

test('update order: a host-port clash forces stop-first', () => {
  const spec = webSpec({ replicas: 2, ports: [{ mode: 'host', published: 8080, container: 8080, protocol: 'tcp' }] });
  const m1 = machine('m1');
  container(m1, spec);
  const state = cluster(m1);
  const op = plan(state, { ...spec, image: 'x:2', replicas: 1 }).operations[0];
  assert.equal(op.kind === 'replace' && op.order, 'stop-first');
});

test('update order: explicit start-first with a host-port clash warns', () => {
  const spec = webSpec({ replicas: 1, update: { order: 'start-first' }, ports: [{ mode: 'host', published: 8080, container: 8080, protocol: 'tcp' }] });
  const m1 = machine('m1');
  container(m1, spec);
  const p = plan(cluster(m1), { ...spec, image: 'x:2' });
  assert.match(p.warnings.join('\n'), /holds host port 8080\/tcp/);
});

test('update order: one replica with a named volume is stop-first; two replicas start-first', () => {
  const volumes = { volumes: [{ name: 'data', type: 'volume' as const }], mounts: [{ volume: 'data', path: '/data' }] };
  const one = webSpec({ replicas: 1, ...volumes });
  const m1 = machine('m1', { volumes: [{ name: 'data', driver: 'local' }] });
  container(m1, one);
  const op = plan(cluster(m1), { ...one, image: 'x:2' }).operations[0];
  assert.equal(op.kind === 'replace' && `${op.order}: ${op.orderReason}`, 'stop-first: one writer per named volume data');

  const two = webSpec({ replicas: 2, ...volumes });
  const m2 = machine('m1', { volumes: [{ name: 'data', driver: 'local' }] });
  container(m2, two); container(m2, two);
  const ops = plan(cluster(m2), { ...two, image: 'x:2' }).operations;
  assert.deepEqual(ops.map((o) => o.kind === 'replace' && o.order), ['start-first', 'start-first']);
});

test('update order: no clash and no volume is start-first', () => {
  const spec = webSpec({ replicas: 1 });
  const m1 = machine('m1');
  container(m1, spec);
  const op = plan(cluster(m1), { ...spec, image: 'x:2' }).operations[0];
  assert.equal(op.kind === 'replace' && op.order, 'start-first');
});

const withVolume = (replicas: number, mode: 'replicated' | 'global' = 'replicated') =>
  webSpec({ name: 'db', mode, replicas, volumes: [{ name: 'data', type: 'volume' }], mounts: [{ volume: 'data', path: '/data' }] });

test('volumes: a missing volume is created on one machine (first by id) and replicas follow it', () => {
  const state = cluster(machine('m2'), machine('m1'), machine('m3'));
  const p = plan(state, withVolume(2));
  assert.deepEqual(shape(p, state), ['create-volume@m1', 'run@m1', 'run@m1']);
  assert.match(formatPlan(p, nameResolver(state)), /\+ create volume data on m1/);
});

test('volumes: an existing volume pins the service to the machine holding it', () => {
  const state = cluster(machine('m1'), machine('m2', { volumes: [{ name: 'data', driver: 'local' }] }));
  assert.deepEqual(shape(plan(state, withVolume(1)), state), ['run@m2']);
});

test('volumes: global services get the volume on every eligible machine that lacks it', () => {
  const state = cluster(machine('m1'), machine('m2', { volumes: [{ name: 'data', driver: 'local' }] }), machine('m3'));
  assert.deepEqual(shape(plan(state, withVolume(1, 'global')), state), ['create-volume@m1', 'create-volume@m3', 'run@m1', 'run@m2', 'run@m3']);
});

test('volumes: two volumes on different machines cannot be co-located: the error says where each is', () => {
  const spec = webSpec({
    name: 'db', replicas: 1,
    volumes: [{ name: 'a', type: 'volume' }, { name: 'b', type: 'volume' }],
    mounts: [{ volume: 'a', path: '/a' }, { volume: 'b', path: '/b' }],
  });
  const state = cluster(machine('m1', { volumes: [{ name: 'a', driver: 'local' }] }), machine('m2', { volumes: [{ name: 'b', driver: 'local' }] }));
  assert.throws(() => plan(state, spec), /no machine holds all volumes of service db: a on m1; b on m2/);
});

test('volumes: a bind or tmpfs volume does not constrain placement', () => {
  const spec = webSpec({ replicas: 2, volumes: [{ name: 't', type: 'tmpfs' }], mounts: [{ volume: 't', path: '/t' }] });
  const state = cluster(machine('m1'), machine('m2'));
  assert.deepEqual(shape(plan(state, spec), state), ['run@m1', 'run@m2']);
});

test('the plan is plain data: it survives a JSON round trip unchanged', () => {
  const state = cluster(machine('m1'), machine('m2'));
  const p = plan(state, withVolume(1));
  assert.deepEqual(JSON.parse(JSON.stringify(p)), p);
});

test('the fingerprint changes when what the plan saw changes', () => {
  const spec = webSpec({ replicas: 1 });
  const m1 = machine('m1');
  const c = container(m1, spec);
  const state = cluster(m1, machine('m2'));
  const before = plan(state, spec).fingerprint;
  assert.equal(plan(state, spec).fingerprint, before);
  c.state = 'exited';
  assert.notEqual(plan(state, spec).fingerprint, before);
});

test('after a scale-down the current spec counts the containers, not the stale label', async () => {
  const { currentSpecOf, desiredReplicas } = await import('../../src/plan/current-spec.js');
  const spec = webSpec({ replicas: 3 });
  const m1 = machine('m1'), m2 = machine('m2');
  container(m1, spec); container(m2, spec);
  const state = cluster(m1, m2);
  const service = findService(state, 'web')!;
  assert.equal(currentSpecOf(service, state)?.replicas, 2);
  assert.equal(desiredReplicas(service, state), 2);
  assert.equal(currentSpecOf(service, state)?.image, spec.image);
});

test('while a machine is down the last deployed replica count stands', async () => {
  const { desiredReplicas } = await import('../../src/plan/current-spec.js');
  const spec = webSpec({ replicas: 3 });
  const m1 = machine('m1'), m2 = machine('m2');
  container(m1, spec); container(m2, spec);
  const state = cluster(m1, m2, machine('m3', { status: 'down', downReason: 'connection refused' }));
  assert.equal(desiredReplicas(findService(state, 'web')!, state), 3);
});

test('after a deploy that failed, what runs is the base: the kept, stopped new container is newer but neither the current spec nor the diff\'s start', () => {
  const v2 = webSpec({ replicas: 2, env: { VERSION: 'v2' } });
  const v3 = webSpec({ replicas: 2, env: { VERSION: 'v3' }, healthcheck: { test: ['CMD-SHELL', 'false'] } });
  const m1 = machine('m1');
  const m2 = machine('m2');
  container(m1, v2);
  container(m2, v2);
  // The failed v3 replica, created last, kept stopped for inspection.
  container(m1, v3, { state: 'exited', exitCode: 137 });
  const state = cluster(m1, m2);
  const service = findService(state, 'web')!;
  assert.equal(currentSpecOf(service, state)?.env?.VERSION, 'v2');
  assert.equal(currentSpecOf(service, state)?.healthcheck, undefined);
  const text = formatPlan(plan(state, webSpec({ replicas: 2, env: { VERSION: 'v4' } })), nameResolver(state));
  assert.match(text, /env\.VERSION: v2 -> v4/);
  assert.doesNotMatch(text, /v3|healthcheck/, text);
  // With nothing active, the newest label is still the best word on the service.
  for (const c of [...m1.containers, ...m2.containers]) c.state = 'exited';
  assert.equal(currentSpecOf(service, state)?.env?.VERSION, 'v3');
});
