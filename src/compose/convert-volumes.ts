// Compose's volumes as dockplan volumes and mounts.
// Top level (https://docs.docker.com/reference/compose-file/volumes/): `key: {name, driver,
// driver_opts, labels, external}`; the Docker volume is `<project>_<key>` unless `name` is given,
// or `key` (or `name`) when external, as compose names them, so a project moved from compose
// keeps its data.
// A service's volumes (https://docs.docker.com/reference/compose-file/services/#volumes):
//   short: [source:]target[:mode], source a volume key or a path (/, ., ~), mode ro|rw|z|Z|nocopy,...
//   long:  {type: volume|bind|tmpfs, source, target, read_only, bind: {...}, volume: {...}, tmpfs: {size, mode}}
// Named volumes and binds become a VolumeSpec and a MountSpec; tmpfs a tmpfs VolumeSpec.
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { childField, type At, type ComposeReader } from './node-reader.js';
import { entryOf, type ComposeNode, type ComposeSource, type MapNode } from './tree.js';

/** A top-level volume as the project lists it. */
export interface ComposeVolume {
  /** The key under top-level `volumes:`. */
  key: string;
  /** The Docker volume name. */
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  labels?: Record<string, string>;
  external?: boolean;
  source: ComposeSource;
}

const TOP_KEYS = ['name', 'driver', 'driver_opts', 'labels', 'external'] as const;

/** Reads top-level `volumes:`. */
export function convertTopVolumes(r: ComposeReader, at: At, project: string): ComposeVolume[] {
  const map = r.map(at, 'a mapping of volume names to their settings');
  if (!map) return [];
  const out: ComposeVolume[] = [];
  for (const e of map.entries) {
    if (e.key.startsWith('x-')) continue;
    const field = childField(at.field, e.key);
    const v: ComposeVolume = { key: e.key, name: `${project}_${e.key}`, source: e.keySource };
    out.push(v);
    if (e.value.kind === 'scalar' && e.value.value === null) continue;
    const f = r.fields({ node: e.value, field }, TOP_KEYS);
    if (!f) continue;
    const externalAt = f.get('external');
    const external = externalAt ? readExternal(r, externalAt) : undefined;
    if (external?.external) {
      v.external = true;
      v.name = external.name ?? e.key;
    }
    const read = <K extends 'name' | 'driver' | 'driver_opts' | 'labels'>(key: K, how: (at: At) => ComposeVolume[K] | undefined): void => {
      const valueAt = f.get(key);
      const value = valueAt ? how(valueAt) : undefined;
      if (value !== undefined) v[key] = value;
    };
    read('name', (a) => r.word(a, 'a volume name'));
    read('driver', (a) => r.word(a, 'a volume driver name'));
    read('driver_opts', (a) => r.stringMap(a, 'driver option'));
    read('labels', (a) => r.stringMap(a, 'label'));
    if (!v.external || !externalAt) continue;
    if (v.driver !== undefined || v.driver_opts !== undefined || v.labels !== undefined) {
      r.error({ node: e.value, field }, 'an external volume is made outside the project: it cannot also set driver, driver_opts or labels');
    }
    r.warn(externalAt, `dockplan does not check that the external volume "${v.name}" exists: a machine without it gets a new, empty one (compose would refuse to start)`);
  }
  return out;
}

/** `external: true`, or the older `external: {name: x}`. */
function readExternal(r: ComposeReader, at: At): { external: boolean; name?: string } | undefined {
  if (at.node.kind !== 'map') {
    const external = r.boolean(at);
    return external === undefined ? undefined : { external };
  }
  const nameAt = r.fields(at, ['name'])?.get('name');
  const name = nameAt ? r.word(nameAt, 'a volume name') : undefined;
  return name === undefined ? { external: true } : { external: true, name };
}

/**
 * A volume as a spec file writes it (see VolumeSpec): sizes as written (`64m`), a tmpfs mode as
 * octal digits, for the spec parser to read.
 */
export interface FileVolume {
  name: string;
  type?: 'bind' | 'tmpfs';
  source?: string;
  size?: string | number;
  mode?: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  labels?: Record<string, string>;
}

/** A mount as a spec file writes it (see MountSpec). */
export interface FileMount {
  volume: string;
  path: string;
  read_only?: boolean;
}

/** A service's volumes and the mounts that use them. */
export interface ServiceStorage {
  volumes: FileVolume[];
  mounts: FileMount[];
  /** For each volume name: where the entry that defined it was written (to place problems). */
  sources: Map<string, At>;
}

/** What converting a service's volumes needs from the project. */
export interface StorageContext {
  /** The project's top-level volumes by key. */
  volumes: ReadonlyMap<string, ComposeVolume>;
  /** The folder a relative bind source in this file is relative to. */
  baseDir: (source: ComposeSource) => string;
}

const LONG_KEYS = ['type', 'source', 'target', 'read_only', 'bind', 'volume', 'tmpfs', 'consistency'] as const;
const LONG_TYPES = ['volume', 'bind', 'tmpfs', 'npipe', 'cluster', 'image'] as const;

