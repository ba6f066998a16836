// Typed reads from a parsed YAML document that never throw: a value of the wrong shape records an
// error at its position (with its dotted path) and reads as undefined, so a parser can carry on and
// report every problem in one pass.
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type YAMLMap } from 'yaml';
import { closest, didYouMean } from './did-you-mean.js';
import { DURATION_HINT, SIZE_HINT, parseDuration, parseSize } from './units.js';
import { aliasTableOf, anchorOffset, isMergeKey, type AliasTable } from './yaml-aliases.js';
import type { ErrorCollector } from './yaml-errors.js';

/**
 * Where a value reached through an alias is used. Errors about the value, and about anything
 * inside it, are reported here (the `*name`, or the `<<` entry that merged it): that is the line
 * that put the value where it is read, and an anchor under an ignored `x-` key has no other place.
 */
export interface AliasUse {
  /** Character offset of the `*name` alias. */
  offset: number;
  /** The anchor's name, without `&`. */
  anchor: string;
  /** Character offset of the `&name` anchor. */
  anchorOffset: number;
}

/** A value in the file: its node (aliases resolved; null when empty), dotted path and position. */
export interface Located {
  node: Node | null;
  path: string;
  /** Character offset of the value itself (inside the anchored value when reached through an alias). */
  offset: number;
  /** Set when the value was reached through an alias: errors point at that use, not at `offset`. */
  via?: AliasUse;
}

/** Keys of a mapping that were present, by name. */
export type Fields = Map<string, Located>;

/** One entry of a mapping as read: merged entries included, keys as text. */
export interface Entry {
  key: string;
  keyAt: Located;
  value: Located;
}

/**
 * What an unknown key probably meant, beyond edit distance (compose names, moved keys): a key path
 * (shown as a did-you-mean) or, when it contains a space, a sentence saying what to do instead.
 */
export type KeyHints = Record<string, string>;

/**
 * Prefix of extension fields, which compose ignores in its own mappings so that files can hold
 * anchors and tool settings (https://docs.docker.com/reference/compose-file/extension/).
 */
export const EXTENSION_PREFIX = 'x-';

const MERGE_HINT = 'a mapping to merge or a list of them, like <<: *defaults or <<: [*a, *b]';

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

/**
 * Typed reads of one parsed document. Aliases are followed (values reached through one report
 * their errors at the alias), `<<` merge keys are applied wherever a mapping is read, and `x-`
 * keys are ignored in mappings with a fixed set of keys. A document whose aliases would expand
 * past the limits of aliasTableOf gets one error at the alias where it happens and is read no further:
 * no alias is followed and every other error is dropped.
 */
export class YamlReader {
  /** Paths a did-you-mean pointed at, so a "missing" error for them is not reported twice. */
  private readonly suggested = new Set<string>();
  private readonly aliases: AliasTable;
  /** Above zero while reading only to find a position (fieldOf): nothing is reported. */
  private quiet = 0;

  constructor(
    private readonly doc: Document.Parsed,
    readonly errors: ErrorCollector,
  ) {
    this.aliases = aliasTableOf(doc);
    const overflow = this.aliases.overflow;
    if (overflow) errors.add(overflow.offset, '', overflow.message);
  }

  /** True when the document was refused for its aliases: nothing is followed or reported any more. */
  private get refused(): boolean {
    return this.aliases.overflow !== undefined;
  }

  error(at: Located, message: string, field: string = at.path): void {
    this.report(at, message, field);
  }

  /**
   * Records an error about `at`: at the alias use when the value was reached through one, saying
   * where the anchor (and the value, when it sits on another line) is.
   */
  private report(at: Located, message: string, field: string = at.path, origin = true): void {
    if (this.quiet > 0 || this.refused) return;
    const via = at.via;
    if (!via) {
      this.errors.add(at.offset, field, message);
      return;
    }
    const anchorLine = this.errors.lineOf(via.anchorOffset);
    const valueLine = this.errors.lineOf(at.offset);
    const where = valueLine === anchorLine ? '' : `; written on line ${valueLine}`;
    this.errors.add(via.offset, field, origin ? `${message} (from &${via.anchor} on line ${anchorLine}${where})` : message);
  }

