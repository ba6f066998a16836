// Typed reads of located compose values that never throw: a value of the wrong shape records an
// error at its place (with its dotted compose path) and reads as undefined, so one pass reports
// every problem. Compose interpolates before it types values, so `"3"` reads as 3 where a number
// is expected and `"true"` as true where a boolean is (as compose-go casts interpolated strings).
import { closest } from '../model/did-you-mean.js';
import { printable } from '../model/printable.js';
import { describeNode, type ComposeNode, type ComposeProblem, type ComposeSource, type MapEntry, type MapNode } from './tree.js';

/** Prefix of compose's extension fields, ignored wherever compose ignores them. */
export const EXTENSION = 'x-';

/** Every problem found while loading a project: errors stop it, warnings go along with it. */
export class ComposeProblems {
  readonly errors: ComposeProblem[] = [];
  readonly warnings: ComposeProblem[] = [];

  /**
   * Records an error; one at the very place of an earlier error is dropped (a value that could
   * not be interpolated is not also reported for what it then reads as).
   */
  error(at: ComposeSource, field: string, message: string): void {
    if (this.errors.some((e) => e.file === at.file && e.line === at.line && e.col === at.col)) return;
    this.errors.push(problem(at, field, message));
  }

  warn(at: ComposeSource, field: string, message: string): void {
    this.warnings.push(problem(at, field, message));
  }
}

/** A problem as one printable line: keys and values come from the file, nothing in them may act on a terminal. */
function problem(at: ComposeSource, field: string, message: string): ComposeProblem {
  const line = (s: string): string => printable(s, { oneLine: true });
  return { file: line(at.file), line: at.line, col: at.col, field: line(field), message: line(message) };
}

