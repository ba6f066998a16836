// The confirmation on a real terminal (tmux): deploy asks, naming the cluster, and only a yes acts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX, PROJECT_DIR, clusterFile, containersOf, machines, skipReason, tmuxSkipReason, waitFor } from './harness.js';

const tmuxMissing = tmuxSkipReason();
const skip = skipReason() ?? tmuxMissing;
// A new tmux server per run: starting one on the socket of a server still shutting down fails.
let runs = 0;
const socket = () => `dockplan-test-${process.pid}-${runs}`;
const NAME = `tty-${Math.random().toString(36).slice(2, 6)}`;
const dir = mkdtempSync(join(tmpdir(), 'dockplan-tty-'));
const specFile = join(dir, 'spec.yaml');
writeFileSync(specFile, `name: ${NAME}\nimage: ${BUSYBOX}\ncommand: ["sh", "-c", "exec sleep 2147483647"]\ninit: true\nupdate: { monitor: 300ms }\n`);

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket(), ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'main');

function start(command: string) {
  runs++;
  const bin = join(PROJECT_DIR, 'dist', 'bin', 'dockplan.js');
  tmux('new-session', '-d', '-s', 'main', '-x', '120', '-y', '40',
    `DOCKPLAN_CLUSTER=${clusterFile()} node ${bin} ${command}; echo "exit=$?"; sleep 600`);
}

after(async () => {
  try {
    tmux('kill-server');
  } catch {
    /* already gone */
  }
  if (skip) return;
  for (const m of machines()) for (const c of await containersOf(m.name, NAME)) await m.docker.getContainer(c.id).remove({ force: true });
});

test('on a terminal, deploy asks naming the cluster, and "n" changes nothing', { skip }, async () => {
  start(`deploy -f ${specFile}`);
  await waitFor(() => screen().includes('[y/N]'), 15_000);
  assert.match(screen(), new RegExp(`Deploy ${NAME} on cluster file .*cluster\\.yaml \\(3 machines\\)\\? \\[y/N\\]`));
  tmux('send-keys', '-t', 'main', 'n', 'Enter');
  await waitFor(() => screen().includes('exit='), 15_000);
  assert.match(screen(), /nothing changed/);
  assert.match(screen(), /exit=1/);
  for (const m of machines()) assert.deepEqual(await containersOf(m.name, NAME), []);
  tmux('kill-server');
});

test('on a terminal, Ctrl-C at the question says nothing was changed and exits 130', { skip }, async () => {
  start(`deploy -f ${specFile}`);
  await waitFor(() => screen().includes('[y/N]'), 15_000);
  tmux('send-keys', '-t', 'main', 'C-c');
  await waitFor(() => screen().includes('exit='), 15_000);
  assert.match(screen(), /dockplan: interrupted before any change: nothing was changed/);
  assert.doesNotMatch(screen(), /error:/);
  assert.match(screen(), /exit=130/);
  for (const m of machines()) assert.deepEqual(await containersOf(m.name, NAME), []);
  tmux('kill-server');
});

test('on a terminal, the end of input (Ctrl-D) at the question answers no', { skip }, async () => {
  start(`deploy -f ${specFile}`);
  await waitFor(() => screen().includes('[y/N]'), 15_000);
  tmux('send-keys', '-t', 'main', 'C-d');
  await waitFor(() => screen().includes('exit='), 15_000);
  assert.match(screen(), /nothing changed/);
  assert.match(screen(), /exit=1/);
  for (const m of machines()) assert.deepEqual(await containersOf(m.name, NAME), []);
  tmux('kill-server');
});

test('on a terminal, "y" deploys and the container runs', { skip }, async () => {
  start(`deploy -f ${specFile}`);
  await waitFor(() => screen().includes('[y/N]'), 15_000);
  tmux('send-keys', '-t', 'main', 'y', 'Enter');
  await waitFor(() => screen().includes('exit='), 30_000);
  assert.match(screen(), /exit=0/);
  const all = (await Promise.all(machines().map((m) => containersOf(m.name, NAME)))).flat();
  assert.deepEqual(all.map((c) => c.state), ['running']);
});

test('the terminal going away mid-deploy (a dropped ssh session) interrupts it safely: exit 130, lock released, no Node abort', { skip }, async () => {
  const name = `${NAME}-hup`;
  const spec = (v: string) => {
    const file = join(dir, `hup-${v}.yaml`);
    // A first probe 2s after each start: the run is still going when the terminal goes.
    writeFileSync(file, `name: ${name}\nimage: ${BUSYBOX}\nreplicas: 3\ncommand: ["sleep", "3600"]\ninit: true\nhealthcheck:\n  test: ["CMD-SHELL", "true"]\n  interval: 2s\nenv:\n  V: "${v}"\n`);
    return file;
  };
  const bin = join(PROJECT_DIR, 'dist', 'bin', 'dockplan.js');
  const cli = (...args: string[]) => execFileSync('node', [bin, ...args], { encoding: 'utf8', env: { ...process.env, DOCKPLAN_CLUSTER: clusterFile() } });
  try {
    cli('deploy', '-f', spec('1'), '--yes');
    // The wrapper outlives the terminal (its trap runs once the deploy has ended) to note the exit code.
    const rc = join(dir, 'hup.rc');
    const err = join(dir, 'hup.err');
    const wrapper = join(dir, 'hup.sh');
    writeFileSync(wrapper, `trap 'true' HUP\nnode ${bin} deploy -f ${spec('2')} --yes 2>${err}\necho $? > ${rc}\n`);
    runs++;
    // An interactive shell, as on a jump host: when its terminal goes, it sends SIGHUP to its job.
    tmux('new-session', '-d', '-s', 'main', '-x', '120', '-y', '40', 'bash --norc -i');
    tmux('send-keys', '-t', 'main', `DOCKPLAN_CLUSTER=${clusterFile()} bash ${wrapper}`, 'Enter');
    // The run has begun once its first new container exists (a fourth beside the three).
    await waitFor(async () => (await Promise.all(machines().map((m) => containersOf(m.name, name)))).flat().length > 3, 30_000);
    tmux('kill-server');
    const code = await waitFor(() => { try { return execFileSync('cat', [rc], { encoding: 'utf8' }).trim(); } catch { return undefined; } }, 60_000, 200);
    const stderr = execFileSync('cat', [err], { encoding: 'utf8' });
    assert.doesNotMatch(stderr, /Assertion failed/);
    assert.equal(code, '130', stderr);
    assert.match(cli('lock', 'status', name), new RegExp(`^${name}: not locked$`, 'm'));
    assert.match(cli('history', name), /interrupted/);
  } finally {
    for (const m of machines()) for (const c of await containersOf(m.name, name)) await m.docker.getContainer(c.id).remove({ force: true });
  }
});
