// The NDJSON contract (dockplan.events/v1): every line of real runs, through the CLI's own face
// (runPlanned with --json) over the in-memory cluster, must validate against
// docs/events-v1.schema.json, and the schema must be v1 as promised below: a field added, dropped
// or renamed in any line, or in the schema, fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_LINE_TYPES, EVENTS_SCHEMA, ndjsonStream, planScope } from '../../src/cli/ndjson.js';
import { PLAN_SCHEMA } from '../../src/cli/json-output.js';
import { planOutput } from '../../src/cli/progress.js';
import { runPlanned } from '../../src/cli/run-plan.js';
import { runProjectPlanned } from '../../src/cli/run-project.js';
import { PROJECT_PLAN_SCHEMA } from '../../src/cli/json-output.js';
import { planProject, type ProjectInput } from '../../src/execute/project.js';
import { exitCodeOf } from '../../src/cli/exit-codes.js';
import { applyPlan } from '../../src/execute/apply.js';
import { Deployment } from '../../src/execute/deployment.js';
import { newRunId } from '../../src/execute/execution.js';
import type { AcquireOptions, DeployLock, HeldLock, LockHolder } from '../../src/execute/lock.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import type { RolloutOverrides } from '../../src/plan/rollout.js';
import { MemoryCluster } from '../support/memory-client.js';
import { checkedLines as checked, EVENTS_SCHEMA_FILE as schema, validateEventLine as validate, type EventLineJson as Line } from '../support/events-schema.js';

/**
 * v1 as promised to scripts: per line type, the fields beyond the envelope (schema, type, runId,
 * at, service, services), required and optional. Changing this table is changing the contract:
 * that is a new schema version, not an edit.
 */
const V1: Record<string, { required: string[]; optional?: string[] }> = {
  plan: { required: ['plan'] },
  'run-started': { required: ['operations', 'batches'] },
  'lock-waiting': { required: ['holder'] },
  'lock-acquired': { required: [], optional: ['warning'] },
  'lock-release-failed': { required: ['reason'] },
  'batch-started': { required: ['batch', 'kind', 'units'] },
  'batch-done': { required: ['batch'] },
  'approval-requested': { required: ['requestId', 'kind'], optional: ['unitId', 'opIds', 'machineId', 'batch', 'reason'] },
  'approval-answered': { required: ['requestId', 'kind', 'decision'] },
  paused: { required: ['requestId', 'batch', 'reason'] },
  'operation-started': { required: ['opId', 'machineId'] },
  phase: { required: ['opId', 'phase', 'machineId'], optional: ['container', 'detail'] },
  health: { required: ['opId', 'health', 'machineId'], optional: ['container', 'detail'] },
  'operation-done': { required: ['opId', 'elapsedMs', 'effects'] },
  'operation-failed': { required: ['opId', 'elapsedMs', 'failure', 'effects'] },
  'operation-undone': { required: ['opId', 'effects'] },
  'rollback-started': { required: ['reason'] },
  'rollback-done': { required: ['restored'] },
  interrupt: { required: ['rollback'] },
  cleanup: { required: ['removed', 'failed'] },
  finished: { required: ['outcome', 'exitCode', 'completed', 'total'], optional: ['reason'] },
};
/** Types whose lines need not name one service: the ones about the whole run (they carry `services`). */
const RUN_LEVEL = new Set(['plan', 'finished']);

const spec = (extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
  name: 'web', image: 'local/busybox:1', replicas: 2, command: ['sleep', '1000'], healthcheck: { test: ['CMD', 'true'] }, ...extra,
});
const FAST: RolloutOverrides = { monitorMs: 5 };

/** `deploy --json --yes` of `s` through the CLI's face; the NDJSON lines and the exit code. */
async function deployJson(cluster: MemoryCluster, s: ServiceSpec, opts: { rollout?: RolloutOverrides; lock?: DeployLock } = {}): Promise<{ lines: Line[]; code: number }> {
  const planned = await new Deployment(cluster, s, { rollout: { ...FAST, ...opts.rollout } }).plan();
  const out: string[] = [];
  const code = await runPlanned(planned, { client: cluster, write: (l) => out.push(l), ...(opts.lock ? { lock: opts.lock } : {}) }, { json: true, yes: true }, 'test');
  return { lines: checked(out), code };
}

