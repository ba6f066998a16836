// Sealed secrets: the key and its label, tokens in and clear values out, and change detection that
// compares hashes (a changed secret is a replace naming the key, an unchanged one nothing, an older
// label holding clear values no replace at all), on the in-memory cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { applyPlan } from '../../src/execute/apply.js';
import { Deployment } from '../../src/execute/deployment.js';
import type { DeployRecord } from '../../src/execute/history.js';
import { observeService } from '../../src/execute/observe.js';
import { rollbackSpec } from '../../src/execute/rollback.js';
import { LABEL } from '../../src/model/cluster.js';
import { SECRET_KEY_LABEL, SecretKey, isSealedToken } from '../../src/model/secret-key.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { formatPlan, planToJson } from '../../src/plan/plan.js';
import { PlanSecrets, SecretValueUnknownError, revealChanges } from '../../src/plan/secret-seal.js';
import { formatSpecChange } from '../../src/plan/spec-diff.js';
import { MemoryCluster } from '../support/memory-client.js';

const key = (fill: number) => SecretKey.fromBytes(new Uint8Array(32).fill(fill));

test('a key reads back from its label, names itself by an id, and is never serialised', () => {
  const k = key(1);
  const back = SecretKey.fromLabel(k.label());
  assert.equal(back?.id, k.id);
  assert.equal(back?.token('x'), k.token('x'));
  assert.notEqual(key(2).token('x'), k.token('x'), 'another key, another token');
  assert.match(k.label(), /^v1\.[A-Za-z0-9_-]{43}$/);
  for (const bad of [undefined, '', 'v2.abc', 'v1.short', `v1.${'A'.repeat(43)}x`]) assert.equal(SecretKey.fromLabel(bad), undefined, String(bad));
  assert.equal(JSON.stringify({ k }), '{}');
  assert.equal(inspect(k), `SecretKey(${k.id})`);
  assert.throws(() => SecretKey.fromBytes(new Uint8Array(16)), /a secret key is 32 bytes, got 16/);
});

test('sealing: clear in, tokens stored, the same values back out; equal values seal equal, changed ones differ', () => {
  const secrets = new PlanSecrets(key(3), false);
  const spec: ServiceSpec = {
    image: 'x',
    env: { DB_PASSWORD: 'planted-1', URL: 'postgres://app:planted-2@db/x', LEVEL: 'info', HOST: 'h1' },
    secret_env: ['HOST'],
    logging: { driver: 'json-file', options: { tag: 'app password=planted-3' } },
  };
  const sealed = secrets.seal(spec);
  assert.ok(isSealedToken(sealed.env!.DB_PASSWORD!));
  assert.ok(isSealedToken(sealed.env!.HOST!), 'secret_env seals whatever the name');
  assert.match(sealed.env!.URL!, /^postgres:\/\/app:hmac-sha256:[0-9a-f]{8}:[0-9a-f]{64}@db\/x$/);
  assert.match(sealed.logging!.options!.tag!, /^app password=hmac-sha256:/);
  assert.equal(sealed.env!.LEVEL, 'info');
  assert.doesNotMatch(JSON.stringify(sealed), /planted|h1/);
  assert.deepEqual(secrets.open(sealed), spec);
  assert.deepEqual(secrets.seal(sealed), sealed, 'sealing twice changes nothing');
  assert.deepEqual(new PlanSecrets(key(3), false).seal(spec), sealed, 'one key: equal values give equal tokens');
  assert.notEqual(secrets.seal({ ...spec, env: { ...spec.env, DB_PASSWORD: 'planted-9' } }).env!.DB_PASSWORD, sealed.env!.DB_PASSWORD);
  assert.equal(JSON.stringify({ secrets }), '{}', 'never serialised');
  assert.doesNotMatch(inspect(secrets), /planted/);
  assert.equal(secrets.scrub('failed: auth planted-1 rejected, level info'), 'failed: auth •••••• rejected, level info');
});

