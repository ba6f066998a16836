// History, rollback and saved plans through the built binary on the real cluster, with the history
// in a temp XDG state dir: deploy v1, deploy v2 (same tag, other bytes), `rollback` -> v1's bytes
// and env run again; `history --json` marks what runs; `plan -o` + `apply` runs the saved plan;
// a saved plan whose cluster changed is refused with exit 4, naming the change.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX, containersOf, machine, machines, skipReason } from './harness.js';
import { BIN, dockplan } from '../support/cli-run.js';
import { waitAllMachinesUp } from '../support/engine-helpers.js';

const skip = skipReason();
const dir = mkdtempSync(join(tmpdir(), 'dockplan-history-'));
const STATE = join(dir, 'state');
const suffix = Math.random().toString(36).slice(2, 6);
const NAME = `hist-${suffix}`;
/** One tag whose bytes the test moves: busybox's first, then an image of its own. */
const REPO = `local/dpt-hist-${suffix}`;
const TAG = `${REPO}:app`;
const OTHER = `${REPO}:other`;

const run = (args: string[]) => dockplan(args, { XDG_STATE_HOME: STATE });

function specFile(stage: string, extra = ''): string {
  const file = join(dir, `${NAME}-${stage}.yaml`);
  writeFileSync(file, [
    `name: ${NAME}`,
    `image: ${TAG}`,
    'replicas: 2',
    'command: ["sh", "-c", "exec sleep 2147483647"]',
    `env: { STAGE: ${stage}, DB_PASSWORD: pw-${suffix} }`,
    'init: true',
    'update: { monitor: 500ms }',
    extra,
  ].join('\n'));
  return file;
}

/** Every container of the service that runs, with what Docker says it runs. */
async function running() {
  const out: { machine: string; name: string; imageId: string; env: string[]; deployId: string }[] = [];
  for (const m of machines()) {
    for (const c of await containersOf(m.name, NAME)) {
      if (c.state !== 'running') continue;
      const seen = await m.docker.getContainer(c.id).inspect();
      out.push({ machine: m.name, name: c.name, imageId: seen.Image, env: seen.Config.Env ?? [], deployId: c.labels['dockplan.deploy.id'] ?? '' });
    }
  }
  return out;
}

async function imageId(ref: string): Promise<string> {
  return (await machine('m1').docker.getImage(ref).inspect()).Id;
}

/** Points TAG at `ref`'s bytes on every machine. */
async function retag(ref: string) {
  for (const m of machines()) await m.docker.getImage(ref).tag({ repo: REPO, tag: 'app' });
}

async function removeEverything() {
  for (const m of machines()) {
    for (const c of await containersOf(m.name, NAME).catch(() => [])) await m.docker.getContainer(c.id).remove({ force: true }).catch(() => undefined);
    for (const ref of [TAG, OTHER]) await m.docker.getImage(ref).remove().catch(() => undefined);
  }
}

interface HistoryRow { id: string; current: boolean; running: number; recorded: boolean; origin: string | null; outcome?: string; imageRef?: string | null; spec?: { env?: Record<string, string> } }

