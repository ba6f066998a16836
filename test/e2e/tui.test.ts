// The built binary's interactive view in a real terminal (tmux), against the real cluster: pick a
// service, scale it 1 -> 3, read the plan on screen, approve each operation, and check through
// Docker that every machine runs what the plan showed; $VISUAL takes the terminal and gives it
// back. Also: no terminal exits 2; Ctrl-C exits 130.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROJECT_DIR, clusterFile, containersOf, skipReason, tmuxSkipReason, waitFor } from '../cluster/harness.js';
import { waitAllMachinesUp } from '../support/engine-helpers.js';
import { containersByMachine, deploy, loggerSpec, removeServices, serviceName } from '../support/tui-harness.js';

const BIN = join(PROJECT_DIR, 'dist', 'bin', 'dockplan.js');
const noBuild = existsSync(BIN) ? undefined : `${BIN} is missing: npm run build first`;
const tmuxMissing = tmuxSkipReason();

// A new tmux server per view: starting one on the socket of a server still shutting down fails
// ("server exited unexpectedly").
let views = 0;
const socket = () => `dockplan-tui-e2e-${process.pid}-${views}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket(), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const screen = () => tmux('capture-pane', '-p', '-t', 'main');
const keys = (...k: string[]) => tmux('send-keys', '-t', 'main', ...k);

/** Polls the pane until it matches; on timeout fails with the last screen. */
async function waitScreen(match: string | RegExp | ((screen: string) => boolean), timeoutMs = 15_000): Promise<string> {
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

/** Starts `dockplan` (the interactive view) in a fresh 100x30 tmux session; `env` is put before the command. */
function startView(env = '') {
  try {
    tmux('kill-server');
  } catch {
    /* no server yet */
  }
  views++;
  tmux('new-session', '-d', '-s', 'main', '-x', '100', '-y', '30', '-c', PROJECT_DIR,
    `${env} DOCKPLAN_CLUSTER=${clusterFile()} node ${BIN}; echo "exit=$?"; sleep 600`);
}

const selectedLine = (s: string) => s.split('\n').find((l) => l.startsWith('> '));

/** Moves down (j, one key at a time, reading the screen in between) to the service, and opens it. */
async function openService(name: string, replicas: string): Promise<void> {
  await waitScreen('MACHINES (3 of 3 up)', 20_000);
  await waitScreen(name);
  for (let i = 0; ; i++) {
    const was = selectedLine(screen());
    if (was?.includes(name)) break;
    assert.ok(i < 100, `never reached ${name}:\n${screen()}`);
    keys('j');
    await waitScreen((s) => selectedLine(s) !== was, 5_000);
  }
  keys('Enter');
  await waitScreen(new RegExp(`^${name} · replicated · ${replicas} running`, 'm'));
}

after(() => {
  let socketPath = '';
  try {
    socketPath = tmux('display-message', '-p', '-t', 'main', '#{socket_path}').trim();
    tmux('kill-server');
  } catch {
    /* already gone */
  }
  // kill-server leaves the socket file behind.
  if (socketPath) rmSync(socketPath, { force: true });
});

it('dockplan without a terminal on stdin exits 2 and says to use the plain commands', { skip: noBuild }, async () => {
  const child = spawn(process.execPath, [BIN], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, DOCKPLAN_CLUSTER: clusterFile() } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 2);
  assert.match(stderr, /^dockplan: the interactive view needs a terminal\.$/m);
  assert.match(stderr, /dockplan machines \| ls \| plan -f SPEC \| deploy -f SPEC --yes/);
});

describe('the interactive view in tmux on the real cluster', { skip: skipReason() ?? tmuxMissing ?? noBuild }, () => {
  const name = serviceName('e2e');

  before(async () => {
    await waitAllMachinesUp();
    await deploy(loggerSpec(name, 1));
  });
  after(async () => {
    await removeServices([name]);
  });

  it('scaling a service step by step: the plan on screen is what then runs on each machine, and q exits 0', async () => {
    const before = await containersByMachine(name, { running: true });
    startView();
    await openService(name, '1/1');
    keys('s');
    await waitScreen('Replicas');
    keys('3');
    await waitScreen('> 3');
    keys('Enter');
    const plan = await waitScreen(/across \d machines?/);
    assert.match(plan, /[+~] replicas: (1 -> )?3/);
    assert.match(plan, /^2 create · across 2 machines/m);
    // The plan as the screen shows it: each machine line, then its operations.
    const planned: Record<string, number> = {};
    let current = '';
    for (const line of plan.split('\n')) {
      const m = /^ {2}(m\d)\s*$/.exec(line);
      if (m) current = m[1]!;
      else if (current && line.startsWith(`    + run container ${name}`)) planned[current] = (planned[current] ?? 0) + 1;
    }
    assert.equal(Object.values(planned).reduce((a, b) => a + b, 0), 2, `two new containers on screen:\n${plan}`);
    keys('Enter');
    for (const i of [1, 2]) {
      await waitScreen(`Approve operation o${i} on`);
      keys('Enter');
    }
    await waitScreen('deployed: 2 of 2 operations done', 20_000);
    const after = await containersByMachine(name, { running: true });
    for (const m of Object.keys(after)) {
      assert.equal(after[m]!.length, (before[m]?.length ?? 0) + (planned[m] ?? 0), `${m}: before ${JSON.stringify(before)}, planned ${JSON.stringify(planned)}, now ${JSON.stringify(after)}`);
      for (const c of before[m] ?? []) assert.ok(after[m]!.includes(c), `${c} on ${m} was kept`);
    }
    keys('q');
    await waitScreen('exit=');
    assert.match(screen(), /^exit=0$/m);
  });

  it('e hands the terminal to $VISUAL and the view comes back whole, with the plan of the edited spec', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockplan-tui-e2e-'));
    try {
      const editor = join(dir, 'editor.sh');
      const before = await containersByMachine(name, { running: true });
      const n = Object.values(before).flat().length;
      writeFileSync(editor, `#!/bin/sh\nsed -i 's/^replicas: .*/replicas: ${n + 2}/' "$1"\n`);
      chmodSync(editor, 0o755);
      startView(`VISUAL=${editor}`);
      await openService(name, `${n}/${n}`);
      keys('e');
      const plan = await waitScreen(/across \d machines?/);
      const lines = plan.split('\n');
      assert.match(lines[0]!, /^dockplan · cluster file /, `the view is redrawn from the top:\n${plan}`);
      assert.match(plan, new RegExp(`^PLAN ${name} · edited in \\$EDITOR`, 'm'));
      assert.match(plan, new RegExp(`[+~] replicas: (${n} -> )?${n + 2}$`, 'm'));
      assert.equal(lines.filter((l) => l === `    + run container ${name}`).length, 2, plan);
      keys('Escape');
      await waitScreen(new RegExp(`^${name} · replicated · ${n}/${n} running`, 'm'));
      keys('q');
      await waitScreen('exit=');
      assert.match(screen(), /^exit=0$/m);
      assert.deepEqual(await containersByMachine(name, { running: true }), before, 'nothing was applied');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a terminal made smaller is redrawn whole from the top: no row of the wider frame is left', async () => {
    startView();
    // Whatever count the tests before this one left it at.
    await openService(name, '\\d+/\\d+');
    for (const [x, y] of [[120, 35], [80, 24], [50, 15], [100, 30]] as const) {
      tmux('resize-window', '-t', 'main', '-x', String(x), '-y', String(y));
      // The frame at the new size: its title line at the top, exactly once, the service under it.
      const s = await waitScreen((text) => {
        const lines = text.split('\n');
        return lines[0]!.startsWith('dockplan ·') && lines[1]!.startsWith(name) && lines.every((l) => l.length <= x);
      });
      const lines = s.split('\n');
      assert.equal(lines.filter((l) => l.startsWith('dockplan ·')).length, 1, `${x}x${y}:\n${s}`);
      assert.equal(lines.filter((l) => l.startsWith(`${name} · `)).length, 1, `${x}x${y}:\n${s}`);
    }
    keys('q');
    await waitScreen('exit=0');
  });

  it('the cluster screen, which nothing redraws on its own, shows its frame at once after a resize, narrower or wider', async () => {
    startView();
    await waitScreen('MACHINES (3 of 3 up)', 20_000);
    for (const [x, y] of [[80, 24], [60, 24], [110, 30]] as const) {
      tmux('resize-window', '-t', 'main', '-x', String(x), '-y', String(y));
      // Within 3 s: no Docker event or relist (every 10 s) is needed for it to come back.
      // The frame at the new size, whole: the title on top and once, the footer last, nothing wider.
      const whole = (text: string) => {
        const rows = text.split('\n').filter((l) => l.trim() !== '');
        return rows[0]!.startsWith('dockplan ·') && rows.filter((l) => l.startsWith('dockplan ·')).length === 1
          && rows.at(-1)!.startsWith('enter open') && rows.every((l) => l.length <= x) && text.includes('SERVICES');
      };
      const s = await waitScreen(whole, 3_000);
      const lines = s.split('\n');
      assert.equal(lines.filter((l) => l.startsWith('dockplan ·')).length, 1, `${x}x${y}:\n${s}`);
      // Nothing of the wider frame is left: each heading once, the machine rows whole.
      assert.equal(lines.filter((l) => /^MACHINES \(/.test(l)).length, 1, `${x}x${y}:\n${s}`);
      assert.deepEqual(lines.filter((l) => /^\s+m[123]\s/.test(l)).length, 3, `${x}x${y}:\n${s}`);
    }
    keys('q');
    await waitScreen('exit=0');
  });

  it('SIGTERM to the view during a deploy stops the run as Ctrl-C does (the lock released, nothing half-made), then quits with 130', async () => {
    const slow = serviceName('e2e-term');
    // A first probe 3s after the start: the new containers wait at their health gate meanwhile.
    await deploy(loggerSpec(slow, 1).replace('interval: 300ms', 'interval: 3s'));
    try {
      startView();
      await openService(slow, '1/1');
      keys('s');
      await waitScreen('Replicas');
      keys('3');
      await waitScreen('> 3');
      keys('Enter');
      await waitScreen(/across \d machines?/);
      keys('Enter');
      await waitScreen('Approve operation o1 on');
      keys('a');
      await waitScreen(/^\s+m\d\s+health/m, 20_000);
      const shell = tmux('display-message', '-p', '-t', 'main', '#{pane_pid}').trim();
      const pid = execFileSync('pgrep', ['-P', shell, 'node'], { encoding: 'utf8' }).trim();
      process.kill(Number(pid), 'SIGTERM');
      await waitScreen('exit=', 30_000);
      assert.match(screen(), /^exit=130$/m);
      const lock = execFileSync('node', [BIN, 'lock', 'status', slow], { encoding: 'utf8', env: { ...process.env, DOCKPLAN_CLUSTER: clusterFile() } });
      assert.match(lock, new RegExp(`^${slow}: not locked$`, 'm'));
      const history = execFileSync('node', [BIN, 'history', slow], { encoding: 'utf8', env: { ...process.env, DOCKPLAN_CLUSTER: clusterFile() } });
      assert.match(history, /interrupted/, history);
      const all = (await Promise.all(['m1', 'm2', 'm3'].map((m) => containersOf(m, slow)))).flat();
      assert.deepEqual(all.filter((c) => c.state === 'created').map((c) => c.name), [], 'no container made ahead is left behind');
      assert.ok(all.filter((c) => c.state === 'running').length >= 1, 'the replica it had still runs');
    } finally {
      await removeServices([slow]);
    }
  });

  it('Ctrl-C on the cluster screen exits with 130', async () => {
    startView();
    await waitScreen('MACHINES (3 of 3 up)', 20_000);
    keys('C-c');
    await waitScreen('exit=');
    assert.match(screen(), /^exit=130$/m);
  });
});
