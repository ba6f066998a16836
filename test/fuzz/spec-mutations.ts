// Mutated spec files for fuzzing, as fast-check arbitraries: a seed spec, then edits of its values
// (delete a key, a value of another type, an unknown or x- key, huge numbers, unicode), then edits
// of its text (duplicate keys, indentation, tabs, anchors and alias bombs, merge keys, several
// documents, directives and tags, control characters), then maybe a cut at a random byte. Every
// edit is a small value, so a failing file shrinks to the fewest, simplest edits that still fail.
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { visible, type Situation } from './spec-outcome.js';
import { SPEC_SEEDS } from './spec-seeds.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One mutated spec file. */
export interface FuzzCase {
  /** The seed it was made from. */
  seed: string;
  /** The edits, in the order they were made, in words. */
  steps: string[];
  /** Kinds of edits made (e.g. `alias-bomb`, `cut-mid-utf8`), for picking varied samples. */
  tags: string[];
  /** The file's bytes: what is written to disk for the CLI (a cut may leave invalid UTF-8). */
  bytes: Uint8Array;
  /** The file as text, the way `readFile(file, 'utf8')` reads those bytes. */
  text: string;
  situation: Situation;
}

// ---------------------------------------------------------------- values

/** Numbers at and past every edge: zero, negative, fractions, past 2^53, past int64, not finite. */
const EDGE_NUMBERS = [
  0, -0, -1, 1, 2, 3, 0.5, 1.5, 0.001, 0.009, 0.01, 1e-7, 5e-324, 1e308, -1e308, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2,
  2 ** 63, 65535, 65536, 1e6, 1e9, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity,
];

/** Strings that read as numbers to someone, or in another YAML version. */
const NUMBERISH = [
  'NaN', '.nan', '.NaN', '.inf', '-.Inf', 'Infinity', '-Infinity', '1e999', '-1e999', '1e-999', '0x1F', '0o17', '017',
  '1_000', '+12', '-0', '0.0', '00', '9007199254740993', '99999999999999999999999', '١٢٣', '１２３', '1,5', '0b101', '12:30:00',
];

/** Values that are nearly right for some field: a wrong unit, a bad port, an unknown word. */
const NEARLY_RIGHT = [
  'local/busybox:1', 'local/busybox', 'LOCAL/BUSYBOX:1', 'busybox:latest@sha256:abc', 'a'.repeat(300) + ':1', 'web', 'Web', 'web_1', '-web',
  'replicated', 'global', 'Global', 'start-first', 'stop-first', 'auto', 'always', 'missing', 'never', 'sometimes',
  '1m30s', '1h1h', '2s1m', '1.5s', '0.0001s', '0s', '-5s', '99999999999999999999h', '1e3s', '10x', '64M', '1.5b', '1TiB', '9999999T', '0b',
  '8080:8080@host', '0:0@host', '70000:80@host', '8080-8090:80@host', '80/sctp@host', ':80', '80:', 'a.b:99999/https', '[::1]:80:80@host',
  '::1:80:80@host', 'host.example:443:8080/tcp', '8080@ingress', 'NET_ADMIN', 'CAP_CHOWN', 'cap_nothing', 'ALL', '/data', 'data', '/', '//',
  'vol:/data:rw', 'vol:/data:xx', 'vol:/', '/dev/fuse:/dev/fuse:rwmx', 'x=y', '=y', 'x', 'KEY=', 'CMD', 'CMD-SHELL', 'NONE', 'm1', 'm4',
  'true', 'false', 'yes', 'no', 'on', 'off', 'null', '~', '',
];

/** Text that means something to YAML, or to a shell, or to a terminal. */
const SYNTAXISH = [
  '*alias', '&anchor', '<<', '? x', '- a', '{a: 1', '[1, 2', '---', '...', '%YAML 1.1', '!!binary', '#not a comment', "'", '"', '|', '>', ': ',
  ' #', '\\', '\\"', '"\'', 'a: b: c', '`rm -rf /`', "unterminated 'quote", 'ends with backslash\\', '$(reboot)', '%s%n', '{{.Name}}',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', '[object Object]', 'undefined',
];

