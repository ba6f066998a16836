// A project (several services) planned and applied as one run, over the in-memory cluster: order,
// one run id, every event naming its service, a shared volume created once, a failing service
// stopping the run there, and the text and JSON of the project plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deployment } from '../../src/execute/deployment.js';
import { applyProject, planProject, type ProjectEvent, type ProjectInput } from '../../src/execute/project.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { formatProjectPlan, projectHasChanges, projectPlanToJson } from '../../src/plan/project-plan.js';
import { MemoryCluster } from '../support/memory-client.js';

const svc = (name: string, extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
  name, image: 'local/busybox:1', command: ['sleep', '1000'], healthcheck: { test: ['CMD', 'true'] }, update: { monitor: 5 }, ...extra,
});
const data = { volumes: [{ type: 'volume' as const, name: 'shop_data' }], mounts: [{ volume: 'shop_data', path: '/data' }] };

const shop = (extra: { web?: Partial<ServiceSpec> } = {}): ProjectInput => ({
  name: 'shop',
  services: [
    { key: 'db', spec: svc('shop-db', { ...data, placement: { machines: ['m1'] } }), dependsOn: [] },
    { key: 'worker', spec: svc('shop-worker', { ...data, placement: { machines: ['m1'] } }), dependsOn: ['db'] },
    { key: 'web', spec: svc('shop-web', { replicas: 2, ...extra.web }), dependsOn: ['db'] },
  ],
  warnings: ['compose.yaml:9:5 services.web.build: not built by dockplan; the image is used as it is'],
});

test('a project plans one section per service in its order, the shared volume created once, by the first service', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const plan = await planProject(cluster, shop());
  assert.deepEqual(plan.sections.map((s) => s.key), ['db', 'worker', 'web']);
  const creates = plan.sections.map((s) => s.plan.operations.filter((o) => o.kind === 'create-volume').length);
  assert.deepEqual(creates, [1, 0, 0]);
  assert.deepEqual(plan.volumes, [{ name: 'shop_data', usedBy: ['db', 'worker'], createdOn: ['m1'] }]);
  // The worker's plan expects the volume db creates: its batches hold no empty unit.
  const worker = plan.sections[1]!.plan;
  assert.ok(worker.batches.every((b) => b.units.length > 0 && b.units.every((u) => u.opIds.length > 0)));
  assert.deepEqual(worker.observed.machines.find((m) => m.name === 'm1')!.volumes, ['shop_data']);

  const text = formatProjectPlan(plan);
  const lines = text.split('\n');
  assert.equal(lines[0], 'project shop: 3 services, in this order: db, worker, web');
  assert.deepEqual(lines.slice(1, 3), ['volumes:', '  + create volume shop_data on m1 (used by db, worker)']);
  assert.ok(lines.indexOf('service db:') < lines.indexOf('service worker (after db):'));
  assert.ok(lines.indexOf('service worker (after db):') < lines.indexOf('service web (after db):'));
  assert.match(text, /^warning: compose\.yaml:9:5 services\.web\.build/m);
  assert.equal(lines.at(-1), 'project shop: 3 services change (db, worker, web) · 5 create');
  const json = projectPlanToJson(plan);
  assert.deepEqual(json.order, ['db', 'worker', 'web']);
  assert.equal(json.services[2]!.plan.operations.length, 2);
  assert.equal(json.changes, true);
});

test('applying a project runs its services in order under one run id, every event naming its service; then nothing is left to do', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const plan = await planProject(cluster, shop());
  const events: ProjectEvent[] = [];
  const app = applyProject(plan, { client: cluster }, { approval: 'all', pollMs: 1, onEvent: (e) => events.push(e) });
  const result = await app.result;
  assert.equal(result.outcome, 'done');
  assert.deepEqual(result.services.map((s) => [s.key, s.outcome]), [['db', 'done'], ['worker', 'done'], ['web', 'done']]);
  assert.ok(events.length > 0 && events.every((e) => e.runId === app.runId));
  // The services ran one after another: each one's events come after the previous one's.
  const firstOf = (k: string) => events.findIndex((e) => e.service === k);
  const lastOf = (k: string) => events.length - 1 - [...events].reverse().findIndex((e) => e.service === k);
  assert.ok(lastOf('db') < firstOf('worker') && lastOf('worker') < firstOf('web'), events.map((e) => `${e.service}:${e.type}`).join(' '));
  assert.equal(cluster.containersOf('shop-web').filter((c) => c.state === 'running').length, 2);
  const again = await planProject(cluster, shop());
  assert.equal(projectHasChanges(again), false);
  assert.match(formatProjectPlan(again), /^project shop: no changes$/m);
});