/** Every type seen by the runs of this file, to prove they cover the schema. */
const seen = new Set<string>();
const saw = (lines: Line[]) => lines.forEach((l) => seen.add(l.type));

/** One run's lines: one run id (the plan line's too), every line naming the service, finished last with the exit code. */
function assertOneRun(lines: Line[], code: number) {
  saw(lines);
  assert.equal(lines[0]!.type, 'plan');
  assert.deepEqual(new Set(lines.map((l) => l.runId)).size, 1, 'one run id on every line, the plan line included');
  assert.ok(lines.every((l) => l.service === 'web'), 'every line names its service');
  for (const l of lines) if (RUN_LEVEL.has(l.type)) assert.deepEqual(l.services, ['web'], l.type);
  const finished = lines.filter((l) => l.type === 'finished');
  assert.equal(finished.length, 1);
  assert.equal(finished[0]!.exitCode, code, 'finished carries the exit code the command returns');
  assert.equal(finished[0]!.exitCode, exitCodeOf(finished[0]!.outcome as never));
  for (const l of lines) if ('opId' in l) assert.match(String(l.opId), /^o\d+$/);
}

const types = (lines: Line[]) => lines.map((l) => l.type);

test('the schema file is v1 as promised: every type, and exactly the fields of each', () => {
  assert.deepEqual([...schema.properties.type.enum].sort(), Object.keys(V1).sort());
  assert.deepEqual([...EVENT_LINE_TYPES].sort(), Object.keys(V1).sort(), 'the writer and the schema know the same types');
  const envelope = ['schema', 'type', 'runId', 'at', 'service', 'services'];
  for (const [type, fields] of Object.entries(V1)) {
    const def = schema.$defs[type]!;
    assert.deepEqual((def.required ?? []).filter((f) => f !== 'service' && f !== 'services').sort(), [...fields.required].sort(), `${type}: required fields`);
    assert.equal(def.required?.includes('services') ?? false, type === 'plan', `${type}: whether it must name the run's services`);
    assert.deepEqual(Object.keys(def.properties ?? {}).sort(), [...fields.required, ...(fields.optional ?? [])].sort(), `${type}: fields`);
    assert.equal(def.required?.includes('service') ?? false, !RUN_LEVEL.has(type), `${type}: whether it must name a service`);
    for (const f of envelope) assert.ok(!(f in (def.properties ?? {})), `${type} does not redefine ${f}`);
  }
});

test('a line whose shape changed fails the schema: a field added, dropped, renamed, retyped, or another version', () => {
  const line = {
    schema: EVENTS_SCHEMA, type: 'operation-done', runId: 'r20260101T000000Z-abcd', at: '2026-01-01T00:00:00.000Z', service: 'web', opId: 'o1', elapsedMs: 12,
    effects: [{ kind: 'container-created', machineId: 'm1', container: { id: 'c1', name: 'web-ab12' } }],
  };
  assert.ok(validate(line), JSON.stringify(validate.errors));
  const { elapsedMs, ...dropped } = line;
  for (const [what, changed] of Object.entries({
    added: { ...line, machine: 'm1' },
    dropped,
    renamed: { ...dropped, elapsed: elapsedMs },
    retyped: { ...line, elapsedMs: '12' },
    'another version': { ...line, schema: 'dockplan.events/v2' },
    'no service': (({ service: _s, ...rest }) => rest)(line),
    'time without ms': { ...line, at: '2026-01-01T00:00:00Z' },
    'an effect with a field more': { ...line, effects: [{ ...line.effects[0]!, extra: 1 }] },
  })) assert.equal(validate(changed), false, what);
});

