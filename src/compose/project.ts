// A compose project read as dockplan services: the compose file(s) found or given, merged as
// compose merges them, interpolated from the environment and .env, filtered by profiles and the
// SERVICE arguments, ordered by depends_on, each service converted into a ServiceSpec that passes
// the spec parser's own checks. Every problem names its file, line and column; what dockplan can
// go on without is a warning, what it cannot is an error. No Docker, no engine: only the files.
import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { parseDocument, isMap, isScalar } from 'yaml';
import { closest } from '../model/did-you-mean.js';
import { isDnsLabel } from '../model/dns-names.js';
import { fileProblem } from '../model/file-problem.js';
import { formatSpecError } from '../model/yaml-errors.js';
import type { ServiceSpec } from '../model/spec.js';
import { parseEnvFile } from './env-file.js';
import { interpolate, interpolateTree, type Lookup } from './interpolate.js';
import { mergeComposeFiles } from './merge.js';
import { resolveExtends, type ExtendsContext } from './extends.js';
import { childField, ComposeProblems, ComposeReader, type At } from './node-reader.js';
import { convertService } from './convert-service.js';
import { convertTopVolumes, type ComposeVolume } from './convert-volumes.js';
import { TOP_KEYS } from './service-keys.js';
import { orderServices, readServiceEntry } from './service-order.js';
import { entryOf, parseComposeText, type ComposeNode, type ComposeProblem, type ComposeSource, type MapNode } from './tree.js';
import { checkDraft } from './validate-spec.js';

export type { ComposeProblem, ComposeSource } from './tree.js';
export type { ComposeVolume } from './convert-volumes.js';

/** One service of a compose project, converted. */
export interface ComposeService {
  /** The compose service key (`web`). */
  key: string;
  /**
   * The dockplan spec; spec.name is `<project>-<key>` (compose's container naming), made a DNS
   * label when the key is not one (`db_1` -> `db-1`, with a warning).
   */
  spec: ServiceSpec;
  /** Compose keys of the services it depends_on (any condition), in file order; only those deployed with it. */
  dependsOn: string[];
  /** Where the service's key is written: in the first file that defines it. */
  source: ComposeSource;
}

/** A compose project as dockplan deploys it. */
export interface ComposeProject {
  /**
   * COMPOSE_PROJECT_NAME when set (process environment or .env), else the top-level `name:` (the
   * last file's), else the project folder's name normalised as compose does (lowercase, only
   * a-z 0-9 _ -). Compose's order (https://docs.docker.com/compose/how-tos/project-name/).
   */
  name: string;
  /** The compose files read, absolute, in merge order. */
  files: string[];
  /** In depends_on order (a dependency before its dependents; ties in file order); profiles applied. */
  services: ComposeService[];
  /** Top-level volumes, in file order; `name` is the Docker volume name. */
  volumes: ComposeVolume[];
  /** Keys dockplan cannot honour but can go on without, sorted by file and line. */
  warnings: ComposeProblem[];
}

/** Why a compose project cannot be deployed: every problem, each at its file, line and column. */
export class ComposeError extends Error {
  constructor(
    readonly problems: ComposeProblem[],
    /** Warnings found on the way, for a face that wants to show them too. */
    readonly warnings: ComposeProblem[] = [],
  ) {
    super(problems.map(formatComposeProblem).join('\n'));
    this.name = 'ComposeError';
  }
}

/** `FILE:LINE:COL: field: message`; a problem with no line (line 0) is `FILE: message`. */
export function formatComposeProblem(p: ComposeProblem): string {
  if (p.line === 0) return p.field ? `${p.file}: ${p.field}: ${p.message}` : `${p.file}: ${p.message}`;
  return formatSpecError(p);
}

/** The names compose looks for when no file is given, in its order. */
export const DEFAULT_COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'] as const;

export interface LoadComposeOptions {
  /** As given with -f, in order; [] means COMPOSE_FILE, else the first of DEFAULT_COMPOSE_FILES in cwd. */
  files: string[];
  /** Where relative paths and the default files are looked for; process.cwd() by default. */
  cwd?: string;
  /** The process environment (process.env by default); .env in the project folder fills its gaps. */
  env?: Record<string, string | undefined>;
  /** Profiles to enable, with those in COMPOSE_PROFILES (comma-separated). */
  profiles?: string[];
  /** SERVICE arguments: those plus what they depend on; empty for every enabled service. */
  services?: string[];
  /** Reads a file (tests pass their own); readFileSync by default. */
  readText?: (path: string) => string;
}

