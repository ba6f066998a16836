// One compose service as a dockplan spec draft. Keys map one to one where they can (see the
// README's "Compose files" table); what dockplan cannot honour is a warning at its line; unknown
// keys are errors with a did-you-mean. The draft is checked by the spec parser afterwards.
import { isDnsLabel, suggestDnsLabel } from '../model/dns-names.js';
import { formatPort } from '../model/ports.js';
import { splitShellWords } from '../model/shell-words.js';
import { convertDeploy } from './convert-deploy.js';
import { convertEnvironment, type EnvContext } from './convert-env.js';
import { convertPort } from './convert-ports.js';
import { convertServiceVolumes, type StorageContext } from './convert-volumes.js';
import { childField, EXTENSION, type At, type ComposeReader } from './node-reader.js';
import { CONVERTED_KEYS, NOT_APPLIED_KEYS, SERVICE_KEYS } from './service-keys.js';
import { SpecDraft, type SpecValue } from './spec-draft.js';
import { describeNode } from './tree.js';
import { setOwn } from '../model/yaml-reader.js';

/** What converting a service needs from the project. */
export interface ServiceContext {
  /** What the service's name starts with: the project name, as a DNS label. */
  project: string;
  storage: StorageContext;
  env: EnvContext;
}

/** A converted service: the draft to check, and the env keys that are secret. */
export interface ServiceDraft {
  draft: SpecDraft;
  secretEnv: string[];
  /** False when a problem was found: the draft is still checked, to report every problem at once. */
  ok: boolean;
}

/** Keys read by the project (ordering, selection, extends), not by the spec. */
const PROJECT_KEYS = new Set(['depends_on', 'profiles', 'extends']);

/**
 * The spec draft of service `key` (`at` is its mapping, field `services.KEY`); undefined when it
 * is not a mapping. Problems are recorded in `r`.
 */
export function convertService(r: ComposeReader, key: string, at: At, ctx: ServiceContext): ServiceDraft | undefined {
  const before = r.problems.errors.length;
  const map = r.map(at, 'a mapping of service settings (image, ports, ...)');
  if (!map) return undefined;
  const f = new Map<string, At>();
  let machines: At | undefined;
  for (const e of map.entries) {
    const field = childField(at.field, e.key);
    if (e.key === 'x-machines') machines = { node: e.value, field };
    if (e.key.startsWith(EXTENSION)) continue;
    if (Object.hasOwn(NOT_APPLIED_KEYS, e.key)) {
      r.problems.warn(e.keySource, field, NOT_APPLIED_KEYS[e.key]!);
      continue;
    }
    if (!(CONVERTED_KEYS as readonly string[]).includes(e.key)) {
      r.unknownKey(e, field, SERVICE_KEYS);
      continue;
    }
    f.set(e.key, { node: e.value, field });
  }
  const draft = new SpecDraft(at);
  const nameAt = { node: map, field: at.field };
  draft.set('name', serviceName(r, ctx.project, key, nameAt), nameAt);
  readImage(r, f, at, draft);
  for (const k of ['command', 'entrypoint'] as const) {
    const v = f.get(k);
    if (v && !(v.node.kind === 'scalar' && v.node.value === null)) {
      const words = readCommand(r, v);
      if (words) draft.set(k, words, v);
    }
  }
  const env = convertEnvironment(r, f.get('env_file'), f.get('environment'), ctx.env);
  if (env && Object.keys(env.env).length > 0) {
    draft.set('env', env.env, f.get('environment') ?? f.get('env_file')!);
    for (const [k, v] of env.sources) draft.from(`env.${k}`, v);
  }
  readPorts(r, f.get('ports'), draft);
  const storage = convertServiceVolumes(r, f.get('volumes'), f.get('tmpfs'), ctx.storage);
  if (storage && storage.volumes.length > 0) {
    draft.set('volumes', storage.volumes, f.get('volumes') ?? f.get('tmpfs')!);
    draft.set('mounts', storage.mounts, f.get('volumes') ?? f.get('tmpfs')!);
    storage.volumes.forEach((v, i) => draft.from(`volumes[${i}]`, storage.sources.get(v.name)!));
    storage.mounts.forEach((_, i) => draft.from(`mounts[${i}]`, storage.sources.get(`mount:${i}`)!));
  }
  convertDeploy(r, {
    deploy: f.get('deploy'), scale: f.get('scale'), cpus: f.get('cpus'), mem_limit: f.get('mem_limit'),
    mem_reservation: f.get('mem_reservation'), shm_size: f.get('shm_size'), machines,
  }, draft);
  const hc = f.get('healthcheck');
  if (hc) readHealthcheck(r, hc, draft);
  for (const k of ['init', 'privileged'] as const) {
    const v = f.get(k);
    const b = v ? r.boolean(v) : undefined;
    if (v && b !== undefined) draft.set(k, b, v);
  }
  const userAt = f.get('user');
  const user = userAt ? r.string(userAt, 'a user name or uid[:gid]') : undefined;
  if (userAt && user !== undefined) draft.set('user', user, userAt);
  readPullPolicy(r, f.get('pull_policy'), draft);
  for (const k of ['cap_add', 'cap_drop'] as const) readList(r, f.get(k), k, draft);
  const sysctlsAt = f.get('sysctls');
  const sysctls = sysctlsAt ? r.stringMap(sysctlsAt, 'sysctl') : undefined;
  if (sysctlsAt && sysctls) draft.set('sysctls', sysctls, sysctlsAt);
  readUlimits(r, f.get('ulimits'), draft);
  readDevices(r, f.get('devices'), draft);
  readLogging(r, f.get('logging'), draft);
  const graceAt = f.get('stop_grace_period');
  const grace = graceAt ? durationText(r, graceAt) : undefined;
  if (graceAt && grace !== undefined) draft.set('stop_grace_period', grace, graceAt);
  readNetworks(r, f.get('networks'));
  return { draft, secretEnv: env?.secret ?? [], ok: r.problems.errors.length === before };
}

