// The storage parts of a spec: volumes, the mounts that use them, and devices.
import { quoted } from './printable.js';
import { isMap, isScalar } from 'yaml';
import type { DeviceSpec, MountSpec, VolumeSpec } from './spec.js';
import { childPath, describe, type Located, type YamlReader } from './yaml-reader.js';

const VOLUME_KEYS = ['name', 'type', 'source', 'size', 'mode', 'driver', 'driver_opts', 'labels'] as const;
const VOLUME_TYPES = ['volume', 'bind', 'tmpfs'] as const;
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MOUNT_KEYS = ['volume', 'path', 'read_only'] as const;
const DEVICE_KEYS = ['host_path', 'container_path', 'permissions'] as const;
const MOUNT_HINT = 'expected {volume, path, read_only} or "volume:/path[:ro]"';

/** `/a/b/` -> `/a/b`, so the same directory written two ways is one path. */
function trimSlashes(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') || '/' : path;
}

function absolutePath(r: YamlReader, at: Located, what: string): string | undefined {
  const s = r.word(at, `an absolute ${what} path`);
  if (s === undefined) return undefined;
  if (!s.startsWith('/')) {
    r.error(at, `expected an absolute ${what} path (starting with /), got ${quoted(s)}`);
    return undefined;
  }
  return trimSlashes(s);
}

export interface VolumesRead {
  /** Undefined when any volume is invalid. */
  volumes?: VolumeSpec[];
  /** Every name written under volumes, valid or not (so mounts are checked against what was meant). */
  names?: Set<string>;
}

export function readVolumes(r: YamlReader, at: Located): VolumesRead {
  const items = r.items(at, 'a list of volumes ({name, type, ...})');
  if (!items) return {};
  const out: VolumeSpec[] = [];
  const names = new Set<string>();
  const byName = new Map<string, number>();
  items.forEach((item, i) => {
    const { volume, name } = readVolume(r, item);
    if (name === undefined) return;
    names.add(name);
    const first = byName.get(name);
    if (first !== undefined) {
      const nameAt = r.fieldOf(item, 'name');
      r.error(nameAt, `duplicate volume name "${name}"; volumes[${first}] already defines it`);
      return;
    }
    byName.set(name, i);
    if (volume) out.push(volume);
  });
  return { volumes: out.length === items.length ? out : undefined, names };
}

function readVolume(r: YamlReader, at: Located): { volume?: VolumeSpec; name?: string } {
  const f = r.fields(at, VOLUME_KEYS);
  if (!f) return {};
  let ok = true;
  const fail = (): undefined => {
    ok = false;
    return undefined;
  };
  const nameAt = r.require(f, 'name', at, 'missing; every volume needs a name');
  const name = nameAt ? r.string(nameAt) : undefined;
  if (nameAt && name !== undefined && !VOLUME_NAME.test(name)) {
    r.error(nameAt, `invalid volume name ${quoted(name)}; use letters, digits, '_', '.' and '-', starting with a letter or digit`);
    fail();
  }
  const typeAt = f.get('type');
  const type = typeAt ? r.oneOf(typeAt, VOLUME_TYPES) : 'volume';
  if (name === undefined || type === undefined) fail();
  if (type === 'volume' && name !== undefined && name.length < 2 && nameAt) {
    r.error(nameAt, 'named volumes need at least 2 characters (Docker refuses shorter names)');
    fail();
  }
  const only = (key: string, allowed: string, hint: string): Located | undefined => {
    const v = f.get(key);
    if (v && type !== undefined && type !== allowed) {
      r.error(v, `${key} is only for type ${allowed}; ${hint}`);
      fail();
      return undefined;
    }
    return v;
  };
  const vol: VolumeSpec = { name: name ?? '', type: type ?? 'volume' };
  const sourceAt = only('source', 'bind', 'set type: bind to bind a host directory');
  if (sourceAt) vol.source = absolutePath(r, sourceAt, 'host') ?? fail();
  else if (type === 'bind') {
    r.error({ ...at, path: childPath(at.path, 'source') }, 'missing; a bind volume needs the absolute host path to bind');
    fail();
  }
  const sizeAt = only('size', 'tmpfs', 'set type: tmpfs for an in-memory volume');
  if (sizeAt) vol.size = positiveSize(r, sizeAt) ?? fail();
  const modeAt = only('mode', 'tmpfs', 'set type: tmpfs for an in-memory volume');
  if (modeAt) vol.mode = octalMode(r, modeAt) ?? fail();
  const driverAt = only('driver', 'volume', 'remove it, or use type: volume for a named volume');
  if (driverAt) vol.driver = r.word(driverAt) ?? fail();
  const optsAt = only('driver_opts', 'volume', 'remove it, or use type: volume for a named volume');
  if (optsAt) vol.driver_opts = r.stringMap(optsAt) ?? fail();
  const labelsAt = only('labels', 'volume', 'remove it, or use type: volume for a named volume');
  if (labelsAt) vol.labels = r.stringMap(labelsAt) ?? fail();
  return { volume: ok ? vol : undefined, name };
}