test('a service that fails its health gate stops the project there: it is rolled back, the services after it do not start, the ones before it stay', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  await (applyProject(await planProject(cluster, shop()), { client: cluster }, { approval: 'all', pollMs: 1 })).result;
  cluster.health = (c) => (c.spec.env?.BROKEN ? 'unhealthy' : 'healthy');
  const broken: ProjectInput = shop();
  broken.services[1]!.spec = { ...broken.services[1]!.spec, env: { BROKEN: '1' } };
  broken.services[2]!.spec = { ...broken.services[2]!.spec, env: { V: '2' } };
  const plan = await planProject(cluster, broken);
  assert.deepEqual(plan.sections.map((s) => s.plan.operations.length), [0, 1, 2]);
  const result = await applyProject(plan, { client: cluster }, { approval: 'all', pollMs: 1 }).result;
  assert.equal(result.outcome, 'rolled-back');
  assert.deepEqual(result.services.map((s) => [s.key, s.outcome]), [['db', 'done'], ['worker', 'rolled-back'], ['web', 'not-run']]);
  // The worker's old container runs again; web still runs its old spec.
  assert.deepEqual(cluster.containersOf('shop-worker').filter((c) => c.state === 'running').map((c) => c.spec.env?.BROKEN), [undefined]);
  assert.deepEqual(cluster.containersOf('shop-web').filter((c) => c.state === 'running').map((c) => c.spec.env?.V), [undefined, undefined]);
});

test('an interrupt during a project run ends it at the service running then; no later service starts', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const plan = await planProject(cluster, shop());
  let app: ReturnType<typeof applyProject> | undefined;
  app = applyProject(plan, { client: cluster }, {
    approval: 'all', pollMs: 1,
    onEvent: (e) => {
      if (e.service === 'worker' && e.type === 'operation-started') app!.interrupt();
    },
  });
  const result = await app.result;
  assert.equal(result.outcome, 'interrupted');
  assert.equal(result.services[0]!.outcome, 'done');
  assert.equal(result.services[2]!.outcome, 'not-run');
  assert.deepEqual(cluster.containersOf('shop-web'), []);
});

test('a service that cannot be planned names its key', async () => {
  const cluster = new MemoryCluster(['m1']);
  const bad = shop();
  bad.services[2]!.spec = { ...bad.services[2]!.spec, placement: { machines: ['m9'] } };
  await assert.rejects(planProject(cluster, bad), (err: Error) => /^service web: no machine can run service shop-web/.test(err.message));
});

test('two services of a project that make one name on the cluster are refused, naming both', async () => {
  const cluster = new MemoryCluster(['m1']);
  const clash: ProjectInput = { name: 'shop', services: [
    { key: 'my_api', spec: svc('shop-my-api'), dependsOn: [] },
    { key: 'my-api', spec: svc('shop-my-api'), dependsOn: [] },
  ] };
  await assert.rejects(planProject(cluster, clash), /services my_api and my-api of project shop are both named shop-my-api on the cluster: rename one of them/);
});

test('a service of that name from another project, or from a spec file, is not taken over', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  // Project t8p with service a-b, and project t8p-a with service b: both make t8p-a-b.
  await applyProject(await planProject(cluster, { name: 't8p', services: [{ key: 'a-b', spec: svc('t8p-a-b'), dependsOn: [] }] }), { client: cluster }, { approval: 'all', pollMs: 1 }).result;
  await assert.rejects(planProject(cluster, { name: 't8p-a', services: [{ key: 'b', spec: svc('t8p-a-b', { command: ['sleep', '2'] }), dependsOn: [] }] }),
    /t8p-a-b already runs on the cluster as a service of project t8p, not of project t8p-a: rename the service \(or the project\), or remove the running one first \(dockplan rm t8p-a-b\)/);
  // Its own project plans it as usual.
  const own = await planProject(cluster, { name: 't8p', services: [{ key: 'a-b', spec: svc('t8p-a-b', { command: ['sleep', '2'] }), dependsOn: [] }] });
  assert.equal(own.sections[0]!.plan.operations[0]!.kind, 'replace');
  await (await new Deployment(cluster, svc('web')).run()).result;
  await assert.rejects(planProject(cluster, { name: 'shop', services: [{ key: 'web', spec: svc('web'), dependsOn: [] }] }),
    /web already runs on the cluster as a service deployed from a spec file, not of project shop/);
});

test('two services of a project that would publish one host port on one machine are refused before anything runs, naming both', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  const port = (published: number) => ({ ports: [{ mode: 'host' as const, published, container: 80, protocol: 'tcp' as const }], placement: { machines: ['m1'] } });
  const clash: ProjectInput = { name: 'shop', services: [
    { key: 'web', spec: svc('shop-web', port(8080)), dependsOn: [] },
    { key: 'admin', spec: svc('shop-admin', port(8080)), dependsOn: [] },
  ] };
  await assert.rejects(planProject(cluster, clash), /services web and admin of project shop would both publish host port 8080\/tcp on m1: give one of them another published port/);
  assert.equal(cluster.calls.filter((c) => c.kind === 'create').length, 0);
  // Other ports, or the same port on other machines, are fine.
  clash.services[1]!.spec = svc('shop-admin', port(8081));
  assert.equal((await planProject(cluster, clash)).sections.length, 2);
  clash.services[1]!.spec = svc('shop-admin', { ...port(8080), placement: { machines: ['m2'] } });
  assert.equal((await planProject(cluster, clash)).sections.length, 2);
});
