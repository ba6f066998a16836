// A field-level diff of two service specs, for people: which fields were added, removed or changed,
// with values written the way a spec file writes them (`2s`, `64M`, `8080/http`, `[a, b]`).
// Pure: no I/O. Defaults count as absent (mode replicated, replicas 1, pull_policy missing, empty
// lists and maps, false flags, the default grace period and monitor time), so writing a default
// out changes nothing. Secret-looking env values are masked.
import { formatPort } from '../model/ports.js';
import { DEFAULT_MONITOR_MS, DEFAULT_STOP_GRACE_MS, type DeviceSpec, type MountSpec, type ServiceSpec, type UlimitSpec, type VolumeSpec } from '../model/spec.js';
import { formatDuration, formatSize } from '../model/units.js';

export interface SpecFieldChange {
  /** `image`, `env.LOG_LEVEL`, `resources.memory`, `healthcheck.interval`, `ports`, ... */
  field: string;
  kind: 'added' | 'removed' | 'changed';
  /** The value before, as text (absent for 'added'). */
  old?: string;
  /** The value after, as text (absent for 'removed'). */
  new?: string;
}

export const MASK = '••••••';

const SECRET_KEY = /PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTH/i;

/** Whether a variable's (or option's) name looks like it holds a secret; its value is then masked. */
export function looksSecret(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** One field of one spec: its text for people, and what is compared (order-free for sets, unmasked). */
interface Entry {
  field: string;
  text: string;
  compare: string;
  /** The position of the field's group in the spec file's order. */
  group: number;
}

/**
 * Every field that differs between `old` (the deployed spec; undefined for a new service) and
 * `next`, in the spec file's key order; env, sysctls, ulimits and logging options one change per key
 * (the new spec's key order, then keys only the old one has).
 */
export function diffSpecs(old: ServiceSpec | undefined, next: ServiceSpec): SpecFieldChange[] {
  const before = old ? entries(old) : [];
  const after = entries(next);
  const beforeByField = new Map(before.map((e) => [e.field, e]));
  const afterFields = new Set(after.map((e) => e.field));
  const changes: SpecFieldChange[] = [];
  const groups = new Set([...after, ...before].map((e) => e.group));
  for (const group of [...groups].sort((a, b) => a - b)) {
    for (const e of after) {
      if (e.group !== group) continue;
      const was = beforeByField.get(e.field);
      const fallback = old ? DEFAULT_TEXT[e.field] : undefined;
      if (!was && fallback !== undefined) changes.push({ field: e.field, kind: 'changed', old: fallback, new: e.text });
      else if (!was) changes.push({ field: e.field, kind: 'added', new: e.text });
      else if (was.compare !== e.compare) changes.push({ field: e.field, kind: 'changed', old: was.text, new: e.text });
    }
    for (const e of before) {
      if (e.group !== group || afterFields.has(e.field)) continue;
      const fallback = DEFAULT_TEXT[e.field];
      if (fallback !== undefined) changes.push({ field: e.field, kind: 'changed', old: e.text, new: fallback });
      else changes.push({ field: e.field, kind: 'removed', old: e.text });
    }
  }
  return changes;
}

/** Fields with a default: going to or from it reads as a change from or to that value (`replicas: 1 -> 3`). */
const DEFAULT_TEXT: Record<string, string> = {
  mode: 'replicated',
  replicas: '1',
  pull_policy: 'missing',
  stop_grace_period: formatDuration(DEFAULT_STOP_GRACE_MS),
  'update.order': 'auto',
  'update.monitor': formatDuration(DEFAULT_MONITOR_MS),
};

/** `~ image: a -> b`, `+ env.NEW: 1`, `- env.OLD: x`. */
export function formatSpecChange(c: SpecFieldChange): string {
  switch (c.kind) {
    case 'added':
      return `+ ${c.field}: ${c.new ?? ''}`;
    case 'removed':
      return `- ${c.field}: ${c.old ?? ''}`;
    case 'changed':
      return `~ ${c.field}: ${c.old ?? ''} -> ${c.new ?? ''}`;
  }
}

/** The spec's fields that are set to something other than their default, in the file's order. */
function entries(spec: ServiceSpec): Entry[] {
  const out: Entry[] = [];
  let group = 0;
  /** Adds one field when it is set and not its default. */
  const put = (field: string, text: string | undefined, compare: string | undefined = text): void => {
    if (text !== undefined) out.push({ field, text, compare: compare ?? text, group });
  };
  /** Starts the next group: fields of one group keep their own order among themselves. */
  const next = (): void => {
    group++;
  };
  const hc = spec.healthcheck;
  const res = spec.resources;
  const steps: (() => void)[] = [
    () => put('name', str(spec.name)),
    () => put('image', str(spec.image)),
    () => put('mode', notDefault(spec.mode, 'replicated')),
    () => put('replicas', spec.replicas === undefined || spec.replicas === 1 ? undefined : String(spec.replicas)),
    () => put('command', list(spec.command)),
    () => put('entrypoint', list(spec.entrypoint)),
    () => map(spec.env, (key, value) => put(`env.${key}`, looksSecret(key) ? MASK : shown(value), value)),
    () => put('ports', spec.ports?.length ? spec.ports.map(formatPort).join(', ') : undefined, set(spec.ports?.map(formatPort))),
    () => put('volumes', spec.volumes?.length ? listOf(spec.volumes.map(volumeText), false) : undefined, set(spec.volumes?.map(volumeCompare))),
    () => put('mounts', spec.mounts?.length ? listOf(spec.mounts.map(mountText)) : undefined, set(spec.mounts?.map(mountText))),
    () => put('placement.machines', list(spec.placement?.machines), set(spec.placement?.machines)),
    () => {
      put('healthcheck.test', list(hc?.test));
      put('healthcheck.interval', duration(hc?.interval));
      put('healthcheck.timeout', duration(hc?.timeout));
      put('healthcheck.retries', hc?.retries === undefined ? undefined : String(hc.retries));
      put('healthcheck.start_period', duration(hc?.start_period));
      put('healthcheck.disable', flag(hc?.disable));
    },
    () => put('init', flag(spec.init)),
    () => put('privileged', flag(spec.privileged)),
    () => put('user', str(spec.user)),
    () => put('pull_policy', notDefault(spec.pull_policy, 'missing')),
    () => {
      put('resources.cpu', res?.cpu === undefined ? undefined : String(res.cpu));
      put('resources.memory', size(res?.memory));
      put('resources.memory_reservation', size(res?.memory_reservation));
      put('resources.shm_size', size(res?.shm_size));
    },
    () => put('cap_add', list(spec.cap_add), set(spec.cap_add)),
    () => put('cap_drop', list(spec.cap_drop), set(spec.cap_drop)),
    () => map(spec.sysctls, (key, value) => put(`sysctls.${key}`, shown(value))),
    () => map(spec.ulimits, (key, value) => put(`ulimits.${key}`, ulimitText(value))),
    () => put('devices', spec.devices?.length ? listOf(spec.devices.map(deviceText)) : undefined, set(spec.devices?.map(deviceText))),
    () => {
      put('logging.driver', str(spec.logging?.driver));
      map(spec.logging?.options, (key, value) => put(`logging.options.${key}`, looksSecret(key) ? MASK : shown(value), value));
    },
    () => put('stop_grace_period', spec.stop_grace_period === undefined || spec.stop_grace_period === DEFAULT_STOP_GRACE_MS ? undefined : formatDuration(spec.stop_grace_period)),
    () => {
      put('update.order', notDefault(spec.update?.order, 'auto'));
      put('update.monitor', spec.update?.monitor === undefined || spec.update.monitor === DEFAULT_MONITOR_MS ? undefined : formatDuration(spec.update.monitor));
    },
  ];
  for (const step of steps) {
    step();
    next();
  }
  return out;
}

// ---- values as text ---------------------------------------------------------------------------

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

/** `data`, `cache (tmpfs, size 64M, mode 1777)`, `logs (bind /var/log)`, `nfs (driver nfs, o=addr=10.0.0.1)`. */
function volumeText(v: VolumeSpec): string {
  return volumeWords(v, true);
}

function volumeCompare(v: VolumeSpec): string {
  return volumeWords(v, false);
}

function volumeWords(v: VolumeSpec, mask: boolean): string {
  const parts: string[] = [];
  if (v.type === 'bind') parts.push(v.source ? `bind ${v.source}` : 'bind');
  if (v.type === 'tmpfs') parts.push('tmpfs');
  if (v.size !== undefined) parts.push(`size ${formatSize(v.size)}`);
  if (v.mode !== undefined) parts.push(`mode ${v.mode.toString(8).padStart(4, '0')}`);
  if (v.driver !== undefined && v.driver !== 'local') parts.push(`driver ${v.driver}`);
  for (const key of Object.keys(v.driver_opts ?? {}).sort()) {
    parts.push(`${key}=${mask && looksSecret(key) ? MASK : v.driver_opts![key]}`);
  }
  for (const key of Object.keys(v.labels ?? {}).sort()) parts.push(`label ${key}=${v.labels![key]}`);
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

/** A copy of the spec for display: env values of keys that look secret are masked. */
export function maskSecrets(spec: ServiceSpec): ServiceSpec {
  if (!spec.env) return spec;
  const env = Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, looksSecret(k) ? MASK : v]));
  return { ...spec, env };
}
