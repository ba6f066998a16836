// Helpers for tests against the real test cluster (scripts/cluster.sh: three dockerd engines m1,
// m2, m3 in network namespaces, a registry on 10.213.0.1:5000, local/busybox:1 on every machine).
//
//   import { skipReason, machines, cleanCluster } from './harness.js';
//   const skip = skipReason();            // a string locally without a cluster; throws in CI
//   test('...', { skip }, async () => { await cleanCluster(); ... });
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import Docker from 'dockerode';
import { parse as parseYaml } from 'yaml';

/** The project root (the folder holding scripts/ and test/). */
export const PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLUSTER_SCRIPT = join(PROJECT_DIR, 'scripts', 'cluster.sh');
export const DEFAULT_REGISTRY = '10.213.0.1:5000';
/** The image every machine has (imported, never pulled). */
export const BUSYBOX = 'local/busybox:1';
export const MANAGED_LABEL = 'dockplan.managed';
export const SERVICE_NAME_LABEL = 'dockplan.service.name';
/** Volumes whose names start with this are test volumes: cleanCluster removes them. */
export const TEST_VOLUME_PREFIX = 'dpt-';
export const NOT_RUNNING = 'test cluster not running: run npm run cluster:up';

export interface Machine {
  name: string;
  /** As in the cluster file, e.g. unix:///var/lib/dockplan-cluster/m1/docker.sock */
  host: string;
  socketPath: string;
  /** The machine's own address on the bridge: published ports answer there. */
  ip: string;
  docker: Docker;
}

export interface ContainerSummary {
  id: string;
  /** Without the leading slash. */
  name: string;
  /** created, running, exited, ... */
  state: string;
  labels: Record<string, string>;
  image: string;
}

/** The cluster file: $DOCKPLAN_CLUSTER, else <project>/.cluster/cluster.yaml (absolute). */
export function clusterFile(): string {
  const given = process.env.DOCKPLAN_CLUSTER;
  if (given) return isAbsolute(given) ? given : resolve(PROJECT_DIR, given);
  return join(PROJECT_DIR, '.cluster', 'cluster.yaml');
}

function inCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** Why the cluster cannot be used (undefined when it can): no cluster file, or no engine socket. */
function unavailableBecause(): string | undefined {
  const file = clusterFile();
  if (!existsSync(file)) return `no cluster file ${file}`;
  let list: Array<{ name: string; socketPath: string }>;
  try {
    list = readClusterFile(file);
  } catch (err) {
    return (err as Error).message;
  }
  const missing = list.filter((m) => !existsSync(m.socketPath)).map((m) => m.name);
  if (missing.length === list.length) return `no engine socket of ${missing.join(', ')} exists`;
  return undefined;
}

/** True when the cluster file exists and the engine sockets are there. Never throws. */
export function clusterAvailable(): boolean {
  return unavailableBecause() === undefined;
}

/**
 * For `test(name, { skip: skipReason() }, fn)`: undefined when the cluster is there, otherwise
 * "test cluster not running: run npm run cluster:up". In CI (env CI set) a missing cluster throws
 * instead: cluster tests must never be skipped there.
 */
export function skipReason(): string | undefined {
  const why = unavailableBecause();
  if (why === undefined) return undefined;
  if (inCI()) {
    throw new Error(`the test cluster is required in CI but is not there (${why}): .ci/run must run 'bash scripts/cluster.sh up' first`);
  }
  return NOT_RUNNING;
}

/** Like skipReason, for tests that drive a real terminal: tmux must be there (and in CI, must). */
export function tmuxSkipReason(): string | undefined {
  try {
    execFileSync('tmux', ['-V']);
    return undefined;
  } catch {
    if (inCI()) throw new Error('tmux is required in CI but is not installed: .ci/run must apt-get install tmux');
    return 'tmux is not installed (apt-get install tmux)';
  }
}

/**
 * Inside a test: when the cluster is missing, throws in CI, else skips the test (t.skip) and
 * returns false, so the test can `if (!requireCluster(t)) return;`.
 */
export function requireCluster(t?: TestContext): boolean {
  const reason = skipReason();
  if (reason === undefined) return true;
  t?.skip(reason);
  return false;
}

function readClusterFile(file: string): Array<{ name: string; host: string; socketPath: string }> {
  const doc = parseYaml(readFileSync(file, 'utf8')) as { machines?: Array<{ name?: unknown; host?: unknown }> } | null;
  if (!doc || !Array.isArray(doc.machines)) throw new Error(`cluster file ${file} lists no machines`);
  return doc.machines.map((m, i) => {
    if (typeof m?.name !== 'string' || typeof m?.host !== 'string') {
      throw new Error(`cluster file ${file}: machine ${i + 1} needs a name and a host`);
    }
    if (!m.host.startsWith('unix://')) throw new Error(`cluster file ${file}: ${m.name}: only unix:// hosts are supported here`);
    return { name: m.name, host: m.host, socketPath: m.host.slice('unix://'.length) };
  });
}

/** KEY=VALUE lines of .cluster/env (next to the cluster file); empty when it is missing. */
export function clusterEnv(): Record<string, string> {
  const file = join(dirname(clusterFile()), 'env');
  const out: Record<string, string> = {};
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let value = m[2];
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1);
    out[m[1]] = value;
  }
  return out;
}

function setting(key: string): string | undefined {
  return process.env[key] || clusterEnv()[key] || undefined;
}

/** The registry every machine trusts, e.g. '10.213.0.1:5000'. */
export function registry(): string {
  return setting('DOCKPLAN_REGISTRY') ?? DEFAULT_REGISTRY;
}

