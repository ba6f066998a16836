// Edits of a spec file's text for fuzzing, as fast-check arbitraries: duplicate keys, indentation
// and tabs, anchors that alias themselves, alias bombs, merge keys, several documents, directives
// and tags, deep nesting, long lines, other line ends, control characters; and a cut at a random
// byte, also inside a UTF-8 sequence. Line numbers and positions wrap around, so every edit applies
// to any file.
import fc from 'fast-check';
import { visible } from './spec-outcome.js';
import { UNICODE } from './spec-value-edits.js';


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

/** One edit of a file's text; `line` and `pos` are taken modulo the file's lines and length. */
export type TextEdit =
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

/** Any text edit, inserts and written values twice as likely as the rest. */
export const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
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
export function applyTextEdit(text: string, edit: TextEdit): { text: string; step: string; tag: string } {
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

/** Cuts the bytes at `at` (per 10,000 of the length), or inside the `nth` multi-byte character. */
export type Cut = { op: 'cut'; at: number } | { op: 'cut-mid-utf8'; nth: number };

/** A cut anywhere, or inside a multi-byte character. */
export const cut: fc.Arbitrary<Cut> = fc.oneof(
  fc.record({ op: fc.constant('cut' as const), at: fc.nat(10_000) }),
  fc.record({ op: fc.constant('cut-mid-utf8' as const), nth: fc.nat() }),
);

/** The bytes up to the cut, what was done, and its tag (`cut-mid-utf8` when it split a character). */
export function applyCut(bytes: Uint8Array, c: Cut): { bytes: Uint8Array; step: string; tag: string } {
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
