// The CI face of the built binary on the real cluster: every NDJSON line of real runs (a deploy, a
// failed healthcheck rolled back, a canary asked about) validates against dockplan.events/v1;
// --quiet prints one line; FORCE_COLOR, NO_COLOR and --no-color decide the escape sequences; and
// every file the runs write is under the XDG folders given (nothing in HOME or TMPDIR).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BUSYBOX, machines, containersOf, skipReason } from './harness.js';
import { BIN, dockplan } from '../support/cli-run.js';
import { checkedLines, type EventLineJson } from '../support/events-schema.js';

const skip = skipReason();
const root = mkdtempSync(join(tmpdir(), 'dockplan-ndjson-'));
const NAME = `nd-${Math.random().toString(36).slice(2, 6)}`;
/** Where the runs may write: HOME and TMPDIR must stay empty. */
const XDG = {
  HOME: join(root, 'home'), XDG_STATE_HOME: join(root, 'state'), XDG_CONFIG_HOME: join(root, 'config'),
  XDG_CACHE_HOME: join(root, 'cache'), TMPDIR: join(root, 'tmp'),
};
const specs = join(root, 'specs');

/** A spec of NAME, 2 replicas, whose healthcheck passes or fails; `stage` makes each version differ. */
function spec(stage: string, health: 'true' | 'false'): string {
  const file = join(specs, `${stage}.yaml`);
  writeFileSync(file, `
name: ${NAME}
image: ${BUSYBOX}
replicas: 2
command: ["sh", "-c", "exec sleep 2147483647"]
env: { STAGE: ${stage} }
init: true
healthcheck: { test: ["CMD", "${health}"], interval: 300ms, timeout: 1s, retries: 1 }
placement: { machines: [m1, m2] }
update: { monitor: 300ms }
`);
  return file;
}

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => dockplan(args, { ...XDG, ...env });
const types = (lines: EventLineJson[]) => lines.map((l) => l.type);

async function removeService() {
  for (const m of machines()) {
    for (const c of await containersOf(m.name, NAME).catch(() => [])) await m.docker.getContainer(c.id).remove({ force: true }).catch(() => undefined);
  }
}

before(async () => {
  if (skip) return;
  assert.ok(existsSync(BIN), `${BIN} is missing: npm test builds it (npm run build)`);
  for (const dir of [XDG.HOME, XDG.TMPDIR, specs]) mkdirSync(dir, { recursive: true });
  await removeService();
});
after(async () => {
  if (!skip) await removeService();
  rmSync(root, { recursive: true, force: true });
});

/** The one run of `lines`: one run id, every line naming NAME, the last finished with `code` (or lock-release-failed after it). */
function assertRun(lines: EventLineJson[], code: number): EventLineJson {
  assert.equal(lines[0]!.type, 'plan');
  assert.equal(new Set(lines.map((l) => l.runId)).size, 1, 'one run id, the plan line\'s too');
  assert.ok(lines.every((l) => l.service === NAME), 'every line names the service');
  const finished = lines.at(-1)!;
  assert.deepEqual([finished.type, finished.exitCode, finished.services], ['finished', code, [NAME]]);
  return finished;
}

test('deploy --json: a new service, every line valid; its health changes told; exit 0', { skip }, async () => {
  const r = await run(['deploy', '-f', spec('one', 'true'), '--yes', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = checkedLines(r.stdout);
  assert.equal(assertRun(lines, 0).outcome, 'done');
  assert.equal((lines[0]!.plan as { schema: string }).schema, 'dockplan.plan/v1');
  const health = lines.filter((l) => l.type === 'health').map((l) => `${l.opId} ${l.health}`);
  assert.deepEqual(health.filter((h) => h.endsWith('healthy')).sort(), ['o1 healthy', 'o2 healthy'], health.join(', '));
});

test('deploy --json of a failing healthcheck: the failure, the rollback per machine, finished rolled-back, exit 1', { skip }, async () => {
  const r = await run(['deploy', '-f', spec('two', 'false'), '--yes', '--json']);
  assert.equal(r.code, 1, r.stderr);
  const lines = checkedLines(r.stdout);
  assert.equal(assertRun(lines, 1).outcome, 'rolled-back');
  const failed = lines.find((l) => l.type === 'operation-failed') as EventLineJson & { failure: { message: string; container: { name: string } } };
  assert.match(failed.failure.message, new RegExp(`container ${failed.failure.container.name} on m\\d is unhealthy`));
  assert.ok(lines.some((l) => l.type === 'health' && l.health === 'unhealthy' && l.opId === failed.opId));
  assert.ok(types(lines).includes('rollback-done'));
});

test('deploy --json --canary without a terminal: the canary asked about and left up (stop), exit 0; then rm --quiet says one line', { skip }, async () => {
  const r = await run(['deploy', '-f', spec('three', 'true'), '--yes', '--json', '--canary']);
  assert.equal(r.code, 0, r.stderr);
  const lines = checkedLines(r.stdout);
  assert.equal(assertRun(lines, 0).outcome, 'canary');
  const asked = lines.find((l) => l.type === 'approval-requested')!;
  const answered = lines.find((l) => l.type === 'approval-answered')!;
  assert.deepEqual([asked.kind, answered.requestId, answered.decision], ['canary', asked.requestId, 'stop']);

  const rm = await run(['rm', NAME, '--yes', '--allow-risky', '--quiet']);
  assert.equal(rm.code, 0, rm.stderr);
  assert.match(rm.stdout, new RegExp(`^${NAME}: removed: (\\d+) of \\1 operations done\\n$`));
  assert.equal(rm.stderr, '');
});

test('plan: FORCE_COLOR=1 paints it, NO_COLOR and --no-color do not; --quiet is one line; --json names its schema', { skip }, async () => {
  const file = spec('four', 'true');
  const forced = await run(['plan', '-f', file], { FORCE_COLOR: '1' });
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, new RegExp(`\\x1b\\[32m\\+ create service ${NAME}\\x1b\\[39m`));
  for (const [what, args, env] of [
    ['a pipe', [], {}],
    ['NO_COLOR', [], { NO_COLOR: '1' }],
    ['--no-color', ['--no-color'], { FORCE_COLOR: '1' }],
  ] as const) {
    const r = await run(['plan', '-f', file, ...args], env);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /\x1b\[/, what);
    assert.match(r.stdout, new RegExp(`^\\+ create service ${NAME}$`, 'm'), what);
  }
  const quiet = await run(['plan', '-f', file, '--quiet']);
  assert.equal(quiet.stdout, `+ create service ${NAME}: 2 create · across 2 machines\n`);
  const json = await run(['plan', '-f', file, '--json'], { FORCE_COLOR: '1' });
  assert.equal((JSON.parse(json.stdout) as { schema: string }).schema, 'dockplan.plan/v1');
});

test('every file the runs above wrote is under the XDG folders: the history in XDG_STATE_HOME, nothing in HOME or TMPDIR', { skip }, () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(relative(root, path));
    }
  };
  walk(root);
  const written = files.filter((f) => !f.startsWith('specs/'));
  assert.deepEqual(written, ['state/dockplan/history.jsonl'], files.join('\n'));
  assert.deepEqual(readdirSync(XDG.HOME), []);
  assert.deepEqual(readdirSync(XDG.TMPDIR), []);
  const records = readFileSync(join(root, written[0]!), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { service: string; outcome: string });
  assert.deepEqual(records.map((r) => [r.service, r.outcome]), [[NAME, 'done'], [NAME, 'rolled-back'], [NAME, 'canary'], [NAME, 'done']]);
});
