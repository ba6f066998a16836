// YAML as people write compose files: anchors and aliases, `<<` merge keys, `x-` extension fields,
// errors located at the alias that brought a value in, and alias bombs refused fast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from 'yaml';
import { formatSpecError, parseSpec } from '../../src/model/parse-spec.js';
import { aliasTableOf, MAX_ALIAS_COPIES, MAX_ALIAS_EXPANSIONS } from '../../src/model/yaml-aliases.js';
import { errorsOf, specOf, yaml } from './spec-helpers.js';

test('the fault report: x- fields are ignored and explicit keys beat merged ones', () => {
  const spec = specOf(yaml(
    'x-common-env: &common-env',
    '  LOG_LEVEL: info',
    '  REGION: eu',
    'name: mergetest',
    'image: local/busybox:1',
    'env:',
    '  <<: *common-env',
    '  REGION: us',
  ));
  assert.deepEqual(spec, { name: 'mergetest', image: 'local/busybox:1', env: { LOG_LEVEL: 'info', REGION: 'us' } });
});

const MERGES_INTO_MAPPINGS: [string, string[], (s: ReturnType<typeof specOf>) => unknown, unknown][] = [
  ['healthcheck', ['x-hc: &hc {test: [CMD, "true"], interval: 2s, retries: 3}', 'healthcheck:', '  <<: *hc', '  retries: 5'],
    (s) => s.healthcheck, { test: ['CMD', 'true'], interval: 2000, retries: 5 }],
  ['resources', ['x-res: &res {memory: 64M, shm_size: 1M}', 'resources: {<<: *res, memory: 128M}'],
    (s) => s.resources, { memory: 128 << 20, shm_size: 1 << 20 }],
  ['ulimits', ['x-lim: &lim {nofile: {soft: 1024, hard: 2048}, nproc: 64}', 'ulimits:', '  <<: *lim', '  nproc: 128'],
    (s) => s.ulimits, { nofile: { soft: 1024, hard: 2048 }, nproc: { soft: 128, hard: 128 } }],
  ['a ulimit inside ulimits', ['x-soft: &soft {soft: 10}', 'ulimits: {nofile: {<<: *soft, hard: 20}}'],
    (s) => s.ulimits, { nofile: { soft: 10, hard: 20 } }],
  ['update', ['x-up: &up {order: stop-first, monitor: 5s}', 'update: {<<: *up, monitor: 1s}'],
    (s) => s.update, { order: 'stop-first', monitor: 1000 }],
  ['logging and its options', ['x-log: &log {driver: json-file, options: {max-size: 10m}}', 'logging: *log'],
    (s) => s.logging, { driver: 'json-file', options: { 'max-size': '10m' } }],
  ['a volume in a list', ['x-vol: &vol {type: volume, labels: {team: a}}', 'volumes:', '  - {<<: *vol, name: data}'],
    (s) => s.volumes, [{ name: 'data', type: 'volume', labels: { team: 'a' } }]],
  ['the top level', ['x-base: &base {replicas: 2, init: true}', '<<: *base', 'replicas: 3'],
    (s) => [s.replicas, s.init], [3, true]],
  ['an inline mapping', ['env: {<<: {A: "1", B: "2"}, B: "3"}'],
    (s) => s.env, { A: '1', B: '3' }],
];

for (const [where, lines, pick, expected] of MERGES_INTO_MAPPINGS) {
  test(`a << merge works in ${where}`, () => {
    assert.deepEqual(pick(specOf(yaml('image: local/busybox:1', ...lines))), expected);
  });
}

test('among several merged mappings the first listed wins; explicit keys beat them all', () => {
  const spec = specOf(yaml(
    'x-a: &a {A: from-a, SHARED: from-a}',
    'x-b: &b {B: from-b, SHARED: from-b, MINE: from-b}',
    'image: local/busybox:1',
    'env:',
    '  <<: [*a, *b]',
    '  MINE: mine',
  ));
  assert.deepEqual(spec.env, { A: 'from-a', SHARED: 'from-a', B: 'from-b', MINE: 'mine' });
});

test('merged entries take the place of the << among the explicit keys', () => {
  const spec = specOf(yaml('x-a: &a {B: "2", C: "3"}', 'image: local/busybox:1', 'env: {A: "1", <<: *a, D: "4", C: "5"}'));
  assert.deepEqual(Object.keys(spec.env ?? {}), ['A', 'B', 'D', 'C']);
});