function machineIps(): Map<string, string> {
  const ips = new Map<string, string>();
  for (const pair of (setting('DOCKPLAN_MACHINE_IPS') ?? '').split(/\s+/)) {
    const [name, ip] = pair.split('=');
    if (name && ip) ips.set(name, ip);
  }
  return ips;
}

const clients = new Map<string, Docker>();

/** The machines of the cluster file, each with a (cached) dockerode client. */
export function machines(): Machine[] {
  const file = clusterFile();
  if (!existsSync(file)) throw new Error(`${NOT_RUNNING} (no ${file})`);
  const ips = machineIps();
  return readClusterFile(file).map(({ name, host, socketPath }) => {
    let docker = clients.get(socketPath);
    if (!docker) {
      docker = new Docker({ socketPath });
      clients.set(socketPath, docker);
    }
    const n = /^m(\d)$/.exec(name);
    const ip = ips.get(name) ?? (n ? `10.213.0.1${n[1]}` : '');
    return { name, host, socketPath, ip, docker };
  });
}

/** One machine by name; throws listing the names when there is no such machine. */
export function machine(name: string): Machine {
  const all = machines();
  const found = all.find((m) => m.name === name);
  if (!found) throw new Error(`no machine ${name} in ${clusterFile()} (machines: ${all.map((m) => m.name).join(', ')})`);
  return found;
}

/** Whether the machine's engine answers /_ping within timeoutMs. */
export async function machineUp(name: string, timeoutMs = 2000): Promise<boolean> {
  const { docker } = machine(name);
  try {
    await withTimeout(docker.ping(), timeoutMs, `ping ${name}`);
    return true;
  } catch {
    return false;
  }
}

function runClusterScript(args: string[], timeoutMs: number): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const root = setting('DOCKPLAN_CLUSTER_ROOT');
  if (root) env.DOCKPLAN_CLUSTER_ROOT = root;
  return new Promise((resolvePromise, reject) => {
    execFile('bash', [CLUSTER_SCRIPT, ...args], { env, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`bash scripts/cluster.sh ${args.join(' ')} failed: ${(stderr || stdout || err.message).trim()}`));
      } else {
        resolvePromise(stdout);
      }
    });
  });
}

/**
 * Powers a machine off: its dockerd is killed (SIGKILL) and so are its containers, their shims
 * and its containerd; resolves once its socket no longer answers. `graceful`: SIGTERM first, so
 * dockerd stops the containers itself (up to 10 s per container that ignores SIGTERM).
 */
export async function stopMachine(name: string, opts: { graceful?: boolean } = {}): Promise<void> {
  machine(name);
  await runClusterScript(['stop-machine', name, ...(opts.graceful ? ['--graceful'] : [])], 120_000);
}

/** Starts the machine's dockerd again (same command); resolves once `docker info` answers. */
export async function startMachine(name: string): Promise<void> {
  machine(name);
  await runClusterScript(['start-machine', name], 120_000);
}

/** How the engines get their identity key: each its own (the default), or one shared by all. */
export type KeyMode = 'own' | 'shared';

/**
 * Restarts the engines whose identity key differs from `mode` (scripts/cluster.sh rekey): with
 * `shared`, all three report one engine ID, like VMs cloned from one image. Their containers are
 * stopped with them; those with a restart policy come back. Resolves once every engine answers
 * `docker info` again; a no-op when the engines already use that mode.
 */
export async function rekeyCluster(mode: KeyMode): Promise<void> {
  await runClusterScript(['rekey', mode], 180_000);
}

/**
 * On every machine that is up: force-removes every container labelled dockplan.managed=true
 * (with its anonymous volumes), every network labelled so, and every volume whose name starts
 * with dpt-. Machines that are down are left alone.
 */
export async function cleanCluster(): Promise<void> {
  await Promise.all(
    machines().map(async (m) => {
      if (!(await machineUp(m.name))) return;
      const { docker } = m;
      const containers = await docker.listContainers({ all: true, filters: { label: [`${MANAGED_LABEL}=true`] } });
      await Promise.all(containers.map((c) => ignoreNotFound(docker.getContainer(c.Id).remove({ force: true, v: true }))));
      const networks = await docker.listNetworks({ filters: { label: [`${MANAGED_LABEL}=true`] } });
      await Promise.all(networks.map((n) => ignoreNotFound(docker.getNetwork(n.Id).remove())));
      const { Volumes } = await docker.listVolumes();
      const volumes = (Volumes ?? []).filter((v) => v.Name.startsWith(TEST_VOLUME_PREFIX));
      await Promise.all(volumes.map((v) => ignoreNotFound(docker.getVolume(v.Name).remove({ force: true }))));
    }),
  );
}

/** All containers (stopped ones too) on that machine labelled dockplan.service.name=<serviceName>. */
export async function containersOf(machineName: string, serviceName: string): Promise<ContainerSummary[]> {
  const { docker } = machine(machineName);
  const list = await docker.listContainers({ all: true, filters: { label: [`${SERVICE_NAME_LABEL}=${serviceName}`] } });
  return list.map((c) => ({
    id: c.Id,
    name: (c.Names[0] ?? '').replace(/^\//, ''),
    state: c.State,
    labels: c.Labels ?? {},
    image: c.Image,
  }));
}

/**
 * Polls fn every intervalMs until it returns a truthy value (which is returned) or timeoutMs has
 * passed; errors thrown by fn count as "not yet". On timeout it throws, naming the last error.
 */
export type Truthy<T> = Exclude<T, undefined | null | false | 0 | ''>;

export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 100): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as Truthy<T>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`waitFor: condition not met within ${timeoutMs} ms (last: ${why})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    const code = (err as { statusCode?: number }).statusCode;
    if (code !== 404 && code !== 409) throw err;
  }
}