/**
 * Reads a compose project. Throws ComposeError listing every problem (no file found, unreadable
 * files, YAML and interpolation errors, unknown keys, values dockplan or the spec checks refuse,
 * unknown SERVICE arguments, depends_on cycles); never throws anything else for bad input.
 */
export function loadComposeProject(opts: LoadComposeOptions): ComposeProject {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const processEnv = opts.env ?? process.env;
  const readText = opts.readText ?? ((path: string) => readFileSync(path, 'utf8'));
  const display = (abs: string): string => {
    const rel = relative(cwd, abs);
    return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
  };
  const problems = new ComposeProblems();
  const r = new ComposeReader(problems);
  const files = composeFiles(opts.files, cwd, processEnv, readText);
  if ('error' in files) throw new ComposeError([{ file: cwd, line: 0, col: 0, field: '', message: files.error }]);
  const projectDir = dirname(files[0]!);

  // .env in the project folder fills the gaps of the process environment
  const dotenv = readDotenv(projectDir, processEnv, readText, display, problems);
  const env = new Map<string, string>();
  for (const [k, v] of Object.entries(dotenv)) env.set(k, v);
  for (const [k, v] of Object.entries(processEnv)) if (v !== undefined) env.set(k, v);
  const lookup: Lookup = (name) => env.get(name);

  const trees: { file: string; abs: string; root: ComposeNode }[] = [];
  for (const abs of files) {
    let text: string;
    try {
      text = readText(abs);
    } catch (err) {
      problems.error({ file: display(abs), line: 0, col: 0 }, '', `cannot read the compose file: ${fileProblem(err)}`);
      continue;
    }
    const parsed = parseComposeText(text, display(abs));
    for (const p of parsed.problems) problems.errors.push(p);
    if (parsed.root) trees.push({ file: display(abs), abs, root: parsed.root });
  }
  if (problems.errors.length > 0) throw new ComposeError(sortProblems(problems.errors), sortProblems(problems.warnings));

  const project = projectName(r, trees, env, projectDir);
  const name = project.name;
  if (!env.has('COMPOSE_PROJECT_NAME')) env.set('COMPOSE_PROJECT_NAME', name);
  const warned = new Set<string>();
  const folderOf = new Map<string, string>();
  const extendsCtx: ExtendsContext = { lookup, readText, display, folderOf, files: new Map(), looped: new Set() };
  for (const t of trees) {
    interpolateTree(t.root, '', lookup, problems, warned);
    resolveExtends(r, t.root, t.abs, extendsCtx);
  }

  let merged: ComposeNode | undefined;
  for (const t of trees) {
    if (!checkTopLevel(r, t.root)) continue;
    merged = merged === undefined ? t.root : mergeComposeFiles(merged, t.root);
  }
  if (merged === undefined || merged.kind !== 'map') {
    if (problems.errors.length === 0) problems.error({ file: display(files[0]!), line: 1, col: 1 }, '', 'the file is empty; a compose file needs services:');
    throw new ComposeError(sortProblems(problems.errors), sortProblems(problems.warnings));
  }
  const read = readProject(r, merged, name, {
    prefix: servicePrefix(r, project),
    display,
    profiles: [...(opts.profiles ?? []), ...splitList(env.get('COMPOSE_PROFILES'))],
    targets: opts.services ?? [],
    lookup,
    readText,
    baseDir: (source) => folderOf.get(source.file) ?? projectDir,
  });
  if (problems.errors.length > 0) throw new ComposeError(sortProblems(problems.errors), sortProblems(problems.warnings));
  return { name, files, ...read, warnings: sortProblems(problems.warnings) };
}

