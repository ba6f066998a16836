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

/** sha256 of the spec's canonical JSON: 16 hex chars, stored as the dockplan.spec.hash label. */
export function specHash(spec: ServiceSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 16);
}
