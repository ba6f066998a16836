// dockplan --version and -V: package.json's version on stdout, exit 0, nothing else run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCli } from '../../src/cli/main.js';

/** runCli's exit code and what it wrote to the given stream. */
async function outputOf(stream: 'stdout' | 'stderr', args: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const target = process[stream];
  const write = target.write;
  target.write = ((chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof target.write;
  try {
    return { code: await runCli(args), text };
  } finally {
    target.write = write;
  }
}

const stdoutOf = async (args: string[]) => {
  const r = await outputOf('stdout', args);
  return { code: r.code, stdout: r.text };
};
const stderrOf = async (args: string[]) => {
  const r = await outputOf('stderr', args);
  return { code: r.code, stderr: r.text };
};

test('--version and -V print package.json\'s version and exit 0', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.match(version, /^\d+\.\d+\.\d+/);
  for (const flag of ['--version', '-V']) {
    const r = await stdoutOf([flag]);
    assert.equal(r.code, 0, flag);
    assert.equal(r.stdout, `${version}\n`, flag);
  }
});

test('--help names every command and exits 0', async () => {
  const r = await stdoutOf(['--help']);
  assert.equal(r.code, 0);
  for (const command of ['machines', 'ls', 'logs', 'plan', 'deploy', 'scale', 'rm', 'apply', 'rollback', 'history', 'lock']) {
    assert.match(r.stdout, new RegExp(`^  ${command}\\b`, 'm'), command);
  }
  assert.match(r.stdout, /-V, --version/);
});

test('dockplan help deploy shows deploy\'s help, as deploy --help does', async () => {
  const viaHelp = await stdoutOf(['help', 'deploy']);
  const viaFlag = await stdoutOf(['deploy', '--help']);
  assert.equal(viaHelp.code, 0);
  assert.match(viaHelp.stdout, /^Usage: dockplan deploy/m);
  assert.equal(viaHelp.stdout, viaFlag.stdout);
});

test('an unknown command is named, with the closest command and the list, exit 1; no "too many arguments"', async () => {
  const r = await stderrOf(['deplyo']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown command 'deplyo' \(did you mean deploy\?\): the commands are machines, ls, .*deploy/);
  assert.doesNotMatch(r.stderr, /too many arguments/);
  const far = await stderrOf(['nosuch']);
  assert.equal(far.code, 1);
  assert.match(far.stderr, /unknown command 'nosuch': the commands are/);
});