function splitList(s: string | undefined): string[] {
  return (s ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
}

/** The compose files to read, absolute: those given, else COMPOSE_FILE, else the first default one found. */
function composeFiles(given: string[], cwd: string, env: Record<string, string | undefined>, readText: (p: string) => string): string[] | { error: string } {
  if (given.length > 0) return given.map((f) => resolve(cwd, f));
  const fromEnv = env.COMPOSE_FILE;
  if (fromEnv) return fromEnv.split(env.COMPOSE_PATH_SEPARATOR ?? ':').filter((f) => f !== '').map((f) => resolve(cwd, f));
  for (const name of DEFAULT_COMPOSE_FILES) {
    const abs = resolve(cwd, name);
    try {
      readText(abs);
      return [abs];
    } catch {
      // not this one
    }
  }
  return { error: `no compose file here: looked for ${DEFAULT_COMPOSE_FILES.join(', ')}; give one with -f` };
}

/** The project folder's .env, interpolated with the process environment; {} when there is none. */
function readDotenv(dir: string, processEnv: Record<string, string | undefined>, readText: (p: string) => string, display: (abs: string) => string, problems: ComposeProblems): Record<string, string> {
  const path = resolve(dir, '.env');
  let text: string;
  try {
    text = readText(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') problems.error({ file: display(path), line: 0, col: 0 }, '', `cannot read: ${fileProblem(err)}`);
    return {};
  }
  const parsed = parseEnvFile(text, (name) => processEnv[name]);
  for (const p of parsed.problems) problems.error({ file: display(path), line: p.line, col: p.col }, '', p.message);
  for (const u of parsed.unset) problems.warn({ file: display(path), line: u.line, col: 1 }, '', `the variable ${u.name} is not set; it reads as an empty string`);
  const out: Record<string, string> = {};
  for (const e of parsed.entries) Object.defineProperty(out, e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
  return out;
}

const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** The project name and where it was set (line 0 when it is not a line of a file). */
interface ProjectName {
  name: string;
  source: ComposeSource;
}

/** The project name by compose's precedence; an invalid one is an error where it was set. */
function projectName(r: ComposeReader, trees: { file: string; root: ComposeNode }[], env: Map<string, string>, projectDir: string): ProjectName {
  const fromEnv = env.get('COMPOSE_PROJECT_NAME');
  if (fromEnv !== undefined && fromEnv !== '') {
    const source = { file: 'COMPOSE_PROJECT_NAME', line: 0, col: 0 };
    if (!PROJECT_NAME.test(fromEnv)) {
      r.problems.error(source, '', `${JSON.stringify(fromEnv)} is not a project name: lowercase letters, digits, _ and -, starting with a letter or digit`);
    }
    return { name: fromEnv, source };
  }
  let named: ProjectName | undefined;
  for (const t of trees) {
    const e = t.root.kind === 'map' ? entryOf(t.root, 'name') : undefined;
    if (!e || e.value.kind !== 'scalar' || e.value.value === null) continue;
    const at: At = { node: e.value, field: 'name' };
    const i = interpolate(e.value.text, (n) => env.get(n));
    if ('error' in i) {
      r.error(at, i.error);
      continue;
    }
    if (!PROJECT_NAME.test(i.value)) r.error(at, `${JSON.stringify(i.value)} is not a project name: lowercase letters, digits, _ and -, starting with a letter or digit`);
    named = { name: i.value, source: e.value.source };
  }
  if (named !== undefined) return named;
  // compose's normalisation of a folder name: lowercase, only a-z 0-9 _ -, not starting with _ or -
  const fromDir = basename(projectDir).toLowerCase().replace(/[^a-z0-9_-]+/g, '').replace(/^[_-]+/, '');
  return { name: fromDir === '' ? 'default' : fromDir, source: { file: projectDir, line: 0, col: 0 } };
}

/**
 * What service names start with: the project name, or, when it holds a `_` (compose allows it, a
 * DNS label does not), the same with `-`, said once where the name was set.
 */
function servicePrefix(r: ComposeReader, project: ProjectName): string {
  if (isDnsLabel(project.name)) return project.name;
  const prefix = project.name.replace(/_/g, '-');
  r.problems.warn(project.source, project.source.line === 0 ? '' : 'name', `the project name ${JSON.stringify(project.name)} is not a DNS label, as dockplan service names must be: its services are named ${prefix}-<service>`);
  return prefix;
}

/** Checks a file's top-level keys; false when it is not a mapping. */
function checkTopLevel(r: ComposeReader, root: ComposeNode): boolean {
  const at: At = { node: root, field: '' };
  if (root.kind === 'scalar' && root.value === null) return false;
  const map = r.map(at, 'a mapping with services: (and volumes:, name:, ...)');
  if (!map) return false;
  for (const e of map.entries) {
    if (e.key.startsWith('x-')) continue;
    if (!(TOP_KEYS as readonly string[]).includes(e.key)) r.unknownKey(e, e.key, TOP_KEYS);
    else if (e.key === 'include') r.problems.error(e.keySource, 'include', 'include is not supported; pass the included files with more -f (they are merged, not kept apart)');
  }
  return true;
}

interface ProjectContext {
  /** What service names start with (the project name as a DNS label). */
  prefix: string;
  display: (abs: string) => string;
  profiles: string[];
  targets: string[];
  lookup: Lookup;
  readText: (path: string) => string;
  baseDir: (source: ComposeSource) => string;
}

function readProject(r: ComposeReader, root: MapNode, name: string, ctx: ProjectContext): Pick<ComposeProject, 'services' | 'volumes'> {
  const get = (k: string): At | undefined => {
    const e = entryOf(root, k);
    return e ? { node: e.value, field: k } : undefined;
  };
  warnTopLevel(r, root);
  const volumesAt = get('volumes');
  const volumes = volumesAt && !(volumesAt.node.kind === 'scalar' && volumesAt.node.value === null) ? convertTopVolumes(r, volumesAt, name) : [];
  const servicesAt = get('services');
  if (!servicesAt) {
    // a misspelt services: has its did-you-mean already
    if (!root.entries.some((e) => closest(e.key, ['services']) !== undefined)) {
      r.error({ node: root, field: '' }, 'missing services: a compose file for dockplan needs at least one service');
    }
    return { services: [], volumes };
  }
  const servicesMap = r.map(servicesAt, 'a mapping of service names to their settings');
  if (!servicesMap) return { services: [], volumes };
  const entries = servicesMap.entries
    .filter((e) => !e.key.startsWith('x-'))
    .map((e) => readServiceEntry(r, e.key, { node: e.value, field: childField('services', e.key) }, e.keySource));
  // an unknown SERVICE argument is reported at the `services:` key
  const servicesKey = entryOf(root, 'services')?.keySource ?? servicesAt.node.source;
  const ordered = orderServices(r, entries, ctx.profiles, ctx.targets, { node: { ...servicesMap, source: servicesKey }, field: 'services' });
  const chosen = new Set(ordered.map((s) => s.key));
  const volumeMap = new Map(volumes.map((v) => [v.key, v]));
  const services = ordered.flatMap((s) => {
    const converted = convertService(r, s.key, s.at, {
      project: ctx.prefix,
      storage: { volumes: volumeMap, baseDir: ctx.baseDir },
      env: { lookup: ctx.lookup, readText: ctx.readText, baseDir: ctx.baseDir, display: ctx.display },
    });
    // a service without an image has its error already; the spec check would only repeat it
    if (!converted || converted.draft.keys.image === undefined) return [];
    const spec = checkDraft(r, converted.draft);
    if (!spec || !converted.ok) return [];
    if (converted.secretEnv.length > 0) spec.secret_env = [...converted.secretEnv];
    const dependsOn = s.dependsOn.map((d) => d.key).filter((k) => chosen.has(k));
    return [{ key: s.key, spec, dependsOn: [...new Set(dependsOn)], source: s.source }];
  });
  return { services, volumes };
}

/** Top-level networks, configs and secrets: dockplan does not make them. */
function warnTopLevel(r: ComposeReader, root: MapNode): void {
  const networks = entryOf(root, 'networks');
  if (networks?.value.kind === 'map') {
    for (const e of networks.value.entries) {
      if (e.key === 'default' || e.key.startsWith('x-')) continue;
      r.problems.warn(e.keySource, `networks.${e.key}`, `the network ${e.key} is not made: containers join Docker's default bridge network of their machine`);
    }
  }
  for (const key of ['configs', 'secrets'] as const) {
    const e = entryOf(root, key);
    if (e) r.problems.warn(e.keySource, key, `top-level ${key} are not made: dockplan does not hand files to containers; bind them with volumes, or pass values with env_file`);
  }
  const models = entryOf(root, 'models');
  if (models) r.problems.warn(models.keySource, 'models', 'models are not run');
}

function sortProblems(list: ComposeProblem[]): ComposeProblem[] {
  return list
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.file < b.p.file ? -1 : a.p.file > b.p.file ? 1 : 0) || a.p.line - b.p.line || a.p.col - b.p.col || a.i - b.i)
    .map(({ p }) => p);
}

/**
 * Whether a file given with -f is a compose file rather than a dockplan spec: its top level is a
 * mapping with `services:` (a spec never has one), or it is named like one (compose.yaml,
 * docker-compose.prod.yml, ...) and has no top-level `image:`. Never throws: text that is not
 * YAML is not a compose file (the spec parser then says what is wrong).
 */
export function isComposeFile(path: string, text: string): boolean {
  let doc;
  try {
    doc = parseDocument(text, { uniqueKeys: false });
  } catch {
    return false;
  }
  const root = doc.contents;
  const keys = isMap(root) ? root.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '')) : [];
  if (keys.includes('services')) return true;
  return /(^|[.-])compose([.-][^/]*)?\.ya?ml$/.test(basename(path)) && !keys.includes('image');
}
