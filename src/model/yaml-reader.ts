// Typed reads from a parsed YAML document that never throw: a value of the wrong shape records an
// error at its position (with its dotted path) and reads as undefined, so a parser can carry on and
// report every problem in one pass.
import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { closest, didYouMean } from './did-you-mean.js';
import { DURATION_HINT, SIZE_HINT, parseDuration, parseSize } from './units.js';
import type { ErrorCollector } from './yaml-errors.js';

/** A value in the file: its node (aliases resolved; null when empty), dotted path and position. */
export interface Located {
  node: Node | null;
  path: string;
  /** Character offset errors about this value point at. */
  offset: number;
}

/** Keys of a mapping that were present, by name. */
export type Fields = Map<string, Located>;

/**
 * What an unknown key probably meant, beyond edit distance (compose names, moved keys): a key path
 * (shown as a did-you-mean) or, when it contains a space, a sentence saying what to do instead.
 */
export type KeyHints = Record<string, string>;

export function childPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** Sets a key as an own property, even `__proto__`, which plain assignment would treat as the prototype. */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export function isEmpty(at: Located): boolean {
  return at.node === null || (isScalar(at.node) && at.node.value === null);
}

/** How a value reads in a message: `"two"`, `3`, `a list`, `a mapping`, `nothing`. */
export function describe(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    if (node.value === null) return 'nothing';
    if (typeof node.value === 'string') {
      const s = node.value.length > 40 ? `${node.value.slice(0, 37)}...` : node.value;
      return JSON.stringify(s);
    }
    return node.source ?? String(node.value);
  }
  return 'something else';
}

export class YamlReader {
  /** Paths a did-you-mean pointed at, so a "missing" error for them is not reported twice. */
  private readonly suggested = new Set<string>();

  constructor(
    private readonly doc: Document.Parsed,
    readonly errors: ErrorCollector,
  ) {}

  error(at: Located, message: string, field: string = at.path): void {
    this.errors.add(at.offset, field, message);
  }

  /** The document's top-level value. */
  root(): Located {
    const node = this.doc.contents as Node | null;
    return { node, path: '', offset: node?.range?.[0] ?? 0 };
  }

