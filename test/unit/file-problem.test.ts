// Why a file could not be read, the same words for a spec, a cluster file and a plan file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSpecFile } from '../../src/cli/spec-file.js';
import { readPlanFile } from '../../src/store/plan-file.js';
import { fileProblem } from '../../src/model/file-problem.js';

test('each fs error code reads as words; anything else keeps its own message', () => {
  const coded = (code: string) => Object.assign(new Error(`${code}: raw`), { code });
  assert.equal(fileProblem(coded('ENOENT')), 'no such file');
  assert.equal(fileProblem(coded('EACCES')), 'permission denied');
  assert.equal(fileProblem(coded('EPERM')), 'permission denied');
  assert.equal(fileProblem(coded('EISDIR')), 'it is a folder');
  assert.equal(fileProblem(coded('ENOTDIR')), 'a part of its path is not a folder');
  assert.equal(fileProblem(coded('EIO')), 'EIO: raw');
  assert.equal(fileProblem('odd'), 'odd');
});

test('a spec file and a plan file that are folders, or under a file, say so in the same words', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dockplan-file-problem-'));
  const file = join(dir, 'plain');
  writeFileSync(file, 'x');
  await assert.rejects(readSpecFile(dir), { message: `cannot read spec file ${dir}: it is a folder` });
  await assert.rejects(readPlanFile(dir), { message: `cannot read the plan file ${dir}: it is a folder` });
  await assert.rejects(readSpecFile(join(file, 'web.yaml')), { message: `cannot read spec file ${join(file, 'web.yaml')}: a part of its path is not a folder` });
});