test('a deploy that succeeds: plan, run, batches, operations with their phases and health, cleanup, finished exit 0', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  const first = await deployJson(cluster, spec());
  assertOneRun(first.lines, 0);
  const { lines, code } = await deployJson(cluster, spec({ env: { V: '2' } }));
  assertOneRun(lines, 0);
  assert.equal(code, 0);
  assert.deepEqual((lines[0]!.plan as { schema: string }).schema, PLAN_SCHEMA);
  assert.ok(first.lines[0]!.runId !== lines[0]!.runId, 'each run its own id');
  for (const t of ['run-started', 'batch-started', 'batch-done', 'operation-started', 'phase', 'health', 'operation-done', 'cleanup', 'finished']) {
    assert.ok(types(lines).includes(t), `${t} in ${types(lines).join(' ')}`);
  }
  // a health change is told twice: the phase, then the health line about the same operation and container
  const healthy = lines.findIndex((l) => l.type === 'health' && l.health === 'healthy');
  assert.deepEqual([lines[healthy - 1]!.type, lines[healthy - 1]!.phase, lines[healthy - 1]!.opId], ['phase', 'healthy', lines[healthy]!.opId]);
  assert.deepEqual(lines.at(-1)!.type, 'finished');
  assert.deepEqual([lines.at(-1)!.outcome, lines.at(-1)!.completed, lines.at(-1)!.total], ['done', 2, 2]);
  const started = lines.find((l) => l.type === 'operation-started')!;
  assert.equal(started.machineId, 'm1', 'operation-started names the machine from the plan');
});

test('a health failure rolls back: operation-failed with the failure, undone, rollback started and done per machine, finished rolled-back exit 1', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  await deployJson(cluster, spec());
  let started = 0;
  cluster.health = (c) => (c.spec.env?.V === '2' && ++started === 2 ? 'unhealthy' : 'healthy');
  const { lines, code } = await deployJson(cluster, spec({ env: { V: '2' } }));
  assertOneRun(lines, 1);
  assert.equal(code, 1);
  const failed = lines.find((l) => l.type === 'operation-failed')! as Line & { failure: { message: string; container?: { name: string } } };
  assert.match(failed.failure.message, /unhealthy/);
  assert.ok(lines.some((l) => l.type === 'health' && l.health === 'unhealthy' && l.opId === failed.opId));
  assert.deepEqual(types(lines).filter((t) => t.startsWith('rollback')), ['rollback-started', 'rollback-done']);
  assert.ok(types(lines).includes('operation-undone'));
  assert.equal(lines.at(-1)!.outcome, 'rolled-back');
});

test('approvals from the command line: a canary is asked about and left up (exit 0); a pause is told, asked about and aborted (exit 1)', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  await deployJson(cluster, spec());
  const canary = await deployJson(cluster, spec({ env: { V: '2' } }), { rollout: { canary: true } });
  assertOneRun(canary.lines, 0);
  const asked = canary.lines.find((l) => l.type === 'approval-requested')!;
  assert.deepEqual([asked.kind, typeof asked.machineId, asked.batch], ['canary', 'string', 1]);
  const answered = canary.lines.find((l) => l.type === 'approval-answered')!;
  assert.deepEqual([answered.requestId, answered.kind, answered.decision], [asked.requestId, 'canary', 'stop']);
  assert.equal(canary.lines.at(-1)!.outcome, 'canary');

  const other = new MemoryCluster(['m1', 'm2']);
  await deployJson(other, spec());
  let n = 0;
  other.health = (c) => (c.spec.env?.V === '2' && ++n === 1 ? 'unhealthy' : 'healthy');
  const paused = await deployJson(other, spec({ env: { V: '2' }, update: { failure_action: 'pause' } }));
  assertOneRun(paused.lines, 1);
  const at = types(paused.lines).indexOf('paused');
  assert.ok(at > 0);
  assert.deepEqual([paused.lines[at + 1]!.type, paused.lines[at + 1]!.kind, paused.lines[at + 1]!.requestId], ['approval-requested', 'paused', paused.lines[at]!.requestId]);
  assert.equal(paused.lines.find((l) => l.type === 'approval-answered')!.decision, 'abort');
  assert.equal(paused.lines.at(-1)!.outcome, 'aborted');
});