/** Unicode that breaks naive code: emoji, RTL, combining marks, zero-width, controls, lone surrogates. */
const UNICODE = [
  '🐳', '👩‍👩‍👧‍👦', '🏳️‍🌈', 'مرحبا', '\u202Eevil\u202C', 'שלום', 'e\u0301\u0301\u0301\u0301', 'Z\u0351\u0352\u0353\u0354', '\u200B', '\u200D', '\uFEFF',
  '\u00A0', '\u2028\u2029', '\u0000', 'a\u0000b', '\u0001\u0002\u0003', '\u001b[31mred\u001b[0m', '\u001b]0;title\u0007', '\u007F', '\u0085', '\t', '\r',
  '\r\n', '\n', '\uD800', '\uDFFF', '\uFFFE', '\uFFFF', 'İ', 'ﬀ', 'ß', 'Ⅻ', '𝟘𝟙', '\u0300', 'a\u034F\u034F', '𐍈',
];

const anyString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...NEARLY_RIGHT), weight: 6 },
  { arbitrary: fc.constantFrom(...NUMBERISH), weight: 3 },
  { arbitrary: fc.constantFrom(...SYNTAXISH), weight: 2 },
  { arbitrary: fc.constantFrom(...UNICODE), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 2 },
  { arbitrary: fc.tuple(fc.constantFrom('a', 'é', '🐳', '\u0000', ' ', '9', '\\', 'x '), fc.integer({ min: 1_000, max: 120_000 })).map(([s, n]) => s.repeat(Math.ceil(n / s.length))), weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom(...NEARLY_RIGHT), fc.constantFrom(...UNICODE)).map(([a, b]) => a + b), weight: 2 },
);

const anyNumber: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.constantFrom(...EDGE_NUMBERS), weight: 4 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.double(), weight: 1 },
);

/** Keys that are unknown, near-known, from compose, extensions, or odd as object keys. */
export const ODD_KEYS = [
  'imagee', 'replica', 'Image', 'IMAGE', 'enviroment', 'environment', 'deploy', 'cpus', 'mem_limit', 'health_check', 'monitor_period',
  'x-', 'x-extra', 'x-anchors', 'X-upper', 'x', '', ' ', '1', 'true', 'null', '~', '<<', '__proto__', 'constructor', 'prototype', 'toString',
  'hasOwnProperty', '🐳', 'é', 'a\u0000b', '\u200Bimage', 'image ', ' image', 'a.b', 'a=b', 'soft', 'hard', 'name', 'type', 'volume', 'path',
  'machines', 'test', 'driver', 'options', 'order', 'cpu', 'memory',
];

const anyKey: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...ODD_KEYS), weight: 5 },
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 10 }), weight: 1 },
);

/** Any YAML value of any type, nested a little, weighted towards scalars. */
const anyValue: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: anyString, weight: 6 },
    { arbitrary: anyNumber, weight: 4 },
    { arbitrary: fc.boolean(), weight: 1 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: fc.array(tie('value'), { maxLength: 4 }), weight: 2 },
    { arbitrary: fc.dictionary(anyKey, tie('value'), { maxKeys: 4 }), weight: 2 },
  ),
})).value;

// ---------------------------------------------------------------- value edits

type ValueEdit =
  | { op: 'enlarge'; at: number; value: number }
  | { op: 'delete'; at: number }
  | { op: 'replace'; at: number; value: Json }
  | { op: 'rename'; at: number; key: string }
  | { op: 'add'; at: number; key: string; value: Json };

/** Numbers a whole-number field takes that no cluster has the room for. */
const HUGE = [1e4, 1e5, 1e6, 2 ** 31, 2 ** 32, 1e15, Number.MAX_SAFE_INTEGER];

const valueEdit: fc.Arbitrary<ValueEdit> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('enlarge' as const), at: fc.nat(), value: fc.constantFrom(...HUGE) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: anyValue }), weight: 12 },
  { arbitrary: fc.record({ op: fc.constant('rename' as const), at: fc.nat(), key: anyKey }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('add' as const), at: fc.nat(), key: anyKey, value: anyValue }), weight: 3 },
);

