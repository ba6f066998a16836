// dockplan --version and -V: package.json's version on stdout, exit 0, nothing else run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCli } from '../../src/cli/main.js';

/** runCli's exit code and what it wrote to stdout. */
async function stdoutOf(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await runCli(args), stdout };
  } finally {
    process.stdout.write = write;
  }
}

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
