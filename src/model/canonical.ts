// Canonical forms of plain data: equal values give equal JSON whatever their key order.
import { createHash } from 'node:crypto';
import type { ServiceSpec } from './spec.js';

/** The value with every object's keys sorted and undefined members dropped (undefined in a list becomes null). */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonical(v)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

/** sha256 of the value's canonical JSON, as 16 hex chars: the same for equal values whatever their key order. */
export function canonicalHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

/** sha256 of the spec's canonical JSON: 16 hex chars, stored as the dockplan.spec.hash label. */
export function specHash(spec: ServiceSpec): string {
  return canonicalHash(spec);
}

/**
 * Whether two plain-data values (what JSON.parse gives: objects, arrays, strings, numbers,
 * booleans, null) are equal member by member: the same keys (an undefined member counts, unlike in
 * canonicalJson), in any order, with equal values (`===`; NaN equals nothing). Cheaper than
 * comparing their JSON: it stops at the first difference and builds no text.
 */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(b, key)) return false;
    if (!sameData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/**
 * A map whose keys are plain data compared by value (sameData): for work done once per distinct
 * value, such as the one spec the replicas of a service carry. Keys are grouped under a hint the
 * caller gives (cheap to get, e.g. a spec hash label; equal keys under different hints are only a
 * miss, never a wrong hit), and at most `perHint` distinct keys are kept per hint, so a lookup
 * compares with a few keys at most.
 */
export class ValueKeyedMap<K, V> {
  readonly #groups = new Map<string, { key: K; value: V }[]>();

  constructor(readonly perHint = 8) {}

  /** The value stored under a key equal to `key` (by identity first, then by value), if any. */
  get(hint: string, key: K): V | undefined {
    const group = this.#groups.get(hint);
    if (!group) return undefined;
    for (const entry of group) if (entry.key === key) return entry.value;
    for (const entry of group) if (sameData(entry.key, key)) return entry.value;
    return undefined;
  }

  /** Stores `value` under `key`, unless its hint already holds `perHint` keys. */
  set(hint: string, key: K, value: V): void {
    const group = this.#groups.get(hint) ?? [];
    if (group.length >= this.perHint) return;
    group.push({ key, value });
    this.#groups.set(hint, group);
  }
}