test('a token whose value is not known never opens: the error names the place', () => {
  const sealed = new PlanSecrets(key(4), false).seal({ image: 'x', env: { API_TOKEN: 't-123456' } });
  const other = new PlanSecrets(key(4), false);
  assert.deepEqual(other.unknown(sealed), ['env.API_TOKEN']);
  assert.throws(() => other.open(sealed), (err: unknown) => err instanceof SecretValueUnknownError && /^the value of env\.API_TOKEN is not known here/.test(err.message));
  other.learn(key(4), ['unrelated', 't-123456']);
  assert.deepEqual(other.open(sealed).env, { API_TOKEN: 't-123456' }, 'a value read back opens it: by its hash, not by its name');
  const wrongKey = new PlanSecrets(key(4), false);
  wrongKey.learn(key(5), ['t-123456']);
  assert.deepEqual(wrongKey.unknown(sealed), ['env.API_TOKEN'], 'the same value under another key is not taken');
});

test('revealed changes show the clear values the plan knows, the others stay masked', () => {
  const secrets = new PlanSecrets(key(6), false);
  secrets.before = secrets.seal({ image: 'x', env: { DB_PASSWORD: 'old-value' } });
  const spec = secrets.seal({ image: 'x', env: { DB_PASSWORD: 'new-value', NEW_TOKEN: 'tok-tok' } });
  const changes = [
    { field: 'env.DB_PASSWORD', kind: 'changed' as const, old: '••••••', new: '••••••', effect: 'recreate' as const },
    { field: 'env.NEW_TOKEN', kind: 'added' as const, new: '••••••', effect: 'recreate' as const },
    { field: 'image', kind: 'changed' as const, old: 'a', new: 'b', effect: 'recreate' as const },
  ];
  assert.deepEqual(revealChanges(changes, spec, secrets).map((c) => formatSpecChange(c)), [
    '~ env.DB_PASSWORD: old-value -> new-value', '+ env.NEW_TOKEN: tok-tok', '~ image: a -> b',
  ]);
  const blind = new PlanSecrets(key(6), false);
  blind.before = secrets.before;
  assert.deepEqual(revealChanges(changes.slice(0, 1), spec, blind).map((c) => formatSpecChange(c)), ['~ env.DB_PASSWORD: •••••• -> •••••• (changed)']);
});

// ---- change detection on the in-memory cluster ----------------------------------------------------

const web = (env: Record<string, string>, extra: Partial<ServiceSpec> = {}): ServiceSpec => ({ name: 'web', image: 'local/busybox:1', replicas: 2, command: ['sleep', '1000'], env, ...extra });

async function deploy(cluster: MemoryCluster, spec: ServiceSpec) {
  const planned = await new Deployment(cluster, spec, { rollout: { monitorMs: 5 } }).plan();
  const result = await applyPlan(planned.plan, { client: cluster }, { names: planned.names, approval: 'all', pollMs: 1 }).result;
  assert.equal(result.outcome, 'done', result.reason);
  return planned;
}

test('labels hold hashes and the key; containers run the clear value', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  await deploy(cluster, web({ DB_PASSWORD: 'planted-s3cret', LEVEL: 'info' }));
  const containers = cluster.containersOf('web');
  assert.equal(containers.length, 2);
  const keys = new Set(containers.map((c) => c.labels[SECRET_KEY_LABEL]));
  assert.equal(keys.size, 1, 'one key for the whole service');
  for (const c of containers) {
    assert.doesNotMatch(JSON.stringify(c.labels), /planted-s3cret/);
    assert.ok(isSealedToken(JSON.parse(c.labels[LABEL.spec]!).env.DB_PASSWORD));
    assert.equal(c.values.at('env.DB_PASSWORD'), 'planted-s3cret');
  }
});