/** A lock held by someone else until it has been waited for once; taken without a majority, and left behind at the end. */
function contestedLock(): DeployLock {
  const other: LockHolder = { owner: 'dave@jump2', since: '2026-01-01T00:00:00.000Z', runId: 'r20260101T000000Z-0000' };
  return {
    async acquire(_service: string, holder: LockHolder, opts?: AcquireOptions) {
      opts?.onWait?.(other);
      const held: HeldLock = {
        holder, machines: ['m1'], warning: 'only m1 of m1, m2 answered: not a majority',
        release: async () => { throw new Error('m2 did not answer: its lock volume stays until dockplan lock release web'); },
      };
      return held;
    },
    survey: async () => ({ machineCount: 2, locks: [], unreachable: [] }),
    breakLock: async () => ({ broken: [], unreachable: [] }),
  } as unknown as DeployLock;
}

test('the deploy lock: waited for, taken with a warning, left behind after finished; a lock held by another run ends the run locked, exit 3', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  const { lines, code } = await deployJson(cluster, spec(), { lock: contestedLock() });
  assertOneRun(lines, 1 - 1);
  assert.equal(code, 0);
  assert.deepEqual(types(lines).slice(1, 3), ['lock-waiting', 'lock-acquired']);
  assert.equal(lines[1]!.holder, 'dave@jump2 since 2026-01-01T00:00:00.000Z (run r20260101T000000Z-0000)');
  assert.match(String(lines[2]!.warning), /not a majority/);
  assert.deepEqual(types(lines).slice(-2), ['finished', 'lock-release-failed']);

  const held: DeployLock = { ...contestedLock(), acquire: async () => ({ heldBy: { owner: 'dave@jump2', since: '2026-01-01T00:00:00.000Z', runId: 'r1' } }) };
  const refused = await deployJson(new MemoryCluster(['m1']), spec({ replicas: 1 }), { lock: held });
  assertOneRun(refused.lines, 3);
  assert.deepEqual(types(refused.lines), ['plan', 'finished']);
  assert.equal(refused.lines[1]!.outcome, 'locked');
});

test('a stale plan ends the run stale, exit 4, nothing run', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  await deployJson(cluster, spec());
  const planned = await new Deployment(cluster, spec({ env: { V: '2' } }), { rollout: FAST }).plan();
  await deployJson(cluster, spec({ replicas: 1 }));
  const out: string[] = [];
  const code = await runPlanned(planned, { client: cluster, write: (l) => out.push(l) }, { json: true, yes: true }, 'test');
  const lines = checked(out);
  assert.equal(code, 4);
  assertOneRun(lines, 4);
  assert.deepEqual(types(lines), ['plan', 'finished']);
  assert.equal(lines[1]!.outcome, 'stale');
});

test('approvals one unit at a time and an interrupt: requested and answered per operation, the interrupt told, finished interrupted', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const { plan, names } = await new Deployment(cluster, spec({ replicas: 3 }), { rollout: FAST }).plan();
  const runId = newRunId();
  const out: string[] = [];
  const stream = ndjsonStream(planScope(plan, runId), (l) => out.push(l));
  stream.plan(JSON.parse(planOutput(plan, names, { json: true })) as object);
  let approved = 0;
  const app = applyPlan(plan, { client: cluster }, {
    names, approval: 'each', pollMs: 1, runId,
    onEvent: (e) => {
      stream.event(e);
      if (e.type !== 'approval-requested') return;
      // approve the first unit; interrupt while the second is asked about (the interrupt declines it)
      setImmediate(() => (approved++ === 0 ? app.answer(e.request.id, 'approve') : app.interrupt()));
    },
  });
  const result = await app.result;
  const lines = checked(out);
  assertOneRun(lines, 130);
  assert.equal(result.outcome, 'interrupted');
  const asked = lines.filter((l) => l.type === 'approval-requested');
  assert.ok(asked.length >= 2);
  assert.deepEqual([asked[0]!.kind, asked[0]!.opIds, asked[0]!.machineId], ['operation', ['o1'], 'm1']);
  const answers = lines.filter((l) => l.type === 'approval-answered');
  assert.deepEqual(answers.map((a) => [a.requestId, a.kind]).slice(0, 1), [[asked[0]!.requestId, 'operation']]);
  assert.ok(types(lines).includes('interrupt'));
});

