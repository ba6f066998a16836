// EvalContainerSpecChange: how a running container's spec relates to the desired one.
import type { ServiceSpec } from '../model/spec.js';
import { DEFAULT_STOP_GRACE_MS } from '../model/spec.js';
import { canonical } from '../model/canonical.js';

export type ContainerSpecStatus = 'up-to-date' | 'needs-update' | 'needs-recreate';

export interface SpecChange {
  status: ContainerSpecStatus;
  /** Every field that differs, e.g. ['image', 'env', 'resources.memory']; empty when up to date. */
  changes: string[];
}

/** Fields whose difference means the container must be recreated, in the order they are checked. */
const RECREATE_FIELDS = [
  'name', 'mode', 'image', 'command', 'entrypoint', 'env', 'healthcheck', 'init', 'privileged',
  'user', 'logging', 'cap_add', 'cap_drop', 'sysctls', 'stop_grace_period', 'mounts', 'placement',
  'ports', 'volumes', 'devices', 'ulimits',
] as const;

const RESOURCE_FIELDS = ['cpu', 'memory', 'memory_reservation', 'shm_size'] as const;

/**
 * Docker's update API cannot change /dev/shm of a live container, nor lift a cpu or memory limit
 * back to unlimited: those changes need a new container.
 */
function changeableInPlace(field: (typeof RESOURCE_FIELDS)[number], current: ServiceSpec, desired: ServiceSpec): boolean {
  if (field === 'shm_size') return false;
  if (field === 'cpu' || field === 'memory') return desired.resources?.[field] !== undefined || current.resources?.[field] === undefined;
  return true;
}

type Comparable = Record<(typeof RECREATE_FIELDS)[number], unknown>;

/** Applies defaults so that a missing field equals its empty/default value ("nil equals empty"). */
function comparable(spec: ServiceSpec): Comparable {
  const sortedBy = <T>(list: T[] | undefined, key: (x: T) => string): T[] =>
    [...(list ?? [])].map((x) => canonical(x) as T).sort((a, b) => key(a).localeCompare(key(b)));
  const hc = spec.healthcheck;
  const healthcheck = !hc || (!hc.test && !hc.disable) ? undefined
    : hc.disable || hc.test?.[0] === 'NONE' ? { disable: true } : canonical(hc);
  return {
    name: spec.name ?? '',
    mode: spec.mode ?? 'replicated',
    image: spec.image,
    command: spec.command ?? [],
    entrypoint: spec.entrypoint ?? [],
    env: canonical(spec.env ?? {}),
    healthcheck,
    init: spec.init ?? false,
    privileged: spec.privileged ?? false,
    user: spec.user ?? '',
    logging: spec.logging ? canonical({ driver: spec.logging.driver, options: spec.logging.options ?? {} }) : undefined,
    cap_add: [...(spec.cap_add ?? [])].sort(),
    cap_drop: [...(spec.cap_drop ?? [])].sort(),
    sysctls: canonical(spec.sysctls ?? {}),
    stop_grace_period: spec.stop_grace_period ?? DEFAULT_STOP_GRACE_MS,
    mounts: sortedBy(spec.mounts, (m) => m.path).map((m) => canonical({ ...m, read_only: m.read_only ?? false })),
    placement: [...(spec.placement?.machines ?? [])].sort(),
    ports: sortedBy(spec.ports, (p) => JSON.stringify(p)),
    volumes: sortedBy(spec.volumes, (v) => v.name),
    devices: sortedBy(spec.devices, (d) => d.container_path),
    ulimits: canonical(spec.ulimits ?? {}),
  };
}

/**
 * Compares the spec a container runs with the desired spec. replicas and update settings never
 * count as a container change; a new pull_policy of `always` always recreates.
 */
export function evalContainerSpecChange(current: ServiceSpec, desired: ServiceSpec): SpecChange {
  return specChangeAgainst(desired)(current);
}

/** evalContainerSpecChange with the desired side prepared once, for comparing many containers. */
export function specChangeAgainst(desired: ServiceSpec): (current: ServiceSpec) => SpecChange {
  const b = comparable(desired);
  const wanted = new Map(RECREATE_FIELDS.map((f) => [f, JSON.stringify(b[f])]));
  return (current) => {
    const a = comparable(current);
    const recreate: string[] = RECREATE_FIELDS.filter((f) => JSON.stringify(a[f]) !== wanted.get(f));
    const resources = RESOURCE_FIELDS.filter((f) => (current.resources?.[f] ?? 0) !== (desired.resources?.[f] ?? 0));
    if (desired.pull_policy === 'always' && !recreate.includes('image')) recreate.push('pull_policy');
    const changes = [...recreate, ...resources.map((f) => `resources.${f}`)];
    if (recreate.length > 0 || resources.some((f) => !changeableInPlace(f, current, desired))) return { status: 'needs-recreate', changes };
    if (resources.length > 0) return { status: 'needs-update', changes };
    return { status: 'up-to-date', changes: [] };
  };
}
