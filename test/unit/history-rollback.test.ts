// Rollback: which deploy it goes back to (anchored on what the running containers carry), the spec
// it plans (image pin kept, masked secrets taken from what runs now, never the mask), and a whole
// deploy v1 -> v2 -> rollback over the in-memory cluster with the history on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPlan } from '../../src/execute/apply.js';
import { Deployment } from '../../src/execute/deployment.js';
import type { DeployRecord } from '../../src/execute/history.js';
import { RollbackError, restoreMaskedSecrets, rollbackOrigin, rollbackSpec, rollbackTarget } from '../../src/execute/rollback.js';
import { findService, type ContainerState, type ServiceState } from '../../src/model/cluster.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { currentSpecOf } from '../../src/plan/current-spec.js';
import { MASK } from '../../src/plan/secrets.js';
import { FileHistoryStore } from '../../src/store/history-file.js';
import { MemoryCluster } from '../support/memory-client.js';

const base: ServiceSpec = { name: 'web', image: 'local/busybox:1' };

function record(deployId: string, startedAt: string, over: Partial<DeployRecord> = {}): DeployRecord {
  return {
    deployId, service: 'web', serviceId: 'svc1', who: 'ann@box', startedAt, finishedAt: startedAt, action: 'update',
    summary: { create: 0, replace: 2, update: 0, stop: 0, remove: 0, machines: 2 }, spec: { ...base, env: { V: deployId } },
    outcome: 'done', completed: 2, total: 2, ...over,
  };
}

function container(deployId: string | undefined, created: string, state: ContainerState['state'] = 'running'): ContainerState {
  return {
    id: `${deployId}-${created}`, name: `web-${created.slice(-6, -1)}`, machineId: 'm1', image: base.image, state, health: 'none', created, hostPorts: [],
    service: { id: 'svc1', name: 'web', mode: 'replicated', ...(deployId ? { deployId } : {}) },
  };
}

const service = (containers: ContainerState[], ids = ['svc1']): ServiceState => ({ id: ids[0]!, ids, name: 'web', mode: 'replicated', containers });
const pick = (records: DeployRecord[], s: ServiceState | undefined, to?: string) => rollbackTarget(records, 'web', s, to).deployId;

const r1 = record('r1', '2026-03-01T10:00:00Z', { action: 'create' });
const r2 = record('r2', '2026-03-02T10:00:00Z');
const r3 = record('r3', '2026-03-03T10:00:00Z');

test('without --to: the last successful deploy before the one the running containers carry', () => {
  assert.equal(pick([r1, r2, r3], service([container('r3', '2026-03-03T10:00:05Z')])), 'r2');
  assert.equal(pick([r1, r2, r3], service([container('r2', '2026-03-02T10:00:05Z')])), 'r1', 'r3 came after what runs: not a rollback target');
});

test('without --to: failed, rolled-back and removal deploys are skipped', () => {
  const failed = record('r2', '2026-03-02T10:00:00Z', { outcome: 'rolled-back' });
  const canary = record('r2b', '2026-03-02T11:00:00Z', { outcome: 'canary' });
  assert.equal(pick([r1, failed, canary, r3], service([container('r3', '2026-03-03T10:00:05Z')])), 'r1');
  const removed = record('r2', '2026-03-02T10:00:00Z', { action: 'remove' });
  assert.equal(pick([r1, removed, r3], service([container('r3', '2026-03-03T10:00:05Z')])), 'r1');
});

test('without --to: a stopped container kept from a failed deploy does not count as what runs', () => {
  const failed = record('r3', '2026-03-03T10:00:00Z', { outcome: 'rolled-back' });
  const s = service([container('r2', '2026-03-02T10:00:05Z'), container('r3', '2026-03-03T10:00:05Z', 'exited')]);
  assert.equal(pick([r1, r2, failed], s), 'r1');
});

test('without --to: a deploy the log lacks (made from another machine) is placed by time: the last success that started before the newest running container', () => {
  const s = service([container('r-elsewhere', '2026-03-02T12:00:00Z')]);
  assert.equal(pick([r1, r2, r3], s), 'r2');
  assert.equal(pick([r1, r2, r3], service([container(undefined, '2026-03-02T12:00:00Z')])), 'r2', 'containers from before deploy ids: the same rule');
});