/**
 * `<project>-<key>`, compose's container name prefix, as a DNS label: a key compose allows but a
 * DNS label does not (`db_primary`, `Web`) is rewritten (`db-primary`, `web`) with a warning.
 */
function serviceName(r: ComposeReader, project: string, key: string, at: At): string {
  const name = `${project}-${key}`;
  if (isDnsLabel(name)) return name;
  const suggested = suggestDnsLabel(name);
  if (suggested !== undefined && suggested.length <= 63) {
    r.warn(at, `dockplan service names are DNS labels: "${name}" is deployed as "${suggested}"`);
    return suggested;
  }
  return name; // the spec check says what is wrong with it
}

function readImage(r: ComposeReader, f: Map<string, At>, service: At, draft: SpecDraft): void {
  const imageAt = f.get('image');
  const buildAt = f.get('build');
  if (!imageAt) {
    // an extends left in place could not be resolved: its error says why
    if (f.has('extends')) return;
    if (buildAt) r.error(buildAt, 'build is not supported: dockplan deploys images from a registry; build and push the image, then set image:');
    else r.error(service, 'missing image: every service needs one, e.g. image: nginx:1.27');
    return;
  }
  if (buildAt) r.warn(buildAt, 'build is not run: dockplan deploys the image named by image:, as the registry (or the machines) hold it');
  const image = r.word(imageAt, 'an image reference like nginx:1.27');
  if (image !== undefined) draft.set('image', image, imageAt);
}

/** A list of words, or a string split like a shell (compose uses shell words too). */
function readCommand(r: ComposeReader, at: At): string[] | undefined {
  if (at.node.kind === 'seq') return r.stringList(at);
  const text = r.string(at, 'a command string or a list of words');
  if (text === undefined) return undefined;
  const split = splitShellWords(text);
  if ('error' in split) {
    r.error(at, `cannot split the command string: ${split.error}; or write it as a list`);
    return undefined;
  }
  return split.words;
}

function readPorts(r: ComposeReader, at: At | undefined, draft: SpecDraft): void {
  if (!at) return;
  const ports: string[] = [];
  for (const item of r.items(at, 'a list of ports like "8080:80" or {target, published}') ?? []) {
    for (const p of convertPort(r, item) ?? []) {
      draft.from(`ports[${ports.length}]`, item);
      ports.push(formatPort(p));
    }
  }
  if (ports.length > 0) draft.set('ports', ports, at);
}

const HEALTH_KEYS = ['test', 'interval', 'timeout', 'retries', 'start_period', 'start_interval', 'disable'] as const;

function readHealthcheck(r: ComposeReader, at: At, draft: SpecDraft): void {
  const f = r.fields(at, HEALTH_KEYS);
  if (!f) return;
  const hc: Record<string, SpecValue> = {};
  for (const [key, v] of f) {
    draft.from(`healthcheck.${key}`, v);
    if (key === 'test') {
      const test = v.node.kind === 'seq' ? r.stringList(v) : r.string(v, 'a command string or [CMD, ...], [CMD-SHELL, "..."], [NONE]');
      if (test !== undefined) hc.test = test;
    } else if (key === 'retries') {
      const n = r.integer(v, 0);
      if (n !== undefined) hc.retries = n;
    } else if (key === 'disable') {
      const b = r.boolean(v);
      if (b !== undefined) hc.disable = b;
    } else if (key === 'start_interval') {
      r.warn(v, 'start_interval is not applied: during start_period the check runs every interval');
    } else {
      const d = durationText(r, v);
      if (d !== undefined) hc[key] = d;
    }
  }
  // compose's `test: [NONE]` and `disable: true` both turn the image's check off
  draft.set('healthcheck', hc, at);
}

/** A duration as written (`1m30s`; a number is seconds), for the spec parser to read. */
function durationText(r: ComposeReader, at: At): string | number | undefined {
  if (at.node.kind === 'scalar' && typeof at.node.value === 'number') return at.node.value;
  return r.string(at, 'a duration like 10s or 1m30s');
}

