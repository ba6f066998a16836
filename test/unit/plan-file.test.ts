// Saved plans: the file round-trips the Plan and the names it prints with (no cluster read needed to
// show it), is written 0600, refuses what is not a plan of this version or was edited, and runs
// through the one apply entry point, refused as stale when the cluster changed since.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPlan } from '../../src/execute/apply.js';
import { Deployment } from '../../src/execute/deployment.js';
import { readSavedPlanSecrets } from '../../src/execute/saved-plan-secrets.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { formatPlan } from '../../src/plan/plan.js';
import { PlanFileError, parsePlanFile, readPlanFile, savePlan, savedNames, writePlanFile, type SavedPlan } from '../../src/store/plan-file.js';
import { MemoryCluster } from '../support/memory-client.js';

const spec = (env: Record<string, string>): ServiceSpec => ({ name: 'web', image: 'local/busybox:1', replicas: 2, command: ['sleep', '1000'], env });
const dir = mkdtempSync(join(tmpdir(), 'dockplan-planfile-'));
let n = 0;
const path = () => join(dir, `plan-${++n}.json`);

/** A cluster running web v1 on m1 and m2, and a saved plan to move it to v2. */
async function planned() {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const first = await new Deployment(cluster, spec({ V: '1' }), { rollout: { monitorMs: 5 } }).plan();
  assert.equal((await applyPlan(first.plan, { client: cluster }, { names: first.names, approval: 'all', pollMs: 1 }).result).outcome, 'done');
  const p = await new Deployment(cluster, spec({ V: '2', DB_PASSWORD: 'hunter2' }), { rollout: { monitorMs: 5 } }).plan();
  return { cluster, ...p, saved: savePlan(p.plan, p.state, cluster.describe(), new Date('2026-05-01T12:00:00Z')) };
}

test('a saved plan reads back equal, and prints from the file alone exactly as it printed when made', async () => {
  const { plan, names, saved } = await planned();
  const file = path();
  await writePlanFile(file, saved);
  const back = await readPlanFile(file);
  assert.deepEqual(back, JSON.parse(JSON.stringify(saved)));
  assert.equal(back.format, 'dockplan-plan');
  assert.equal(back.version, 2);
  assert.match(back.digest, /^[0-9a-f]{16}$/);
  assert.equal(back.createdAt, '2026-05-01T12:00:00.000Z');
  assert.equal(back.cluster, 'memory cluster (3 machines)');
  const text = formatPlan(back.plan, savedNames(back));
  assert.equal(text, formatPlan(plan, names));
  // Names, not ids: the replaced containers and their machines.
  const replaced = plan.operations.filter((o) => o.kind === 'replace');
  assert.equal(replaced.length, 2);
  for (const op of replaced) assert.match(text, new RegExp(`replace container ${op.kind === 'replace' ? op.old.name : ''} on ${op.machineId} `));
  assert.deepEqual(back.names.machines, { m1: 'm1', m2: 'm2', m3: 'm3' });
});

test('the file is written with mode 0600, also over an existing file that was readable by all', async () => {
  const { saved } = await planned();
  const file = path();
  writeFileSync(file, 'old');
  chmodSync(file, 0o644);
  await writePlanFile(file, saved);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const text = readFileSync(file, 'utf8');
  assert.doesNotMatch(text, /hunter2/, 'the plan keeps its secrets as hashes, never the values');
  assert.match(text, /"DB_PASSWORD": "hmac-sha256:[0-9a-f]{8}:[0-9a-f]{64}"/);
  assert.doesNotMatch(text, /"secretKey"/, 'the key stays on the containers that carry it');
});

test('a plan file in a folder that does not exist is an error naming it', async () => {
  const { saved } = await planned();
  await assert.rejects(writePlanFile(join(dir, 'nope', 'plan.json'), saved), /^PlanFileError: cannot write the plan file .*nope\/plan\.json: its folder does not exist$/);
});

