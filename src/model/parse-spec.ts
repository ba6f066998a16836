// Reads a service spec file (YAML, compose-like keys) into the normalised ServiceSpec, reporting
// every problem at once with its line and column.
//
// Normalisation: durations become milliseconds, sizes bytes, ports PortSpecs, command strings word
// lists, env/sysctls lists maps, capabilities upper case without `CAP_`. Defaults that the engine
// applies (mode replicated, replicas 1, pull_policy missing, ...) are NOT filled in here: the spec
// says what the file says, so writing it back gives the same file. The only values filled in are
// parts of a value the syntax lets you leave out: a port's protocol (http / tcp), a volume's type
// (volume), a device's container_path (= host_path) and permissions (rwm), a ulimit's hard (= soft).
import { quoted } from './printable.js';
import { isScalar, isSeq } from 'yaml';
import { parseImageReference } from './image-ref.js';
import { readCapabilities, readKeyValues, readSysctls, readUlimits } from './parse-spec-kernel.js';
import { readDevices, readMounts, readVolumes } from './parse-spec-storage.js';
import { dnsLabelProblem, isDnsLabel } from './dns-names.js';
import { findPortClashes, parsePort } from './ports.js';
import { splitShellWords } from './shell-words.js';
import type { HealthcheckSpec, LoggingSpec, PortSpec, ResourcesSpec, ServiceSpec, UpdateSpec } from './spec.js';
import { parseYaml, type SpecError } from './yaml-errors.js';
import { describe, isEmpty, YamlReader, type Fields, type KeyHints, type Located } from './yaml-reader.js';

export { formatSpecError, type SpecError } from './yaml-errors.js';

export interface ParseSpecResult {
  /** Present only when there are no errors. */
  spec?: ServiceSpec;
  /** Sorted by position. */
  errors: SpecError[];
}

export const SPEC_KEYS = [
  'name', 'image', 'mode', 'replicas', 'command', 'entrypoint', 'env', 'secret_env', 'ports', 'volumes', 'mounts', 'placement',
  'healthcheck', 'init', 'privileged', 'user', 'pull_policy', 'resources', 'cap_add', 'cap_drop', 'sysctls',
  'ulimits', 'devices', 'logging', 'stop_grace_period', 'update',
] as const;

/** Compose names and keys that live elsewhere here. */
const SPEC_KEY_HINTS: KeyHints = {
  environment: 'env',
  cpus: 'resources.cpu',
  cpu: 'resources.cpu',
  memory: 'resources.memory',
  mem_limit: 'resources.memory',
  mem_reservation: 'resources.memory_reservation',
  memory_reservation: 'resources.memory_reservation',
  shm_size: 'resources.shm_size',
  machines: 'placement.machines',
  deploy: 'there is no deploy section: write mode, replicas, placement and update at the top level',
  health_check: 'healthcheck',
};

const HEALTHCHECK_KEYS = ['test', 'interval', 'timeout', 'retries', 'start_period', 'disable'] as const;
const RESOURCES_KEYS = ['cpu', 'memory', 'memory_reservation', 'shm_size'] as const;
const RESOURCES_HINTS: KeyHints = { cpus: 'cpu', mem_limit: 'memory', mem_reservation: 'memory_reservation', shm: 'shm_size' };
const UPDATE_KEYS = ['order', 'monitor', 'parallelism', 'delay', 'failure_action', 'max_failure_ratio'] as const;
const UPDATE_HINTS: KeyHints = { monitor_period: 'monitor', batch_size: 'parallelism', max_parallel: 'parallelism', on_failure: 'failure_action' };
const LOGGING_KEYS = ['driver', 'options'] as const;
const HEALTH_TEST_KINDS = ['CMD', 'CMD-SHELL', 'NONE'] as const;
/**
 * The most replicas one service may ask for: a plan makes an operation per replica, and a fleet of
 * this size is already far past what one dockplan run over Docker hosts is for.
 */
const MAX_REPLICAS = 10_000;
/** Docker refuses memory limits below 6 MiB. */
const MIN_MEMORY = 6 * 1024 * 1024;
/**
 * The smallest cpu limit Docker can enforce: it turns cpu into a CFS quota over a 100ms period,
 * and the kernel's smallest quota is 1ms (cpu.cfs_quota_us >= 1000), so 0.01 CPUs. Below that,
 * dockerd 20.10 either fails the start (`cpu.cfs_quota_us: invalid argument`) or, under 1e-5,
 * computes a quota of 0 and silently sets no limit (both seen on the test cluster).
 */
const MIN_CPU = 0.01;

const ENV_KEY = /^[^=\0]+$/;

