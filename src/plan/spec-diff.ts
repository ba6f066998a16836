// The one table of spec fields: how each field reads, how it compares, and what a change to it does.
// The field-level diff people read (CHANGES) and the container change status the planner acts on
// (spec-change.ts) are both computed from it, so they cannot disagree.
//
// Pure: no I/O. Defaults count as absent (mode replicated, replicas 1, pull_policy missing, empty
// lists and maps, false flags, `healthcheck.disable: false`, the default grace period, monitor time
// and /dev/shm size, the local volume driver), so writing a default out changes nothing.
import { formatPort } from '../model/ports.js';
import { DEFAULT_MONITOR_MS, DEFAULT_SHM_SIZE, DEFAULT_STOP_GRACE_MS, type DeviceSpec, type MountSpec, type ServiceSpec, type UlimitSpec, type VolumeSpec } from '../model/spec.js';
import { formatDuration, formatSize } from '../model/units.js';
import { maskedValues } from './secrets.js';

export { MASK, looksSecret, maskSecrets } from './secrets.js';

/**
 * What a change to a field does:
 * - `recreate`: the container must be replaced (Docker cannot change it on a live container);
 * - `in-place`: a limit Docker's update API changes on a live container (cpu, memory, reservation);
 * - `scheduling`: how many containers run where (replicas, placement): runs and removes, never a replace;
 * - `rollout`: how the rollout runs (pull_policy, update.*): no container changes;
 * - `volume`: an existing named volume's driver and options, which Docker never changes: the
 *   volume keeps its own, the plan says so.
 */
export type FieldEffect = 'recreate' | 'in-place' | 'scheduling' | 'rollout' | 'volume';

/** Effects that change a container: a change with one of these makes it out of date. */
export const CONTAINER_EFFECTS: ReadonlySet<FieldEffect> = new Set(['recreate', 'in-place']);

export interface SpecFieldChange {
  /** `image`, `env.LOG_LEVEL`, `resources.memory`, `healthcheck.interval`, `ports`, ... */
  field: string;
  kind: 'added' | 'removed' | 'changed';
  /** The value before, as text (absent for 'added'); secrets masked. */
  old?: string;
  /** The value after, as text (absent for 'removed'); secrets masked. */
  new?: string;
  effect: FieldEffect;
}

/** One field of one spec: its text for people, and what is compared (order-free for sets, unmasked). */
export interface SpecField {
  field: string;
  text: string;
  compare: string;
  effect: FieldEffect;
  /** The position of the field's group in the spec file's order. */
  group: number;
}

/**
 * Every field that differs between `old` (what runs; undefined for a new service) and `next`, in
 * the spec file's key order; env, sysctls, ulimits, logging options and volume options one change
 * per key (the new spec's key order, then keys only the old one has).
 */
export function diffSpecs(old: ServiceSpec | undefined, next: ServiceSpec, context: FieldContext = {}): SpecFieldChange[] {
  const before = old ? specFields(old, context) : [];
  const after = specFields(next, context);
  const beforeByField = new Map(before.map((e) => [e.field, e]));
  const afterFields = new Set(after.map((e) => e.field));
  const changes: SpecFieldChange[] = [];
  const groups = new Set([...after, ...before].map((e) => e.group));
  for (const group of [...groups].sort((a, b) => a - b)) {
    const start = changes.length;
    for (const e of after) {
      if (e.group !== group) continue;
      const was = beforeByField.get(e.field);
      const fallback = old ? defaultText(e.field, before) : undefined;
      if (!was && fallback !== undefined) changes.push({ field: e.field, kind: 'changed', old: fallback, new: e.text, effect: e.effect });
      else if (!was) changes.push({ field: e.field, kind: 'added', new: e.text, effect: e.effect });
      else if (was.compare !== e.compare) changes.push({ field: e.field, kind: 'changed', old: was.text, new: e.text, effect: e.effect });
    }
    for (const e of before) {
      if (e.group !== group || afterFields.has(e.field)) continue;
      const fallback = defaultText(e.field, after);
      if (fallback !== undefined) changes.push({ field: e.field, kind: 'changed', old: e.text, new: fallback, effect: e.effect });
      else changes.push({ field: e.field, kind: 'removed', old: e.text, effect: e.effect });
    }
    // A healthcheck's fields read in their own order, whichever side has them.
    const inGroup = changes.splice(start);
    changes.push(...inGroup.sort((a, b) => healthcheckRank(a.field) - healthcheckRank(b.field)));
  }
  return changes;
}