test('without --to: records of another service by the same name (another cluster, or before a removal) are never picked', () => {
  const other = record('r2', '2026-03-02T10:00:00Z', { serviceId: 'svc-other-cluster' });
  assert.equal(pick([r1, other, r3], service([container('r3', '2026-03-03T10:00:05Z')])), 'r1');
  assert.throws(() => pick([other], service([container('r9', '2026-03-09T10:00:00Z')])), /no deploy of web as it runs now is in the history on this machine/);
});

test('without --to: refusals say what is missing and what to do', () => {
  assert.throws(() => pick([], service([container('r1', '2026-03-01T10:00:05Z')])), (e: Error) => e instanceof RollbackError && /see dockplan history web, or deploy an earlier spec file/.test(e.message));
  assert.throws(() => pick([r1], service([container('r1', '2026-03-01T10:00:05Z')])), /^RollbackError: no successful deploy of web before deploy r1 \(the one its containers run\) is in the history on this machine: see dockplan history web and pass --to DEPLOY_ID$/);
  assert.throws(() => pick([r1, r2], undefined), /no service named web on the cluster: to deploy an earlier version of it again, pass --to DEPLOY_ID/);
});

test('with --to: that deploy, whatever it ended as, but never a removal or one the history lacks', () => {
  const failed = record('r2', '2026-03-02T10:00:00Z', { outcome: 'failed' });
  assert.equal(pick([r1, failed, r3], service([container('r3', '2026-03-03T10:00:05Z')]), 'r2'), 'r2');
  assert.equal(pick([r1, r2], undefined, 'r1'), 'r1', 'a removed service can be deployed again from its history');
  assert.throws(() => pick([r1], service([]), 'r7'), /^RollbackError: deploy r7 is not in the history of web on this machine: see dockplan history web$/);
  assert.throws(() => pick([record('r5', '2026-03-05T00:00:00Z', { action: 'remove' })], service([]), 'r5'), /deploy r5 removed web: it has no spec to roll back to/);
});

test('masked secrets: a fully masked value is taken from what runs now; the image pin and the rest stay as recorded', () => {
  const recorded: ServiceSpec = { ...base, image_ref: 'sha256:v1bytes', env: { DB_PASSWORD: MASK, V: '1' } };
  const current: ServiceSpec = { ...base, image_ref: 'sha256:v2bytes', env: { DB_PASSWORD: 'hunter2', V: '2' } };
  const spec = restoreMaskedSecrets(recorded, current, 'r1');
  assert.deepEqual(spec, { ...base, image_ref: 'sha256:v1bytes', env: { DB_PASSWORD: 'hunter2', V: '1' } });
});

test('masked secrets: a partly masked value comes back only when its visible part is unchanged', () => {
  const recorded: ServiceSpec = { ...base, env: { DATABASE_URL: `postgres://app:${MASK}@db/x` } };
  assert.equal(restoreMaskedSecrets(recorded, { ...base, env: { DATABASE_URL: 'postgres://app:pw@db/x' } }, 'r1').env?.DATABASE_URL, 'postgres://app:pw@db/x');
  assert.throws(() => restoreMaskedSecrets(recorded, { ...base, env: { DATABASE_URL: 'postgres://app:pw@db2/x' } }, 'r1'), /env\.DATABASE_URL \(its visible part changed since\)/);
});

test('masked secrets: logging options and volume driver options are restored the same way', () => {
  const recorded: ServiceSpec = {
    ...base, logging: { driver: 'splunk', options: { 'splunk-token': MASK } },
    volumes: [{ name: 'data', type: 'volume', driver: 'local', driver_opts: { o: `username=svc,password=${MASK}` } }],
  };
  const current: ServiceSpec = {
    ...base, logging: { driver: 'splunk', options: { 'splunk-token': 'tok' } },
    volumes: [{ name: 'data', type: 'volume', driver: 'local', driver_opts: { o: 'username=svc,password=pw' } }],
  };
  const spec = restoreMaskedSecrets(recorded, current, 'r1');
  assert.equal(spec.logging?.options?.['splunk-token'], 'tok');
  assert.equal(spec.volumes?.[0]?.driver_opts?.o, 'username=svc,password=pw');
});