  /** The document's top-level value. */
  root(): Located {
    const node = this.doc.contents as Node | null;
    return { node, path: '', offset: node?.range?.[0] ?? 0 };
  }

  /**
   * The value of a raw node as read at `path`: aliases resolved. `fallback` is where an empty
   * value (which has no useful position of its own) and an alias naming no anchor are reported.
   * A value inside one reached through an alias keeps that outer use (`via`).
   */
  private locate(raw: unknown, path: string, fallback: number, via: AliasUse | undefined): Located {
    if (isAlias(raw)) {
      const use = raw.range?.[0] ?? fallback;
      const target = this.refused ? undefined : this.aliases.targets.get(raw);
      if (!target) {
        this.report({ node: null, path, offset: fallback, via }, `the alias *${raw.source} names no anchor; define &${raw.source} before it`);
        return { node: null, path, offset: fallback, ...(via ? { via } : {}) };
      }
      const outer = via ?? { offset: use, anchor: raw.source, anchorOffset: anchorOffset(target, this.errors.source) };
      return { node: target, path, offset: this.offsetOf(target, use), via: outer };
    }
    const node = (raw as Node | null | undefined) ?? null;
    return { node, path, offset: this.offsetOf(node, fallback), ...(via ? { via } : {}) };
  }

  /** Offset of a node, or `fallback` for an empty value (which has no useful position of its own). */
  private offsetOf(node: Node | null, fallback: number): number {
    if (node === null || (isScalar(node) && node.value === null && node.source === '')) return fallback;
    return node.range?.[0] ?? fallback;
  }

  /**
   * The entries of a mapping in order, keys as text, with `<<` merge keys applied as YAML 1.1 and
   * compose do (https://yaml.org/type/merge.html): `<<: *a` or `<<: [*a, *b]` (or inline
   * mappings) adds the entries of those mappings that the mapping does not set itself, the first
   * listed winning, at the place of the `<<`. Reports keys that are not plain scalars, duplicate
   * keys, and a `<<` whose value is not a mapping or a list of mappings. Undefined (with an error)
   * when the value is not a mapping.
   */
  entries(at: Located, expected = 'a mapping'): Entry[] | undefined {
    if (!isMap(at.node)) {
      this.error(at, `expected ${expected}, got ${describe(at.node)}`);
      return undefined;
    }
    return this.mappingEntries(at, at.node, new Set([at.node]));
  }

  /** `entries` of `map`, read at `at.path`; `merging` holds the mappings whose `<<` led here, to catch a mapping merging itself. */
  private mappingEntries(at: Located, map: YAMLMap, merging: ReadonlySet<Node>): Entry[] {
    // explicit keys first, so that a merged key they also set is neither taken nor a duplicate
    type Own = { kind: 'entry'; entry: Entry } | { kind: 'merge'; keyAt: Located; raw: unknown };
    const own: Own[] = [];
    const seen = new Map<string, number>();
    for (const pair of map.items) {
      const keyRaw = pair.key as Node | null;
      const keyOffset = keyRaw?.range?.[0] ?? at.offset;
      const isMerge = isMergeKey(keyRaw);
      const keyNode = isMerge ? keyRaw : this.locate(keyRaw, at.path, keyOffset, at.via).node;
      if (!isMerge && (!isScalar(keyNode) || keyNode.value === null)) {
        this.report({ node: keyNode, path: at.path, offset: keyOffset, via: at.via }, `keys must be plain words, got ${describe(keyNode)}`);
        continue;
      }
      const key = isMerge ? '<<' : keyText(keyNode as Node);
      const path = childPath(at.path, key);
      const keyAt: Located = { node: keyNode, path, offset: keyOffset, ...(at.via ? { via: at.via } : {}) };
      const first = seen.get(key);
      if (first !== undefined) {
        const more = isMerge ? '; merge several mappings with one <<: [*a, *b]' : '';
        this.report(keyAt, `duplicate key; "${key}" is already set on line ${this.errors.lineOf(first)}${more}`);
        continue;
      }
      seen.set(key, keyOffset);
      if (isMerge) own.push({ kind: 'merge', keyAt, raw: pair.value });
      else own.push({ kind: 'entry', entry: { key, keyAt, value: this.locate(pair.value, path, keyOffset, at.via) } });
    }
    const out: Entry[] = [];
    const taken = new Set(own.flatMap((o) => (o.kind === 'entry' ? [o.entry.key] : [])));
    for (const o of own) {
      if (o.kind === 'entry') {
        out.push(o.entry);
        continue;
      }
      for (const source of this.mergeSources(o.keyAt, o.raw, merging)) {
        const nested = new Set(merging).add(source.node as Node);
        for (const entry of this.mappingEntries({ ...source, path: at.path }, source.node as YAMLMap, nested)) {
          if (taken.has(entry.key)) continue;
          taken.add(entry.key);
          out.push(entry);
        }
      }
    }
    return out;
  }