const refusal = (text: string) => {
  try {
    parsePlanFile(text, 'plan.json');
  } catch (err) {
    assert.ok(err instanceof PlanFileError, String(err));
    return err.message;
  }
  assert.fail('the file was accepted');
};

test('refused: text that is not JSON, and JSON that is not a dockplan plan file', () => {
  assert.match(refusal('name: web\n'), /^plan\.json is not a plan file: it is not JSON \(/);
  assert.match(refusal('{"service":{"name":"web"},"operations":[]}'), /^plan\.json is not a dockplan plan file \(it has no "format": "dockplan-plan"\): save one with dockplan plan -f SPEC -o plan\.json$/);
});

test('refused: a version this dockplan does not read, newer or unknown, saying what to do', async () => {
  const { saved } = await planned();
  assert.match(refusal(JSON.stringify({ ...saved, version: 3 })), /^plan\.json is a plan file of version 3; this dockplan reads version 2 only: apply it with the dockplan that saved it, or plan again with this one$/);
  assert.match(refusal(JSON.stringify({ ...saved, version: '2' })), /^plan\.json is a plan file of version "2"; this dockplan reads version 2 only: plan again with this dockplan$/);
  // Version 1 files carried no digest: an edit to their operations could not be told.
  assert.match(refusal(JSON.stringify({ ...saved, version: 1 })), /^plan\.json is a plan file of version 1; this dockplan reads version 2 only: plan again with this dockplan$/);
});

test('refused: a plan edited after it was saved (what it observed no longer matches its fingerprint)', async () => {
  const { saved } = await planned();
  const edited: SavedPlan = JSON.parse(JSON.stringify(saved));
  edited.plan.observed.containers.pop();
  assert.match(refusal(JSON.stringify(edited)), /plan\.fingerprint: does not match what the plan observed \(the file was changed after it was saved\): plan again/);
});

test('refused: a plan whose operations, rollout, spec or names were edited after it was saved (its digest no longer matches)', async () => {
  const { saved } = await planned();
  const edits: [string, (f: SavedPlan) => void][] = [
    ['an operation made privileged', (f) => {
      for (const op of f.plan.operations) if ('spec' in op) op.spec = { ...op.spec, privileged: true };
    }],
    ['the parallelism raised', (f) => void (f.plan.rollout.parallelism = 10)],
    ['the spec given another image', (f) => void (f.plan.spec.image = 'evil/image:1')],
    ['a machine renamed', (f) => void (f.names.machines.m1 = 'prod-db')],
    ['the digest removed', (f) => void delete (f as Partial<SavedPlan>).digest],
  ];
  for (const [what, edit] of edits) {
    const edited: SavedPlan = JSON.parse(JSON.stringify(saved));
    edit(edited);
    assert.match(refusal(JSON.stringify(edited)), /^  digest: does not match the file's contents \(the file was changed after it was saved; apply runs only a plan as dockplan saved it\): plan again$/m, what);
  }
  // Reformatted (keys reordered, indented otherwise) is no edit.
  const reordered = Object.fromEntries(Object.entries(JSON.parse(JSON.stringify(saved))).reverse());
  assert.doesNotThrow(() => parsePlanFile(JSON.stringify(reordered, null, 4), 'plan.json'));
});

test('refused: a plan missing its parts, every problem listed by field', async () => {
  const { saved } = await planned();
  const broken = JSON.parse(JSON.stringify(saved));
  delete broken.plan.operations;
  broken.plan.mode = 'swarm';
  broken.names = null;
  const message = refusal(JSON.stringify(broken));
  assert.match(message, /^plan\.json is not a usable plan \(3 problems\):$/m);
  assert.match(message, /^  names: expected \{machines: \{id: name\}, containers: \{id: name\}\}$/m);
  assert.match(message, /^  plan\.mode: expected replicated or global$/m);
  assert.match(message, /^  plan\.operations: expected a list$/m);
});

test('a saved plan applies through the one entry point when the cluster is as it saw it', async () => {
  const { cluster, saved } = await planned();
  const file = path();
  await writePlanFile(file, saved);
  const back = await readPlanFile(file);
  assert.deepEqual(await readSavedPlanSecrets(cluster, back.plan, { spec: spec({ V: '2', DB_PASSWORD: 'hunter2' }) }), []);
  const result = await applyPlan(back.plan, { client: cluster }, { names: savedNames(back), approval: 'all', pollMs: 1 }).result;
  assert.equal(result.outcome, 'done');
  const running = cluster.containersOf('web').filter((c) => c.state === 'running');
  assert.deepEqual(running.map((c) => [c.values.at('env.V'), c.values.at('env.DB_PASSWORD')]), [['2', 'hunter2'], ['2', 'hunter2']]);
});

test('a saved plan whose secret value cannot be read again is refused before anything runs, naming the place', async () => {
  const { cluster, saved } = await planned();
  const back = parsePlanFile(JSON.stringify(saved), 'plan.json');
  // The spec file changed since: its value is not the planned one, so it is not taken.
  assert.deepEqual(await readSavedPlanSecrets(cluster, back.plan, { spec: spec({ V: '2', DB_PASSWORD: 'changed-since' }) }), ['env.DB_PASSWORD']);
  const before = cluster.calls.length;
  const result = await applyPlan(back.plan, { client: cluster }, { names: savedNames(back), approval: 'all', pollMs: 1 }).result;
  assert.equal(result.outcome, 'failed');
  assert.match(result.reason ?? '', /^the value of env\.DB_PASSWORD is not known here: plans keep only a hash of a secret/);
  assert.ok(cluster.calls.slice(before).every((c) => c.kind === 'inspect'), 'only reads: nothing ran');
});

test('a saved plan for a new service keeps the key its first containers will carry, and its secret opens from the spec file', async () => {
  const cluster = new MemoryCluster(['m1']);
  const p = await new Deployment(cluster, { name: 'fresh', image: 'local/busybox:1', command: ['sleep', '1000'], env: { API_TOKEN: 'tok-123456' } }, { rollout: { monitorMs: 5 } }).plan();
  const saved = parsePlanFile(JSON.stringify(savePlan(p.plan, p.state, cluster.describe())), 'plan.json');
  assert.ok(saved.secretKey, 'no container carries the key yet');
  assert.doesNotMatch(JSON.stringify(saved), /tok-123456/);
  assert.deepEqual(await readSavedPlanSecrets(cluster, saved.plan, { secretKey: saved.secretKey, spec: { image: 'x', env: { API_TOKEN: 'tok-123456' } } }), []);
  const result = await applyPlan(saved.plan, { client: cluster }, { names: savedNames(saved), approval: 'all', pollMs: 1 }).result;
  assert.equal(result.outcome, 'done', result.reason);
  const [c] = cluster.containersOf('fresh');
  assert.equal(c!.values.at('env.API_TOKEN'), 'tok-123456');
  assert.equal(c!.labels['dockplan.secret.key'], saved.secretKey);
});

test('a saved plan is refused as stale, naming what changed, when a container it saw is gone; nothing runs', async () => {
  const { cluster, saved } = await planned();
  const file = path();
  await writePlanFile(file, saved);
  const gone = cluster.containersOf('web')[0]!;
  await cluster.removeContainer(gone.machineId, gone.id);
  const back = await readPlanFile(file);
  const before = cluster.calls.length;
  const result = await applyPlan(back.plan, { client: cluster }, { names: savedNames(back), approval: 'all', pollMs: 1 }).result;
  assert.equal(result.outcome, 'stale');
  assert.match(result.reason ?? '', new RegExp(`container ${gone.name} on ${gone.machineId} is gone`));
  assert.ok(cluster.calls.slice(before).every((c) => c.kind === 'inspect'), 'only reads after the refusal');
});