type Path = (string | number)[];

/** Every value in the tree with its path, the root first. */
function pathsOf(value: Json, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...path, i], out));
  else if (value !== null && typeof value === 'object') for (const k of Object.keys(value)) pathsOf(value[k], [...path, k], out);
  return out;
}

function at(root: Json, path: Path): Json {
  let v = root;
  for (const p of path) v = (v as Record<string | number, Json>)[p];
  return v;
}

const isMapping = (v: Json | undefined): v is { [key: string]: Json } => v !== undefined && v !== null && typeof v === 'object' && !Array.isArray(v);

/** Sets an own property, even `__proto__`. */
function setKey(obj: { [key: string]: Json }, key: string, value: Json): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Applies one edit to the tree (in place where it can) and returns the new root and what was done. */
function applyValueEdit(root: Json, edit: ValueEdit): { root: Json; step: string } {
  const paths = pathsOf(root);
  const path = paths[edit.at % paths.length];
  const where = path.length ? path.join('.') : 'the whole file';
  const parent = path.length ? at(root, path.slice(0, -1)) : undefined;
  const last = path[path.length - 1];
  const shown = (v: Json) => visible(v).slice(0, 60);
  switch (edit.op) {
    case 'enlarge': {
      // a number in the spec made huge, keeping its type (replicas, retries, ulimits, sizes)
      const numbers = paths.filter((p) => typeof at(root, p) === 'number' && p.length > 0);
      if (numbers.length === 0) return applyValueEdit(root, { op: 'replace', at: edit.at, value: edit.value });
      const p = numbers[edit.at % numbers.length];
      const holder = at(root, p.slice(0, -1)) as Record<string | number, Json>;
      holder[p[p.length - 1]] = edit.value;
      return { root, step: `set ${p.join('.')} to ${edit.value}` };
    }
    case 'delete':
      if (parent === undefined) return { root: null, step: 'empty the file' };
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete (parent as Record<string, Json>)[last as string];
      return { root, step: `delete ${where}` };
    case 'replace':
      if (parent === undefined) return { root: edit.value, step: `replace the whole file with ${shown(edit.value)}` };
      if (Array.isArray(parent)) parent[last as number] = edit.value;
      else setKey(parent as Record<string, Json>, last as string, edit.value);
      return { root, step: `set ${where} to ${shown(edit.value)}` };
    case 'rename': {
      // a list item or the root has no key to rename: add a copy under the new key instead
      if (!isMapping(parent) || typeof last !== 'string') return applyValueEdit(root, { op: 'add', at: edit.at, key: edit.key, value: structuredClone(at(root, path)) });
      const value = parent[last];
      delete parent[last];
      setKey(parent, edit.key, value);
      return { root, step: `rename ${where} to ${JSON.stringify(edit.key)}` };
    }
    case 'add': {
      const target = at(root, path);
      if (Array.isArray(target)) {
        target.push(edit.value);
        return { root, step: `append ${shown(edit.value)} to ${where}` };
      }
      const map = isMapping(target) ? target : isMapping(parent) ? parent : undefined;
      if (!map) return { root, step: `nothing to add ${JSON.stringify(edit.key)} to` };
      setKey(map, edit.key, edit.value);
      return { root, step: `add ${JSON.stringify(edit.key)}: ${shown(edit.value)} near ${where}` };
    }
  }
}

/** How the edited tree is written back: YAML has many ways to write the same value. */
interface Layout {
  collectionStyle: 'any' | 'block' | 'flow';
  defaultStringType: 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED';
  indent: number;
}

const layout: fc.Arbitrary<Layout> = fc.record({
  collectionStyle: fc.constantFrom('any' as const, 'block' as const, 'flow' as const),
  defaultStringType: fc.constantFrom('PLAIN' as const, 'QUOTE_DOUBLE' as const, 'QUOTE_SINGLE' as const, 'BLOCK_LITERAL' as const, 'BLOCK_FOLDED' as const),
  indent: fc.constantFrom(2, 1, 4),
});

// ---------------------------------------------------------------- text edits