function positiveSize(r: YamlReader, at: Located): number | undefined {
  const n = r.size(at);
  if (n === 0) {
    r.error(at, 'expected a size above 0');
    return undefined;
  }
  return n;
}

/** A file mode in octal: `1777`, `"0755"` or `0o755` (YAML's own octal). */
function octalMode(r: YamlReader, at: Located): number | undefined {
  const text = isScalar(at.node) && (typeof at.node.value === 'number' || typeof at.node.value === 'string')
    ? (typeof at.node.value === 'string' ? at.node.value : (at.node.source ?? String(at.node.value)))
    : undefined;
  const m = text === undefined ? null : /^(?:0o)?([0-7]{1,4})$/.exec(text);
  if (!m) {
    r.error(at, `expected an octal mode like 1777 or 755, got ${describe(at.node)}`);
    return undefined;
  }
  return parseInt(m[1], 8);
}

export function readMounts(r: YamlReader, at: Located, volumes: ReadonlySet<string> | undefined): MountSpec[] | undefined {
  const items = r.items(at, 'a list of mounts ({volume, path, read_only})');
  if (!items) return undefined;
  const out: MountSpec[] = [];
  const byPath = new Map<string, number>();
  items.forEach((item, i) => {
    const m = readMount(r, item, volumes);
    if (!m) return;
    const first = byPath.get(m.path);
    if (first !== undefined) {
      r.error(r.fieldOf(item, 'path'), `mounts[${first}] already mounts something at ${m.path}; each path can be mounted once`);
      return;
    }
    byPath.set(m.path, i);
    out.push(m);
  });
  return out.length === items.length ? out : undefined;
}

function readMount(r: YamlReader, at: Located, volumes: ReadonlySet<string> | undefined): MountSpec | undefined {
  if (isScalar(at.node) && typeof at.node.value === 'string') {
    // compose's short form `volume:/path[:ro|rw]`; errors point at the whole item
    const parts = at.node.value.split(':');
    if (parts.length < 2 || parts.length > 3 || (parts.length === 3 && parts[2] !== 'ro' && parts[2] !== 'rw')) {
      r.error(at, `${MOUNT_HINT}, got ${describe(at.node)}`);
      return undefined;
    }
    const volumeOk = checkVolumeDefined(r, at, parts[0], volumes);
    const path = checkContainerPath(r, at, parts[1]);
    if (!volumeOk || path === undefined) return undefined;
    return parts[2] === 'ro' ? { volume: parts[0], path, read_only: true } : { volume: parts[0], path };
  }
  if (!isMap(at.node)) {
    r.error(at, `${MOUNT_HINT}, got ${describe(at.node)}`);
    return undefined;
  }
  const f = r.fields(at, MOUNT_KEYS);
  if (!f) return undefined;
  const volumeAt = r.require(f, 'volume', at, 'missing; name the volume to mount (defined under volumes)');
  const volume = volumeAt ? r.word(volumeAt) : undefined;
  const volumeOk = volumeAt !== undefined && volume !== undefined && checkVolumeDefined(r, volumeAt, volume, volumes);
  const pathAt = r.require(f, 'path', at, 'missing; give the absolute path inside the container');
  const rawPath = pathAt ? r.word(pathAt, 'an absolute container path') : undefined;
  const path = pathAt && rawPath !== undefined ? checkContainerPath(r, pathAt, rawPath) : undefined;
  const roAt = f.get('read_only');
  const readOnly = roAt ? r.boolean(roAt) : undefined;
  if (!volumeOk || volume === undefined || path === undefined || (roAt && readOnly === undefined)) return undefined;
  const m: MountSpec = { volume, path };
  if (readOnly !== undefined) m.read_only = readOnly;
  return m;
}