/** Fields with a default: going to or from it reads as a change from or to that value (`replicas: 1 -> 3`). */
const DEFAULT_TEXT: Record<string, string> = {
  mode: 'replicated',
  replicas: '1',
  pull_policy: 'missing',
  stop_grace_period: formatDuration(DEFAULT_STOP_GRACE_MS),
  'resources.shm_size': formatSize(DEFAULT_SHM_SIZE),
  'update.order': 'auto',
  'update.monitor': formatDuration(DEFAULT_MONITOR_MS),
  'update.parallelism': '1',
  'update.delay': '0s',
  'update.failure_action': 'rollback',
  'update.max_failure_ratio': '0',
};

/**
 * Docker's healthcheck timings (docker run reference, HEALTHCHECK), which a healthcheck gets for
 * the timings it leaves out; they are its values only while the other side still has a healthcheck.
 */
const HEALTHCHECK_DEFAULT_TEXT: Record<string, string> = {
  'healthcheck.interval': '30s',
  'healthcheck.timeout': '30s',
  'healthcheck.retries': '3',
  'healthcheck.start_period': '0s',
};

const HEALTHCHECK_ORDER = ['healthcheck.test', 'healthcheck.interval', 'healthcheck.timeout', 'healthcheck.retries', 'healthcheck.start_period', 'healthcheck.disable'];

/** A healthcheck field's place among its fields; every other field ranks 0 (a stable sort keeps them as they are). */
function healthcheckRank(field: string): number {
  return HEALTHCHECK_ORDER.indexOf(field) + 1;
}

/**
 * The value a field has when the spec leaves it out, read against the other side's fields
 * (`otherSide`): a fixed default, or a healthcheck timing's default when the other side keeps a
 * healthcheck (`interval: 1s -> 30s`, not `- interval: 1s`); undefined when there is none.
 */
function defaultText(field: string, otherSide: readonly SpecField[]): string | undefined {
  if (DEFAULT_TEXT[field] !== undefined) return DEFAULT_TEXT[field];
  const timing = HEALTHCHECK_DEFAULT_TEXT[field];
  if (timing === undefined) return undefined;
  const keepsCheck = otherSide.some((f) => f.field.startsWith('healthcheck.') && f.field !== 'healthcheck.disable');
  return keepsCheck ? timing : undefined;
}

/** Words that say what a change of this effect does, for the lines that do not change containers. */
const EFFECT_NOTE: Partial<Record<FieldEffect, string>> = {
  rollout: 'rollout setting: no container changes',
  volume: 'an existing volume keeps its options',
};

/**
 * `~ image: a -> b`, `+ env.NEW: 1`, `- env.OLD: x`; with `notes` (the default), a change that does
 * not touch containers says so: `~ update.monitor: 5s -> 2s (rollout setting: no container changes)`.
 * A new service's fields are better read without notes.
 */
export function formatSpecChange(c: SpecFieldChange, opts: { notes?: boolean } = {}): string {
  // Two masked secrets read alike: say that the value behind them changed.
  const notes = [...(c.kind === 'changed' && c.old === c.new ? ['changed'] : []), ...(opts.notes !== false && EFFECT_NOTE[c.effect] ? [EFFECT_NOTE[c.effect]!] : [])];
  const note = notes.length ? ` (${notes.join('; ')})` : '';
  switch (c.kind) {
    case 'added':
      return `+ ${c.field}: ${c.new ?? ''}${note}`;
    case 'removed':
      return `- ${c.field}: ${c.old ?? ''}${note}`;
    case 'changed':
      return `~ ${c.field}: ${c.old ?? ''} -> ${c.new ?? ''}${note}`;
  }
}