test('a merged mapping that merges another brings both in, nearer keys first', () => {
  const spec = specOf(yaml(
    'x-base: &base {LEVEL: base, BASE: "1"}',
    'x-mid: &mid {<<: *base, LEVEL: mid}',
    'image: local/busybox:1',
    'env: {<<: *mid}',
  ));
  assert.deepEqual(spec.env, { LEVEL: 'mid', BASE: '1' });
});

test('a key set explicitly and merged too is not a duplicate; an explicit key twice still is', () => {
  assert.deepEqual(specOf(yaml('x-a: &a {A: "1"}', 'image: local/busybox:1', 'env: {<<: *a, A: "2"}')).env, { A: '2' });
  assert.deepEqual(errorsOf(yaml('x-a: &a {A: "1"}', 'image: local/busybox:1', 'env:', '  <<: *a', '  B: "1"', '  B: "2"')), [
    'svc.yaml:6:3: env.B: duplicate key; "B" is already set on line 5',
  ]);
});

test('a quoted "<<" is an ordinary key, and a %YAML 1.1 document merges like any other', () => {
  assert.deepEqual(specOf(yaml('image: local/busybox:1', 'env: {"<<": x}')).env, { '<<': 'x' });
  assert.deepEqual(specOf(yaml('%YAML 1.1', '---', 'x-a: &a {A: "1"}', 'image: local/busybox:1', 'env: {<<: *a, B: "2"}')).env, { A: '1', B: '2' });
});

test('x- keys are ignored at the top level and in every fixed-key mapping', () => {
  const spec = specOf(yaml(
    'x-owner: team-a',
    'image: local/busybox:1',
    'healthcheck:',
    '  test: [CMD, "true"]',
    '  x-note: checked by the load balancer too',
    'update: {order: auto, x-window: nights}',
    'volumes: [{name: data, x-backup: daily}]',
    'mounts: [{volume: data, path: /data, x-why: state}]',
    'logging: {driver: json-file, x-shipper: vector}',
    'placement: {machines: [m1], x-reason: disk}',
  ));
  assert.deepEqual(spec, {
    image: 'local/busybox:1',
    volumes: [{ name: 'data', type: 'volume' }],
    mounts: [{ volume: 'data', path: '/data' }],
    placement: { machines: ['m1'] },
    healthcheck: { test: ['CMD', 'true'] },
    logging: { driver: 'json-file' },
    update: { order: 'auto' },
  });
});

test('in free-form mappings an x- key is a real name and is kept', () => {
  const spec = specOf(yaml(
    'image: local/busybox:1',
    'env: {x-trace: 1}',
    'volumes: [{name: data, labels: {x-team: a}, driver_opts: {x-opt: b}}]',
    'logging: {driver: json-file, options: {x-tag: c}}',
  ));
  assert.deepEqual(spec.env, { 'x-trace': '1' });
  assert.deepEqual(spec.volumes, [{ name: 'data', type: 'volume', labels: { 'x-team': 'a' }, driver_opts: { 'x-opt': 'b' } }]);
  assert.deepEqual(spec.logging?.options, { 'x-tag': 'c' });
});

test('a key that looks meant as an extension field says how to write one', () => {
  assert.deepEqual(errorsOf(yaml('X-owner: a', 'x_note: b', 'image: local/busybox:1')), [
    'svc.yaml:1:1: X-owner: unknown key; to have it ignored as an extension field, start it with x- (lowercase, with a dash)',
    'svc.yaml:2:1: x_note: unknown key; to have it ignored as an extension field, start it with x- (lowercase, with a dash)',
  ]);
});

