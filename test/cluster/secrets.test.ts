// A planted secret, through the built binary and the view on the real cluster: a spec holding four
// secret values (a secret-looking name, a secret_env name, a name the config file makes secret, a
// `password=` inside a logging option) is planned, saved, applied, listed, changed, redeployed,
// rolled back and failed; every output, file, label and frame is searched for the planted text,
// which only Docker's own container Env and log config may hold. A changed secret plans a replace
// naming the key; --show-secrets shows it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containersOf, machine, skipReason } from './harness.js';
import { dockplan, type Run } from '../support/cli-run.js';
import { renderTui, ENTER } from '../support/tui-harness.js';
import { useSecretPolicy, DEFAULT_SECRET_POLICY } from '../../src/plan/secrets.js';

const skip = skipReason();
const PLANTED = 'planted-s3cret-XYZ';
const suffix = Math.random().toString(36).slice(2, 6);
const NAME = `sec-${suffix}`;
const dir = mkdtempSync(join(tmpdir(), 'dockplan-secrets-'));
const XDG = { XDG_STATE_HOME: join(dir, 'state'), XDG_CONFIG_HOME: join(dir, 'config'), XDG_CACHE_HOME: join(dir, 'cache') };
const run = (...args: string[]) => dockplan(args, XDG);

/** The spec file: the DB password is the part a test changes; `command` replaces the sleeper. */
function spec(stage: string, opts: { password?: string; command?: string } = {}): string {
  const file = join(dir, `${NAME}-${stage}.yaml`);
  writeFileSync(file, [
    `name: ${NAME}`,
    'image: local/busybox:1',
    'placement: { machines: [m1] }',
    `command: ["sh", "-c", ${JSON.stringify(opts.command ?? 'exec sleep 2147483647')}]`,
    'env:',
    `  DB_PASSWORD: ${opts.password ?? `${PLANTED}-db`}`,
    `  API_HOST: ${PLANTED}-env`,
    `  APP_SIGIL: ${PLANTED}-cfg`,
    '  LEVEL: info',
    'secret_env: [API_HOST]',
    `logging: { driver: json-file, options: { tag: "app password=${PLANTED}-log", max-size: 1m } }`,
    'init: true',
    'update: { monitor: 300ms }',
    '',
  ].join('\n'));
  return file;
}

/** Every file under `root`, recursively. */
function filesUnder(root: string): string[] {
  if (!statSync(root, { throwIfNoEntry: false })) return [];
  return readdirSync(root, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(root, e.name)) : [join(root, e.name)]));
}

const seen: { what: string; text: string }[] = [];
/** Keeps what a run printed, for the search at the end, and returns the run. */
function kept(what: string, r: Run): Run {
  seen.push({ what: `${what} (stdout)`, text: r.stdout }, { what: `${what} (stderr)`, text: r.stderr });
  return r;
}

