// `extends`: a service built on another one, in the same file or another
// (https://docs.docker.com/compose/how-tos/multiple-compose-files/extends/). The base's own
// extends are resolved first; the service is then merged over it by the rules of merging files.
// depends_on and volumes_from are never taken from the base, as compose says. A base in another
// file is read, interpolated and resolved like any compose file; relative paths in it stay
// relative to its own folder.
import { dirname, resolve } from 'node:path';
import { fileProblem } from '../model/file-problem.js';
import { interpolateTree, type Lookup } from './interpolate.js';
import { mergeServiceOver } from './merge.js';
import { childField, type At, type ComposeReader } from './node-reader.js';
import { entryOf, parseComposeText, type ComposeNode, type MapNode } from './tree.js';

/** What resolving extends needs from the project. */
export interface ExtendsContext {
  lookup: Lookup;
  readText: (path: string) => string;
  /** How a file is named in problems. */
  display: (abs: string) => string;
  /** Records the folder relative paths of a file (by its display name) are relative to. */
  folderOf: Map<string, string>;
  /** Files read so far by absolute path (the -f files are put here as they are read). */
  files: Map<string, LoadedFile>;
  /** Services (`FILE#KEY`) in an extends cycle already reported. */
  looped: Set<string>;
}

/** A compose file as extends sees it. */
export interface LoadedFile {
  display: string;
  /** Undefined when it could not be read or parsed. */
  root?: MapNode;
  /** Why it could not be read. */
  unreadable?: string;
}

/** Resolves every `extends` in one file's services, in place. `abs` is the file's absolute path. */
export function resolveExtends(r: ComposeReader, root: ComposeNode, abs: string, ctx: ExtendsContext): void {
  if (root.kind === 'map') ctx.files.set(abs, { display: ctx.display(abs), root });
  const services = root.kind === 'map' ? entryOf(root, 'services')?.value : undefined;
  if (services?.kind !== 'map') return;
  for (const e of services.entries) {
    if (e.value.kind !== 'map' || !entryOf(e.value, 'extends')) continue;
    const resolved = resolveService(r, abs, e.key, [], ctx);
    if (resolved) e.value = resolved;
  }
}

/** The service `key` of file `abs` with its extends applied; undefined after a problem. */
function resolveService(r: ComposeReader, abs: string, key: string, stack: string[], ctx: ExtendsContext): MapNode | undefined {
  const file = load(r, abs, ctx);
  const services = file.root ? entryOf(file.root, 'services')?.value : undefined;
  const service = services?.kind === 'map' ? entryOf(services, key)?.value : undefined;
  if (service?.kind !== 'map') return undefined;
  const ext = entryOf(service, 'extends');
  if (!ext) return service;
  const at: At = { node: ext.value, field: childField(childField('services', key), 'extends') };
  const target = readTarget(r, at);
  if (!target) return undefined;
  const baseAbs = target.file === undefined ? abs : resolve(dirname(abs), target.file);
  const id = `${baseAbs}#${target.service}`;
  const here = `${abs}#${key}`;
  if ([...stack, here].includes(id)) {
    const loop = [...stack, here].slice([...stack, here].indexOf(id));
    // each service of the loop would find it again: report it once
    if (!loop.some((s) => ctx.looped.has(s))) r.error(at, `extends makes a cycle: ${[...loop, id].map((s) => s.split('#')[1]).join(' -> ')}`);
    for (const s of loop) ctx.looped.add(s);
    return undefined;
  }
  const baseFile = load(r, baseAbs, ctx);
  if (baseFile.root === undefined) {
    // a file with problems has them recorded already
    if (baseFile.unreadable !== undefined) r.error(target.fileAt ?? at, `cannot read ${baseAbs} to extend: ${baseFile.unreadable}`);
    return undefined;
  }
  const baseServices = entryOf(baseFile.root, 'services')?.value;
  const known = baseServices?.kind === 'map' ? baseServices.entries.map((e) => e.key) : [];
  if (!known.includes(target.service)) {
    r.error(target.serviceAt, `no service "${target.service}" in ${baseFile.display} to extend; its services are ${known.join(', ') || '(none)'}`);
    return undefined;
  }
  const base = resolveService(r, baseAbs, target.service, [...stack, here], ctx);
  if (!base) return undefined;
  const inherited: MapNode = { ...base, entries: base.entries.filter((e) => e.key !== 'depends_on' && e.key !== 'volumes_from' && e.key !== 'extends') };
  const own: MapNode = { ...service, entries: service.entries.filter((e) => e.key !== 'extends') };
  return mergeServiceOver(inherited, own) as MapNode;
}

interface Target {
  service: string;
  serviceAt: At;
  file?: string;
  fileAt?: At;
}

/** `extends: name` or `extends: {service, file}`. */
function readTarget(r: ComposeReader, at: At): Target | undefined {
  if (at.node.kind === 'scalar') {
    const service = r.word(at, 'a service name');
    return service === undefined ? undefined : { service, serviceAt: at };
  }
  const f = r.fields(at, ['service', 'file']);
  if (!f) return undefined;
  const serviceAt = f.get('service');
  if (!serviceAt) {
    r.error(at, 'missing service: the service to extend');
    return undefined;
  }
  const service = r.word(serviceAt, 'a service name');
  const fileAt = f.get('file');
  const file = fileAt ? r.word(fileAt, 'a compose file path') : undefined;
  if (service === undefined || (fileAt && file === undefined)) return undefined;
  return file === undefined ? { service, serviceAt } : { service, serviceAt, file, fileAt };
}

/** A file extends reads: parsed and interpolated once; its own problems are recorded at their places. */
function load(r: ComposeReader, abs: string, ctx: ExtendsContext): LoadedFile {
  const cached = ctx.files.get(abs);
  if (cached) return cached;
  const display = ctx.display(abs);
  let text: string;
  try {
    text = ctx.readText(abs);
  } catch (err) {
    const failed = { display, unreadable: fileProblem(err) };
    ctx.files.set(abs, failed);
    return failed;
  }
  ctx.folderOf.set(display, dirname(abs));
  const parsed = parseComposeText(text, display);
  r.problems.errors.push(...parsed.problems);
  const loaded: LoadedFile = { display };
  if (parsed.root?.kind === 'map' && parsed.problems.length === 0) {
    interpolateTree(parsed.root, '', ctx.lookup, r.problems);
    loaded.root = parsed.root;
  }
  ctx.files.set(abs, loaded);
  return loaded;
}