/** `x-l0: &l0 [lol, ...]`, each level aliasing the one below `width` times: a "billion laughs". */
function billionLaughs(depth: number, width: number, use: string): string {
  const lines = [`x-l0: &l0 [${Array(width).fill('"lol"').join(', ')}]`];
  for (let d = 1; d < depth; d++) lines.push(`x-l${d}: &l${d} [${Array(width).fill(`*l${d - 1}`).join(', ')}]`);
  lines.push(`${use}: *l${depth - 1}`);
  return `${lines.join('\n')}\n`;
}

/** The same, with mappings merged into mappings (`<<`), the way compose files share blocks. */
function mergeBomb(depth: number, width: number, use: string): string {
  const lines = [`x-m0: &m0 {${Array.from({ length: width }, (_, i) => `K${i}: v`).join(', ')}}`];
  for (let d = 1; d < depth; d++) {
    lines.push(`x-m${d}: &m${d}`);
    for (let i = 0; i < width; i++) lines.push(`  k${d}_${i}:\n    <<: *m${d - 1}`);
  }
  lines.push(`${use}:\n  <<: [${Array(width).fill(`*m${depth - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

/** Blocks of anchors and aliases that point at themselves, forwards, nowhere, or twice. */
const ALIAS_TRICKS = [
  'x-self: &self [*self]\n',
  'x-selfmap: &sm {a: *sm}\n',
  'x-selfmerge: &smg {<<: *smg, a: 1}\n',
  'env: &envself {<<: *envself, A: "1"}\n',
  'healthcheck: &hc {test: *hc}\n',
  'command: &cmd [*cmd, *cmd]\n',
  'x-fwd: *later\nx-later: &later 1\n',
  'x-redef: &r 1\nx-redef2: &r [2]\nreplicas: *r\n',
  '? *nokey\n: value\n',
  '<<: *nowhere\n',
  '<<: [*nowhere, 5, [1]]\n',
  '<<: 5\n',
  '<<: [a, b]\n',
  'x-k: &k image\n*k : local/busybox:2\n',
  '<<: {image: other:1, replicas: 7, bogus: 1}\n',
  'x-n: &n\n  - &n2 [*n2, *n]\n',
  'x-d: &d {replicas: 2}\n<<: [*d, *d, *d]\n',
  'env: !!set {A, B}\n',
  'x-a: &a\n<<: *a\n',
  'x-img: &img local/busybox:1\nimage: *img\n',
  'x-ports: &ports ["8080:8080@host"]\nports: *ports\n',
  'x-anchored-key: {&ak key: 1}\nx-use: {*ak : 2}\n',
  'x-empty: &e\nreplicas: *e\n',
  'x-tagged: &t !!str 5\nreplicas: *t\n',
];

/** Whole-file shapes: documents, directives, tags, nesting, long lines. */
const DOCUMENT_TRICKS: { where: 'prepend' | 'append'; text: string }[] = [
  { where: 'append', text: '---\nimage: other:1\n' },
  { where: 'append', text: '---\n' },
  { where: 'append', text: '...\n' },
  { where: 'append', text: '...\n---\nreplicas: 3\n' },
  { where: 'append', text: '--- !!str\ntext\n' },
  { where: 'append', text: '--- |\n  literal\n' },
  { where: 'prepend', text: '---\n' },
  { where: 'prepend', text: '--- !!map\n' },
  { where: 'prepend', text: '--- !!seq\n' },
  { where: 'prepend', text: '%YAML 1.1\n---\n' },
  { where: 'prepend', text: '%YAML 1.2\n---\n' },
  { where: 'prepend', text: '%YAML 9.9\n---\n' },
  { where: 'prepend', text: '%YAML 1.1\n%YAML 1.1\n---\n' },
  { where: 'prepend', text: '%TAG ! tag:example.com,2000:\n---\n' },
  { where: 'prepend', text: '%FOO bar\n---\n' },
  { where: 'prepend', text: '%YAML 1.1\n--- !!omap\n' },
  { where: 'prepend', text: '\uFEFF' },
  { where: 'prepend', text: '\uFEFF\uFEFF' },
  { where: 'prepend', text: '# comment only\n' },
  { where: 'append', text: '# trailing comment without newline' },
  { where: 'prepend', text: '? complex\n: key\n' },
  { where: 'append', text: '? [a, b]\n: list as key\n' },
  { where: 'append', text: '? {a: b}\n: map as key\n' },
];

/** Values written as YAML source, for `key: <here>`: huge numbers, tags, aliases, broken flow. */
const SOURCE_VALUES = [
  '1e400', '-1e400', '99999999999999999999999999', '0x7fffffffffffffffffff', '0o777777777777777777777', '.inf', '-.inf', '.nan', '.NaN',
  '9007199254740993', '-0', '0.0000000000000000000001', '1_000_000', '0b1010', '12:30:00', '1.0e+3', '0x', '+.inf', '2001-12-14t21:59:43.10-05:00',
  '!!binary aGVsbG8=', '!!timestamp 2001-12-14', '!!set {a, b}', '!!omap [{a: 1}, {b: 2}]', '!!pairs [{a: 1}, {a: 2}]', '!!int "12"',
  '!!int 1e3', '!!float .nan', '!!float abc', '!!str 5', '!!null ~', '!!null x', '!custom x', '!<tag:yaml.org,2002:int> 1', '!!map []', '!!seq {}',
  '!!bool yes', '!!merge <<', '!!python/object:os.system ls', '!!js/function "function(){}"', '*undefined_anchor', '&dangling', '&a *a', '[', ']', '{',
  '}', '{a: 1', '[1, 2', '"unterminated', "'unterminated", '|', '|+', '>-', '|9', '[a, [b, [c]]]', '{? a: b}', '- - - x', '"\\u0000"', '"\\uD800"',
  '"\\x1b[2J"', '"\\N\\_\\L\\P"', '"\\q"', '\u0000', '""', "''", '~', 'null', 'yes', 'No', 'ON', '0o17', '017', '0xFF',
];

/** Snippets dropped at a random place in the text. */
const SNIPPETS = [
  ...UNICODE, ': ', ' #', '#', '"', "'", '{', '}', '[', ']', '&', '*', '!', '|', '>', '%', '@', '`', '- ', '? ', ',', '<<: ', '\t', '\n  ',
  '\n\t', ': :', '::', ' &a ', ' *a ', '---', '...',
];

type TextEdit =
  | { op: 'duplicate-line'; line: number }
  | { op: 'delete-line'; line: number }
  | { op: 'swap-lines'; line: number; other: number }
  | { op: 'indent'; line: number; by: number }
  | { op: 'tab'; line: number; where: 'indent' | 'after-colon' | 'end' }
  | { op: 'insert'; pos: number; snippet: string }
  | { op: 'set-value'; line: number; source: string }
  | { op: 'alias-value'; line: number; value: string }
  | { op: 'merge-here'; line: number; block: string }
  | { op: 'alias-trick'; block: string; where: 'prepend' | 'append' }
  | { op: 'alias-bomb'; depth: number; width: number; kind: 'list' | 'merge'; use: string }
  | { op: 'deep'; depth: number; open: '[' | '{' | '- ' }
  | { op: 'long-line'; line: number; length: number }
  | { op: 'document'; trick: number }
  | { op: 'line-ends'; to: '\r\n' | '\r' | '\u2028' }
  | { op: 'x-key'; line: number; value: string }
  | { op: 'duplicate-key'; key: string; source: string };

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ op: fc.constant('duplicate-line' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('delete-line' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('swap-lines' as const), line: fc.nat(), other: fc.nat() }),
  fc.record({ op: fc.constant('indent' as const), line: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
  fc.record({ op: fc.constant('tab' as const), line: fc.nat(), where: fc.constantFrom('indent' as const, 'after-colon' as const, 'end' as const) }),
  { arbitrary: fc.record({ op: fc.constant('insert' as const), pos: fc.nat(), snippet: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ unit: 'binary', maxLength: 4 })) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('set-value' as const), line: fc.nat(), source: fc.constantFrom(...SOURCE_VALUES) }), weight: 2 },
  fc.record({ op: fc.constant('alias-value' as const), line: fc.nat(), value: fc.constantFrom(...SOURCE_VALUES, '{a: 1}', '[1, 2]', '{<<: {a: 1}}') }),
  fc.record({ op: fc.constant('merge-here' as const), line: fc.nat(), block: fc.constantFrom('{replicas: 3, image: local/busybox:2}', '{bogus: 1}', '[1, 2]', '5', '~', '{test: [NONE]}', '{A: "1", B: two}') }),
  fc.record({ op: fc.constant('alias-trick' as const), block: fc.constantFrom(...ALIAS_TRICKS), where: fc.constantFrom('prepend' as const, 'append' as const) }),
  fc.record({
    op: fc.constant('alias-bomb' as const),
    depth: fc.integer({ min: 2, max: 10 }),
    width: fc.integer({ min: 2, max: 12 }),
    kind: fc.constantFrom('list' as const, 'merge' as const),
    use: fc.constantFrom('x-boom', 'env', 'command', 'x-other', 'healthcheck'),
  }),
  fc.record({ op: fc.constant('deep' as const), depth: fc.constantFrom(16, 64, 200, 1_000, 2_000), open: fc.constantFrom('[' as const, '{' as const, '- ' as const) }),
  fc.record({ op: fc.constant('long-line' as const), line: fc.nat(), length: fc.constantFrom(1_000, 10_000, 100_000) }),
  fc.record({ op: fc.constant('document' as const), trick: fc.nat(DOCUMENT_TRICKS.length - 1) }),
  fc.record({ op: fc.constant('line-ends' as const), to: fc.constantFrom('\r\n' as const, '\r' as const, '\u2028' as const) }),
  fc.record({ op: fc.constant('x-key' as const), line: fc.nat(), value: fc.constantFrom('1', '{a: &xa 1}', '[*xa]', '&xk {<<: *xk}', '!!binary aGk=', '{}') }),
  fc.record({
    op: fc.constant('duplicate-key' as const),
    key: fc.constantFrom('image', 'name', 'replicas', 'env', 'ports', 'mode', 'healthcheck', '<<', 'x-dup', 'Image'),
    source: fc.constantFrom('local/busybox:2', '3', '{A: "1"}', '[]', '~', '*a'),
  }),
);

const indentOf = (line: string) => /^[ \t]*/.exec(line)![0];

/** Applies one edit to the text; `line` and `pos` wrap around, so every edit applies to any file. */
function applyTextEdit(text: string, edit: TextEdit): { text: string; step: string; tag: string } {
  const lines = text.split('\n');
  const n = (i: number) => i % lines.length;
  const withLines = (ls: string[]) => ls.join('\n');
  switch (edit.op) {
    case 'duplicate-line': {
      const i = n(edit.line);
      lines.splice(i, 0, lines[i]);
      return { text: withLines(lines), step: `duplicate line ${i + 1}`, tag: 'duplicate-key' };
    }
    case 'delete-line': {
      const i = n(edit.line);
      lines.splice(i, 1);
      return { text: withLines(lines), step: `delete line ${i + 1}`, tag: 'missing-key' };
    }
    case 'swap-lines': {
      const i = n(edit.line);
      const j = n(edit.other);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return { text: withLines(lines), step: `swap lines ${i + 1} and ${j + 1}`, tag: 'indentation' };
    }
    case 'indent': {
      const i = n(edit.line);
      lines[i] = edit.by >= 0 ? ' '.repeat(edit.by) + lines[i] : lines[i].replace(new RegExp(`^ {0,${-edit.by}}`), '');
      return { text: withLines(lines), step: `indent line ${i + 1} by ${edit.by}`, tag: 'indentation' };
    }
    case 'tab': {
      const i = n(edit.line);
      const l = lines[i];
      lines[i] = edit.where === 'indent' ? `\t${l.slice(indentOf(l).length)}` : edit.where === 'after-colon' ? l.replace(': ', ':\t') : `${l}\t`;
      return { text: withLines(lines), step: `tab (${edit.where}) on line ${i + 1}`, tag: 'tab' };
    }
    case 'insert': {
      const pos = edit.pos % (text.length + 1);
      return { text: text.slice(0, pos) + edit.snippet + text.slice(pos), step: `insert ${visible(edit.snippet)} at ${pos}`, tag: 'unicode' };
    }
    case 'set-value': {
      const i = n(edit.line);
      lines[i] = lines[i].includes(': ') ? lines[i].replace(/: .*$/, `: ${edit.source}`) : `${lines[i]} ${edit.source}`;
      return { text: withLines(lines), step: `write ${JSON.stringify(edit.source)} as the value on line ${i + 1}`, tag: 'source-value' };
    }
    case 'alias-value': {
      const i = n(edit.line);
      lines[i] = lines[i].includes(': ') ? lines[i].replace(/: .*$/, ': *fz') : `${lines[i]} *fz`;
      return { text: `x-fz: &fz ${edit.value}\n${withLines(lines)}`, step: `alias line ${i + 1}'s value to &fz ${edit.value}`, tag: 'alias' };
    }
    case 'merge-here': {
      const i = n(edit.line);
      lines.splice(i, 0, `${indentOf(lines[i])}<<: *fm`);
      return { text: `x-fm: &fm ${edit.block}\n${withLines(lines)}`, step: `merge &fm ${edit.block} at line ${i + 1}`, tag: 'merge' };
    }
    case 'alias-trick':
      return {
        text: edit.where === 'prepend' ? edit.block + text : `${text}${text.endsWith('\n') ? '' : '\n'}${edit.block}`,
        step: `${edit.where} ${JSON.stringify(edit.block)}`,
        tag: 'self-reference',
      };
    case 'alias-bomb': {
      const bomb = edit.kind === 'list' ? billionLaughs(edit.depth, edit.width, edit.use) : mergeBomb(edit.depth, edit.width, edit.use);
      return { text: bomb + text, step: `${edit.kind} alias bomb ${edit.width}^${edit.depth} used by ${edit.use}`, tag: 'alias-bomb' };
    }
    case 'deep': {
      const d = edit.depth;
      const nested = edit.open === '[' ? `${'['.repeat(d)}${']'.repeat(d)}` : edit.open === '{' ? `${'{a: '.repeat(d)}1${'}'.repeat(d)}` : `${'- '.repeat(d)}x`;
      return { text: `${text}${text.endsWith('\n') ? '' : '\n'}x-deep: ${nested}\n`, step: `nest ${edit.open.trim()} ${d} deep`, tag: 'deep' };
    }
    case 'long-line': {
      const i = n(edit.line);
      lines[i] += ` ${'z'.repeat(edit.length)}`;
      return { text: withLines(lines), step: `lengthen line ${i + 1} by ${edit.length}`, tag: 'long' };
    }
    case 'document': {
      const trick = DOCUMENT_TRICKS[edit.trick];
      return {
        text: trick.where === 'prepend' ? trick.text + text : `${text}${text.endsWith('\n') ? '' : '\n'}${trick.text}`,
        step: `${trick.where} ${JSON.stringify(trick.text)}`,
        tag: /^---|\n---/.test(trick.text) ? 'documents' : 'directive',
      };
    }
    case 'line-ends':
      return { text: text.replaceAll('\n', edit.to), step: `line ends as ${JSON.stringify(edit.to)}`, tag: 'line-ends' };
    case 'x-key': {
      const i = n(edit.line);
      lines.splice(i, 0, `${indentOf(lines[i])}x-fuzz: ${edit.value}`);
      return { text: withLines(lines), step: `insert x-fuzz: ${edit.value} at line ${i + 1}`, tag: 'x-key' };
    }
    case 'duplicate-key':
      return {
        text: `${text}${text.endsWith('\n') ? '' : '\n'}${edit.key}: ${edit.source}\n`,
        step: `append ${edit.key}: ${edit.source}`,
        tag: 'duplicate-key',
      };
  }
}

// ---------------------------------------------------------------- the cut

/** Cuts the bytes at `at` (per 10,000 of the length), or inside the `nth` multi-byte character. */
type Cut = { op: 'cut'; at: number } | { op: 'cut-mid-utf8'; nth: number };

const cut: fc.Arbitrary<Cut> = fc.oneof(
  fc.record({ op: fc.constant('cut' as const), at: fc.nat(10_000) }),
  fc.record({ op: fc.constant('cut-mid-utf8' as const), nth: fc.nat() }),
);

function applyCut(bytes: Uint8Array, c: Cut): { bytes: Uint8Array; step: string; tag: string } {
  if (c.op === 'cut') {
    const end = Math.floor((bytes.length * c.at) / 10_000);
    return { bytes: bytes.slice(0, end), step: `cut at byte ${end} of ${bytes.length}`, tag: 'cut' };
  }
  // continuation bytes are 10xxxxxx: a cut just before one splits a character
  const inside: number[] = [];
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] & 0xc0) === 0x80) inside.push(i);
  if (inside.length === 0) return { bytes, step: 'no multi-byte character to cut inside', tag: 'cut' };
  const end = inside[c.nth % inside.length];
  return { bytes: bytes.slice(0, end), step: `cut at byte ${end} of ${bytes.length}, inside a UTF-8 sequence`, tag: 'cut-mid-utf8' };
}

