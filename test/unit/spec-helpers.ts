// Small helpers shared by the spec tests: parse a text and get either the spec or the error lines.
import assert from 'node:assert/strict';
import { formatSpecError, parseSpec } from '../../src/model/parse-spec.js';
import type { ServiceSpec } from '../../src/model/spec.js';

export const FILE = 'svc.yaml';

/** Lines joined with newlines, so tests can write a spec file inline. */
export function yaml(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** Parses a spec that must be valid and returns it. */
export function specOf(text: string): ServiceSpec {
  const { spec, errors } = parseSpec(text, FILE);
  assert.deepEqual(errors.map(formatSpecError), [], 'expected no errors');
  assert.ok(spec);
  return spec;
}

/** Parses a spec that must be invalid and returns its formatted errors; the spec must be absent. */
export function errorsOf(text: string): string[] {
  const { spec, errors } = parseSpec(text, FILE);
  assert.equal(spec, undefined, 'an invalid spec must not come back');
  return errors.map(formatSpecError);
}

/** A valid spec with one extra line set (under `image: local/busybox:1`). */
export function withLines(...lines: string[]): string {
  return yaml('image: local/busybox:1', ...lines);
}
