// Edits of a spec's values for fuzzing, as fast-check arbitraries: delete a key, put a value of
// any type (huge and tiny numbers, unicode, nested lists and mappings) anywhere, rename a key to an
// unknown or odd one, add keys. The spec is then written back as YAML in one of many layouts.
import fc from 'fast-check';
import { visible } from './spec-outcome.js';

/** A YAML value as plain data. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

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
export const UNICODE = [
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
const ODD_KEYS = [
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


/** One edit of a spec's values; `at` picks a value of the tree, modulo their number. */
export type ValueEdit =
  | { op: 'enlarge'; at: number; value: number }
  | { op: 'delete'; at: number }
  | { op: 'replace'; at: number; value: Json }
  | { op: 'rename'; at: number; key: string }
  | { op: 'add'; at: number; key: string; value: Json };

/** Numbers a whole-number field takes that no cluster has the room for. */
const HUGE = [1e4, 1e5, 1e6, 2 ** 31, 2 ** 32, 1e15, Number.MAX_SAFE_INTEGER];

/** Any value edit, a value of another type most likely. */
export const valueEdit: fc.Arbitrary<ValueEdit> = fc.oneof(
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
export function applyValueEdit(root: Json, edit: ValueEdit): { root: Json; step: string } {
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
export interface Layout {
  collectionStyle: 'any' | 'block' | 'flow';
  defaultStringType: 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED';
  indent: number;
}

/** Any layout: block or flow, every string style, indents of 1, 2 and 4. */
export const layout: fc.Arbitrary<Layout> = fc.record({
  collectionStyle: fc.constantFrom('any' as const, 'block' as const, 'flow' as const),
  defaultStringType: fc.constantFrom('PLAIN' as const, 'QUOTE_DOUBLE' as const, 'QUOTE_SINGLE' as const, 'BLOCK_LITERAL' as const, 'BLOCK_FOLDED' as const),
  indent: fc.constantFrom(2, 1, 4),
});
