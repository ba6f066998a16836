// The built binary in a real terminal (tmux) and on pipes, in a locale that is not UTF-8 (LC_ALL=C,
// LANG unset): every byte it writes is ASCII, screens keep their layout at 80x24 with a container
// logging tabs, \r and escape sequences, and a UTF-8 locale still gets the glyphs. JSON output is
// the same ASCII in both.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUSYBOX, PROJECT_DIR, clusterFile, skipReason, tmuxSkipReason, waitFor } from '../cluster/harness.js';
import { waitAllMachinesUp } from '../support/engine-helpers.js';
import { NOISY_LINES, noisySpec } from '../support/terminal-fixtures.js';
import { deploy, removeServices, serviceName } from '../support/tui-harness.js';

const BIN = join(PROJECT_DIR, 'dist', 'bin', 'dockplan.js');
const noBuild = existsSync(BIN) ? undefined : `${BIN} is missing: npm run build first`;
const skip = skipReason() ?? noBuild;

/** The environment without any locale variable: each test adds the ones it is about. */
function withoutLocale(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { LC_ALL: _a, LC_CTYPE: _c, LANG: _l, LANGUAGE: _g, ...rest } = env;
  return rest;
}
const C_LOCALE = { LC_ALL: 'C' };
const UTF8_LOCALE = { LANG: 'C.UTF-8' };
const NON_ASCII = /[^\x00-\x7f]/;

interface Run { code: number; stdout: string; stderr: string }

/** Runs the built binary on pipes with the given locale; its output is decoded as UTF-8 so nothing is hidden. */
function dockplan(args: string[], locale: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...withoutLocale(), ...locale, DOCKPLAN_CLUSTER: clusterFile() },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.end();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** The first non-ASCII character and where, for a failure message. */
function firstNonAscii(text: string): string {
  const at = text.search(NON_ASCII);
  return at < 0 ? 'none' : `${JSON.stringify(text[at])} at ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 30), at + 30))}`;
}

describe('dockplan plan on pipes, by locale', { skip }, () => {
  const name = serviceName('ascii');
  const dir = mkdtempSync(join(tmpdir(), 'dockplan-ascii-'));
  const spec = join(dir, 'spec.yaml');
  writeFileSync(spec, `name: ${name}\nimage: ${BUSYBOX}\ncommand: ["sh", "-c", "exec sleep 2147483647"]\nenv: { CITY: Zürich, GREETING: "日本 · ok" }\n`);
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('with LC_ALL=C and LANG unset the plan is ASCII only, its summary joined by -', async () => {
    const run = await dockplan(['plan', '-f', spec], C_LOCALE);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!NON_ASCII.test(run.stdout), `non-ASCII in the plan: ${firstNonAscii(run.stdout)}\n${run.stdout}`);
    assert.match(run.stdout, /^1 create - across 1 machine$/m, run.stdout);
  });

  it('with LANG=C.UTF-8 the same plan keeps its ·', async () => {
    const run = await dockplan(['plan', '-f', spec], UTF8_LOCALE);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^1 create · across 1 machine$/m, run.stdout);
  });

  it('an error message in LC_ALL=C is ASCII too', async () => {
    const missing = join(dir, 'nö-such-file.yaml');
    const run = await dockplan(['plan', '-f', missing], C_LOCALE);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /n\?-such-file|no-such-file/, run.stderr);
    assert.ok(!NON_ASCII.test(run.stderr), `non-ASCII on stderr: ${firstNonAscii(run.stderr)}`);
  });

  it('plan --json is the same ASCII in both locales, and parses back to the exact values', async () => {
    const ascii = await dockplan(['plan', '-f', spec, '--json'], C_LOCALE);
    const utf8 = await dockplan(['plan', '-f', spec, '--json'], UTF8_LOCALE);
    assert.equal(ascii.code, 0, ascii.stderr);
    assert.equal(utf8.code, 0, utf8.stderr);
    for (const run of [ascii, utf8]) assert.ok(!NON_ASCII.test(run.stdout), `non-ASCII in JSON: ${firstNonAscii(run.stdout)}`);
    assert.match(ascii.stdout, /Z\\u00fcrich/);
    // The same data either way (a new service's id is drawn afresh on each plan).
    const data = (run: Run) => {
      const plan = JSON.parse(run.stdout) as { service: { id?: string }; fingerprint?: string };
      delete plan.service.id;
      delete plan.fingerprint;
      return plan;
    };
    assert.deepEqual(data(ascii), data(utf8));
    const values = JSON.stringify(data(ascii), null, 0);
    assert.ok(values.includes('Zürich') && values.includes('日本 · ok'), `the env values did not survive:\n${values}`);
  });
});