const ERRORS_AT_THE_ALIAS: [string, string[], string[]][] = [
  ['a merged value of the wrong type is reported at the << alias, naming the anchor', [
    'x-common-env: &common-env',       // 1
    '  LOG_LEVEL: [info]',             // 2
    'image: local/busybox:1',          // 3
    'env:',                            // 4
    '  <<: *common-env',               // 5
  ], ['svc.yaml:5:7: env.LOG_LEVEL: expected a string, number or boolean, got a list (from &common-env on line 1; written on line 2)']],
  ['a whole value reached through an alias is reported at the alias', [
    'x-cmd: &cmd {run: this}',         // 1
    'image: local/busybox:1',          // 2
    'command: *cmd',                   // 3
  ], ['svc.yaml:3:10: command: expected a list of strings or a command string, got a mapping (from &cmd on line 1)']],
  ['errors nested deeper inside the aliased value are reported at the alias too', [
    'x-lim: &lim',                     // 1
    '  nofile: {soft: 10, hard: 5}',   // 2
    'image: local/busybox:1',          // 3
    'ulimits: *lim',                   // 4
  ], ['svc.yaml:4:10: ulimits.nofile.soft: the soft limit 10 is above the hard limit 5; soft must be <= hard (from &lim on line 1; written on line 2)']],
  ['an unknown key merged into a fixed-key mapping is reported at the << alias', [
    'x-hc: &hc',                       // 1
    '  intervl: 1s',                   // 2
    'image: local/busybox:1',          // 3
    'healthcheck:',                    // 4
    '  test: [CMD, "true"]',           // 5
    '  <<: *hc',                       // 6
  ], ['svc.yaml:6:7: healthcheck.intervl: unknown key; did you mean "interval"? (from &hc on line 1; written on line 2)']],
  ['a missing key of an aliased mapping is reported at the alias', [
    'x-vol: &vol {type: volume}',      // 1
    'image: local/busybox:1',          // 2
    'volumes:',                        // 3
    '  - *vol',                        // 4
  ], ['svc.yaml:4:5: volumes[0].name: missing; every volume needs a name (from &vol on line 1)']],
  ['an item of an aliased list is reported at the alias of the list', [
    'x-ports: &ports',                 // 1
    '  - 8080:80@host',                // 2
    '  - 99999:80@host',               // 3
    'image: local/busybox:1',          // 4
    'ports: *ports',                   // 5
  ], ['svc.yaml:5:8: ports[1]: published port "99999" is not a port number 1..65535 (from &ports on line 1; written on line 3)']],
  ['an alias inside an aliased value is reported at the outer alias, the one being read', [
    'x-a: &a {interval: soon}',        // 1
    'x-b: &b {<<: *a, retries: 2}',    // 2
    'image: local/busybox:1',          // 3
    'healthcheck: *b',                 // 4
  ], ['svc.yaml:4:14: healthcheck.interval: expected a duration like 500ms, 2s, 1m or 1m30s (a bare number is seconds), got "soon" (from &b on line 2; written on line 1)']],
  ['a value that is fine where it is anchored and wrong where it is aliased is reported only at the alias', [
    'image: local/busybox:1',          // 1
    'command: &words [sleep, "5"]',    // 2
    'cap_add: *words',                 // 3
  ], [
    'svc.yaml:3:10: cap_add[0]: unknown capability "sleep"; see capabilities(7) for the names (from &words on line 2)',
    'svc.yaml:3:10: cap_add[1]: unknown capability "5"; see capabilities(7) for the names (from &words on line 2)',
  ]],
];

for (const [rule, lines, expected] of ERRORS_AT_THE_ALIAS) {
  test(rule, () => {
    assert.deepEqual(errorsOf(yaml(...lines)), expected);
  });
}

const BAD_MERGES: [string, string[], string[]][] = [
  ['<< with a number is an error at its line', ['image: local/busybox:1', 'env:', '  <<: 3'],
    ['svc.yaml:3:7: env.<<: expected a mapping to merge or a list of them, like <<: *defaults or <<: [*a, *b], got 3']],
  ['<< with nothing is an error at the <<', ['image: local/busybox:1', 'env:', '  <<:'],
    ['svc.yaml:3:3: env.<<: expected a mapping to merge or a list of them, like <<: *defaults or <<: [*a, *b], got nothing']],
  ['<< with an alias of a list of words is an error at the alias', ['x-l: &l [a, b]', 'image: local/busybox:1', 'env: {<<: *l}'],
    ['svc.yaml:3:11: env.<<[0]: expected a mapping to merge or a list of them, like <<: *defaults or <<: [*a, *b], got "a" (from &l on line 1)',
      'svc.yaml:3:11: env.<<[1]: expected a mapping to merge or a list of them, like <<: *defaults or <<: [*a, *b], got "b" (from &l on line 1)']],
  ['one bad item in a list of merges is an error at that item', ['x-a: &a {A: "1"}', 'image: local/busybox:1', 'env: {<<: [*a, 3]}'],
    ['svc.yaml:3:16: env.<<[1]: expected a mapping to merge or a list of them, like <<: *defaults or <<: [*a, *b], got 3']],
  ['two << keys in one mapping are a duplicate, with how to merge several', ['x-a: &a {A: "1"}', 'x-b: &b {B: "1"}', 'image: local/busybox:1', 'env:', '  <<: *a', '  <<: *b'],
    ['svc.yaml:6:3: env.<<: duplicate key; "<<" is already set on line 5; merge several mappings with one <<: [*a, *b]']],
  ['a mapping merging itself is an error, not a loop', ['image: local/busybox:1', 'env: &e', '  <<: *e'],
    ['svc.yaml:3:7: env.<<: merges &e into itself: this << is inside the mapping it merges']],
  ['an unknown alias keeps its clear error', ['image: local/busybox:1', 'env: {<<: *nope}'],
    ['svc.yaml:2:7: env.<<: the alias *nope names no anchor; define &nope before it',
      'svc.yaml:2:7: env.<<: expected a mapping to merge or a list of them, like <<: *defaults or <<: [*a, *b], got nothing']],
];

