// What every reliability scenario needs around the binary: unique service and volume names (and
// removing exactly those afterwards), spec files in a folder of their own, a free host port, and
// what runs on each machine as Docker reports it.
//
// Every service these scenarios make is named `rel-<tag>-<4 chars>` and every volume
// `dpt-rel-<tag>-<4 chars>`: a Scenario removes exactly those; `sweepLeftovers` removes what an
// earlier, killed run of the suite left behind (services named rel-*), never anything else.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demuxLogs } from '../../src/cluster/container-state.js';
import { LOCK_VOLUME_PREFIX } from '../../src/execute/lock.js';
import { BUSYBOX, MANAGED_LABEL, SERVICE_NAME_LABEL, machine, machineUp, machines } from '../cluster/harness.js';
import { ALL_MACHINES, shortId } from '../support/engine-helpers.js';
import { DockplanProcess, type Exit } from './dockplan-process.js';

export { ALL_MACHINES } from '../support/engine-helpers.js';

/** The name prefix of every service the reliability scenarios make. */
export const SERVICE_PREFIX = 'rel-';

/** A container of a service as Docker lists it on its machine. */
export interface Replica {
  machine: string;
  id: string;
  name: string;
  /** Docker's state: running, exited, created, ... */
  state: string;
  running: boolean;
  /** Running and Docker's healthcheck says healthy. */
  healthy: boolean;
  /** Its address on the machine's bridge network (reachable only inside that machine). */
  ip: string;
  /** env.VERSION of the spec it was created from (label dockplan.spec). */
  version?: string;
}

/** Every container of the service (stopped ones too) per machine that answers; `down` lists those that did not. */
export interface ServiceCensus {
  replicas: Replica[];
  down: string[];
}

interface Listed {
  Id: string;
  Names: string[];
  State: string;
  Status: string;
  Labels?: Record<string, string>;
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> };
}

function versionOf(labels: Record<string, string> | undefined): string | undefined {
  try {
    const spec = JSON.parse(labels?.['dockplan.spec'] ?? '{}') as { env?: Record<string, string> };
    return spec.env?.VERSION;
  } catch {
    return undefined;
  }
}

/** The service's containers on the machines, through Docker (one list call per machine, at once). */
export async function censusOf(service: string, on: readonly string[] = ALL_MACHINES): Promise<ServiceCensus> {
  const down: string[] = [];
  const lists = await Promise.all(on.map(async (name): Promise<Replica[]> => {
    let listed: Listed[];
    try {
      listed = (await machine(name).docker.listContainers({ all: true, filters: { label: [`${SERVICE_NAME_LABEL}=${service}`] } })) as Listed[];
    } catch {
      down.push(name);
      return [];
    }
    return listed.map((c) => {
      const ip = Object.values(c.NetworkSettings?.Networks ?? {}).map((n) => n.IPAddress ?? '').find((a) => a !== '') ?? '';
      const version = versionOf(c.Labels);
      return {
        machine: name, id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, ''), state: c.State,
        running: c.State === 'running', healthy: c.State === 'running' && /\(healthy\)/.test(c.Status), ip,
        ...(version !== undefined ? { version } : {}),
      };
    });
  }));
  return { replicas: lists.flat().sort((a, b) => a.machine.localeCompare(b.machine) || a.name.localeCompare(b.name)), down: down.sort() };
}

/** One census of a service through Docker, counted. */
export interface CensusSample {
  /** When it was asked (ms since the epoch). */
  at: number;
  running: number;
  /** Running and healthy. */
  healthy: number;
}

/**
 * A census of the service taken in a loop (at most every `intervalMs`) until stopped: how many of
 * its containers ran, sample by sample, while something else happened. A list call waits while
 * the engine starts or stops a container, so samples come slower during those.
 */
export class CensusWatch {
  readonly samples: CensusSample[] = [];
  /** The latest census. */
  latest: ServiceCensus = { replicas: [], down: [] };
  private stopped = false;
  private loop?: Promise<void>;

  private constructor(private readonly service: string, private readonly intervalMs: number) {}