describe('the interactive view in tmux, by locale', { skip: skip ?? tmuxSkipReason() }, () => {
  const name = serviceName('ascii');
  // A new tmux server per view: starting one on the socket of a server still shutting down fails.
  let views = 0;
  const socket = () => `dockplan-ascii-e2e-${process.pid}-${views}`;
  // The tmux client that captures reads UTF-8, so a non-ASCII character on screen shows as itself.
  const tmux = (...args: string[]) =>
    execFileSync('tmux', ['-L', socket(), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...withoutLocale(), ...UTF8_LOCALE } });
  const screen = () => tmux('capture-pane', '-p', '-t', 'main');
  const keys = (...k: string[]) => tmux('send-keys', '-t', 'main', ...k);

  async function waitScreen(match: string | RegExp | ((s: string) => boolean), timeoutMs = 15_000): Promise<string> {
    let last = '';
    const ok = (s: string) => (typeof match === 'string' ? s.includes(match) : match instanceof RegExp ? match.test(s) : match(s));
    try {
      return await waitFor(() => {
        last = screen();
        return ok(last) ? last : undefined;
      }, timeoutMs, 50);
    } catch {
      throw new Error(`the terminal did not show ${String(match)} within ${timeoutMs} ms; screen:\n${last}`);
    }
  }

  /** Starts `dockplan` in a fresh 80x24 tmux session with only the given locale variables. */
  function startView(locale: Record<string, string>) {
    try {
      tmux('kill-server');
    } catch {
      /* no server yet */
    }
    views++;
    const vars = Object.entries(locale).map(([k, v]) => `${k}=${v}`).join(' ');
    tmux('new-session', '-d', '-s', 'main', '-x', '80', '-y', '24', '-c', PROJECT_DIR,
      `env -u LC_ALL -u LC_CTYPE -u LANG -u LANGUAGE ${vars} DOCKPLAN_CLUSTER=${clusterFile()} node ${BIN}; echo "exit=$?"; sleep 600`);
  }

  function assertAscii(s: string, where: string) {
    assert.ok(!NON_ASCII.test(s), `${where}: non-ASCII on screen: ${firstNonAscii(s)}\n${s}`);
  }

  before(async () => {
    await waitAllMachinesUp();
    await deploy(noisySpec(name));
  });
  after(async () => {
    try {
      const socketPath = tmux('display-message', '-p', '-t', 'main', '#{socket_path}').trim();
      tmux('kill-server');
      rmSync(socketPath, { force: true });
    } catch {
      /* already gone */
    }
    await removeServices([name]);
  });

  it('with LC_ALL=C every screen is ASCII: title, help box, and the logs of a noisy container, header on top', async () => {
    startView(C_LOCALE);
    let s = await waitScreen('MACHINES (3 of 3 up)', 20_000);
    await waitScreen(name);
    s = screen();
    assertAscii(s, 'cluster');
    assert.match(s.split('\n')[0]!, /^dockplan - cluster file /, s);
    assert.match(s, /enter open - \/ filter/, s);

    keys('?');
    s = await waitScreen('Keys on this screen');
    assertAscii(s, 'help');
    assert.match(s, /^\+-{10,}\+$/m, `the box's top is + and -:\n${s}`);
    assert.match(s, /^\| Keys on this screen +\|$/m, s);
    keys('x');
    await waitScreen((x) => !x.includes('Keys on this screen'));

    for (let i = 0; ; i++) {
      const selected = screen().split('\n').find((l) => l.startsWith('> '));
      if (selected?.includes(name)) break;
      assert.ok(i < 100, `never reached ${name}:\n${screen()}`);
      keys('j');
      await waitScreen((x) => x.split('\n').find((l) => l.startsWith('> ')) !== selected, 5_000);
    }
    keys('Enter');
    await waitScreen(new RegExp(`^${name} - replicated - `, 'm'));
    keys('l');
    // The record of ten tab-separated columns is 83 columns: cut to 80 with … shown as '.'.
    const cut = `${NOISY_LINES.columns.slice(0, 79)}.`;
    s = await waitScreen((x) => x.split('\n').includes(cut) && x.split('\n').includes(NOISY_LINES.escapes), 20_000);
    // Followed for a few more records: the title and the service stay on top of every screen.
    const tick = (x: string) => Math.max(0, ...[...x.matchAll(/^tick (\d+)$/gm)].map((m) => Number(m[1])));
    for (let read = 0; read < 3; read++) {
      const seen = tick(s);
      s = await waitScreen((x) => tick(x) > seen, 10_000);
      const lines = s.split('\n');
      assertAscii(s, 'logs');
      assert.match(lines[0]!, /^dockplan - cluster file /, `the title scrolled away:\n${s}`);
      assert.match(lines[1]!, new RegExp(`^${name} - replicated - `), `the service line moved:\n${s}`);
      assert.ok(lines.includes(NOISY_LINES.progress), s);
      assert.ok(lines.includes(NOISY_LINES.controls), s);
      assert.doesNotMatch(s, /pwned|progress 10%/, s);
    }
    keys('q');
    await waitScreen('exit=');
    assert.match(screen(), /^exit=0$/m);
  });

  it('with LANG=C.UTF-8 the view keeps its glyphs', async () => {
    startView(UTF8_LOCALE);
    const s = await waitScreen('MACHINES (3 of 3 up)', 20_000);
    assert.match(s.split('\n')[0]!, /^dockplan · cluster file /, s);
    keys('?');
    assert.match(await waitScreen('Keys on this screen'), /^╭─+╮$/m);
    keys('x', 'q');
    await waitScreen('exit=');
    assert.match(screen(), /^exit=0$/m);
  });
});
