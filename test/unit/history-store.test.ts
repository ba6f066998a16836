// The deploy history on this machine: where it lives (the XDG rules), what a line holds (secrets
// masked), and that a history that cannot be written never costs a deploy its result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPlan } from '../../src/execute/apply.js';
import { Deployment } from '../../src/execute/deployment.js';
import type { DeployRecord } from '../../src/execute/history.js';
import { historyEntries } from '../../src/execute/history.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { MASK } from '../../src/plan/secrets.js';
import { FileHistoryStore, HISTORY_FILE } from '../../src/store/history-file.js';
import { stateDir } from '../../src/store/xdg.js';
import { MemoryCluster } from '../support/memory-client.js';

const temp = () => mkdtempSync(join(tmpdir(), 'dockplan-history-'));

function record(over: Partial<DeployRecord> = {}): DeployRecord {
  return {
    deployId: 'r1', service: 'web', serviceId: 'svc1', who: 'ann@box', startedAt: '2026-03-01T10:00:00.000Z', finishedAt: '2026-03-01T10:00:09.000Z',
    action: 'create', summary: { create: 2, replace: 0, update: 0, stop: 0, remove: 0, machines: 2 },
    spec: { name: 'web', image: 'local/busybox:1', env: { STAGE: 'one' } }, outcome: 'done', completed: 2, total: 2, ...over,
  };
}

test('the state dir is $XDG_STATE_HOME/dockplan when that is an absolute path', () => {
  assert.equal(stateDir({ env: { XDG_STATE_HOME: '/srv/state' }, home: '/home/ann' }), '/srv/state/dockplan');
});

test('the state dir is ~/.local/state/dockplan when XDG_STATE_HOME is unset, empty, or relative (the spec: ignore it)', () => {
  for (const env of [{}, { XDG_STATE_HOME: '' }, { XDG_STATE_HOME: 'state' }]) {
    assert.equal(stateDir({ env, home: '/home/ann' }), '/home/ann/.local/state/dockplan', JSON.stringify(env));
  }
});

test('no XDG_STATE_HOME and no home directory is an error naming the variable to set', () => {
  assert.throws(() => stateDir({ env: {}, home: '' }), /set XDG_STATE_HOME \(an absolute path\) or HOME/);
});

test('records come back oldest first, per service, from a folder the first append creates (0700) and a file of mode 0600', async () => {
  const dir = join(temp(), 'nested', 'dockplan');
  const store = new FileHistoryStore({ dir, cluster: 'cluster file /c.yaml (3 machines)' });
  assert.deepEqual(await store.list('web'), [], 'no file yet: no records');
  await store.append(record({ deployId: 'r1' }));
  await store.append(record({ deployId: 'r2', service: 'api' }));
  await store.append(record({ deployId: 'r3', action: 'update' }));
  assert.deepEqual((await store.list('web')).map((r) => r.deployId), ['r1', 'r3']);
  assert.deepEqual((await store.list()).map((r) => r.deployId), ['r1', 'r2', 'r3']);
  assert.equal((await store.list('web'))[0]!.cluster, 'cluster file /c.yaml (3 machines)');
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, HISTORY_FILE)).mode & 0o777, 0o600);
  assert.equal(readFileSync(join(dir, HISTORY_FILE), 'utf8').trim().split('\n').length, 3, 'one line per run');
});