/** What the engines default to, where that is theirs to decide. */
export interface FieldContext {
  /** The log driver every engine uses when a container names none (`docker info` LoggingDriver). */
  logDriver?: string;
}

/**
 * The spec's fields that are set to something other than their default, in the file's order.
 * The one place that says how a field reads, how it compares and what changing it does.
 * With `masked: false` the texts of secret values are left unmasked: for callers that read only
 * `compare` (the same either way), which then skip finding the secrets.
 */
export function specFields(spec: ServiceSpec, context: FieldContext = {}, opts: { masked?: boolean } = {}): SpecField[] {
  const out: SpecField[] = [];
  let group = 0;
  /** Adds one field when it is set and not its default. */
  const put = (field: string, effect: FieldEffect, text: string | undefined, compare: string | undefined = text): void => {
    if (text !== undefined) out.push({ field, text, compare: compare ?? text, effect, group });
  };
  const hc = normalHealthcheck(spec);
  const res = spec.resources;
  // Secret values (and the secret parts of others) read masked; they compare by what they hold.
  const masked = opts.masked === false ? new Map<string, string>() : maskedValues(spec);
  const secretText = (path: string, value: string) => shown(masked.get(path) ?? value);
  const global = spec.mode === 'global';
  const steps: (() => void)[] = [
    () => put('name', 'recreate', str(spec.name)),
    () => put('image', 'recreate', imageText(spec), spec.image_ref ?? spec.image),
    () => put('mode', 'recreate', notDefault(spec.mode, 'replicated')),
    () => put('replicas', 'scheduling', global || spec.replicas === undefined || spec.replicas === 1 ? undefined : String(spec.replicas)),
    () => put('command', 'recreate', list(spec.command)),
    () => put('entrypoint', 'recreate', list(spec.entrypoint)),
    () => map(spec.env, (key, value) => put(`env.${key}`, 'recreate', secretText(`env.${key}`, value), value)),
    () => put('ports', 'recreate', spec.ports?.length ? spec.ports.map(formatPort).join(', ') : undefined, set(spec.ports?.map(formatPort))),
    () => {
      put('volumes', 'recreate', spec.volumes?.length ? listOf(spec.volumes.map(volumeText), false) : undefined, set(spec.volumes?.map(volumeText)));
      for (const v of spec.volumes ?? []) {
        if (v.type !== 'volume') continue;
        put(`volumes.${v.name}.driver`, 'volume', notDefault(v.driver, 'local'));
        map(v.driver_opts, (key, value) => put(`volumes.${v.name}.driver_opts.${key}`, 'volume', secretText(`volumes.${v.name}.driver_opts.${key}`, value), value));
        map(v.labels, (key, value) => put(`volumes.${v.name}.labels.${key}`, 'volume', shown(value)));
      }
    },
    () => put('mounts', 'recreate', spec.mounts?.length ? listOf(spec.mounts.map(mountText)) : undefined, set(spec.mounts?.map(mountText))),
    () => put('placement.machines', 'scheduling', list(spec.placement?.machines), set(spec.placement?.machines)),
    () => {
      put('healthcheck.test', 'recreate', list(hc?.test));
      put('healthcheck.interval', 'recreate', duration(hc?.interval));
      put('healthcheck.timeout', 'recreate', duration(hc?.timeout));
      put('healthcheck.retries', 'recreate', hc?.retries === undefined ? undefined : String(hc.retries));
      put('healthcheck.start_period', 'recreate', duration(hc?.start_period));
      put('healthcheck.disable', 'recreate', flag(hc?.disable));
    },
    () => put('init', 'recreate', flag(spec.init)),
    () => put('privileged', 'recreate', flag(spec.privileged)),
    () => put('user', 'recreate', str(spec.user)),
    () => put('pull_policy', 'rollout', notDefault(spec.pull_policy, 'missing')),
    () => {
      // Docker keeps cpu as an integer number of nano-CPUs: compare at that precision.
      put('resources.cpu', 'in-place', res?.cpu === undefined ? undefined : String(res.cpu), res?.cpu === undefined ? undefined : String(Math.round(res.cpu * 1e9)));
      put('resources.memory', 'in-place', size(res?.memory));
      put('resources.memory_reservation', 'in-place', size(res?.memory_reservation));
      put('resources.shm_size', 'recreate', res?.shm_size === DEFAULT_SHM_SIZE ? undefined : size(res?.shm_size));
    },
    () => put('cap_add', 'recreate', list(spec.cap_add), set(spec.cap_add)),
    () => put('cap_drop', 'recreate', list(spec.cap_drop), set(spec.cap_drop)),
    () => map(spec.sysctls, (key, value) => put(`sysctls.${key}`, 'recreate', shown(value))),
    () => map(spec.ulimits, (key, value) => put(`ulimits.${key}`, 'recreate', ulimitText(value))),
    () => put('devices', 'recreate', spec.devices?.length ? listOf(spec.devices.map(deviceText)) : undefined, set(spec.devices?.map(deviceText))),
    () => {
      // The engines' own default driver, named without options, is what a container without logging gets.
      const defaultDriver = spec.logging?.driver === context.logDriver && !Object.keys(spec.logging?.options ?? {}).length;
      put('logging.driver', 'recreate', defaultDriver ? undefined : str(spec.logging?.driver));
      map(spec.logging?.options, (key, value) => put(`logging.options.${key}`, 'recreate', secretText(`logging.options.${key}`, value), value));
    },
    () => put('stop_grace_period', 'recreate', spec.stop_grace_period === undefined || spec.stop_grace_period === DEFAULT_STOP_GRACE_MS ? undefined : formatDuration(spec.stop_grace_period)),
    () => {
      put('update.order', 'rollout', notDefault(spec.update?.order, 'auto'));
      put('update.monitor', 'rollout', spec.update?.monitor === undefined || spec.update.monitor === DEFAULT_MONITOR_MS ? undefined : formatDuration(spec.update.monitor));
      put('update.parallelism', 'rollout', spec.update?.parallelism === undefined || spec.update.parallelism === 1 ? undefined : String(spec.update.parallelism));
      put('update.delay', 'rollout', spec.update?.delay ? formatDuration(spec.update.delay) : undefined);
      put('update.failure_action', 'rollout', notDefault(spec.update?.failure_action, 'rollback'));
      put('update.max_failure_ratio', 'rollout', spec.update?.max_failure_ratio ? String(spec.update.max_failure_ratio) : undefined);
    },
  ];
  for (const step of steps) {
    step();
    group++;
  }
  return out;
}