  private resolve(node: unknown, path: string, offset: number): Node | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) {
        this.errors.add(offset, path, `the alias *${node.source} names no anchor; define &${node.source} before it`);
        return null;
      }
      return target as Node;
    }
    return node as Node;
  }

  /** Offset of a node, or `fallback` for an empty value (which has no useful position of its own). */
  private offsetOf(node: Node | null, fallback: number): number {
    if (node === null || (isScalar(node) && node.value === null && node.source === '')) return fallback;
    return node.range?.[0] ?? fallback;
  }

  /**
   * The entries of a mapping in order, keys as text. Reports keys that are not plain scalars and
   * duplicate keys. Undefined (with an error) when the value is not a mapping.
   */
  entries(at: Located, expected = 'a mapping'): { key: string; keyAt: Located; value: Located }[] | undefined {
    if (!isMap(at.node)) {
      this.error(at, `expected ${expected}, got ${describe(at.node)}`);
      return undefined;
    }
    const out: { key: string; keyAt: Located; value: Located }[] = [];
    const seen = new Map<string, number>();
    for (const pair of at.node.items) {
      const keyNode = this.resolve(pair.key, at.path, at.offset);
      const keyOffset = keyNode?.range?.[0] ?? at.offset;
      if (!isScalar(keyNode) || keyNode.value === null) {
        this.errors.add(keyOffset, at.path, `keys must be plain words, got ${describe(keyNode)}`);
        continue;
      }
      const key = typeof keyNode.value === 'string' ? keyNode.value : (keyNode.source ?? String(keyNode.value));
      const path = childPath(at.path, key);
      const keyAt: Located = { node: keyNode, path, offset: keyOffset };
      const first = seen.get(key);
      if (first !== undefined) {
        this.error(keyAt, `duplicate key; "${key}" is already set on line ${this.errors.lineOf(first)}`);
        continue;
      }
      seen.set(key, keyOffset);
      const valueNode = this.resolve(pair.value, path, keyOffset);
      out.push({ key, keyAt, value: { node: valueNode, path, offset: this.offsetOf(valueNode, keyOffset) } });
    }
    return out;
  }

  /** A mapping with a fixed set of keys; unknown keys are errors with a did-you-mean. */
  fields(at: Located, known: readonly string[], hints: KeyHints = {}, expected?: string): Fields | undefined {
    const entries = this.entries(at, expected ?? `a mapping with keys ${known.join(', ')}`);
    if (!entries) return undefined;
    const fields: Fields = new Map();
    for (const { key, keyAt, value } of entries) {
      if (!known.includes(key)) {
        const hint = hints[key];
        if (hint !== undefined && hint.includes(' ')) {
          this.error(keyAt, `unknown key; ${hint}`);
          continue;
        }
        const meant = hint ?? closest(key, known);
        if (meant !== undefined) this.suggested.add(childPath(at.path, meant));
        const suggestion = meant !== undefined ? `; did you mean "${meant}"?` : '';
        this.error(keyAt, `unknown key${suggestion || `; expected one of ${known.join(', ')}`}`);
        continue;
      }
      fields.set(key, value);
    }
    return fields;
  }

  /** Where the value of `key` in a mapping is, to point an error at it (the mapping when the key is absent). */
  fieldOf(at: Located, key: string): Located {
    const path = childPath(at.path, key);
    if (isMap(at.node)) {
      const pair = at.node.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (pair) {
        const keyOffset = (pair.key as Node).range?.[0] ?? at.offset;
        const node = isAlias(pair.value) ? null : ((pair.value as Node | null) ?? null);
        return { node, path, offset: this.offsetOf(node, keyOffset) };
      }
    }
    return { ...at, path };
  }

  /** Reports a required key that is missing from a mapping read by `fields`. */
  require(fields: Fields, key: string, at: Located, message: string): Located | undefined {
    const v = fields.get(key);
    const path = childPath(at.path, key);
    if (v === undefined && !this.suggested.has(path)) this.error(at, message, path);
    return v;
  }

  /** The items of a list. */
  items(at: Located, expected = 'a list'): Located[] | undefined {
    if (!isSeq(at.node)) {
      this.error(at, `expected ${expected}, got ${describe(at.node)}`);
      return undefined;
    }
    return at.node.items.map((item, i) => {
      const path = `${at.path}[${i}]`;
      const node = this.resolve(item, path, at.offset);
      return { node, path, offset: this.offsetOf(node, (item as Node | null)?.range?.[0] ?? at.offset) };
    });
  }

  /** A string; with `scalars`, numbers and booleans too, as written (`1.10` stays `1.10`). */
  string(at: Located, options: { scalars?: boolean; expected?: string } = {}): string | undefined {
    const node = at.node;
    if (isScalar(node) && typeof node.value === 'string') return node.value;
    if (options.scalars && isScalar(node) && (typeof node.value === 'number' || typeof node.value === 'boolean' || typeof node.value === 'bigint')) {
      return node.source ?? String(node.value);
    }
    this.error(at, `expected ${options.expected ?? 'a string'}, got ${describe(node)}`);
    return undefined;
  }

  /** A non-empty string. */
  word(at: Located, expected = 'a non-empty string'): string | undefined {
    const s = this.string(at, { expected });
    if (s === undefined) return undefined;
    if (s.trim() === '') {
      this.error(at, `expected ${expected}, got an empty string`);
      return undefined;
    }
    return s;
  }

  boolean(at: Located): boolean | undefined {
    if (isScalar(at.node) && typeof at.node.value === 'boolean') return at.node.value;
    this.error(at, `expected true or false, got ${describe(at.node)}`);
    return undefined;
  }

  integer(at: Located, min: number): number | undefined {
    const v = isScalar(at.node) ? at.node.value : undefined;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min) return v;
    this.error(at, `expected an integer >= ${min}, got ${describe(at.node)}`);
    return undefined;
  }

  /** One of a fixed set of words, with a did-you-mean. */
  oneOf<T extends string>(at: Located, values: readonly T[]): T | undefined {
    const v = isScalar(at.node) ? at.node.value : undefined;
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
    const expected = values.length === 2 ? `${values[0]} or ${values[1]}` : `one of ${values.join(', ')}`;
    const hint = typeof v === 'string' ? didYouMean(v, values) : '';
    this.error(at, `expected ${expected}, got ${describe(at.node)}${hint}`);
    return undefined;
  }

  /** A duration in milliseconds (`500ms`, `2s`, `1m30s`, or a number of seconds). */
  duration(at: Located): number | undefined {
    const v = isScalar(at.node) ? at.node.value : undefined;
    const ms = typeof v === 'number' || typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined) this.error(at, `${DURATION_HINT}, got ${describe(at.node)}`);
    return ms;
  }

  /** A size in bytes (`512k`, `64M`, `1g`, or a number of bytes). */
  size(at: Located): number | undefined {
    const v = isScalar(at.node) ? at.node.value : undefined;
    const bytes = typeof v === 'number' || typeof v === 'string' ? parseSize(v) : undefined;
    if (bytes === undefined) this.error(at, `${SIZE_HINT}, got ${describe(at.node)}`);
    return bytes;
  }

  /** A list of strings (numbers and booleans as written). */
  stringList(at: Located): string[] | undefined {
    const items = this.items(at, 'a list of strings');
    if (!items) return undefined;
    const out: string[] = [];
    let ok = true;
    for (const item of items) {
      const s = this.string(item, { scalars: true });
      if (s === undefined) ok = false;
      else out.push(s);
    }
    return ok ? out : undefined;
  }

  /** A mapping of names to scalar values, all as strings (an empty value is ""). */
  stringMap(at: Located): Record<string, string> | undefined {
    const entries = this.entries(at, 'a mapping of names to values');
    if (!entries) return undefined;
    const out: Record<string, string> = {};
    let ok = true;
    for (const { key, value } of entries) {
      const s = isEmpty(value) ? '' : this.string(value, { scalars: true, expected: 'a string, number or boolean' });
      if (s === undefined) ok = false;
      else setOwn(out, key, s);
    }
    return ok ? out : undefined;
  }
}