describe('a planted secret never leaves Docker', { skip }, () => {
  before(() => {
    mkdirSync(join(XDG.XDG_CONFIG_HOME, 'dockplan'), { recursive: true });
    writeFileSync(join(XDG.XDG_CONFIG_HOME, 'dockplan', 'config.yaml'), 'secrets:\n  keys: [SIGIL]\n');
  });
  after(async () => {
    useSecretPolicy(DEFAULT_SECRET_POLICY);
    for (const c of await containersOf('m1', NAME)) await machine('m1').docker.getContainer(c.id).remove({ force: true }).catch(() => undefined);
  });

  it('plan, saved plan, apply, ls, history, labels and the view hold no secret value; a changed one replaces by name; --show-secrets shows it', async () => {
    const v1 = spec('v1');
    const plain = kept('plan', await run('plan', '-f', v1));
    assert.equal(plain.code, 0, plain.stderr);
    kept('plan --json', await run('plan', '-f', v1, '--json'));
    const planFile = join(dir, 'plan.json');
    assert.equal(kept('plan -o', await run('plan', '-f', v1, '-o', planFile)).code, 0);
    const applied = kept('apply --json', await run('apply', planFile, '--yes', '--json'));
    assert.equal(applied.code, 0, `${applied.stdout}\n${applied.stderr}`);
    assert.match(applied.stdout, /"outcome":"done"/);

    // Docker runs the clear values (Env and the log config are Docker's, not dockplan's); the labels hold hashes.
    const [first] = (await containersOf('m1', NAME)).filter((c) => c.state === 'running');
    assert.ok(first, 'the service runs on m1');
    const inspected = await machine('m1').docker.getContainer(first.id).inspect();
    assert.ok(inspected.Config.Env.includes(`DB_PASSWORD=${PLANTED}-db`), 'the container runs the real value');
    assert.equal(inspected.HostConfig.LogConfig?.Config.tag, `app password=${PLANTED}-log`);
    const labels = JSON.stringify(inspected.Config.Labels);
    seen.push({ what: 'container labels', text: labels });
    const stored = JSON.parse(inspected.Config.Labels['dockplan.spec']!);
    assert.match(stored.env.DB_PASSWORD, /^hmac-sha256:[0-9a-f]{8}:[0-9a-f]{64}$/);
    assert.match(stored.env.APP_SIGIL, /^hmac-sha256:/, 'the config file made APP_SIGIL secret');
    assert.match(stored.logging.options.tag, /^app password=hmac-sha256:/);
    assert.equal(stored.env.LEVEL, 'info');

    for (const args of [['ls'], ['ls', '--json'], ['history', NAME], ['history', NAME, '--json']]) kept(args.join(' '), await run(...args));
    const history = kept('history --json', await run('history', NAME, '--json'));
    assert.equal(JSON.parse(history.stdout)[0].spec.env.DB_PASSWORD, '••••••');
    // --show-secrets opens the record's hash with what the container runs (this output alone may show it).
    assert.equal(JSON.parse((await run('--show-secrets', 'history', NAME, '--json')).stdout)[0].spec.env.DB_PASSWORD, `${PLANTED}-db`);

    // The same spec again: nothing to do.
    assert.match(kept('plan again', await run('plan', '-f', v1)).stdout, /is up to date: no changes/);

    // A changed secret: a replace that names the key, never a value.
    const v2 = spec('v2', { password: `${PLANTED}-db2` });
    const changed = kept('plan v2', await run('plan', '-f', v2));
    assert.match(changed.stdout, /^ {4}~ env\.DB_PASSWORD: •••••• -> •••••• \(changed\)$/m);
    assert.match(changed.stdout, new RegExp(`replace container ${first.name} on m1 \\(env changed`));
    assert.equal(changed.stdout.match(/^ {4}[~+-] /gm)?.length, 1, 'only the changed key is listed');
    const shown = await run('--show-secrets', 'plan', '-f', v2);
    assert.match(shown.stdout, new RegExp(`~ env\\.DB_PASSWORD: ${PLANTED}-db -> ${PLANTED}-db2$`, 'm'));
    const deployed = kept('deploy v2 --json', await run('deploy', '-f', v2, '--yes', '--json'));
    assert.equal(deployed.code, 0, deployed.stdout);

    // The earlier value ran in containers that are gone: a rollback to it is refused, naming the key.
    const back = kept('rollback', await run('rollback', NAME, '--yes'));
    assert.equal(back.code, 1);
    assert.match(back.stderr, /cannot roll back to r\S+: the history keeps only a hash of each secret, and no container of sec-\w+ runs the value of env\.DB_PASSWORD/);

    // A container that prints its secret and fails: what the run reports quotes no value.
    const failing = kept('deploy v3 (fails)', await run('deploy', '-f', spec('v3', { password: `${PLANTED}-db2`, command: 'echo "connecting with $DB_PASSWORD"; exit 3' }), '--yes'));
    assert.equal(failing.code, 1, failing.stdout);
    assert.match(failing.stdout, /connecting with ••••••/, 'the container log line is shown, its secret masked');

    // The view: the service screen's spec pane and the inspect pane.
    useSecretPolicy({ words: ['SIGIL'], not: [] });
    const tui = await renderTui({ rows: 40 });
    try {
      await tui.selectService(NAME);
      const pane = await tui.waitFor(/DB_PASSWORD: ••••••/);
      seen.push({ what: 'the view: spec pane', text: pane });
      assert.match(pane, /APP_SIGIL: ••••••/);
      await tui.press('i');
      seen.push({ what: 'the view: inspect pane', text: await tui.waitFor('INSPECT') });
      await tui.press('i', 'v');
      await tui.waitFor('KEY=VALUE');
      await tui.press(...'DB_PASSWORD=other-value', ENTER);
      seen.push({ what: 'the view: plan screen', text: await tui.waitFor(/~ env\.DB_PASSWORD: •••••• -> •••••• \(changed\)/, 15_000) });
    } finally {
      await tui.cleanup();
    }

    // dockplan --show-secrets: the spec pane shows the value the containers run.
    const shown2 = await renderTui({ rows: 40, showSecrets: true });
    try {
      await shown2.selectService(NAME);
      await shown2.waitFor(`DB_PASSWORD: ${PLANTED}-db2`);
    } finally {
      await shown2.cleanup();
    }

    for (const file of [...filesUnder(dir).filter((f) => !f.endsWith('.yaml')), ...filesUnder(XDG.XDG_STATE_HOME)]) seen.push({ what: file, text: readFileSync(file, 'utf8') });
    assert.ok(seen.some((s) => s.what.endsWith('history.jsonl')), 'the history file was searched');
    assert.ok(seen.some((s) => s.what === planFile), 'the saved plan was searched');
    const leaks = seen.filter((s) => s.text.includes(PLANTED)).map((s) => s.what);
    assert.deepEqual(leaks, [], `the planted value appeared in: ${leaks.join(', ')}`);
  });
});
