// Scheduling rules of the rolling planner that keep a deploy from making things worse: host ports
// that cannot fit, machines that are down, volumes whose options cannot change, one name = one service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterState, ServiceState } from '../../src/model/cluster.js';
import { findService } from '../../src/model/cluster.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import type { Plan } from '../../src/plan/plan.js';
import { formatPlan, nameResolver, summarize, summaryLine } from '../../src/plan/plan.js';
import { planRemoval } from '../../src/plan/removal.js';
import { PlanError } from '../../src/plan/plan-error.js';
import { planRolling, type RollingOptions } from '../../src/plan/rolling.js';
import { summarizeService } from '../../src/plan/service-summary.js';
import { SERVICE_ID, cluster, container, machine, webSpec } from '../support/cluster-fixtures.js';

function plan(state: ClusterState, spec: ServiceSpec, opts: RollingOptions = {}): Plan {
  const service: ServiceState | undefined = findService(state, spec.name!);
  return planRolling(state, service, service?.id ?? SERVICE_ID, spec, opts);
}

function shape(p: Plan, state: ClusterState): string[] {
  const names = nameResolver(state);
  return p.operations.map((o) => `${o.kind}@${names.machineName(o.machineId)}`);
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof PlanError, `expected a PlanError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('expected the plan to be refused');
}

const hostPort = { mode: 'host' as const, published: 18080, container: 8080, protocol: 'tcp' as const };

// ---- host ports ----------------------------------------------------------------------------------

test('host ports: two replicas pinned to one machine are refused, naming the machine and the port', () => {
  const state = cluster(machine('m1'), machine('m2'));
  const message = refusal(() => plan(state, webSpec({ replicas: 2, placement: { machines: ['m1'] }, ports: [hostPort] })));
  assert.match(message, /2 replicas need 2 machines, since host port 18080\/tcp can be bound once per machine, but only m1 is eligible/);
  assert.match(message, /m2 \(not in placement.machines \[m1\]\)/);
});

test('host ports: replicas spread one per machine when machines allow', () => {
  const state = cluster(machine('m1'), machine('m2'), machine('m3'));
  assert.deepEqual(shape(plan(state, webSpec({ replicas: 3, ports: [hostPort] })), state), ['run@m1', 'run@m2', 'run@m3']);
});

test('host ports: a machine where another container holds the port is not eligible, and the plan says why', () => {
  const m1 = machine('m1'), m2 = machine('m2');
  container(m1, webSpec({ name: 'intruder' }), { service: undefined, name: 'intruder', hostPorts: [{ host_ip: '0.0.0.0', published: 18080, protocol: 'tcp' }] });
  const state = cluster(m1, m2);
  const p = plan(state, webSpec({ replicas: 1, ports: [hostPort] }));
  assert.deepEqual(shape(p, state), ['run@m2']);
  assert.ok(p.warnings.includes('m1 cannot run web: host port 18080/tcp is held by container intruder'), p.warnings.join('\n'));
});

test('host ports: ports without a fixed published port do not limit replicas per machine', () => {
  const state = cluster(machine('m1'));
  const ephemeral = { mode: 'host' as const, container: 8080, protocol: 'tcp' as const };
  assert.deepEqual(shape(plan(state, webSpec({ replicas: 2, ports: [ephemeral] })), state), ['run@m1', 'run@m1']);
});

// ---- machines that are down ------------------------------------------------------------------------

test('a service none of whose containers can be seen is not created while a machine is down', () => {
  const state = cluster(machine('m1'), machine('m2', { status: 'down', downReason: 'connection refused' }));
  const spec = webSpec({ replicas: 1, volumes: [{ name: 'data', type: 'volume' }], mounts: [{ volume: 'data', path: '/data' }] });
  const message = refusal(() => plan(state, spec));
  assert.match(message, /^m2 is down, and service web may already run there/);
  assert.match(message, /a second copy, with a new, empty volume data/);
  assert.match(message, /--ignore-down/);
  assert.deepEqual(shape(plan(state, spec, { ignoreDown: true }), state), ['create-volume@m1', 'run@m1']);
});

test('a global service is created on the machines that are up: a machine that is down gets its own when it returns', () => {
  const state = cluster(machine('m1'), machine('m2', { status: 'down' }));
  assert.deepEqual(shape(plan(state, webSpec({ name: 'agent', mode: 'global' })), state), ['run@m1']);
});

test('a volume missing on every machine that is up is not created while a machine that may hold it is down', () => {
  const spec = webSpec({ replicas: 1 });
  const m1 = machine('m1');
  container(m1, spec);
  const state = cluster(m1, machine('m2', { status: 'down' }));
  const withVolume = { ...spec, volumes: [{ name: 'data', type: 'volume' as const }], mounts: [{ volume: 'data', path: '/data' }] };
  assert.match(refusal(() => plan(state, withVolume)), /volume data of service web is on no machine that is up, and m2 is down and may hold it/);
});

test('removing a service while a machine is down removes what can be seen and says what stays', () => {
  const spec = webSpec({ replicas: 2 });
  const m1 = machine('m1');
  container(m1, spec);
  const state = cluster(m1, machine('m2', { status: 'down' }));
  const p = planRemoval(state, findService(state, 'web')!);
  assert.deepEqual(shape(p, state), ['remove@m1']);
  assert.match(p.warnings[0]!, /containers of web on m2 cannot be seen and will stay/);
});

// ---- volumes keep their options ---------------------------------------------------------------------

test('volume options: an existing volume keeps its own, the plan names the volume and the machine, and nothing is replaced', () => {
  const spec = (size: string): ServiceSpec => webSpec({
    replicas: 1,
    volumes: [{ name: 'data', type: 'volume', driver_opts: { type: 'tmpfs', device: 'tmpfs', o: size } }],
    mounts: [{ volume: 'data', path: '/data' }],
  });
  const m1 = machine('m1', { volumes: [{ name: 'data', driver: 'local', options: { type: 'tmpfs', device: 'tmpfs', o: 'size=10m' } }] });
  container(m1, spec('size=10m'));
  const state = cluster(m1, machine('m2'));
  const p = plan(state, spec('size=20m'));
  assert.deepEqual(p.operations, []);
  assert.deepEqual(p.warnings, [
    "volume data on m1 keeps its options (device=tmpfs, o=size=10m, type=tmpfs), not the spec's (device=tmpfs, o=size=20m, type=tmpfs): " +
      'Docker never changes an existing volume and a deploy never removes one; to use new options, mount a volume under a new name and move the data',
  ]);
  assert.deepEqual(p.changes.map((c) => `${c.field} ${c.effect}`), ['volumes.data.driver_opts.o volume']);
});

test('volume options that hold a secret are masked in the warning', () => {
  const spec = webSpec({ replicas: 1, volumes: [{ name: 'share', type: 'volume', driver_opts: { type: 'cifs', o: 'username=svc,password=new-secret' } }], mounts: [{ volume: 'share', path: '/s' }] });
  const m1 = machine('m1', { volumes: [{ name: 'share', driver: 'local', options: { type: 'cifs', o: 'username=svc,password=old-secret' } }] });
  container(m1, spec);
  const p = plan(cluster(m1), spec);
  assert.equal(p.warnings.length, 1);
  assert.doesNotMatch(p.warnings[0]!, /secret/);
  assert.match(p.warnings[0]!, /o=username=svc,password=••••••/);
});

// ---- one name is one service ----------------------------------------------------------------------------

test('one name under two service ids is one service: counted together, shown as a duplicate, removed together', () => {
  const spec = webSpec({ replicas: 1 });
  const m1 = machine('m1'), m2 = machine('m2');
  const first = container(m1, spec);
  container(m2, spec, { service: { id: 'svc-second', name: 'web', mode: 'replicated', spec, specHash: 'h' } });
  const state = cluster(m1, m2);
  const service = findService(state, 'web')!;
  assert.deepEqual(service.ids, [SERVICE_ID, 'svc-second']);
  assert.equal(service.containers.length, 2);
  assert.equal(service.id, first.service!.id);
  const p = plan(state, spec);
  assert.deepEqual(shape(p, state), ['remove@m2'], 'replicas 1: the second copy is surplus');
  assert.match(p.warnings.join('\n'), /service web exists under 2 service ids/);
  assert.deepEqual(shape(planRemoval(state, service), state), ['remove@m1', 'remove@m2']);
  assert.deepEqual(summarizeService(service, state).duplicateIds, ['svc-second']);
});

// ---- one summary ------------------------------------------------------------------------------------

test('the summary counts every kind of operation, stops included', () => {
  const port = { mode: 'host' as const, published: 8080, container: 80, protocol: 'tcp' as const };
  const old = webSpec({ name: 'agent', mode: 'global', ports: [port] });
  const m1 = machine('m1');
  container(m1, old);
  container(m1, { ...old, ports: [] }, { hostPorts: [{ host_ip: '0.0.0.0', published: 8080, protocol: 'tcp' }] });
  const state = cluster(m1);
  const p = plan(state, { ...old, image: 'local/busybox:2' });
  assert.deepEqual(summarize(p), { create: 0, replace: 1, update: 0, stop: 1, remove: 1, machines: 1 });
  assert.equal(summaryLine(p), '1 replace · 1 stop · 1 remove · across 1 machine');
  assert.match(formatPlan(p, nameResolver(state)), /1 replace · 1 stop · 1 remove · across 1 machine$/);
});

test('a global service with placement on 2 of 3 machines wants 2, the same for every face', () => {
  const spec = webSpec({ name: 'agent', mode: 'global', placement: { machines: ['m1', 'm2'] } });
  const m1 = machine('m1'), m2 = machine('m2');
  container(m1, spec); container(m2, spec);
  const state = cluster(m1, m2, machine('m3'));
  const s = summarizeService(findService(state, 'agent')!, state);
  assert.deepEqual({ running: s.running, desired: s.desired }, { running: 2, desired: 2 });
});

test('desired replicas: stopped containers kept after a failed deploy do not count; two ids over one replica show as surplus', () => {
  const spec = webSpec({ replicas: 1 });
  const m1 = machine('m1'), m2 = machine('m2');
  container(m1, spec);
  container(m1, { ...spec, env: { V: '2' } }, { state: 'exited', exitCode: 1 });
  container(m1, { ...spec, env: { V: '2' } }, { state: 'exited', exitCode: 1 });
  const state = cluster(m1, m2);
  assert.deepEqual(pick(summarizeService(findService(state, 'web')!, state)), { running: 1, desired: 1 }, 'kept failures are not wanted replicas');
  container(m2, spec, { service: { id: 'svc-other', name: 'web', mode: 'replicated', spec, specHash: 'h' } });
  assert.deepEqual(pick(summarizeService(findService(state, 'web')!, state)), { running: 2, desired: 1 }, 'a duplicate is surplus');
});

test('health words name containers made ahead of their start as created, not stopped', () => {
  const spec = webSpec({ replicas: 3, healthcheck: { test: ['CMD', 'true'], interval: 500 } });
  const m1 = machine('m1');
  container(m1, spec, { health: 'healthy' });
  container(m1, spec, { health: 'starting' });
  container(m1, { ...spec, env: { V: '2' } }, { state: 'created' });
  container(m1, spec, { state: 'exited', exitCode: 143 });
  container(m1, spec, { state: 'dead' });
  container(m1, spec, { state: 'restarting', exitCode: 1 });
  const state = cluster(m1);
  assert.equal(summarizeService(findService(state, 'web')!, state).health, '1 starting, 1 healthy, 1 created, 1 restarting, 2 stopped');
});

test('desired replicas: after a scale-down the survivors\' old label does not inflate the count; a crash loop still counts', () => {
  const three = webSpec({ replicas: 3 });
  const m1 = machine('m1');
  container(m1, three);
  const state = cluster(m1);
  assert.deepEqual(pick(summarizeService(findService(state, 'web')!, state)), { running: 1, desired: 1 });
  container(m1, three, { state: 'restarting', exitCode: 1 });
  assert.deepEqual(pick(summarizeService(findService(state, 'web')!, state)), { running: 1, desired: 2 });
});

test('after a scale-down, a plan\'s diff starts from the containers\' count, not the survivors\' labels', () => {
  const five = webSpec({ replicas: 5 });
  const m1 = machine('m1');
  for (let i = 0; i < 3; i++) container(m1, five);
  const state = cluster(m1);
  const p = plan(state, { ...five, replicas: 3, env: { V: '3' } });
  assert.deepEqual(p.changes.map((c) => c.field), ['env.V'], JSON.stringify(p.changes));
  // The count itself changed: 3 -> 4.
  assert.deepEqual(plan(state, { ...five, replicas: 4 }).changes.map((c) => [c.field, c.old, c.new]), [['replicas', '3', '4']]);
});

test('desired replicas: a new service whose only container failed still wants its replicas', () => {
  const spec = webSpec({ replicas: 2 });
  const m1 = machine('m1');
  container(m1, spec, { state: 'exited', exitCode: 1 });
  const state = cluster(m1);
  assert.deepEqual(pick(summarizeService(findService(state, 'web')!, state)), { running: 0, desired: 2 });
});

test('one engine listed twice: the alias is down, but nothing on it is unseen, so new services are not refused', () => {
  const state = cluster(machine('m1'), machine('m1b', { status: 'down', downReason: 'same engine', sameEngineAs: 'm1' }), machine('m2'));
  const p = plan(state, webSpec({ replicas: 2 }));
  assert.deepEqual(shape(p, state), ['run@m1', 'run@m2']);
  assert.deepEqual(p.unseen, []);
  // but an alias of a machine that is itself down hides what that engine holds
  const both = cluster(machine('m1', { status: 'down' }), machine('m1b', { status: 'down', sameEngineAs: 'm1' }), machine('m2'));
  assert.match(refusal(() => plan(both, webSpec({ replicas: 1 }))), /m1, m1b are down/);
});

function pick(s: { running: number; desired: number }) {
  return { running: s.running, desired: s.desired };
}