test('an unchanged secret plans nothing; a changed one is a replace naming the key, never the value', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  await deploy(cluster, web({ DB_PASSWORD: 'planted-s3cret' }));
  const same = await new Deployment(cluster, web({ DB_PASSWORD: 'planted-s3cret' })).plan();
  assert.deepEqual([same.plan.operations, same.plan.changes], [[], []]);
  const next = await new Deployment(cluster, web({ DB_PASSWORD: 'planted-CHANGED' })).plan();
  assert.deepEqual(next.plan.operations.map((o) => o.kind), ['replace', 'replace']);
  assert.deepEqual(next.plan.operations.map((o) => (o.kind === 'replace' ? o.changes : [])), [['env'], ['env']]);
  const text = formatPlan(next.plan, next.names);
  assert.match(text, /^ {4}~ env\.DB_PASSWORD: •••••• -> •••••• \(changed\)$/m);
  const json = JSON.stringify(planToJson(next.plan, next.names));
  for (const out of [text, json, JSON.stringify(next.plan)]) assert.doesNotMatch(out, /planted/);
  const shown = revealChanges(next.plan.changes, next.plan.spec, next.plan.secrets!).map((c) => formatSpecChange(c));
  assert.deepEqual(shown, ['~ env.DB_PASSWORD: planted-s3cret -> planted-CHANGED'], '--show-secrets: the old value from the containers, the new from the spec');
});

test('containers whose labels hold clear values (written before sealing) compare by value: no replace after an upgrade', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  const spec = web({ DB_PASSWORD: 'planted-s3cret', LEVEL: 'info' });
  const first = await deploy(cluster, spec);
  for (const c of cluster.containersOf('web')) {
    c.labels[LABEL.spec] = JSON.stringify({ ...first.plan.spec, env: spec.env });
    delete c.labels[SECRET_KEY_LABEL];
  }
  const again = await new Deployment(cluster, spec).plan();
  assert.deepEqual(again.plan.operations, [], 'no mass replace');
  assert.ok(again.plan.secrets?.keyIsNew, 'no container carries a key yet');
  const changed = await new Deployment(cluster, web({ DB_PASSWORD: 'planted-CHANGED', LEVEL: 'info' })).plan();
  assert.deepEqual(changed.plan.operations.map((o) => o.kind), ['replace', 'replace']);
  assert.deepEqual(changed.plan.changes.map((c) => formatSpecChange(c)), ['~ env.DB_PASSWORD: •••••• -> •••••• (changed)']);
});

test('a spec read back from the labels (scale) opens its hashes with what the containers run, and keeps them', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const first = await deploy(cluster, web({ DB_PASSWORD: 'planted-s3cret' }));
  const scaled = await deploy(cluster, { ...first.plan.spec, replicas: 3 });
  assert.deepEqual(scaled.plan.operations.map((o) => o.kind), ['run'], 'the two running replicas are up to date');
  const all = cluster.containersOf('web');
  assert.deepEqual(all.map((c) => c.values.at('env.DB_PASSWORD')), ['planted-s3cret', 'planted-s3cret', 'planted-s3cret']);
});

test('a hash no container runs any more is refused, naming the key: a hash is never deployed as a value', async () => {
  const cluster = new MemoryCluster(['m1']);
  const first = await deploy(cluster, web({ DB_PASSWORD: 'planted-old' }, { replicas: 1 }));
  await deploy(cluster, web({ DB_PASSWORD: 'planted-new' }, { replicas: 1 }));
  await assert.rejects(new Deployment(cluster, first.plan.spec).plan(), (err: unknown) => {
    assert.ok(err instanceof SecretValueUnknownError);
    assert.deepEqual(err.paths, ['env.DB_PASSWORD']);
    assert.match(err.message, /^the value of env\.DB_PASSWORD is not known: dockplan keeps only a hash of a secret .*no container of web that could be inspected runs with it any more/);
    return true;
  });
});