export function parseSpec(text: string, file: string): ParseSpecResult {
  const { doc, collector, syntaxBroken } = parseYaml(text, file);
  // past a syntax error the structure is a guess: report what the YAML parser found and stop
  if (syntaxBroken) return { errors: collector.sorted() };
  const r = new YamlReader(doc, collector);
  const root = r.root();
  if (isEmpty(root)) {
    r.error(root, 'the spec is empty; a spec needs at least an image, e.g. `image: local/busybox:1`');
    return { errors: collector.sorted() };
  }
  const f = r.fields(root, SPEC_KEYS, SPEC_KEY_HINTS, 'a mapping of spec keys (image, name, replicas, ...)');
  const spec = f ? readSpec(r, f, root) : undefined;
  const errors = collector.sorted();
  return errors.length === 0 && spec ? { spec, errors } : { errors };
}

/** Reads the keys in the order ServiceSpec declares them, so equal specs also serialise equally. */
function readSpec(r: YamlReader, f: Fields, root: Located): ServiceSpec | undefined {
  const spec: Partial<ServiceSpec> = {};
  const get = <T>(key: keyof ServiceSpec, read: (at: Located) => T | undefined): void => {
    const at = f.get(key);
    if (!at) return;
    const v = read(at);
    if (v !== undefined) (spec as Record<string, unknown>)[key] = v;
  };
  get('name', (at) => readName(r, at));
  get('mode', (at) => r.oneOf(at, ['replicated', 'global'] as const));
  get('replicas', (at) => r.integer(at, 0, MAX_REPLICAS));
  const imageAt = r.require(f, 'image', root, 'missing; every spec needs an image, e.g. `image: local/busybox:1`');
  if (imageAt) spec.image = readImage(r, imageAt);
  get('command', (at) => readCommand(r, at));
  get('entrypoint', (at) => readCommand(r, at));
  get('env', (at) => readKeyValues(r, at, 'variable', ENV_KEY, "a name without '='"));
  get('secret_env', (at) => readSecretEnv(r, at, spec.env ?? {}));
  get('ports', (at) => readPorts(r, at));
  const volumesAt = f.get('volumes');
  const volumes = volumesAt ? readVolumes(r, volumesAt) : { volumes: [], names: new Set<string>() };
  if (volumesAt && volumes.volumes) spec.volumes = volumes.volumes;
  get('mounts', (at) => readMounts(r, at, volumes.names));
  get('placement', (at) => readPlacement(r, at));
  get('healthcheck', (at) => readHealthcheck(r, at));
  get('init', (at) => r.boolean(at));
  get('privileged', (at) => r.boolean(at));
  get('user', (at) => r.string(at, { scalars: true, expected: 'a user name or uid[:gid]' }));
  get('pull_policy', (at) => r.oneOf(at, ['always', 'missing', 'never'] as const));
  get('resources', (at) => readResources(r, at));
  get('cap_add', (at) => readCapabilities(r, at));
  get('cap_drop', (at) => readCapabilities(r, at));
  get('sysctls', (at) => readSysctls(r, at));
  get('ulimits', (at) => readUlimits(r, at));
  get('devices', (at) => readDevices(r, at));
  get('logging', (at) => readLogging(r, at));
  get('stop_grace_period', (at) => r.duration(at));
  get('update', (at) => readUpdate(r, at));
  return spec.image === undefined ? undefined : (spec as ServiceSpec);
}

/** `secret_env: [KEY, ...]`: names of env variables whose values are secret whatever they are called (src/plan/secrets.ts). */
function readSecretEnv(r: YamlReader, at: Located, env: Record<string, string>): string[] | undefined {
  const items = r.items(at, 'a list of env variable names, like [DB_URL]');
  if (!items) return undefined;
  const out: string[] = [];
  for (const item of items) {
    const name = r.word(item, 'an env variable name');
    if (name === undefined) continue;
    if (!Object.hasOwn(env, name)) r.error(item, `${quoted(name)} is not in env: list the names of env variables whose values are secret`);
    else if (!out.includes(name)) out.push(name);
  }
  return out.length > 0 ? out : undefined;
}

function readName(r: YamlReader, at: Located): string | undefined {
  const name = r.string(at, { scalars: true, expected: 'a name' });
  if (name === undefined) return undefined;
  if (isDnsLabel(name)) return name;
  r.error(at, dnsLabelProblem(name));
  return undefined;
}

function readImage(r: YamlReader, at: Located): string | undefined {
  const image = r.word(at, 'an image reference like local/busybox:1');
  if (image === undefined) return undefined;
  const ref = parseImageReference(image);
  if ('error' in ref) {
    r.error(at, `invalid image reference ${quoted(image)}: ${ref.error}`);
    return undefined;
  }
  return image;
}