test('the store finds its folder through XDG_STATE_HOME by default', async () => {
  const base = temp();
  const saved = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = base;
  try {
    const store = new FileHistoryStore();
    await store.append(record());
    assert.equal(store.file, join(base, 'dockplan', HISTORY_FILE));
    assert.match(readFileSync(store.file, 'utf8'), /"deployId":"r1"/);
  } finally {
    if (saved === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = saved;
  }
});

test('secret values are masked in the file itself; the rest of the spec is kept as it was', async () => {
  const dir = temp();
  const store = new FileHistoryStore({ dir });
  const spec: ServiceSpec = {
    name: 'web', image: 'local/busybox:1', image_ref: 'sha256:abc',
    env: { DB_PASSWORD: 'hunter2-secret', DATABASE_URL: 'postgres://app:pw-in-url@db/x', STAGE: 'one' },
    logging: { driver: 'syslog', options: { 'syslog-address': 'udp://10.0.0.1:514', token: 'tok-123' } },
  };
  await store.append(record({ spec }));
  const text = readFileSync(join(dir, HISTORY_FILE), 'utf8');
  for (const secret of ['hunter2-secret', 'pw-in-url', 'tok-123']) assert.ok(!text.includes(secret), `${secret} reached the file`);
  const [back] = await store.list('web');
  assert.deepEqual(back!.spec.env, { DB_PASSWORD: MASK, DATABASE_URL: `postgres://app:${MASK}@db/x`, STAGE: 'one' });
  assert.equal(back!.spec.logging?.options?.token, MASK);
  assert.equal(back!.spec.image_ref, 'sha256:abc');
});

test('a torn or foreign line is skipped; the records around it are read', async () => {
  const dir = temp();
  const store = new FileHistoryStore({ dir });
  await store.append(record({ deployId: 'r1' }));
  appendFileSync(join(dir, HISTORY_FILE), '{"deployId":"r-torn","serv\n{"hello":"world"}\n');
  await store.append(record({ deployId: 'r2' }));
  assert.deepEqual((await store.list('web')).map((r) => r.deployId), ['r1', 'r2']);
});

test('a history that cannot be written rejects naming the file and why', async () => {
  const blocker = join(temp(), 'not-a-folder');
  writeFileSync(blocker, 'x');
  const store = new FileHistoryStore({ dir: join(blocker, 'dockplan') });
  await assert.rejects(store.append(record()), (err: Error) => {
    assert.match(err.message, new RegExp(`^cannot write the history ${blocker}/dockplan/${HISTORY_FILE}: a part of the path is a file, not a folder$`));
    return true;
  });
});

test('a deploy whose history cannot be written still ends done, the reason saying the history was not written', async () => {
  const blocker = join(temp(), 'not-a-folder');
  writeFileSync(blocker, 'x');
  const cluster = new MemoryCluster(['m1', 'm2']);
  const { plan, names } = await new Deployment(cluster, { name: 'web', image: 'local/busybox:1', replicas: 2, command: ['sleep', '1000'] }, { rollout: { monitorMs: 5 } }).plan();
  const result = await applyPlan(plan, { client: cluster, history: new FileHistoryStore({ dir: join(blocker, 'dockplan') }) }, { names, approval: 'all', pollMs: 1 }).result;
  assert.equal(result.outcome, 'done');
  assert.deepEqual(cluster.runningByMachine('web'), { m1: 1, m2: 1 });
  assert.match(result.reason ?? '', /the history could not be written: cannot write the history .*not-a-folder/);
});

test('a run through applyPlan leaves one record: its run id (on its containers too), who, origin, summary, spec and outcome', async () => {
  const dir = temp();
  const store = new FileHistoryStore({ dir });
  const cluster = new MemoryCluster(['m1', 'm2']);
  const { plan, names } = await new Deployment(cluster, { name: 'web', image: 'local/busybox:1', replicas: 2, command: ['sleep', '1000'], env: { API_TOKEN: 't0ps3cret' } }, { rollout: { monitorMs: 5 } }).plan();
  const result = await applyPlan(plan, { client: cluster, history: store }, { names, approval: 'all', pollMs: 1, who: 'ann@box', origin: 'deploy -f web.yaml' }).result;
  const [r, ...more] = await store.list('web');
  assert.equal(more.length, 0);
  assert.equal(r!.deployId, result.runId);
  assert.ok(cluster.containersOf('web').every((c) => c.labels['dockplan.deploy.id'] === result.runId));
  assert.equal(r!.who, 'ann@box');
  assert.equal(r!.origin, 'deploy -f web.yaml');
  assert.equal(r!.outcome, 'done');
  assert.equal(r!.action, 'create');
  assert.deepEqual([r!.summary.create, r!.summary.machines, r!.completed, r!.total], [2, 2, 2, 2]);
  assert.match(r!.spec.env?.API_TOKEN ?? '', /^hmac-sha256:[0-9a-f]{8}:[0-9a-f]{64}$/, 'a hash of the secret, which a rollback opens');
  assert.doesNotMatch(readFileSync(join(dir, 'history.jsonl'), 'utf8'), /t0ps3cret/);
  assert.ok(Date.parse(r!.startedAt) <= Date.parse(r!.finishedAt));
});

const carrier = (deployId: string | undefined, created: string, state = 'running') => ({ state, created, service: deployId ? { deployId } : {} });

test('history entries: newest first, the deploy of the newest running container marked current, with how many run it', () => {
  const records = [record({ deployId: 'r1', startedAt: '2026-03-01T10:00:00Z' }), record({ deployId: 'r2', startedAt: '2026-03-02T10:00:00Z' }), record({ deployId: 'r3', startedAt: '2026-03-03T10:00:00Z', outcome: 'rolled-back' })];
  // r3 failed and was rolled back: its container is stopped and kept; r2's run again.
  const containers = [carrier('r2', '2026-03-02T10:00:01Z'), carrier('r2', '2026-03-02T10:00:02Z'), carrier('r3', '2026-03-03T10:00:01Z', 'exited')];
  const entries = historyEntries(records, containers);
  assert.deepEqual(entries.map((e) => [e.deployId, e.current, e.running]), [['r3', false, 0], ['r2', true, 2], ['r1', false, 0]]);
});

test('history entries: a deploy the containers carry but the log lacks (made from another machine) is listed and marked', () => {
  const records = [record({ deployId: 'r1', startedAt: '2026-03-01T10:00:00Z' })];
  const entries = historyEntries(records, [carrier('r-elsewhere', '2026-03-05T08:00:00Z'), carrier(undefined, '2026-03-05T08:00:00Z')]);
  assert.deepEqual(entries.map((e) => [e.deployId, e.current, e.running, e.record === undefined, e.when]), [
    ['r-elsewhere', true, 1, true, '2026-03-05T08:00:00Z'],
    ['r1', false, 0, false, '2026-03-01T10:00:00Z'],
  ]);
});