test('a name newly listed in secret_env compares by its value: nothing to replace', async () => {
  const cluster = new MemoryCluster(['m1']);
  await deploy(cluster, web({ API_HOST: 'db.internal' }, { replicas: 1 }));
  const listed = await new Deployment(cluster, web({ API_HOST: 'db.internal' }, { replicas: 1, secret_env: ['API_HOST'] })).plan();
  assert.deepEqual(listed.plan.operations, []);
  await deploy(cluster, web({ API_HOST: 'db.internal' }, { replicas: 1, secret_env: ['API_HOST'], command: ['sleep', '999'] }));
  const label = JSON.parse(cluster.containersOf('web').find((c) => c.state === 'running')!.labels[LABEL.spec]!);
  assert.ok(isSealedToken(label.env.API_HOST));
  // Once sealed, it stays sealed, even for a spec that no longer lists it.
  const unlisted = await new Deployment(cluster, web({ API_HOST: 'db.internal' }, { replicas: 1, command: ['sleep', '999'] })).plan();
  assert.deepEqual(unlisted.plan.operations, []);
  assert.ok(isSealedToken(unlisted.plan.spec.env!.API_HOST!));
});

test('a named volume with a secret driver option: Docker gets the value, the plan a hash, and the next plan no warning', async () => {
  const cluster = new MemoryCluster(['m1']);
  const share: ServiceSpec = web({ LEVEL: 'info' }, {
    replicas: 1,
    volumes: [{ name: 'share', type: 'volume', driver: 'local', driver_opts: { type: 'cifs', o: 'username=svc,password=planted-vol' } }],
    mounts: [{ volume: 'share', path: '/share' }],
  });
  const first = await deploy(cluster, share);
  const create = first.plan.operations.find((o) => o.kind === 'create-volume');
  assert.ok(create && create.kind === 'create-volume');
  assert.match(create.volume.driver_opts!.o!, /^username=svc,password=hmac-sha256:/, 'the plan holds a hash');
  assert.deepEqual(cluster.machines.get('m1')!.volumes.get('share')!.options, { type: 'cifs', o: 'username=svc,password=planted-vol' }, 'Docker gets the value');
  const again = await new Deployment(cluster, share).plan();
  assert.deepEqual([again.plan.operations, again.plan.warnings], [[], []], 'the volume\'s own options compare equal with the sealed spec');
  const changed = await new Deployment(cluster, web({ LEVEL: 'info' }, { ...share, volumes: [{ ...share.volumes![0]!, driver_opts: { type: 'cifs', o: 'username=svc,password=planted-other' } }] })).plan();
  assert.equal(changed.plan.warnings.length, 1);
  assert.match(changed.plan.warnings[0]!, /^volume share on m1 keeps its options \(o=username=svc,password=••••••, type=cifs\)/);
  assert.doesNotMatch(JSON.stringify([changed.plan, planToJson(changed.plan, changed.names), formatPlan(changed.plan, changed.names)]), /planted/);
});

test('a rollback to a hash no container runs is refused before planning, naming the key; one they run opens', async () => {
  const cluster = new MemoryCluster(['m1']);
  const v1 = await deploy(cluster, web({ DB_PASSWORD: 'planted-old', STAGE: '1' }, { replicas: 1 }));
  const v2 = await deploy(cluster, web({ DB_PASSWORD: 'planted-old', STAGE: '2' }, { replicas: 1 }));
  const record = (spec: ServiceSpec, deployId: string): DeployRecord => ({
    deployId, service: 'web', serviceId: v1.plan.serviceId, who: 'ann@box', startedAt: '', finishedAt: '', action: 'update',
    summary: { create: 0, replace: 1, update: 0, stop: 0, remove: 0, machines: 1 }, spec, outcome: 'done', completed: 1, total: 1,
  });
  const seen = async () => (await observeService(cluster, 'web')).service!.containers;
  assert.equal(rollbackSpec(record(v1.plan.spec, 'r1'), undefined, await seen()).env?.DB_PASSWORD, v1.plan.spec.env?.DB_PASSWORD, 'the running container opens it');
  await deploy(cluster, web({ DB_PASSWORD: 'planted-new', STAGE: '3' }, { replicas: 1 }));
  assert.throws(() => rollbackSpec(record(v2.plan.spec, 'r2'), undefined, []), /^RollbackError: cannot roll back to r2: .*no container of web runs the value of env\.DB_PASSWORD that deploy had any more/);
  const containers = await seen();
  assert.throws(() => rollbackSpec(record(v2.plan.spec, 'r2'), undefined, containers), /env\.DB_PASSWORD/);
});