/**
 * Docker's healthcheck defaults (docker run reference, HEALTHCHECK): a timing written out with
 * its default value is the same as none. An image's own HEALTHCHECK timings would apply to absent
 * fields instead; they are not known here, so an image that sets them is better matched by
 * writing the timings out.
 */
const DOCKER_HEALTHCHECK_DEFAULTS = { interval: 30_000, timeout: 30_000, retries: 3, start_period: 0 } as const;

/**
 * The healthcheck as Docker runs it: `disable: true` and a test of `[NONE]` are the same (no
 * check); `disable: false` is no setting at all; Docker's default timings are no setting either; an
 * empty healthcheck is none.
 */
function normalHealthcheck(spec: ServiceSpec): ServiceSpec['healthcheck'] {
  const hc = spec.healthcheck;
  if (!hc) return undefined;
  if (hc.disable || hc.test?.[0] === 'NONE') return { disable: true };
  const { disable: _ignored, ...rest } = hc;
  for (const [key, value] of Object.entries(DOCKER_HEALTHCHECK_DEFAULTS)) {
    if (rest[key as keyof typeof DOCKER_HEALTHCHECK_DEFAULTS] === value) delete rest[key as keyof typeof DOCKER_HEALTHCHECK_DEFAULTS];
  }
  return Object.values(rest).some((v) => v !== undefined) ? rest : undefined;
}