interface Mount {
  type: 'volume' | 'bind' | 'tmpfs';
  source?: string;
  target: string;
  readOnly?: boolean;
  size?: string | number;
  mode?: number;
}

/** Converts `volumes:` (and `tmpfs:`) of one service. */
export function convertServiceVolumes(r: ComposeReader, at: At | undefined, tmpfsAt: At | undefined, ctx: StorageContext): ServiceStorage | undefined {
  const out: ServiceStorage = { volumes: [], mounts: [], sources: new Map() };
  let ok = true;
  const mounts: { m: Mount; at: At }[] = [];
  for (const item of at ? (r.items(at, 'a list of volumes like "data:/var/lib/data" or {type, source, target}') ?? []) : []) {
    const m = item.node.kind === 'map' ? readLong(r, item) : readShort(r, item);
    if (m === undefined) ok = false;
    else if (m !== 'skip') mounts.push({ m, at: item });
  }
  if (tmpfsAt) {
    const paths = r.stringOrList(tmpfsAt, 'a path or a list of paths');
    const items = tmpfsAt.node.kind === 'seq' ? (r.items(tmpfsAt) ?? []) : [tmpfsAt];
    (paths ?? []).forEach((p, i) => {
      const m = readTmpfsShort(r, items[i]!, p);
      if (m) mounts.push({ m, at: items[i]! });
      else ok = false;
    });
  }
  const names = new Set<string>();
  const fresh = (prefix: string): string => {
    let n = 1;
    while (names.has(`${prefix}-${n}`) || [...ctx.volumes.values()].some((v) => v.name === `${prefix}-${n}`)) n++;
    return `${prefix}-${n}`;
  };
  for (const { m, at: mAt } of mounts) {
    if (!m.target.startsWith('/')) {
      r.error(mAt, `expected an absolute container path (starting with /), got ${JSON.stringify(m.target)}`);
      ok = false;
      continue;
    }
    let volume: FileVolume;
    if (m.type === 'volume') {
      const top = ctx.volumes.get(m.source!);
      if (!top) {
        const known = [...ctx.volumes.keys()];
        r.error(mAt, `the volume "${m.source}" is not declared under the top-level volumes${known.length ? ` (they are ${known.join(', ')})` : ''}; add \`volumes: {${m.source}: {}}\` at the top level`);
        ok = false;
        continue;
      }
      volume = { name: top.name };
      if (top.driver !== undefined) volume.driver = top.driver;
      if (top.driver_opts !== undefined) volume.driver_opts = { ...top.driver_opts };
      if (top.labels !== undefined) volume.labels = { ...top.labels };
    } else if (m.type === 'bind') {
      const source = bindSource(m.source!, ctx.baseDir(mAt.node.source));
      if (!isAbsolute(m.source!) && !m.source!.startsWith('~')) {
        r.warn(mAt, `the bind source ${m.source} is read as ${source}, a folder of this machine: it must exist at that path on every machine the service runs on`);
      }
      volume = { name: fresh('bind'), type: 'bind', source };
    } else {
      volume = { name: fresh('tmpfs'), type: 'tmpfs' };
      if (m.size !== undefined) volume.size = m.size;
      if (m.mode !== undefined) volume.mode = m.mode.toString(8).padStart(4, '0');
    }
    if (!names.has(volume.name)) {
      names.add(volume.name);
      out.volumes.push(volume);
      out.sources.set(volume.name, mAt);
    }
    const mount: FileMount = { volume: volume.name, path: m.target };
    if (m.readOnly) mount.read_only = true;
    out.mounts.push(mount);
    out.sources.set(`mount:${out.mounts.length - 1}`, mAt);
  }
  return ok ? out : undefined;
}

