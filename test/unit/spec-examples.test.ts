import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { formatSpecError, parseSpec } from '../../src/model/parse-spec.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { specOf } from './spec-helpers.js';

const EXAMPLES = new URL('../../specs-examples/', import.meta.url);

test('every spec example parses with zero errors', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
  for (const file of files) {
    const { errors } = parseSpec(readFileSync(new URL(file, EXAMPLES), 'utf8'), `specs-examples/${file}`);
    assert.deepEqual(errors.map(formatSpecError), [], file);
  }
});

test('every spec example starts with a comment line saying what it shows', () => {
  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'))) {
    assert.match(readFileSync(new URL(file, EXAMPLES), 'utf8'), /^# \S.*\n/, file);
  }
});

test('the web example is the replicated httpd the cluster tests deploy', () => {
  const spec = specOf(readFileSync(new URL('web.yaml', EXAMPLES), 'utf8'));
  assert.deepEqual(spec, {
    name: 'web',
    replicas: 2,
    image: 'local/busybox:1',
    command: ['sh', '-c', 'mkdir -p /www && echo hello from $(hostname) > /www/index.html && exec httpd -f -p 8080 -h /www'],
    ports: [{ mode: 'host', container: 8080, protocol: 'tcp', published: 8080 }],
    healthcheck: { test: ['CMD-SHELL', 'wget -qO- http://127.0.0.1:8080/ >/dev/null || exit 1'], interval: 1000, timeout: 2000, retries: 3 },
    init: true,
    update: { monitor: 3000 },
  });
});

test('the agent, notes and pinned examples show global mode, a named volume and placement', () => {
  const read = (f: string): ServiceSpec => specOf(readFileSync(new URL(f, EXAMPLES), 'utf8'));
  const agent = read('agent.yaml');
  assert.equal(agent.mode, 'global');
  assert.equal(agent.init, true);
  const notes = read('notes.yaml');
  assert.deepEqual(notes.volumes, [{ name: 'dpx-notes-data', type: 'volume' }]);
  assert.deepEqual(notes.mounts, [{ volume: 'dpx-notes-data', path: '/data' }]);
  assert.equal(notes.replicas, 1);
  const pinned = read('pinned.yaml');
  assert.deepEqual(pinned.placement, { machines: ['m2', 'm3'] });
  assert.equal(pinned.replicas, 2);
});
