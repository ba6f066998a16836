// EvalContainerSpecChange: how a running container's spec relates to the desired one. Computed from
// the same field table as the spec diff (spec-diff.ts), so the plan and CHANGES always agree.
import type { ServiceSpec } from '../model/spec.js';
import { CONTAINER_EFFECTS, specFields, type FieldContext, type SpecField, type SpecFieldChange } from './spec-diff.js';

export type ContainerSpecStatus = 'up-to-date' | 'needs-update' | 'needs-recreate';

export interface SpecChange {
  status: ContainerSpecStatus;
  /**
   * What forced the status, e.g. ['image', 'env', 'resources.memory']: a field's top-level name,
   * except resources, which are named one by one. Empty when up to date.
   */
  changes: string[];
}

/**
 * Limits Docker's update API can change on a live container, and only while one stays set: Docker
 * reads 0 as "keep" for cpu and memory, so a limit cannot be lifted back to unlimited in place.
 */
const IN_PLACE_LIFTABLE: ReadonlySet<string> = new Set(['resources.memory_reservation']);

/**
 * Compares the spec a container runs with the desired spec. Only fields whose effect is
 * `recreate` or `in-place` count (see spec-diff.ts): replicas, placement, pull_policy and update
 * settings never change a container; a named volume's options change the volume, not the container.
 */
export function evalContainerSpecChange(current: ServiceSpec, desired: ServiceSpec, context: FieldContext = {}): SpecChange {
  return specChangeAgainst(desired, context)(current);
}

/** evalContainerSpecChange with the desired side prepared once, for comparing many containers. */
export function specChangeAgainst(desired: ServiceSpec, context: FieldContext = {}): (current: ServiceSpec) => SpecChange {
  const wanted = containerFields(specFields(desired, context));
  return (current) => compareWith(wanted, current, context);
}

/** One container's spec against the desired fields (compare texts only: secrets are not masked here). */
function compareWith(wanted: Map<string, SpecField>, current: ServiceSpec, context: FieldContext): SpecChange {
  const have = containerFields(specFields(current, context, { masked: false }));
  const differing: { field: string; effect: SpecFieldChange['effect']; lifted: boolean }[] = [];
  for (const [field, w] of wanted) {
    const h = have.get(field);
    if (!h || h.compare !== w.compare) differing.push({ field, effect: w.effect, lifted: false });
  }
  for (const [field, h] of have) {
    if (!wanted.has(field)) differing.push({ field, effect: h.effect, lifted: true });
  }
  if (differing.length === 0) return { status: 'up-to-date', changes: [] };
  const recreate = differing.some((d) => d.effect === 'recreate' || (d.lifted && !IN_PLACE_LIFTABLE.has(d.field)));
  const names = [...new Set(differing.map((d) => reasonName(d.field)))].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  return { status: recreate ? 'needs-recreate' : 'needs-update', changes: names };
}

function containerFields(fields: SpecField[]): Map<string, SpecField> {
  return new Map(fields.filter((f) => CONTAINER_EFFECTS.has(f.effect)).map((f) => [f.field, f]));
}

/** `env.A` -> `env`, `healthcheck.interval` -> `healthcheck`, `resources.cpu` stays. */
function reasonName(field: string): string {
  if (field.startsWith('resources.')) return field;
  return field.split('.')[0]!;
}

/** The order reasons are named in: the spec file's. */
const REASON_ORDER = [
  'name', 'image', 'mode', 'command', 'entrypoint', 'env', 'ports', 'volumes', 'mounts', 'healthcheck', 'init',
  'privileged', 'user', 'resources', 'cap_add', 'cap_drop', 'sysctls', 'ulimits', 'devices', 'logging', 'stop_grace_period',
];

function order(name: string): number {
  const i = REASON_ORDER.indexOf(name.split('.')[0]!);
  return i < 0 ? REASON_ORDER.length : i;
}