describe('history, rollback and saved plans on the real cluster', { skip }, () => {
  let busyboxId = '';
  let otherId = '';

  before(async () => {
    assert.ok(existsSync(BIN), `${BIN} is missing: npm test builds it (npm run build)`);
    await waitAllMachinesUp();
    await removeEverything();
    busyboxId = await imageId(BUSYBOX);
    // Other bytes under a tag of our own: a commit of busybox with one more label, made on m1 and
    // loaded on the others, so that every machine holds the very same image.
    const m1 = machine('m1').docker;
    const base = await m1.createContainer({ Image: BUSYBOX, Cmd: ['true'] });
    await base.commit({ repo: REPO, tag: 'other', changes: `LABEL dpt.history=${suffix}` });
    await base.remove();
    otherId = await imageId(OTHER);
    for (const m of machines().slice(1)) await m.docker.loadImage(await m1.getImage(OTHER).get());
    for (const m of machines()) assert.equal((await m.docker.getImage(OTHER).inspect()).Id, otherId, `${m.name} holds the same bytes`);
    assert.notEqual(otherId, busyboxId);
  });
  after(async () => {
    if (!skip) await removeEverything();
  });

  it('deploy v1, deploy v2 under the same tag with other bytes, then rollback: v1 bytes and env run again; history --json marks what runs', async () => {
    await retag(BUSYBOX);
    let r = await run(['deploy', '-f', specFile('one'), '--yes']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const v1 = await running();
    assert.equal(v1.length, 2);
    assert.ok(v1.every((c) => c.imageId === busyboxId && c.env.includes('STAGE=one')));

    await retag(OTHER);
    r = await run(['deploy', '-f', specFile('two'), '--yes']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const v2 = await running();
    assert.equal(v2.length, 2);
    assert.ok(v2.every((c) => c.imageId === otherId && c.env.includes('STAGE=two')), JSON.stringify(v2));

    r = await run(['history', NAME, '--json']);
    assert.equal(r.code, 0, r.stderr);
    let rows = JSON.parse(r.stdout) as HistoryRow[];
    assert.deepEqual(rows.map((e) => [e.origin?.replace(dir, 'DIR'), e.outcome, e.current, e.running]), [
      [`deploy -f DIR/${NAME}-two.yaml`, 'done', true, 2],
      [`deploy -f DIR/${NAME}-one.yaml`, 'done', false, 0],
    ]);
    assert.equal(rows[0]!.id, v2[0]!.deployId, 'the current row is the deploy id on the running containers');
    assert.equal(rows[1]!.imageRef, busyboxId, 'v1 recorded the bytes it pinned');
    assert.equal(rows[1]!.spec?.env?.DB_PASSWORD, '••••••', 'the history holds the secret masked');
    assert.ok(!readFileSync(join(STATE, 'dockplan', 'history.jsonl'), 'utf8').includes(`pw-${suffix}`), 'the secret never reaches the file');
    const v1Id = rows[1]!.id;

    r = await run(['rollback', NAME, '--yes']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^rolling ${NAME} back to ${v1Id} \\(deploy -f .*-one\\.yaml, by \\S+ at [0-9-]+ [0-9:]+Z; image ${busyboxId}\\)$`, 'm'));
    assert.match(r.stdout, /^ {4}~ env\.STAGE: two -> one$/m);
    const short = (id: string) => id.replace('sha256:', '').slice(0, 12);
    assert.ok(r.stdout.includes(`~ image: ${TAG} (image sha256:${short(otherId)}) -> ${TAG} (image sha256:${short(busyboxId)})`), r.stdout);
    const back = await running();
    assert.equal(back.length, 2);
    for (const c of back) {
      assert.equal(c.imageId, busyboxId, `${c.name} on ${c.machine} runs v1's bytes although the tag now names others`);
      assert.ok(c.env.includes('STAGE=one'), c.env.join(' '));
      assert.ok(c.env.includes(`DB_PASSWORD=pw-${suffix}`), 'the masked secret came back from what ran, never as the mask');
    }

    r = await run(['history', NAME, '--json']);
    rows = JSON.parse(r.stdout) as HistoryRow[];
    assert.deepEqual(rows.map((e) => [e.origin?.replace(dir, 'DIR'), e.current]), [
      [`rollback to ${v1Id}`, true],
      [`deploy -f DIR/${NAME}-two.yaml`, false],
      [`deploy -f DIR/${NAME}-one.yaml`, false],
    ]);
    assert.equal(rows[0]!.id, back[0]!.deployId);

    r = await run(['history', NAME]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^\\* +${rows[0]!.id} .* rollback to ${v1Id} +update: 2 replace +deployed +2 running$`, 'm'));
  });

  it('plan -o saves the plan (0600, versioned); apply runs it as shown and records it', async () => {
    const plan = join(dir, 'three.json');
    let r = await run(['plan', '-f', specFile('three'), '-o', plan]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(plan).mode & 0o777, 0o600);
    const saved = JSON.parse(readFileSync(plan, 'utf8'));
    assert.deepEqual([saved.format, saved.version, saved.plan.serviceName], ['dockplan-plan', 2, NAME]);
    const shown = r.stdout.split('\nsaved the plan')[0]!;

    r = await run(['apply', plan, '--yes']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.stdout.includes(shown), `apply printed the saved plan as plan printed it:\n${r.stdout}`);
    const now = await running();
    assert.equal(now.length, 2);
    assert.ok(now.every((c) => c.env.includes('STAGE=three')));
    const rows = JSON.parse((await run(['history', NAME, '--json'])).stdout) as HistoryRow[];
    assert.equal(rows[0]!.origin, `apply ${plan}`);
    assert.equal(rows[0]!.current, true);
  });

  it('a saved plan is refused with exit 4 once the cluster changed, naming the change, with and without --yes; nothing runs', async () => {
    const plan = join(dir, 'four.json');
    let r = await run(['plan', '-f', specFile('four'), '-o', plan]);
    assert.equal(r.code, 0, r.stderr);
    const [victim] = await running();
    assert.ok(victim);
    await machine(victim.machine).docker.getContainer(victim.name).stop({ t: 1 });
    const change = new RegExp(`container ${victim.name} on ${victim.machine} was running, now exited`);

    r = await run(['apply', plan]);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stdout, /^refused: the cluster changed since the plan for .* was made: /m);
    assert.match(r.stdout, change);

    r = await run(['apply', plan, '--yes']);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stdout, change);
    assert.ok((await running()).every((c) => c.env.includes('STAGE=three')), 'nothing of four ran');
  });

  it('apply refuses a file that is not a plan, and rollback --to an unknown deploy, each with exit 1 and no stack trace', async () => {
    let r = await run(['apply', specFile('five')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: .*five\.yaml is not a plan file: it is not JSON/m);
    // A saved plan edited by hand (every new container made privileged) is refused, and nothing runs.
    const plan = join(dir, 'five.json');
    r = await run(['plan', '-f', specFile('five'), '-o', plan]);
    assert.equal(r.code, 0, r.stderr);
    const saved = JSON.parse(readFileSync(plan, 'utf8'));
    for (const op of saved.plan.operations) if (op.spec) op.spec.privileged = true;
    writeFileSync(plan, JSON.stringify(saved, null, 2));
    const before = (await running()).map((c) => c.name).sort();
    r = await run(['apply', plan, '--yes']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /five\.json is not a usable plan \(1 problem\):\n  digest: does not match the file's contents \(the file was changed after it was saved; apply runs only a plan as dockplan saved it\): plan again/);
    assert.deepEqual((await running()).map((c) => c.name).sort(), before, 'nothing of the edited plan ran');
    r = await run(['rollback', NAME, '--to', 'r-nope', '--yes']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^error: deploy r-nope is not in the history of ${NAME} on this machine: see dockplan history ${NAME}$`, 'm'));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});