export function childField(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** A value and the dotted compose path it was read at. */
export interface At {
  node: ComposeNode;
  field: string;
}

/** Reads of compose values, recording problems in `problems`. */
export class ComposeReader {
  constructor(readonly problems: ComposeProblems) {}

  error(at: At, message: string): void {
    this.problems.error(at.node.source, at.field, message);
  }

  warn(at: At, message: string): void {
    this.problems.warn(at.node.source, at.field, message);
  }

  /** The entries of a mapping, or an error naming what was expected. */
  map(at: At, expected = 'a mapping'): MapNode | undefined {
    if (at.node.kind === 'map') return at.node;
    this.error(at, `expected ${expected}, got ${describeNode(at.node)}`);
    return undefined;
  }

  /** A mapping's entries as `At`s by key, `x-` keys left out; an unknown key is an error with a did-you-mean. */
  fields(at: At, known: readonly string[], expected?: string): Map<string, At> | undefined {
    const map = this.map(at, expected ?? `a mapping with keys ${known.join(', ')}`);
    if (!map) return undefined;
    const out = new Map<string, At>();
    for (const e of map.entries) {
      if (e.key.startsWith(EXTENSION)) continue;
      if (!known.includes(e.key)) {
        this.unknownKey(e, childField(at.field, e.key), known);
        continue;
      }
      out.set(e.key, { node: e.value, field: childField(at.field, e.key) });
    }
    return out;
  }

  /** Reports an unknown key at the key, with a did-you-mean or the keys there are. */
  unknownKey(entry: MapEntry, field: string, known: readonly string[]): void {
    const meant = closest(entry.key, known);
    const hint = meant !== undefined ? `; did you mean "${meant}"?` : `; expected one of ${known.join(', ')}`;
    this.problems.error(entry.keySource, field, `unknown key${hint}`);
  }

  items(at: At, expected = 'a list'): At[] | undefined {
    if (at.node.kind === 'seq') return at.node.items.map((node, i) => ({ node, field: `${at.field}[${i}]` }));
    this.error(at, `expected ${expected}, got ${describeNode(at.node)}`);
    return undefined;
  }

  /** A scalar as text: strings, and with `scalars` numbers and booleans as written. */
  string(at: At, expected = 'a string', scalars = true): string | undefined {
    const n = at.node;
    if (n.kind === 'scalar' && (typeof n.value === 'string' || (scalars && n.value !== null))) return n.text;
    this.error(at, `expected ${expected}, got ${describeNode(n)}`);
    return undefined;
  }

  /** A non-empty string. */
  word(at: At, expected = 'a non-empty string'): string | undefined {
    const s = this.string(at, expected);
    if (s !== undefined && s.trim() === '') {
      this.error(at, `expected ${expected}, got an empty string`);
      return undefined;
    }
    return s;
  }

  /** true/false, or the strings compose-go casts to them after interpolation. */
  boolean(at: At): boolean | undefined {
    const n = at.node;
    if (n.kind === 'scalar') {
      if (typeof n.value === 'boolean') return n.value;
      if (typeof n.value === 'string') {
        const v = n.value.toLowerCase();
        if (['true', 'yes', 'y', 'on', '1'].includes(v)) return true;
        if (['false', 'no', 'n', 'off', '0'].includes(v)) return false;
      }
    }
    this.error(at, `expected true or false, got ${describeNode(n)}`);
    return undefined;
  }

  /** An integer from `min` to `max`; a string of digits counts (an interpolated value). */
  integer(at: At, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const n = numberOf(at.node);
    if (n !== undefined && Number.isSafeInteger(n) && n >= min && n <= max) return n === 0 ? 0 : n;
    this.error(at, `expected an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`}, got ${describeNode(at.node)}`);
    return undefined;
  }

  /** A number (a decimal string counts). */
  number(at: At, expected: string): number | undefined {
    const n = numberOf(at.node);
    if (n !== undefined) return n;
    this.error(at, `expected ${expected}, got ${describeNode(at.node)}`);
    return undefined;
  }

  /** One of a fixed set of words, with a did-you-mean. */
  oneOf<T extends string>(at: At, values: readonly T[]): T | undefined {
    const n = at.node;
    const v = n.kind === 'scalar' && typeof n.value === 'string' ? n.value : undefined;
    if (v !== undefined && (values as readonly string[]).includes(v)) return v as T;
    const meant = v === undefined ? undefined : closest(v, values);
    const expected = values.length === 2 ? `${values[0]} or ${values[1]}` : `one of ${values.join(', ')}`;
    this.error(at, `expected ${expected}, got ${describeNode(n)}${meant ? `; did you mean "${meant}"?` : ''}`);
    return undefined;
  }

  /** A string or a list of strings (compose's `string_or_list`), as a list. */
  stringOrList(at: At, expected = 'a string or a list of strings'): string[] | undefined {
    if (at.node.kind === 'scalar') {
      const s = this.string(at, expected);
      return s === undefined ? undefined : [s];
    }
    return this.stringList(at, expected);
  }

  /** A list of scalars, as text. */
  stringList(at: At, expected = 'a list of strings'): string[] | undefined {
    const items = this.items(at, expected);
    if (!items) return undefined;
    const out: string[] = [];
    let ok = true;
    for (const item of items) {
      const s = this.string(item);
      if (s === undefined) ok = false;
      else out.push(s);
    }
    return ok ? out : undefined;
  }

  /**
   * Compose's `list_or_dict`: a mapping of names to scalars (an empty value is null), or a list
   * of `KEY=VALUE` strings (`KEY` alone is null). Values keep where they were written.
   */
  keyValues(at: At, what: string): { key: string; value: string | null; at: At }[] | undefined {
    const out: { key: string; value: string | null; at: At }[] = [];
    let ok = true;
    if (at.node.kind === 'seq') {
      for (const item of this.items(at) ?? []) {
        const s = this.string(item, `a ${what} as KEY=VALUE`);
        if (s === undefined) {
          ok = false;
          continue;
        }
        const eq = s.indexOf('=');
        out.push(eq < 0 ? { key: s, value: null, at: item } : { key: s.slice(0, eq), value: s.slice(eq + 1), at: item });
      }
      return ok ? out : undefined;
    }
    const map = this.map(at, `a mapping of ${what} names to values, or a list of KEY=VALUE`);
    if (!map) return undefined;
    for (const e of map.entries) {
      const item = { node: e.value, field: childField(at.field, e.key) };
      if (e.value.kind !== 'scalar') {
        this.error(item, `expected a string, number or boolean, got ${describeNode(e.value)}`);
        ok = false;
      } else out.push({ key: e.key, value: e.value.value === null ? null : e.value.text, at: item });
    }
    return ok ? out : undefined;
  }

  /** A mapping of names to scalar values, as strings (an empty value is ""). */
  stringMap(at: At, what = 'option'): Record<string, string> | undefined {
    const pairs = this.keyValues(at, what);
    if (!pairs) return undefined;
    const out: Record<string, string> = {};
    for (const p of pairs) Object.defineProperty(out, p.key, { value: p.value ?? '', enumerable: true, writable: true, configurable: true });
    return out;
  }
}

/** A number, or a string holding one (an interpolated value). */
function numberOf(node: ComposeNode): number | undefined {
  if (node.kind !== 'scalar') return undefined;
  if (typeof node.value === 'number') return node.value;
  if (typeof node.value === 'string' && /^\s*[-+]?\d+(\.\d+)?\s*$/.test(node.value)) return Number(node.value);
  return undefined;
}
