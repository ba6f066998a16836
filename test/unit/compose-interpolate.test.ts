import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolate } from '../../src/compose/interpolate.js';
import { parseEnvFile } from '../../src/compose/env-file.js';

const env: Record<string, string> = { SET: 'value', EMPTY: '', PORT: '8080' };
const lookup = (name: string): string | undefined => env[name];
const value = (text: string): string => {
  const r = interpolate(text, lookup);
  assert.ok(!('error' in r), `no error for ${text}`);
  return r.value;
};
const error = (text: string): string => {
  const r = interpolate(text, lookup);
  assert.ok('error' in r, `an error for ${text}`);
  return r.error;
};

test('interpolation: the compose table, for a set, an empty and an unset variable', () => {
  const rows: [string, string, string, string][] = [
    // syntax, set, empty, unset
    ['${V}', 'value', '', ''],
    ['${V:-d}', 'value', 'd', 'd'],
    ['${V-d}', 'value', '', 'd'],
    ['${V:+r}', 'r', '', ''],
    ['${V+r}', 'r', 'r', ''],
    ['${V?e}', 'value', '', 'ERROR'],
    ['${V:?e}', 'value', 'ERROR', 'ERROR'],
  ];
  for (const [syntax, set, empty, unset] of rows) {
    for (const [name, expected] of [['SET', set], ['EMPTY', empty], ['UNSET', unset]] as const) {
      const text = syntax.replace('V', name);
      if (expected === 'ERROR') assert.equal(error(text), 'required variable ' + name + ' is missing a value: e', text);
      else assert.equal(value(text), expected, text);
    }
  }
});

test('interpolation: $NAME, nesting, $$ and a lone $', () => {
  assert.equal(value('$SET-x:$PORT'), 'value-x:8080');
  assert.equal(value('${UNSET:-${ALSO:-${PORT}}}'), '8080');
  assert.equal(value('${UNSET:-a}b${SET}'), 'abvalue');
  assert.equal(value('$$SET and $${SET}'), '$SET and ${SET}');
  assert.equal(value('5$ or $5 or $'), '5$ or $5 or $');
});

test('interpolation: unset variables are listed, a default that is not used lists nothing', () => {
  assert.deepEqual(interpolate('${A}$B${C:-x}${SET:-${D}}', lookup), { value: 'x' + 'value', unset: ['A', 'B'] });
  assert.deepEqual(interpolate('${UNSET:-${D}}', lookup), { value: '', unset: ['D'] });
});

test('interpolation: malformed expressions say what is wrong', () => {
  assert.match(error('${}'), /^invalid interpolation "\$\{\}"/);
  assert.match(error('${1A}'), /a variable name is letters, digits and _/);
  assert.match(error('${SET'), /never closed/);
  assert.match(error('${SET/a/b}'), /after the name comes \}, :-, -, :\?, \?, :\+ or \+/);
  assert.equal(error('${EMPTY:?}'), 'required variable EMPTY is missing a value: EMPTY is empty');
  assert.equal(error('${UNSET?}'), 'required variable UNSET is missing a value: UNSET is not set');
});

test('env file: quotes, escapes, export, comments, KEY alone, interpolation of earlier keys', () => {
  const text = [
    '# a comment',
    '',
    'A=plain value   # trailing',
    'export B=b',
    "C='single ${A} \\n'",
    'D="double ${A}\\tand \\"q\\" \\$A"',
    'E="multi',
    'line"',
    'F=${A}-${SET}',
    'G',
    'H',
    'A=again',
    '  I = spaced  ',
    'J=a#b',
  ].join('\n');
  const r = parseEnvFile(text, lookup);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(Object.fromEntries(r.entries.map((e) => [e.key, e.value])), {
    B: 'b',
    C: 'single ${A} \\n',
    D: 'double plain value\tand "q" $A',
    E: 'multi\nline',
    F: 'plain value-value',
    A: 'again',
    I: 'spaced',
    J: 'a#b',
  });
  assert.deepEqual(r.entries.map((e) => [e.key, e.line]), [['B', 4], ['C', 5], ['D', 6], ['E', 7], ['F', 9], ['A', 12], ['I', 13], ['J', 14]]);
});

test('env file: a KEY alone takes the environment, and bad lines are problems at their line', () => {
  const r = parseEnvFile('SET\nnot a key=1\nX="open\n', lookup);
  assert.deepEqual(r.entries.map((e) => [e.key, e.value]), [['SET', 'value']]);
  assert.deepEqual(r.problems, [
    { line: 2, col: 1, message: 'expected KEY=VALUE, got "not a key=1"; a key is letters, digits, _ . and - (not starting with a digit)' },
    { line: 3, col: 3, message: 'the double quote is never closed' },
  ]);
  assert.deepEqual(parseEnvFile('A=${NOPE}\n', lookup).unset, [{ name: 'NOPE', line: 1 }]);
  assert.equal(parseEnvFile('A=${X:?needed}\n', lookup).problems[0]?.message, 'required variable X is missing a value: needed');
});