function checkVolumeDefined(r: YamlReader, at: Located, volume: string, volumes: ReadonlySet<string> | undefined): boolean {
  // when volumes itself is broken, its own errors say so; do not pile on
  if (volumes === undefined) return false;
  if (volumes.has(volume)) return true;
  r.error(at, `mount names an undefined volume ${quoted(volume)}; define it under volumes`);
  return false;
}

function checkContainerPath(r: YamlReader, at: Located, path: string): string | undefined {
  if (!path.startsWith('/')) {
    r.error(at, `expected an absolute container path (starting with /), got ${quoted(path)}`);
    return undefined;
  }
  const clean = trimSlashes(path);
  if (clean === '/') {
    r.error(at, 'cannot mount over the container\'s root directory /; pick a directory such as /data');
    return undefined;
  }
  return clean;
}

export function readDevices(r: YamlReader, at: Located): DeviceSpec[] | undefined {
  const items = r.items(at, 'a list of devices');
  if (!items) return undefined;
  const out: DeviceSpec[] = [];
  for (const item of items) {
    const d = readDevice(r, item);
    if (d) out.push(d);
  }
  return out.length === items.length ? out : undefined;
}

const DEVICE_HINT = 'expected /dev/x[:/dev/y[:rwm]] or {host_path, container_path, permissions}';

function readDevice(r: YamlReader, at: Located): DeviceSpec | undefined {
  if (isScalar(at.node) && typeof at.node.value === 'string') {
    const parts = at.node.value.split(':');
    if (parts.length === 2 && !parts[1].startsWith('/')) parts.splice(1, 0, parts[0]); // `/dev/x:rw`
    const [host, container = host, permissions = 'rwm'] = parts;
    if (parts.length > 3 || !host.startsWith('/') || !container.startsWith('/')) {
      r.error(at, `${DEVICE_HINT}, got ${describe(at.node)}`);
      return undefined;
    }
    return checkPermissions(r, at, permissions) ? { host_path: host, container_path: container, permissions } : undefined;
  }
  if (!isMap(at.node)) {
    r.error(at, `${DEVICE_HINT}, got ${describe(at.node)}`);
    return undefined;
  }
  const f = r.fields(at, DEVICE_KEYS);
  if (!f) return undefined;
  const hostAt = r.require(f, 'host_path', at, 'missing; give the device path on the machine, e.g. /dev/fuse');
  const host = hostAt ? absolutePath(r, hostAt, 'device') : undefined;
  const containerAt = f.get('container_path');
  const container = containerAt ? absolutePath(r, containerAt, 'device') : host;
  const permsAt = f.get('permissions');
  const permissions = permsAt ? r.string(permsAt) : 'rwm';
  const permsOk = permsAt && permissions !== undefined ? checkPermissions(r, permsAt, permissions) : permissions !== undefined;
  if (host === undefined || container === undefined || permissions === undefined || !permsOk) return undefined;
  return { host_path: host, container_path: container, permissions };
}

function checkPermissions(r: YamlReader, at: Located, permissions: string): boolean {
  const letters = permissions.split('');
  if (letters.length > 0 && letters.every((c) => 'rwm'.includes(c)) && new Set(letters).size === letters.length) return true;
  r.error(at, `device permissions are some of r, w and m (e.g. rwm or r), got ${quoted(permissions)}`);
  return false;
}
