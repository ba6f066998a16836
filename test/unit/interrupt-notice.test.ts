// An interrupt that no run handles says so and exits 130; one that a run (or logs) listens for is
// left to it. Each case is a child process that listens, says it is ready, and gets a SIGINT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('../../src/cli/interrupt-notice.ts', import.meta.url));

/** Runs `body` (after noticeInterrupts) in a child; sends SIGINT once it prints `ready`. */
function interrupted(body: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const script = `const n = await import(${JSON.stringify(MODULE)}); n.noticeInterrupts(); ${body}; console.log('ready'); setInterval(() => undefined, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes('ready') && !child.killed) child.kill('SIGINT');
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

test('an interrupt before any run says that nothing was changed, and exits 130', async () => {
  const r = await interrupted('');
  assert.equal(r.code, 130, r.stderr);
  assert.equal(r.stderr, '\ndockplan: interrupted before any change: nothing was changed\n');
});

test('after a run began, an interrupt no run handles says only that it was interrupted', async () => {
  const r = await interrupted('n.runBegan()');
  assert.equal(r.code, 130, r.stderr);
  assert.equal(r.stderr, '\ndockplan: interrupted\n');
});

test('an interrupt that something else listens for (a run, logs) is left to it', async () => {
  const r = await interrupted(`process.on('SIGINT', () => { console.log('handled'); process.exit(7); })`);
  assert.equal(r.code, 7);
  assert.match(r.stdout, /handled/);
  assert.equal(r.stderr, '');
});

test("the interactive view takes the signals back: without the notice, Node's default ends the process", async () => {
  const r = await interrupted('n.leaveInterruptsToTheView()');
  assert.equal(r.signal, 'SIGINT');
  assert.equal(r.stderr, '');
});
