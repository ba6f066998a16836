// Whatever a compose file holds, loading it either gives a project or throws a ComposeError whose
// problems are one printable line each: never another exception, never a raw control character.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { ComposeError, formatComposeProblem } from '../../src/compose/project.js';
import { SERVICE_KEYS } from '../../src/compose/service-keys.js';
import { loadInline } from './compose-helpers.js';

const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -5, max: 70_000 }), fc.boolean(), fc.constant(null), fc.constantFrom('${X}', '$$', '${Y:?no}', '80:80', '/data:/data:ro', 'a=b', '1m30s', '\u001b[2J'));
/** Keys of the mappings inside a service (deploy, healthcheck, long syntax, ...), and two that are traps for plain objects. */
const NESTED_KEYS = [
  'target', 'published', 'host_ip', 'protocol', 'mode', 'source', 'type', 'read_only', 'tmpfs', 'size', 'test', 'interval', 'disable',
  'replicas', 'resources', 'limits', 'reservations', 'cpus', 'memory', 'update_config', 'parallelism', 'order', 'placement',
  'constraints', 'condition', 'required', 'service', 'file', 'path', 'driver', 'options', 'soft', 'hard', 'x-a', '__proto__', 'constructor',
];
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom(...NESTED_KEYS), tie('v'), { maxKeys: 3 })),
})).v;
const serviceBody = fc.dictionary(fc.constantFrom(...SERVICE_KEYS, 'x-machines', 'bogus'), value, { maxKeys: 6 });

test('random services load or fail with a ComposeError of printable lines', () => {
  fc.assert(
    fc.property(serviceBody, fc.boolean(), (body, withImage) => {
      const doc = { services: { web: withImage ? { image: 'nginx:1', ...body } : body, db: { image: 'postgres:16' } }, volumes: { data: null } };
      try {
        const p = loadInline({ 'compose.yaml': stringify(doc) }, { env: { X: '1' } });
        assert.ok(p.services.length >= 1);
        for (const w of p.warnings) assert.doesNotMatch(formatComposeProblem(w), /[\u0000-\u001f]/);
      } catch (err) {
        assert.ok(err instanceof ComposeError, `not a ComposeError: ${err instanceof Error ? err.stack : String(err)}\n${stringify(doc)}`);
        assert.ok(err.problems.length > 0);
        for (const p of err.problems) assert.doesNotMatch(formatComposeProblem(p), /[\u0000-\u001f]/);
      }
    }),
    { numRuns: 200, seed: 8 },
  );
});