for (const [rule, lines, expected] of BAD_MERGES) {
  test(rule, () => {
    assert.deepEqual(errorsOf(yaml(...lines)), expected);
  });
}

/** Ten levels, each anchor holding ten aliases of the one before: 10^9 values once expanded. */
function billionLaughs(level0: string, level: (aliases: string) => string, use: string): string {
  const lines = [`x-l0: &l0 ${level0}`];
  for (let i = 1; i < 10; i++) lines.push(`x-l${i}: &l${i} ${level(Array(10).fill(`*l${i - 1}`).join(', '))}`);
  return yaml(...lines, 'image: local/busybox:1', use);
}

const BOMBS: [string, string, RegExp][] = [
  ['a list bomb', billionLaughs('[lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]', (a) => `[${a}]`, 'command: *l9'), /follow more than 1,000 aliases/],
  ['a merge bomb', billionLaughs('{A: "1"}', (a) => `{<<: [${a}]}`, 'env: *l9'), /follow more than 1,000 aliases/],
  ['a bomb that nothing reads', billionLaughs('[lol]', (a) => `[${a}]`, 'x-unused: 1'), /follow more than 1,000 aliases/],
  ['a few aliases of one wide anchor', yaml(
    `x-w: &w {${Array.from({ length: 2000 }, (_, i) => `K${i}: v`).join(', ')}}`,
    'image: local/busybox:1',
    `env: {<<: [${Array(20).fill('*w').join(', ')}]}`,
  ), /copy more than 20,000 values/],
];

for (const [kind, text, why] of BOMBS) {
  test(`${kind} is refused with one located error, in seconds at most`, () => {
    const started = performance.now();
    const { spec, errors } = parseSpec(text, 'bomb.yaml');
    const elapsed = performance.now() - started;
    assert.equal(spec, undefined);
    assert.equal(errors.length, 1, errors.map(formatSpecError).join('\n'));
    assert.match(errors[0].message, /^too many aliases: by this one, expanding them all would /);
    assert.match(errors[0].message, why);
    assert.ok(errors[0].line > 1, 'the error points at the alias where the expansion gets too big');
    // Expanded, these take minutes and gigabytes; refused, a few ms (the bound leaves room for a busy machine).
    assert.ok(elapsed < 5_000, `took ${elapsed.toFixed(0)}ms`);
  });
}

test('sharing a large block a few times stays within the alias limits', () => {
  const vars = Array.from({ length: 300 }, (_, i) => `V${i}: "${i}"`).join(', ');
  const spec = specOf(yaml(`x-env: &env {${vars}}`, 'x-again: [*env, *env, *env]', 'image: local/busybox:1', 'env: {<<: *env}'));
  assert.equal(Object.keys(spec.env ?? {}).length, 300);
});

test('the alias count multiplies through nested anchors and stops at the limit', () => {
  const table = (text: string): ReturnType<typeof aliasTableOf> => aliasTableOf(parseDocument(text, { uniqueKeys: false }));
  // 10 + 10 * 11 = 120 expansions: within the limit
  assert.equal(table(yaml('a: &a [x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', `c: [${Array(10).fill('*b').join(', ')}]`)).overflow, undefined);
  assert.ok(MAX_ALIAS_EXPANSIONS < 1200 && MAX_ALIAS_COPIES >= 10_000);
  const over = table(yaml('a: &a [x]', `b: &b [${Array(100).fill('*a').join(', ')}]`, `c: [${Array(10).fill('*b').join(', ')}]`));
  // 100 + 101 * n passes 1,000 at the 9th alias of b on line 3, column 4 + 4 * 8
  assert.equal(over.overflow?.offset, yaml('a: &a [x]', `b: &b [${Array(100).fill('*a').join(', ')}]`).length + 4 + 4 * 8);
});