/** A compose-like project of two services, the second after the first. */
const shop = (web: Partial<ServiceSpec> = {}): ProjectInput => ({
  name: 'shop',
  services: [
    { key: 'db', spec: spec({ name: 'shop-db', replicas: 1, ...web }), dependsOn: [] },
    { key: 'web', spec: spec({ name: 'shop-web', ...web }), dependsOn: ['db'] },
  ],
});

/** `deploy -f compose.yaml --json --yes` of `project`: the lines and the exit code. */
async function deployProjectJson(cluster: MemoryCluster, project: ProjectInput): Promise<{ lines: Line[]; code: number }> {
  const plan = await planProject(cluster, project, { rollout: FAST });
  const out: string[] = [];
  const code = await runProjectPlanned(plan, { client: cluster, write: (l) => out.push(l) }, { json: true, yes: true }, 'test');
  return { lines: checked(out), code };
}

test('a project run: one stream, one run id, each line naming its service (db, then web); the plan and the last finished name both services', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  const { lines, code } = await deployProjectJson(cluster, shop());
  saw(lines);
  assert.equal(code, 0);
  assert.equal(new Set(lines.map((l) => l.runId)).size, 1);
  assert.deepEqual([lines[0]!.type, lines[0]!.services, 'service' in lines[0]!], ['plan', ['db', 'web'], false]);
  assert.equal((lines[0]!.plan as { schema: string }).schema, PROJECT_PLAN_SCHEMA);
  const last = lines.at(-1)!;
  assert.deepEqual([last.type, last.services, 'service' in last, last.outcome, last.exitCode, last.completed, last.total], ['finished', ['db', 'web'], false, 'done', 0, 3, 3]);
  const middle = lines.slice(1, -1);
  assert.ok(middle.every((l) => l.service === 'db' || l.service === 'web'));
  assert.ok(middle.every((l) => !('services' in l)), 'a service\'s own finished is not the run\'s end');
  const order = middle.map((l) => l.service);
  assert.ok(order.lastIndexOf('db') < order.indexOf('web'), order.join(' '));
  assert.deepEqual(middle.filter((l) => l.type === 'finished').map((l) => l.service), ['db', 'web']);
  const started = middle.filter((l) => l.type === 'operation-started').map((l) => `${l.service} ${l.opId} ${l.machineId}`);
  assert.deepEqual(started, ['db o1 m1', 'web o1 m1', 'web o2 m2'], 'op ids repeat across services; the service tells them apart');
});

test('a project whose second service fails its health gate ends rolled-back, exit 1, in the last line', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  await deployProjectJson(cluster, shop());
  cluster.health = (c) => (c.spec.name === 'shop-web' && c.spec.env?.V === '2' ? 'unhealthy' : 'healthy');
  const { lines, code } = await deployProjectJson(cluster, shop({ env: { V: '2' } }));
  saw(lines);
  assert.equal(code, 1);
  assert.ok(lines.some((l) => l.type === 'operation-failed' && l.service === 'web'));
  assert.deepEqual([lines.at(-1)!.type, lines.at(-1)!.outcome, lines.at(-1)!.exitCode, lines.at(-1)!.services], ['finished', 'rolled-back', 1, ['db', 'web']]);
});

test('the runs above produced every type of v1', () => {
  assert.deepEqual([...seen].sort(), Object.keys(V1).sort());
});
