import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSpecError, parseSpec } from '../../src/model/parse-spec.js';
import { closest, editDistance } from '../../src/model/did-you-mean.js';
import { errorsOf, specOf, yaml } from './spec-helpers.js';

test('reports every problem at once, sorted by position', () => {
  const text = yaml(
    'name: Web',                       // 1: not a DNS label
    'image: local/busybox:1',          // 2
    'replicas: -2',                    // 3: negative
    'ports:',                          // 4
    '  - 5432:5432/tcp',               // 5: ingress with tcp
    'healthcheck:',                    // 6
    '  interval: soon',                // 7: not a duration
    'mounts:',                         // 8
    '  - {volume: data, path: /data}', // 9: undefined volume
  );
  const { spec, errors } = parseSpec(text, 'web.yaml');
  assert.equal(spec, undefined);
  assert.deepEqual(errors.map(formatSpecError), [
    `web.yaml:1:7: name: expected a DNS label: 1-63 lowercase letters, digits and '-', not starting or ending with '-', got "Web"; did you mean "web"?`,
    'web.yaml:3:11: replicas: expected an integer from 0 to 10000, got -2',
    'web.yaml:5:5: ports[0]: ingress ports must be http or https; add @host for a host-mode tcp port',
    'web.yaml:7:13: healthcheck.interval: expected a duration like 500ms, 2s, 1m or 1m30s (a bare number is seconds), got "soon"',
    'web.yaml:9:14: mounts[0].volume: mount names an undefined volume "data"; define it under volumes',
  ]);
  assert.deepEqual(errors.map((e) => e.line), [1, 3, 5, 7, 9]);
});

test('an error carries file, line, column, field and message', () => {
  const { errors } = parseSpec(yaml('image: local/busybox:1', 'healthcheck:', '  interval: 2x'), 'specs/a.yaml');
  assert.deepEqual(errors, [
    {
      file: 'specs/a.yaml',
      line: 3,
      col: 13,
      field: 'healthcheck.interval',
      message: 'expected a duration like 500ms, 2s, 1m or 1m30s (a bare number is seconds), got "2x"',
    },
  ]);
});

test('formatSpecError leaves out the field for whole-file problems', () => {
  assert.equal(formatSpecError({ file: 'a.yaml', line: 2, col: 3, field: 'ports[1]', message: 'bad' }), 'a.yaml:2:3: ports[1]: bad');
  assert.equal(formatSpecError({ file: 'a.yaml', line: 1, col: 1, field: '', message: 'bad' }), 'a.yaml:1:1: bad');
});

test('an unknown key close to a known one gets a did-you-mean', () => {
  assert.deepEqual(errorsOf(yaml('imgae: local/busybox:1')), ['svc.yaml:1:1: imgae: unknown key; did you mean "image"?']);
  assert.deepEqual(errorsOf(yaml('image: local/busybox:1', 'replics: 2', 'helthcheck: {}', 'health: {}')), [
    'svc.yaml:2:1: replics: unknown key; did you mean "replicas"?',
    'svc.yaml:3:1: helthcheck: unknown key; did you mean "healthcheck"?',
    'svc.yaml:4:1: health: unknown key; did you mean "healthcheck"?',
  ]);
});

test('a misspelt required key is reported once, not also as missing', () => {
  assert.deepEqual(errorsOf(yaml('imag: local/busybox:1')), ['svc.yaml:1:1: imag: unknown key; did you mean "image"?']);
});

test('unknown keys in nested mappings are reported with their dotted path', () => {
  assert.deepEqual(errorsOf(yaml('image: local/busybox:1', 'healthcheck:', '  intervl: 1s', 'update: {ordr: auto}', 'volumes: [{name: data, typ: bind}]')), [
    'svc.yaml:3:3: healthcheck.intervl: unknown key; did you mean "interval"?',
    'svc.yaml:4:10: update.ordr: unknown key; did you mean "order"?',
    'svc.yaml:5:24: volumes[0].typ: unknown key; did you mean "type"?',
  ]);
});

test('compose names point to where the setting lives here', () => {
  assert.deepEqual(errorsOf(yaml('image: local/busybox:1', 'environment: {A: 1}', 'mem_limit: 64M', 'deploy: {}')), [
    'svc.yaml:2:1: environment: unknown key; did you mean "env"?',
    'svc.yaml:3:1: mem_limit: unknown key; did you mean "resources.memory"?',
    'svc.yaml:4:1: deploy: unknown key; there is no deploy section: write mode, replicas, placement and update at the top level',
  ]);
});

test('an unknown key with nothing close lists the keys that are allowed', () => {
  assert.deepEqual(errorsOf(yaml('image: local/busybox:1', 'update: {zzz: 1}')), [
    'svc.yaml:2:10: update.zzz: unknown key; expected one of order, monitor, parallelism, delay, failure_action, max_failure_ratio',
  ]);
});

test('YAML syntax errors come back as errors with positions', () => {
  assert.deepEqual(errorsOf('image: [local/busybox:1\nname: x\n'), [
    'svc.yaml:2:1: YAML syntax error: flow sequence in block collection must be sufficiently indented and end with a ]',
  ]);
  assert.deepEqual(errorsOf('image: "local/busybox:1\n'), ['svc.yaml:2:1: YAML syntax error: missing closing "quote']);
  assert.deepEqual(errorsOf('image: x\n\tname: y\n'), ['svc.yaml:2:1: YAML syntax error: tabs are not allowed as indentation in YAML; indent with spaces']);
});

test('two YAML documents in one spec file are an error', () => {
  assert.deepEqual(errorsOf('image: local/busybox:1\n---\nimage: local/busybox:1\n'), [
    'svc.yaml:2:1: YAML syntax error: a spec file holds one YAML document; remove the second `---` or split the file',
  ]);
});

test('an empty file and a file that is not a mapping are errors', () => {
  assert.deepEqual(errorsOf(''), ['svc.yaml:1:1: the spec is empty; a spec needs at least an image, e.g. `image: local/busybox:1`']);
  assert.deepEqual(errorsOf('# nothing here\n'), ['svc.yaml:1:1: the spec is empty; a spec needs at least an image, e.g. `image: local/busybox:1`']);
  assert.deepEqual(errorsOf('- image: x\n'), ['svc.yaml:1:1: expected a mapping of spec keys (image, name, replicas, ...), got a list']);
});

test('a duplicate key is an error at the second one', () => {
  assert.deepEqual(errorsOf(yaml('image: local/busybox:1', 'replicas: 1', 'replicas: 2')), [
    'svc.yaml:3:1: replicas: duplicate key; "replicas" is already set on line 2',
  ]);
});

test('anchors and aliases are followed; an alias with no anchor is an error', () => {
  const spec = specOf(yaml('image: local/busybox:1', 'command: &cmd [sleep, "5"]', 'entrypoint: *cmd'));
  assert.deepEqual(spec.entrypoint, ['sleep', '5']);
  assert.deepEqual(errorsOf(yaml('image: local/busybox:1', 'command: *nope')), [
    'svc.yaml:2:1: command: the alias *nope names no anchor; define &nope before it',
    'svc.yaml:2:1: command: expected a list of strings or a command string, got nothing',
  ]);
});

test('edit distance counts a swap of two neighbours as one edit', () => {
  assert.equal(editDistance('imgae', 'image'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(closest('replcas', ['replicas', 'image']), 'replicas');
  assert.equal(closest('xyz', ['replicas', 'image']), undefined);
  assert.equal(closest('IMAGE', ['replicas', 'image']), 'image');
});