  /** Starts watching; resolves after the first census. */
  static async start(service: string, intervalMs = 25): Promise<CensusWatch> {
    const watch = new CensusWatch(service, intervalMs);
    await watch.take();
    watch.loop = watch.run();
    return watch;
  }

  /** Stops after the census under way; returns every sample. */
  async stop(): Promise<CensusSample[]> {
    this.stopped = true;
    await this.loop;
    return this.samples;
  }

  /** The fewest running containers in one sample. */
  minRunning(): number {
    return Math.min(...this.samples.map((s) => s.running));
  }

  private async take(): Promise<void> {
    const at = Date.now();
    this.latest = await censusOf(this.service);
    const running = this.latest.replicas.filter((r) => r.running);
    this.samples.push({ at, running: running.length, healthy: running.filter((r) => r.healthy).length });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const at = Date.now();
      await this.take();
      const wait = this.intervalMs - (Date.now() - at);
      // Pacing (a sampling rate), not a wait for something to happen.
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** `{ m1: ['v2 running healthy', 'v1 exited'], ... }`: a census in words, for assertion messages. */
export function describeCensus(census: ServiceCensus): string {
  const out: Record<string, string[]> = {};
  for (const r of census.replicas) (out[r.machine] ??= []).push(`${r.name} ${r.version ?? '?'} ${r.state}${r.healthy ? ' healthy' : ''}`);
  for (const m of census.down) out[m] = ['(down)'];
  return JSON.stringify(out);
}

/**
 * What one machine should run, judged on its containers of the service: `true` when it does,
 * `'wait'` when it may yet (a running container whose healthcheck has not passed), or why it
 * never will by itself (a wrong or stopped container: nothing starts or removes one once the run
 * is over), in words.
 */
export type MachineExpectation = (containers: Replica[], machineName: string) => true | 'wait' | string;

/**
 * Waits until every machine (of `on`) meets the expectation; returns that census. Throws at once, naming
 * the machine and the census, when one never will, and after timeoutMs when one still waits.
 */
export async function waitForReplicas(
  service: string, expect: MachineExpectation, what: string, timeoutMs = 15_000, on: readonly string[] = ALL_MACHINES,
): Promise<ServiceCensus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const census = await censusOf(service, on);
    const verdicts = on.map((m) => [m, census.down.includes(m) ? `${m} is down` : expect(census.replicas.filter((r) => r.machine === m), m)] as const);
    const never = verdicts.find(([, v]) => typeof v === 'string' && v !== 'wait');
    if (never) throw new Error(`${what}: ${never[0]}: ${never[1]}; ${describeCensus(census)}`);
    if (verdicts.every(([, v]) => v === true)) return census;
    if (Date.now() >= deadline) throw new Error(`${what}: not within ${timeoutMs} ms: ${describeCensus(census)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One running container and nothing else there, that `is` accepts; healthy (or `'wait'` until it is). */
export function runsOnly(is: (r: Replica) => boolean, described: string): MachineExpectation {
  return (containers) => {
    if (containers.length !== 1) return `${containers.length} containers of the service instead of ${described} alone`;
    const [c] = containers as [Replica];
    if (!is(c)) return `${c.name} (${c.version ?? '?'}) is not ${described}`;
    if (!c.running) return `${c.name} is ${c.state}`;
    return c.healthy ? true : 'wait';
  };
}

/** Exactly one running container, that `is` accepts, healthy (or `'wait'` until it is); stopped ones are left out. */
export function runningOnly(is: (r: Replica) => boolean, described: string): MachineExpectation {
  return (containers) => {
    const running = containers.filter((r) => r.running);
    if (running.length !== 1 || !is(running[0]!)) return `runs ${running.map((r) => `${r.name} (${r.version ?? '?'})`).join(', ') || 'nothing'} instead of ${described} alone`;
    return running[0]!.healthy ? true : 'wait';
  };
}

/** The converged state: on every machine exactly one container of the service, running, healthy, of that version. */
export function waitConverged(service: string, version: string, timeoutMs?: number): Promise<ServiceCensus> {
  return waitForReplicas(service, runsOnly((r) => r.version === version, `one ${version} container`), `${service} should run one healthy ${version} container per machine and nothing else`, timeoutMs);
}

/** The options of an httpd service spec: busybox httpd on container port 8080 serving `$VERSION`. */
export interface HttpdSpecOptions {
  name: string;
  version: string;
  replicas?: number;
  /** Publish 8080 on this host port of every machine (`P:8080@host`): one replica per machine, stop-first. */
  hostPort?: number;
  /** Healthcheck interval; the first check runs this long after the start. */
  healthInterval?: string;
  /** Healthcheck command (a shell line), default: the index page answers. */
  healthTest?: string;
  /** Named volumes mounted at /<name-of-mount>: [volume, path]. */
  mounts?: [string, string][];
  /** More keys of the update block, e.g. `order: stop-first` (monitor is 1s: a failing replica fails fast). */
  update?: string[];
  /** init: true (the default) forwards SIGTERM; false leaves httpd as PID 1, which ignores it. */
  init?: boolean;
}

/** The YAML text of an httpd service spec (see HttpdSpecOptions). */
export function httpdSpec(o: HttpdSpecOptions): string {
  const health = o.healthTest ?? 'wget -qO- http://127.0.0.1:8080/ >/dev/null || exit 1';
  const lines = [
    `name: ${o.name}`,
    `image: ${BUSYBOX}`,
    `replicas: ${o.replicas ?? 3}`,
    'command: ["sh", "-c", "mkdir -p /www && echo $VERSION > /www/index.html && exec httpd -f -p 8080 -h /www"]',
    `env: { VERSION: ${o.version} }`,
    ...(o.hostPort !== undefined ? ['ports:', `  - ${o.hostPort}:8080@host`] : []),
    ...(o.mounts?.length
      ? ['volumes:', ...o.mounts.map(([v]) => `  - name: ${v}`), 'mounts:', ...o.mounts.map(([v, p]) => `  - { volume: ${v}, path: ${p} }`)]
      : []),
    'healthcheck:',
    `  test: ["CMD-SHELL", ${JSON.stringify(health)}]`,
    `  interval: ${o.healthInterval ?? '300ms'}`,
    '  timeout: 2s',
    '  retries: 2',
    `init: ${o.init ?? true}`,
    'stop_grace_period: 2s',
    `update: { ${['monitor: 1s', ...(o.update ?? [])].join(', ')} }`,
  ];
  return lines.join('\n') + '\n';
}

/**
 * One scenario's names, spec files, runs of the binary and cleanup. Its runs keep their deploy
 * history in the scenario's folder ($XDG_STATE_HOME), apart from the operator's.
 */
export class Scenario {
  readonly services = new Set<string>();
  readonly volumes = new Set<string>();
  readonly dir = mkdtempSync(join(tmpdir(), 'dockplan-reliability-'));
  readonly env: NodeJS.ProcessEnv = { XDG_STATE_HOME: join(this.dir, 'state') };

  /** Starts `dockplan ARGS` (NDJSON read as it comes). */
  start(args: string[]): DockplanProcess {
    return DockplanProcess.start(args, this.env);
  }

  /** Runs `dockplan ARGS` to its end. */
  run(args: string[], timeoutMs?: number): Promise<Exit> {
    return DockplanProcess.run(args, this.env, timeoutMs);
  }

  /**
   * Deploys a spec file with every replica at once (--parallelism 3): to set a scenario up, or to
   * converge where no rollout is being measured. Asserts exit 0.
   */
  async deployAtOnce(file: string): Promise<void> {
    const r = await this.run(['deploy', '-f', file, '--yes', '--parallelism', String(ALL_MACHINES.length)]);
    assert.equal(r.code, 0, `deploy -f ${file} failed:\n${r.stdout}\n${r.stderr}`);
  }

  /** A unique service name `rel-<tag>-xxxx`, removed by cleanup(). */
  service(tag: string): string {
    const name = `${SERVICE_PREFIX}${tag}-${shortId()}`;
    this.services.add(name);
    return name;
  }

  /** A unique volume name `dpt-rel-<tag>-xxxx`, removed by cleanup(). */
  volume(tag: string): string {
    const name = `dpt-${SERVICE_PREFIX}${tag}-${shortId()}`;
    this.volumes.add(name);
    return name;
  }

  /** Writes a spec file into the scenario's folder; returns its path. */
  spec(file: string, text: string): string {
    const path = join(this.dir, file);
    writeFileSync(path, text);
    return path;
  }

  /** Removes this scenario's containers, volumes and deploy-lock volumes on every machine that is up, and its folder. */
  async cleanup(): Promise<void> {
    await Promise.all(machines().map(async (m) => {
      if (!(await machineUp(m.name))) return;
      for (const service of this.services) {
        const list = await m.docker.listContainers({ all: true, filters: { label: [`${SERVICE_NAME_LABEL}=${service}`] } }).catch(() => []);
        await Promise.all(list.map((c) => m.docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
      }
      const volumes = [...this.volumes, ...[...this.services].map((s) => `${LOCK_VOLUME_PREFIX}${s}`)];
      for (const volume of volumes) await m.docker.getVolume(volume).remove({ force: true }).catch(() => undefined);
    }));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Removes what an earlier run killed before its cleanup left on every machine that is up: the
 * containers of services named rel-* and their deploy-lock volumes.
 */
export async function sweepLeftovers(): Promise<void> {
  await Promise.all(machines().map(async (m) => {
    if (!(await machineUp(m.name))) return;
    const list = await m.docker.listContainers({ all: true, filters: { label: [`${MANAGED_LABEL}=true`] } });
    const ours = list.filter((c) => (c.Labels?.[SERVICE_NAME_LABEL] ?? '').startsWith(SERVICE_PREFIX));
    await Promise.all(ours.map((c) => m.docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
    const { Volumes } = await m.docker.listVolumes();
    const locks = (Volumes ?? []).filter((v) => v.Name.startsWith(`${LOCK_VOLUME_PREFIX}${SERVICE_PREFIX}`));
    await Promise.all(locks.map((v) => m.docker.getVolume(v.Name).remove({ force: true }).catch(() => undefined)));
  }));
}

/** A host port in 20000..29999 that no container on any machine publishes. */
export async function freeHostPort(): Promise<number> {
  const used = new Set<number>();
  for (const m of machines()) {
    for (const c of await m.docker.listContainers({ all: true })) for (const p of c.Ports ?? []) if (p.PublicPort) used.add(p.PublicPort);
  }
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 10000);
    if (!used.has(port)) return port;
  }
}

/**
 * Reads a file from a named volume on a machine through a new, throwaway container (busybox cat,
 * the volume mounted read-only): what is on the volume whether or not the service runs there.
 * Returns undefined when the file is not there; throws when the volume does not exist.
 */
export async function readFromVolume(machineName: string, volume: string, file: string): Promise<string | undefined> {
  const { docker } = machine(machineName);
  await docker.getVolume(volume).inspect();
  const reader = await docker.createContainer({
    Image: BUSYBOX,
    name: `rel-reader-${shortId()}`,
    Cmd: ['sh', '-c', `cat /v/${file} 2>/dev/null || echo "<missing>"`],
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/v', ReadOnly: true }] },
  });
  try {
    await reader.start();
    await reader.wait();
    const out = (await reader.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    const text = demuxLogs(Buffer.isBuffer(out) ? out : Buffer.from(String(out))).trim();
    return text === '<missing>' ? undefined : text;
  } finally {
    await reader.remove({ force: true }).catch(() => undefined);
  }
}

/** Writes a file into a named volume on a machine through a throwaway container (the volume is created when missing). */
export async function writeToVolume(machineName: string, volume: string, file: string, text: string): Promise<void> {
  const { docker } = machine(machineName);
  const writer = await docker.createContainer({
    Image: BUSYBOX,
    name: `rel-writer-${shortId()}`,
    Cmd: ['sh', '-c', `printf '%s' "$TEXT" > /v/${file}`],
    Env: [`TEXT=${text}`],
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/v' }] },
  });
  try {
    await writer.start();
    const { StatusCode } = (await writer.wait()) as { StatusCode: number };
    assert.equal(StatusCode, 0, `writing ${file} into volume ${volume} on ${machineName} failed`);
  } finally {
    await writer.remove({ force: true }).catch(() => undefined);
  }
}