/** `~` and relative paths made absolute, as compose resolves them (against the project folder). */
function bindSource(path: string, baseDir: string): string {
  if (path === '~' || path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return resolve(baseDir, path);
}

function isPath(source: string): boolean {
  return source.startsWith('/') || source.startsWith('.') || source.startsWith('~');
}

const SHORT_MODES = new Set(['ro', 'rw', 'z', 'Z', 'nocopy', 'cached', 'delegated', 'consistent', 'rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave']);

function readShort(r: ComposeReader, at: At): Mount | 'skip' | undefined {
  const text = r.word(at, 'a volume like "data:/var/lib/data"');
  if (text === undefined) return undefined;
  const parts = text.split(':');
  if (parts.length === 1) {
    r.warn(at, `anonymous volume at ${parts[0]} is not made: the container keeps ${parts[0]} in its own layer, lost when it is replaced; name it (data:${parts[0]}) to keep it`);
    return 'skip';
  }
  if (parts.length > 3) {
    r.error(at, `expected [source:]target[:mode], got ${JSON.stringify(text)}`);
    return undefined;
  }
  const [source, target, modeText] = parts as [string, string, string | undefined];
  const m: Mount = { type: isPath(source) ? 'bind' : 'volume', source, target };
  for (const mode of modeText === undefined ? [] : modeText.split(',')) {
    if (!SHORT_MODES.has(mode)) {
      r.error(at, `unknown volume mode "${mode}"; expected ro or rw (and z, Z, nocopy, a propagation or a consistency)`);
      return undefined;
    }
    if (mode === 'ro') m.readOnly = true;
    else if (mode === 'z' || mode === 'Z') r.warn(at, `the SELinux relabel option ${mode} is not applied; relabel the host path yourself if SELinux enforces`);
    else if (mode === 'nocopy') r.warn(at, 'nocopy is not applied: Docker copies the image\'s files at that path into a new, empty volume');
    else if (mode !== 'rw' && !['cached', 'delegated', 'consistent'].includes(mode)) r.warn(at, `bind propagation ${mode} is not applied (dockplan mounts with Docker's default, rprivate)`);
  }
  return m;
}

function readTmpfsShort(r: ComposeReader, at: At, text: string): Mount | undefined {
  // `/run` or `/run:size=64m,mode=1777` (docker run --tmpfs options)
  const colon = text.indexOf(':');
  const target = colon < 0 ? text : text.slice(0, colon);
  const m: Mount = { type: 'tmpfs', target };
  for (const opt of colon < 0 ? [] : text.slice(colon + 1).split(',')) {
    const [k, v = ''] = opt.split('=');
    if (k === 'size') m.size = v;
    else if (k === 'mode' && /^[0-7]{1,4}$/.test(v)) m.mode = parseInt(v, 8);
    else r.warn(at, `the tmpfs option ${opt} is not applied; dockplan sets size and mode only`);
  }
  return m;
}

function readLong(r: ComposeReader, at: At): Mount | 'skip' | undefined {
  const f = r.fields(at, LONG_KEYS);
  if (!f) return undefined;
  const typeAt = f.get('type');
  if (!typeAt) {
    r.error(at, 'missing type: volume, bind or tmpfs');
    return undefined;
  }
  const type = r.oneOf(typeAt, LONG_TYPES);
  if (type === undefined) return undefined;
  if (type === 'npipe' || type === 'cluster' || type === 'image') {
    r.error(typeAt, `volumes of type ${type} are not supported; dockplan mounts volume, bind and tmpfs`);
    return undefined;
  }
  const targetAt = f.get('target');
  const target = targetAt ? r.word(targetAt, 'an absolute container path') : undefined;
  if (!targetAt) r.error(at, 'missing target: the path inside the container');
  const sourceAt = f.get('source');
  const source = sourceAt ? r.word(sourceAt, type === 'bind' ? 'a host path' : 'a volume name') : undefined;
  if (target === undefined || (sourceAt && source === undefined)) return undefined;
  const m: Mount = { type, target };
  if (type === 'tmpfs') {
    if (sourceAt) r.error(sourceAt, 'a tmpfs volume has no source');
  } else if (source === undefined) {
    if (type === 'bind') {
      r.error(at, 'missing source: the host path to bind');
      return undefined;
    }
    r.warn(at, `anonymous volume at ${target} is not made: the container keeps ${target} in its own layer, lost when it is replaced; give it a source (a top-level volume) to keep it`);
    return 'skip';
  } else m.source = source;
  const roAt = f.get('read_only');
  if (roAt && r.boolean(roAt)) m.readOnly = true;
  const bindAt = f.get('bind');
  if (bindAt) {
    const bf = r.fields(bindAt, ['propagation', 'create_host_path', 'selinux', 'recursive']);
    for (const [key, v] of bf ?? []) r.warn(v, `bind.${key} is not applied (dockplan binds with Docker's defaults: the host path must exist)`);
  }
  const volAt = f.get('volume');
  if (volAt) {
    const vf = r.fields(volAt, ['nocopy', 'subpath']);
    for (const [key, v] of vf ?? []) r.warn(v, `volume.${key} is not applied`);
  }
  const tmpfsAt = f.get('tmpfs');
  if (tmpfsAt) {
    const tf = r.fields(tmpfsAt, ['size', 'mode']);
    const sizeAt = tf?.get('size');
    if (sizeAt) {
      const s = r.string(sizeAt, 'a size like 64m');
      if (s !== undefined) m.size = sizeAt.node.kind === 'scalar' && typeof sizeAt.node.value === 'number' ? sizeAt.node.value : s;
    }
    const modeAt = tf?.get('mode');
    if (modeAt) {
      const text = r.string(modeAt, 'an octal mode like 1777');
      // YAML reads 1777 as a decimal number: compose means the octal digits written
      if (text !== undefined && /^(0o)?[0-7]{1,4}$/.test(text)) m.mode = parseInt(text.replace(/^0o/, ''), 8);
      else if (text !== undefined) r.error(modeAt, `expected an octal mode like 1777 or 755, got ${JSON.stringify(text)}`);
    }
  }
  return m;
}

/** The container path a volume entry mounts at (compose's unique key when merging files). */
export function volumeTarget(node: ComposeNode): string | undefined {
  if (node.kind === 'scalar') {
    const parts = node.text.split(':');
    return parts.length === 1 ? parts[0] : parts[1];
  }
  if (node.kind !== 'map') return undefined;
  const t = entryOf(node as MapNode, 'target')?.value;
  return t?.kind === 'scalar' ? t.text : undefined;
}