/** A list of words, or one string split like a shell would (quotes and backslashes, no expansion). */
function readCommand(r: YamlReader, at: Located): string[] | undefined {
  if (isSeq(at.node)) return r.stringList(at);
  if (isScalar(at.node) && typeof at.node.value === 'string') {
    const split = splitShellWords(at.node.value);
    if ('error' in split) {
      r.error(at, `cannot split the command string: ${split.error}; or write the command as a list`);
      return undefined;
    }
    return split.words;
  }
  r.error(at, `expected a list of strings or a command string, got ${describe(at.node)}`);
  return undefined;
}

function readPorts(r: YamlReader, at: Located): PortSpec[] | undefined {
  const items = r.items(at, 'a list of port strings like 8080:80 or 5432:5432@host');
  if (!items) return undefined;
  const ports: (PortSpec | undefined)[] = items.map((item) => {
    const text = r.string(item, { scalars: true, expected: 'a port string like 8080:80 or 5432:5432@host' });
    if (text === undefined) return undefined;
    const port = parsePort(text);
    if ('error' in port) {
      r.error(item, port.error);
      return undefined;
    }
    return port;
  });
  const valid = ports.flatMap((p, i) => (p ? [{ p, i }] : []));
  const clashes = findPortClashes(
    valid.map(({ p }) => p),
    (j) => `ports[${valid[j].i}]`,
  );
  for (const clash of clashes) {
    const index = valid[clash.index].i;
    r.error(items[index], clash.message);
    ports[index] = undefined;
  }
  return ports.every((p) => p !== undefined) ? (ports as PortSpec[]) : undefined;
}

function readPlacement(r: YamlReader, at: Located): { machines?: string[] } | undefined {
  if (isSeq(at.node)) {
    r.error(at, 'expected a mapping with keys machines, got a list; write placement: {machines: [m1, m2]}');
    return undefined;
  }
  const f = r.fields(at, ['machines']);
  if (!f) return undefined;
  const machinesAt = f.get('machines');
  if (!machinesAt) return {};
  const items = r.items(machinesAt, 'a list of machine names or ids');
  if (!items) return undefined;
  const machines: string[] = [];
  let ok = true;
  for (const item of items) {
    const m = r.word(item, 'a machine name or id');
    if (m === undefined) ok = false;
    else if (machines.includes(m)) {
      r.error(item, `machine ${quoted(m)} is listed twice`);
      ok = false;
    } else machines.push(m);
  }
  return ok ? { machines } : undefined;
}

function readHealthcheck(r: YamlReader, at: Located): HealthcheckSpec | undefined {
  const f = r.fields(at, HEALTHCHECK_KEYS);
  if (!f) return undefined;
  const hc: HealthcheckSpec = {};
  let ok = true;
  const set = <K extends keyof HealthcheckSpec>(key: K, read: (at: Located) => HealthcheckSpec[K] | undefined): void => {
    const v = f.get(key);
    if (!v) return;
    const value = read(v);
    if (value === undefined) ok = false;
    else hc[key] = value;
  };
  set('test', (v) => readHealthTest(r, v));
  set('interval', (v) => positiveDuration(r, v));
  set('timeout', (v) => positiveDuration(r, v));
  set('retries', (v) => r.integer(v, 0));
  set('start_period', (v) => r.duration(v));
  set('disable', (v) => r.boolean(v));
  const disableAt = f.get('disable');
  if (hc.disable === true && f.has('test') && disableAt) {
    r.error(disableAt, 'disable: true cannot go with a test; remove the test, or remove disable to run it');
    ok = false;
  }
  return ok ? hc : undefined;
}

function positiveDuration(r: YamlReader, at: Located): number | undefined {
  const ms = r.duration(at);
  if (ms === 0) {
    r.error(at, 'expected a duration above 0, like 500ms or 2s');
    return undefined;
  }
  return ms;
}

const HEALTH_TEST_HINT = 'expected [CMD, arg...], [CMD-SHELL, "command"], [NONE], or a shell command string';