const PULL_POLICIES: Record<string, string> = { always: 'always', missing: 'missing', if_not_present: 'missing', never: 'never' };

function readPullPolicy(r: ComposeReader, at: At | undefined, draft: SpecDraft): void {
  if (!at) return;
  const policy = r.string(at, 'always, missing, never or build');
  if (policy === undefined) return;
  const mapped = Object.hasOwn(PULL_POLICIES, policy) ? PULL_POLICIES[policy] : undefined;
  if (mapped !== undefined) {
    draft.set('pull_policy', mapped, at);
  } else if (policy === 'build') {
    r.warn(at, 'pull_policy build is not applied: dockplan does not build; it pulls the image when a machine is missing it');
    draft.set('pull_policy', 'missing', at);
  } else if (policy === 'daily' || policy === 'weekly' || policy.startsWith('every_') || policy === 'refresh') {
    r.warn(at, `pull_policy ${policy} is read as missing: dockplan has no schedule; deploy with pull_policy always to fetch a newer image`);
    draft.set('pull_policy', 'missing', at);
  } else {
    r.error(at, `expected always, missing (or if_not_present), never or build, got ${describeNode(at.node)}`);
  }
}

function readList(r: ComposeReader, at: At | undefined, key: string, draft: SpecDraft): void {
  if (!at) return;
  const list = r.stringList(at);
  if (list === undefined) return;
  draft.set(key, list, at);
  (r.items(at) ?? []).forEach((item, i) => draft.from(`${key}[${i}]`, item));
}

function readUlimits(r: ComposeReader, at: At | undefined, draft: SpecDraft): void {
  if (!at) return;
  const map = r.map(at, 'a mapping of limit names to a number or {soft, hard}');
  if (!map) return;
  const out: Record<string, SpecValue> = {};
  for (const e of map.entries) {
    const v: At = { node: e.value, field: childField(at.field, e.key) };
    draft.from(`ulimits.${e.key}`, v);
    if (e.value.kind === 'map') {
      const f = r.fields(v, ['soft', 'hard']);
      const soft = f?.get('soft') ? r.integer(f.get('soft')!, 0) : undefined;
      const hard = f?.get('hard') ? r.integer(f.get('hard')!, 0) : undefined;
      if (f && (!f.get('soft') || !f.get('hard'))) r.error(v, 'give both soft and hard, or one number for both');
      else if (soft !== undefined && hard !== undefined) setOwn(out, e.key, { soft, hard });
    } else {
      const n = r.integer(v, 0);
      if (n !== undefined) setOwn(out, e.key, n);
    }
  }
  draft.set('ulimits', out, at);
}

function readDevices(r: ComposeReader, at: At | undefined, draft: SpecDraft): void {
  if (!at) return;
  const items = r.items(at, 'a list of devices like /dev/fuse or /dev/sda:/dev/xvda:rwm');
  if (!items) return;
  const out: string[] = [];
  for (const item of items) {
    const text = r.string(item, 'a device like /dev/fuse');
    if (text === undefined) continue;
    if (!text.startsWith('/')) {
      r.error(item, `CDI device names (${JSON.stringify(text)}) are not supported; give a device path like /dev/fuse`);
      continue;
    }
    draft.from(`devices[${out.length}]`, item);
    out.push(text);
  }
  draft.set('devices', out, at);
}

function readLogging(r: ComposeReader, at: At | undefined, draft: SpecDraft): void {
  if (!at) return;
  const f = r.fields(at, ['driver', 'options']);
  if (!f) return;
  const driverAt = f.get('driver');
  const driver = driverAt ? r.word(driverAt, 'a log driver name like json-file') : 'json-file';
  if (!driverAt) r.warn(at, "no driver: dockplan needs one and writes json-file, Docker's default");
  const optionsAt = f.get('options');
  const options = optionsAt && !(optionsAt.node.kind === 'scalar' && optionsAt.node.value === null) ? r.stringMap(optionsAt, 'option') : undefined;
  if (driver === undefined) return;
  draft.set('logging', options ? { driver, options } : { driver }, at);
  if (driverAt) draft.from('logging.driver', driverAt);
  if (optionsAt) draft.from('logging.options', optionsAt);
}

/** Only the default network is honoured; others are named in a warning. */
function readNetworks(r: ComposeReader, at: At | undefined): void {
  if (!at) return;
  const names = at.node.kind === 'map' ? at.node.entries.map((e) => e.key) : (r.stringList(at, 'a list of network names') ?? []);
  const others = names.filter((n) => n !== 'default');
  if (others.length > 0) {
    const which = others.length === 1 ? `the network ${others[0]} is` : `the networks ${others.join(', ')} are`;
    r.warn(at, `${which} not joined: containers join Docker's default bridge network of their machine, and reach other machines through published ports`);
  }
}