test('masked secrets: a key the running spec no longer has refuses the rollback naming every such key; the mask is never deployed', () => {
  const recorded: ServiceSpec = { ...base, env: { OLD_TOKEN: MASK, API_KEY: MASK, V: '1' } };
  assert.throws(() => restoreMaskedSecrets(recorded, { ...base, env: { API_KEY: 'k' } }, 'r1'), (e: Error) => {
    assert.ok(e instanceof RollbackError);
    assert.match(e.message, /^cannot roll back to r1: the history keeps secret values masked, and these cannot be taken from the spec the service runs now: env\.OLD_TOKEN \(not in the spec it runs now\)\. Deploy that version from its spec file instead/);
    assert.doesNotMatch(e.message, /API_KEY/);
    return true;
  });
  assert.throws(() => restoreMaskedSecrets(recorded, undefined, 'r1'), /env\.OLD_TOKEN \(not in the spec it runs now\), env\.API_KEY \(not in the spec it runs now\)/);
});

test('deploy v1, deploy v2, roll back: v1 runs again with its image bytes and env, its secret from what ran, recorded as a rollback', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  // v2 is another image: its bytes differ from v1's.
  for (const m of cluster.machines.values()) m.images.set('local/app:2', { id: `sha256:${'2'.repeat(64)}`, repoTags: ['local/app:2'], repoDigests: [], created: '2026-01-02T00:00:00Z' });
  const history = new FileHistoryStore({ dir: mkdtempSync(join(tmpdir(), 'dockplan-rollback-')) });
  const v1: ServiceSpec = { name: 'web', image: 'local/busybox:1', replicas: 2, command: ['sleep', '1000'], env: { V: '1', DB_PASSWORD: 'hunter2' } };
  const v2: ServiceSpec = { ...v1, image: 'local/app:2', env: { V: '2', DB_PASSWORD: 'hunter2' } };
  const run = async (spec: ServiceSpec, origin: string) => {
    const { plan, names } = await new Deployment(cluster, spec, { rollout: { monitorMs: 5 } }).plan();
    const result = await applyPlan(plan, { client: cluster, history }, { names, approval: 'all', pollMs: 1, origin }).result;
    assert.equal(result.outcome, 'done', result.reason);
    return result.runId;
  };
  const first = await run(v1, 'deploy -f v1.yaml');
  await run(v2, 'deploy -f v2.yaml');

  const state = await cluster.loadState();
  const now = findService(state, 'web')!;
  const target = rollbackTarget(await history.list('web'), 'web', now);
  assert.equal(target.deployId, first);
  assert.match(target.spec.env?.DB_PASSWORD ?? '', /^hmac-sha256:[0-9a-f]{8}:[0-9a-f]{64}$/, 'the history holds a hash of the secret');
  assert.doesNotMatch(JSON.stringify(await history.list('web')), /hunter2/, 'and never the value');
  const spec = rollbackSpec(target, currentSpecOf(now, state));
  const back = await run(spec, rollbackOrigin(target.deployId));

  const running = cluster.containersOf('web').filter((c) => c.state === 'running');
  assert.equal(running.length, 2);
  for (const c of running) {
    assert.equal(c.imageId, `sha256:${'1'.repeat(64)}`);
    assert.equal(c.values.at('env.V'), '1');
    assert.equal(c.values.at('env.DB_PASSWORD'), 'hunter2', 'the secret comes back from the containers that ran it');
    assert.doesNotMatch(JSON.stringify(c.labels), /hunter2/);
    assert.equal(c.labels['dockplan.deploy.id'], back);
  }
  const records = await history.list('web');
  assert.deepEqual(records.map((r) => r.origin), ['deploy -f v1.yaml', 'deploy -f v2.yaml', `rollback to ${first}`]);
});
