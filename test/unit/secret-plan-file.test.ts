// `dockplan apply` of a saved plan whose secrets are hashes: the values are read again from the spec
// file the plan names (and the service's containers); a value that cannot be read again refuses the
// plan, naming the key and why, before anything runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyFileCommand } from '../../src/cli/commands/apply-file.js';
import { planCommand } from '../../src/cli/commands/deploy.js';
import { MemoryCluster } from '../support/memory-client.js';

const dir = mkdtempSync(join(tmpdir(), 'dockplan-secret-apply-'));

function specFile(password: string): string {
  const file = join(dir, 'web.yaml');
  writeFileSync(file, `name: web\nimage: local/busybox:1\ncommand: [sleep, "1000"]\nenv: { DB_PASSWORD: ${password} }\nupdate: { monitor: 5ms }\n`);
  return file;
}

test('apply reads a new service\'s secret again from the plan\'s spec file; a value changed since refuses, naming the key', async () => {
  const cluster = new MemoryCluster(['m1']);
  const out: string[] = [];
  const ctx = { client: cluster, write: (l: string) => out.push(l) };
  const planFile = join(dir, 'plan.json');
  await planCommand(ctx, specFile('planted-one'), { output: planFile });
  const saved = readFileSync(planFile, 'utf8');
  assert.doesNotMatch(saved, /planted-one/);
  assert.match(saved, /"specFile": ".*web\.yaml"/);

  specFile('planted-two');
  await assert.rejects(applyFileCommand(ctx, planFile, { yes: true }), (err: Error) => {
    assert.equal(err.name, 'UserError');
    assert.match(err.message, new RegExp(`^cannot apply ${planFile}: plan files keep only a hash of each secret, and the value of env\\.DB_PASSWORD cannot be read again \\(.*web\\.yaml holds another value now; no container of web runs it\\)`));
    return true;
  });
  assert.equal(cluster.containersOf('web').length, 0, 'nothing ran');

  specFile('planted-one');
  assert.equal(await applyFileCommand(ctx, planFile, { yes: true }), 0);
  const [c] = cluster.containersOf('web');
  assert.equal(c?.values.at('env.DB_PASSWORD'), 'planted-one');
  assert.doesNotMatch(out.join('\n'), /planted/);
});
