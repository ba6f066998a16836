// Shared by the compose tests: load a fixture folder or files held in memory, and read problems
// as the lines a person sees.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ComposeError, formatComposeProblem, loadComposeProject, type ComposeProject, type LoadComposeOptions } from '../../src/compose/project.js';

export const FIXTURES = resolve(import.meta.dirname, '../fixtures/compose');

/** Loads the fixture folder `name` (its default compose file unless `files` are given) with an empty process environment. */
export function loadFixture(name: string, opts: Partial<LoadComposeOptions> = {}): ComposeProject {
  return loadComposeProject({ files: [], env: {}, ...opts, cwd: resolve(FIXTURES, name) });
}

/** The problems of a fixture that must fail, as `FILE:LINE:COL: field: message` lines. */
export function fixtureErrors(name: string, opts: Partial<LoadComposeOptions> = {}): string[] {
  return errorsOf(() => loadFixture(name, opts));
}

export function errorsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    assert.ok(err instanceof ComposeError, `expected a ComposeError, got ${String(err)}`);
    return err.problems.map(formatComposeProblem);
  }
  assert.fail('expected the project to be refused');
}

/** Warnings as lines. */
export function warningsOf(project: ComposeProject): string[] {
  return project.warnings.map(formatComposeProblem);
}

/** Files in memory under /mem (a folder named `app`): `loadInline({'compose.yaml': '...'})`. */
export function loadInline(files: Record<string, string>, opts: Partial<LoadComposeOptions> = {}): ComposeProject {
  const byPath = new Map(Object.entries(files).map(([name, text]) => [resolve('/mem/app', name), text]));
  const readText = (path: string): string => {
    const text = byPath.get(path);
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
  return loadComposeProject({ files: [], env: {}, ...opts, cwd: '/mem/app', readText });
}

/** The spec of service `key` of a project. */
export function specOf(project: ComposeProject, key: string) {
  const s = project.services.find((x) => x.key === key);
  assert.ok(s, `no service ${key} in ${project.services.map((x) => x.key).join(', ')}`);
  return s.spec;
}

/** Lines joined with newlines. */
export function yaml(...lines: string[]): string {
  return lines.join('\n') + '\n';
}
