// The view on a large cluster: the machine table keeps to its share of the screen (down machines
// first, the rest counted), and what the screens derive from a loaded state or a plan is made once
// per object and made again for a new one.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ClusterState, ContainerState, MachineState } from '../../src/model/cluster.js';
import { machineTable } from '../../src/tui/components/cluster-screen.js';
import { initialState, type Draft } from '../../src/tui/state/app-state.js';
import { containersInOrder, reducer, serviceById, visibleServices } from '../../src/tui/state/reducer.js';
import { planLines } from '../../src/tui/plan-lines.js';

function machine(i: number, up = true): MachineState {
  return up
    ? { id: `id-${i}`, name: `node-${i}`, host: `tcp://10.0.0.${i}:2376`, status: 'up', containers: [], volumes: [] }
    : { id: `id-${i}`, name: `node-${i}`, host: `tcp://10.0.0.${i}:2376`, status: 'down', downReason: 'connection refused', containers: [], volumes: [] };
}

it('every machine is listed when they fit', () => {
  const machines = [machine(1), machine(2, false), machine(3)];
  assert.deepEqual(machineTable(machines, 3), { shown: machines });
});

it('a cluster larger than the room lists its down machines first and counts the rest', () => {
  const machines = Array.from({ length: 100 }, (_, i) => machine(i + 1, i !== 41 && i !== 87));
  const table = machineTable(machines, 12);
  assert.equal(table.shown.length, 11);
  assert.deepEqual(table.shown.slice(0, 2).map((m) => m.name), ['node-42', 'node-88']);
  assert.deepEqual(table.shown.slice(2).map((m) => m.name), ['node-1', 'node-2', 'node-3', 'node-4', 'node-5', 'node-6', 'node-7', 'node-8', 'node-9']);
  assert.equal(table.more, '89 more machines (89 up)');
  assert.equal(machineTable(machines, 2).more, '99 more machines (98 up, 1 down)');
});

function container(machineId: string, name: string, service: string, created: string): ContainerState {
  return {
    id: `${name}-id`, name, machineId, image: 'img:1', state: 'running', health: 'healthy', created, hostPorts: [],
    service: { id: `${service}-id`, name: service, mode: 'replicated', spec: { name: service, image: 'img:1', replicas: 2 } },
  } as ContainerState;
}

function loaded(): ClusterState {
  const [a, b] = [machine(1), machine(2)];
  a.containers.push(container(a.id, 'web-2', 'web', '2026-01-01T00:00:02Z'), container(a.id, 'api-1', 'api', '2026-01-01T00:00:01Z'));
  b.containers.push(container(b.id, 'web-1', 'web', '2026-01-01T00:00:01Z'));
  return { machines: [b, a] };
}

it('the services and a service\'s containers are derived once per loaded state, and again for the next load', () => {
  let state = reducer(initialState({ readonly: false, clusterName: 'test', columns: 120, rows: 40 }), { type: 'cluster-loaded', state: loaded() });
  const first = visibleServices(state);
  assert.deepEqual(first.map((s) => s.name), ['api', 'web']);
  assert.equal(visibleServices(reducer(state, { type: 'cursor', list: 'services', delta: 1 })), first, 'a key does not list the services again');
  const web = serviceById(state, 'web-id')!;
  assert.deepEqual(containersInOrder(state, web).map((c) => c.name), ['web-2', 'web-1']);
  assert.equal(containersInOrder(state, web), containersInOrder(state, serviceById(state, 'web-id')!));
  // A filter lists its own services; clearing it lists all again.
  const filtered = reducer(state, { type: 'filter', value: 'we' });
  assert.deepEqual(visibleServices(filtered).map((s) => s.name), ['web']);
  assert.deepEqual(visibleServices(reducer(filtered, { type: 'filter', value: '' })).map((s) => s.name), ['api', 'web']);
  // A new load (one container gone) is a new state: derived afresh.
  const next = loaded();
  next.machines[0]!.containers = [];
  state = reducer(state, { type: 'cluster-loaded', state: next });
  assert.notEqual(visibleServices(state), first);
  assert.deepEqual(containersInOrder(state, serviceById(state, 'web-id')!).map((c) => c.name), ['web-2']);
});

it('a draft\'s plan lines are formatted once per draft, masked and shown apart', () => {
  const draft: Draft = { id: 1, desired: { name: 'web', image: 'img:2' }, current: { name: 'web', image: 'img:1' }, origin: 'test', planning: 'pending' };
  const lines = planLines(draft);
  assert.ok(lines.some((l) => l.text.includes('img:2')), JSON.stringify(lines));
  assert.equal(planLines(draft), lines);
  assert.notEqual(planLines(draft, true), lines);
  assert.notEqual(planLines({ ...draft, desired: { name: 'web', image: 'img:3' } }), lines);
});

it('a reload keeps the selection on the same service and container when others come and go', () => {
  const three = (): ClusterState => {
    const [a, b] = [machine(1), machine(2)];
    a.containers.push(container(a.id, 'api-1', 'api', '2026-01-01T00:00:01Z'), container(a.id, 'db-1', 'db', '2026-01-01T00:00:01Z'));
    b.containers.push(container(b.id, 'web-1', 'web', '2026-01-01T00:00:01Z'), container(b.id, 'web-2', 'web', '2026-01-01T00:00:02Z'));
    return { machines: [a, b] };
  };
  let state = reducer(initialState({ readonly: false, clusterName: 'test', columns: 120, rows: 40 }), { type: 'cluster-loaded', state: three() });
  assert.deepEqual(visibleServices(state).map((s) => s.name), ['api', 'db', 'web']);
  state = reducer(state, { type: 'cursor', list: 'services', delta: 1 });
  assert.equal(visibleServices(state)[state.cursor.services]!.name, 'db');
  // api removed: db moves up a row, and the selection with it.
  const withoutApi = three();
  withoutApi.machines[0]!.containers.splice(0, 1);
  state = reducer(state, { type: 'cluster-loaded', state: withoutApi });
  assert.equal(visibleServices(state)[state.cursor.services]!.name, 'db');
  // The selected service itself removed: the position holds, within the list.
  state = reducer(state, { type: 'cluster-loaded', state: { machines: [machine(1), machine(2)].map((m, i) => (i === 1 ? { ...m, containers: [container(m.id, 'web-1', 'web', '2026-01-01T00:00:01Z')] } : m)) } });
  assert.equal(visibleServices(state)[state.cursor.services]!.name, 'web');

  // On the service screen, the selected container stays selected when one before it goes.
  let onWeb = reducer(reducer(initialState({ readonly: false, clusterName: 'test', columns: 120, rows: 40 }), { type: 'cluster-loaded', state: three() }), { type: 'navigate', screen: { kind: 'service', serviceId: 'web-id' } });
  assert.equal(containersInOrder(onWeb, serviceById(onWeb, 'web-id')!)[onWeb.cursor.containers]!.name, 'web-1');
  // A new container listed before it: the selection stays on web-1.
  const webZero = three();
  webZero.machines[1]!.containers.push(container(webZero.machines[1]!.id, 'web-0', 'web', '2026-01-01T00:00:03Z'));
  onWeb = reducer(onWeb, { type: 'cluster-loaded', state: webZero });
  assert.deepEqual(containersInOrder(onWeb, serviceById(onWeb, 'web-id')!).map((c) => c.name), ['web-0', 'web-1', 'web-2']);
  assert.equal(containersInOrder(onWeb, serviceById(onWeb, 'web-id')!)[onWeb.cursor.containers]!.name, 'web-1');
});