// ---- values as text ---------------------------------------------------------------------------

/** `local/busybox:1`, with what the plan pinned it to: `local/busybox:1 (image sha256:0123456789ab)`. */
export function imageText(spec: Pick<ServiceSpec, 'image' | 'image_ref'>): string {
  const ref = spec.image_ref;
  if (!ref || ref === spec.image) return spec.image;
  const digest = /@(sha256:[0-9a-f]{12})/.exec(ref)?.[1];
  if (digest) return spec.image.includes('@') ? spec.image : `${spec.image} (digest ${digest})`;
  const id = /^(sha256:[0-9a-f]{12})/.exec(ref)?.[1];
  return id ? `${spec.image} (image ${id})` : `${spec.image} (${ref})`;
}

function str(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function notDefault<T extends string>(value: T | undefined, fallback: T): string | undefined {
  return value === undefined || value === fallback ? undefined : value;
}

function flag(value: boolean | undefined): string | undefined {
  return value ? 'true' : undefined;
}

function duration(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : formatDuration(ms);
}

function size(bytes: number | undefined): string | undefined {
  return bytes === undefined ? undefined : formatSize(bytes);
}

/** A value as read: an empty string shows as `""`. */
function shown(value: string): string {
  return value === '' ? '""' : value;
}

/**
 * `[a, b]`. A raw item (a command word, a name) that would read ambiguously (empty, commas,
 * brackets, quotes, edge spaces) is quoted; descriptions this file builds (`cache (tmpfs, ...)`) are not.
 */
function listOf(items: readonly string[], quote = true): string {
  return `[${items.map((s) => (quote && (s === '' || /[,[\]"]|^\s|\s$/.test(s)) ? JSON.stringify(s) : s)).join(', ')}]`;
}

function list(items: readonly string[] | undefined): string | undefined {
  return items?.length ? listOf(items) : undefined;
}

/** The comparison text of an unordered list: the same items in another order are equal. */
function set(items: readonly string[] | undefined): string | undefined {
  return items?.length ? JSON.stringify([...items].sort()) : undefined;
}

function map<T>(record: Record<string, T> | undefined, each: (key: string, value: T) => void): void {
  for (const [key, value] of Object.entries(record ?? {})) each(key, value);
}

/**
 * What a container sees of a volume: `data`, `cache (tmpfs, size 64M, mode 1777)`, `logs (bind
 * /var/log)`. A named volume's driver and options are fields of their own (effect `volume`).
 */
function volumeText(v: VolumeSpec): string {
  const parts: string[] = [];
  if (v.type === 'bind') parts.push(v.source ? `bind ${v.source}` : 'bind');
  if (v.type === 'tmpfs') parts.push('tmpfs');
  if (v.size !== undefined) parts.push(`size ${formatSize(v.size)}`);
  if (v.mode !== undefined) parts.push(`mode ${v.mode.toString(8).padStart(4, '0')}`);
  return parts.length ? `${v.name} (${parts.join(', ')})` : v.name;
}

/** `data:/data`, `cache:/cache:ro`. */
function mountText(m: MountSpec): string {
  return `${m.volume}:${m.path}${m.read_only ? ':ro' : ''}`;
}

/** `/dev/fuse`, `/dev/sda:/dev/xvda`, `/dev/sda:/dev/xvda:r`. */
function deviceText(d: DeviceSpec): string {
  if (d.permissions === 'rwm') return d.container_path === d.host_path ? d.host_path : `${d.host_path}:${d.container_path}`;
  return `${d.host_path}:${d.container_path}:${d.permissions}`;
}

/** `1024`, or `soft 1024, hard 2048`. */
function ulimitText(u: UlimitSpec): string {
  return u.soft === u.hard ? String(u.soft) : `soft ${u.soft}, hard ${u.hard}`;
}