  /** The mappings a `<<` entry merges, in order; anything else is reported at its place. */
  private mergeSources(keyAt: Located, raw: unknown, merging: ReadonlySet<Node>): Located[] {
    const value = this.locate(raw, keyAt.path, keyAt.offset, keyAt.via);
    const candidates = isSeq(value.node)
      ? value.node.items.map((item, i) => this.locate(item, `${keyAt.path}[${i}]`, (item as Node | null)?.range?.[0] ?? value.offset, value.via))
      : [value];
    const sources: Located[] = [];
    for (const c of candidates) {
      if (!isMap(c.node)) {
        this.report(c, `expected ${MERGE_HINT}, got ${describe(c.node)}`);
      } else if (merging.has(c.node)) {
        this.report(c, `merges &${c.node.anchor ?? '?'} into itself: this << is inside the mapping it merges`, c.path, false);
      } else sources.push(c);
    }
    return sources;
  }

  /**
   * A mapping with a fixed set of keys; unknown keys are errors with a did-you-mean. Keys starting
   * with `x-` are ignored, as compose ignores them in its own mappings.
   */
  fields(at: Located, known: readonly string[], hints: KeyHints = {}, expected?: string): Fields | undefined {
    const entries = this.entries(at, expected ?? `a mapping with keys ${known.join(', ')}`);
    if (!entries) return undefined;
    const fields: Fields = new Map();
    for (const { key, keyAt, value } of entries) {
      if (key.startsWith(EXTENSION_PREFIX)) continue;
      if (!known.includes(key)) {
        if (/^x[-_]/i.test(key)) {
          this.error(keyAt, `unknown key; to have it ignored as an extension field, start it with ${EXTENSION_PREFIX} (lowercase, with a dash)`);
          continue;
        }
        // Own keys only: a key like `constructor` or `__proto__` must not find Object's.
        const hint = Object.hasOwn(hints, key) ? hints[key] : undefined;
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
      this.quiet++;
      try {
        const entry = this.entries(at)?.find((e) => e.key === key);
        if (entry) return entry.value;
      } finally {
        this.quiet--;
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
    return at.node.items.map((item, i) => this.locate(item, `${at.path}[${i}]`, (item as Node | null)?.range?.[0] ?? at.offset, at.via));
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

  /** An integer from `min` to `max` (-0 reads as 0). */
  integer(at: Located, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = isScalar(at.node) ? at.node.value : undefined;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max) return v === 0 ? 0 : v;
    this.error(at, `expected an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`}, got ${describe(at.node)}`);
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

/** A key as text: strings as they are, numbers and booleans as written (`1.10` stays `1.10`). */
function keyText(node: Node): string {
  if (!isScalar(node)) return '';
  return typeof node.value === 'string' ? node.value : (node.source ?? String(node.value));
}