function readHealthTest(r: YamlReader, at: Located): string[] | undefined {
  if (isScalar(at.node) && typeof at.node.value === 'string') {
    if (at.node.value.trim() === '') {
      r.error(at, `${HEALTH_TEST_HINT}, got an empty string`);
      return undefined;
    }
    return ['CMD-SHELL', at.node.value];
  }
  if (!isSeq(at.node)) {
    r.error(at, `${HEALTH_TEST_HINT}, got ${describe(at.node)}`);
    return undefined;
  }
  const test = r.stringList(at);
  if (test === undefined) return undefined;
  const [kind, ...args] = test;
  if (kind === undefined || !(HEALTH_TEST_KINDS as readonly string[]).includes(kind)) {
    const hint = kind === undefined ? '' : `; it starts with ${quoted(kind)}: put CMD before a command and its arguments`;
    r.error(at, `${HEALTH_TEST_HINT}${hint}`);
    return undefined;
  }
  const problem =
    kind === 'CMD' && args.length === 0 ? 'CMD needs the command to run after it'
    : kind === 'CMD-SHELL' && args.length !== 1 ? 'CMD-SHELL takes exactly one string, the shell command'
    : kind === 'NONE' && args.length > 0 ? 'NONE takes nothing after it'
    : undefined;
  if (problem) {
    r.error(at, problem);
    return undefined;
  }
  return test;
}

function readResources(r: YamlReader, at: Located): ResourcesSpec | undefined {
  const f = r.fields(at, RESOURCES_KEYS, RESOURCES_HINTS);
  if (!f) return undefined;
  const res: ResourcesSpec = {};
  let ok = true;
  const cpuAt = f.get('cpu');
  if (cpuAt) {
    const v = isScalar(cpuAt.node) ? cpuAt.node.value : undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN;
    if (Number.isFinite(n) && n >= MIN_CPU) res.cpu = n;
    else if (Number.isFinite(n) && n > 0) {
      r.error(cpuAt, `${describe(cpuAt.node)} CPUs is below what Docker can enforce: at least ${MIN_CPU} (its smallest CPU quota is 1ms per 100ms period); leave the key out for no limit`);
      ok = false;
    } else {
      r.error(cpuAt, `expected a number of CPUs above 0, like 0.5 or 2, got ${describe(cpuAt.node)}`);
      ok = false;
    }
  }
  for (const key of ['memory', 'memory_reservation', 'shm_size'] as const) {
    const v = f.get(key);
    if (!v) continue;
    const bytes = r.size(v);
    if (bytes === undefined) ok = false;
    else if (bytes === 0) {
      r.error(v, 'expected a size above 0; leave the key out for no limit');
      ok = false;
    } else if (key === 'memory' && bytes < MIN_MEMORY) {
      r.error(v, 'Docker refuses memory limits below 6M; raise it');
      ok = false;
    } else res[key] = bytes;
  }
  if (res.memory !== undefined && res.memory_reservation !== undefined && res.memory_reservation > res.memory) {
    r.error(f.get('memory_reservation')!, 'memory_reservation is above memory; the reservation must be <= the limit');
    ok = false;
  }
  return ok ? res : undefined;
}

function readLogging(r: YamlReader, at: Located): LoggingSpec | undefined {
  const f = r.fields(at, LOGGING_KEYS);
  if (!f) return undefined;
  const driverAt = r.require(f, 'driver', at, 'missing; name the log driver, e.g. json-file or local');
  const driver = driverAt ? r.word(driverAt, 'a log driver name like json-file') : undefined;
  const optionsAt = f.get('options');
  const options = optionsAt ? r.stringMap(optionsAt) : undefined;
  if (driver === undefined || (optionsAt && options === undefined)) return undefined;
  return options ? { driver, options } : { driver };
}

function readUpdate(r: YamlReader, at: Located): UpdateSpec | undefined {
  const f = r.fields(at, UPDATE_KEYS, UPDATE_HINTS);
  if (!f) return undefined;
  const update: UpdateSpec = {};
  let ok = true;
  const set = <K extends keyof UpdateSpec>(key: K, read: (v: Located) => UpdateSpec[K] | undefined): void => {
    const v = f.get(key);
    if (!v) return;
    const value = read(v);
    if (value === undefined) ok = false;
    else update[key] = value;
  };
  set('order', (v) => r.oneOf(v, ['start-first', 'stop-first', 'auto'] as const));
  set('monitor', (v) => r.duration(v));
  set('parallelism', (v) => r.integer(v, 1));
  set('delay', (v) => r.duration(v));
  set('failure_action', (v) => r.oneOf(v, ['rollback', 'pause', 'continue'] as const));
  set('max_failure_ratio', (v) => readRatio(r, v));
  return ok ? update : undefined;
}

/** A fraction from 0 to 1 (`0.25`), as compose's max_failure_ratio. */
function readRatio(r: YamlReader, at: Located): number | undefined {
  const v = isScalar(at.node) ? at.node.value : undefined;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1) return v;
  r.error(at, `expected a fraction from 0 to 1, like 0.25, got ${describe(at.node)}`);
  return undefined;
}