// ---------------------------------------------------------------- the case

const situation: fc.Arbitrary<Situation> = fc.record({
  service: fc.constantFrom('new' as const, 'existing' as const, 'behind' as const),
  domain: fc.boolean(),
});

const seedValues = SPEC_SEEDS.map((s) => parse(s.text) as Json);

/** A FuzzCase printed for a person: the seed, the edits and the text (fast-check uses this in reports). */
function caseToString(this: FuzzCase): string {
  const text = this.text.length > 3000 ? `${visible(this.text.slice(0, 3000))} (+${this.text.length - 3000} more characters)` : visible(this.text);
  return `{seed: ${this.seed}, situation: ${JSON.stringify(this.situation)}, steps: ${visible(this.steps)}, text: ${text}}`;
}

/** Builds a case from its parts; exported so regression cases are built the same way. */
export function fuzzCaseOf(seed: string, steps: string[], tags: string[], bytes: Uint8Array, situation: Situation): FuzzCase {
  const c: FuzzCase = { seed, steps, tags, bytes, text: Buffer.from(bytes).toString('utf8'), situation };
  Object.defineProperty(c, fc.toStringMethod, { value: caseToString, enumerable: false });
  return c;
}

/** Mutated spec files: one seed, 0-3 value edits, 0-4 text edits, maybe a cut. */
export const fuzzCase: fc.Arbitrary<FuzzCase> = fc
  .record({
    seed: fc.nat(SPEC_SEEDS.length - 1),
    values: fc.array(valueEdit, { maxLength: 3 }),
    layout,
    texts: fc.array(textEdit, { maxLength: 4 }),
    cut: fc.option(cut, { freq: 4, nil: undefined }),
    situation,
  })
  .map(({ seed, values, layout: l, texts, cut: c, situation: s }) => {
    const steps: string[] = [];
    const tags: string[] = [];
    let text = SPEC_SEEDS[seed].text;
    if (values.length > 0) {
      let root: Json = structuredClone(seedValues[seed]);
      for (const edit of values) {
        const done = applyValueEdit(root, edit);
        root = done.root;
        steps.push(done.step);
        tags.push(`value-${edit.op}`);
      }
      text = root === null ? '' : stringify(root, { ...l, lineWidth: 0 });
      steps.push(`written ${l.collectionStyle}, strings ${l.defaultStringType}, indent ${l.indent}`);
    }
    for (const edit of texts) {
      const done = applyTextEdit(text, edit);
      text = done.text;
      steps.push(done.step);
      tags.push(done.tag);
    }
    let bytes: Uint8Array = Buffer.from(text, 'utf8');
    if (c) {
      const done = applyCut(bytes, c);
      bytes = done.bytes;
      steps.push(done.step);
      tags.push(done.tag);
    }
    return fuzzCaseOf(SPEC_SEEDS[seed].name, steps, tags, bytes, s);
  });
