// The stale check's reading of container states: a crash loop's running <-> restarting is no change
// (the planner treats both alike), any other state change is, in the states' own words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { ClusterState, ContainerRunState, ServiceState } from '../../src/model/cluster.js';
import { findService } from '../../src/model/cluster.js';
import { canonicalJson } from '../../src/model/canonical.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { fingerprint, observationChanges, observe, type Observation } from '../../src/plan/observed.js';
import type { Plan } from '../../src/plan/plan.js';
import { nameResolver } from '../../src/plan/plan.js';
import { planRolling } from '../../src/plan/rolling.js';
import { parsePlanFile, savePlan } from '../../src/store/plan-file.js';
import { SERVICE_ID, cluster, container, machine, webSpec } from '../support/cluster-fixtures.js';

/** A service of two replicas on m1 and m2, the first seen in `state`, and what a plan would see of it. */
function seen(state: ContainerRunState, spec: ServiceSpec = webSpec()): { cluster: ClusterState; observation: Observation } {
  const m1 = machine('m1');
  const m2 = machine('m2');
  container(m1, spec, { id: 'a'.repeat(64), name: 'web-aaaa', state, created: '2026-01-01T00:00:01Z' });
  container(m2, spec, { id: 'b'.repeat(64), name: 'web-bbbb', created: '2026-01-01T00:00:02Z' });
  // The same labels whatever the state, so that only the state differs between two observations.
  for (const m of [m1, m2]) for (const c of m.containers) c.service = { ...c.service!, specHash: 'h-web' };
  const whole = cluster(m1, m2);
  return { cluster: whole, observation: observe(whole, findService(whole, 'web'), spec) };
}

function planOf(state: ClusterState, spec: ServiceSpec): Plan {
  const service: ServiceState | undefined = findService(state, spec.name!);
  return planRolling(state, service, service?.id ?? SERVICE_ID, spec);
}

test('a crash loop flipping running <-> restarting does not make a plan stale, either way', () => {
  const running = seen('running').observation;
  const restarting = seen('restarting').observation;
  assert.notDeepEqual(running, restarting, 'the observations keep the real states');
  assert.deepEqual(observationChanges(running, restarting), []);
  assert.deepEqual(observationChanges(restarting, running), []);
});

test('running -> exited makes a plan stale, in the real states\' words', () => {
  assert.deepEqual(observationChanges(seen('running').observation, seen('exited').observation), ['container web-aaaa on m1 was running, now exited']);
  assert.deepEqual(observationChanges(seen('restarting').observation, seen('exited').observation), ['container web-aaaa on m1 was restarting, now exited']);
  assert.deepEqual(observationChanges(seen('exited').observation, seen('restarting').observation), ['container web-aaaa on m1 was exited, now restarting']);
});

test('states the planner removes stay apart from running and from each other', () => {
  for (const [from, to] of [['running', 'paused'], ['restarting', 'paused'], ['running', 'created'], ['exited', 'dead'], ['created', 'exited']] as const) {
    assert.deepEqual(observationChanges(seen(from).observation, seen(to).observation), [`container web-aaaa on m1 was ${from}, now ${to}`]);
  }
});

test('the fingerprint is equal across a running <-> restarting flip and differs when the container exits', () => {
  const running = fingerprint(seen('running').observation);
  assert.equal(fingerprint(seen('restarting').observation), running);
  assert.notEqual(fingerprint(seen('exited').observation), running);
  assert.notEqual(fingerprint(seen('paused').observation), running);
});

test('an observation with no restarting container keeps the fingerprint saved plans were made with', () => {
  const observation = seen('running').observation;
  const plainHash = createHash('sha256').update(canonicalJson(observation)).digest('hex').slice(0, 16);
  assert.equal(fingerprint(observation), plainHash);
});

test('the rolling planner does the same with a crash-looping container seen running or restarting', () => {
  const bad = webSpec({ command: ['sh', '-c', 'sleep 2; exit 3'] });
  const good = webSpec({ command: ['sh', '-c', 'sleep 3600'] });
  const describe = (state: ClusterState, p: Plan) => {
    const names = nameResolver(state);
    return p.operations.map((o) => `${o.kind}@${names.machineName(o.machineId)}${'old' in o ? ` ${o.old.name}` : 'container' in o ? ` ${o.container.name}` : ''}`);
  };
  for (const spec of [bad, good]) {
    const running = seen('running', bad).cluster;
    const restarting = seen('restarting', bad).cluster;
    assert.deepEqual(describe(restarting, planOf(restarting, spec)), describe(running, planOf(running, spec)), spec.command!.join(' '));
  }
  const fixed = seen('restarting', bad).cluster;
  assert.deepEqual(describe(fixed, planOf(fixed, good)), ['replace@m1 web-aaaa', 'replace@m2 web-bbbb']);
});

test('a plan saved while a container was restarting reads back as unedited', () => {
  const { cluster: state } = seen('restarting', webSpec({ command: ['sh', '-c', 'exit 3'] }));
  const p = planOf(state, webSpec());
  const saved = parsePlanFile(JSON.stringify(savePlan(p, state, 'test-cluster')), 'plan.json');
  assert.equal(saved.plan.fingerprint, p.fingerprint);
  assert.equal(saved.plan.observed.containers.find((c) => c.name === 'web-aaaa')?.state, 'restarting');
});
