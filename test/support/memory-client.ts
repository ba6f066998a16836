// An in-memory Client: machines, containers, volumes and images as plain data, behaving as Docker
// does for what the engine reads back (labels, limits in force, health), with failures injected on
// demand. The middle test layer: executor branches (rollback, pause, canary, interrupt, approvals)
// and every screen of the view run against it in milliseconds, without root or engines.
//
//   const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
//   cluster.health = (c) => (c.spec.env?.BROKEN ? 'unhealthy' : 'healthy');
//   cluster.failWhen = (call) => (call.kind === 'start' && call.machineId === 'm2' ? new Error('boom') : undefined);
import { createHash } from 'node:crypto';
import type { Client, CreateContainerRequest, ImageInfo, LogRecord, LogStreamOptions, MachineInfo, WatchReason } from '../../src/execute/client.js';
import type { ClusterState, ContainerHealth, HostPortBinding, ContainerRunState, ContainerState, VolumeState } from '../../src/model/cluster.js';
import type { ResourcesSpec, ServiceSpec, VolumeSpec } from '../../src/model/spec.js';
import { containerCreateOptions } from '../../src/cluster/container-config.js';
import { serviceFromLabels } from '../../src/cluster/container-state.js';
import { RunningValues } from '../../src/model/running-values.js';

/** A container as the memory cluster keeps it. */
export interface MemoryContainer {
  id: string;
  name: string;
  machineId: string;
  spec: ServiceSpec;
  labels: Record<string, string>;
  state: ContainerRunState;
  /** Health once started: `none` when the spec has no healthcheck. */
  health: ContainerHealth;
  exitCode?: number;
  restartCount: number;
  resources: ResourcesSpec;
  created: string;
  imageId: string;
  /** What an inspection reports it runs with (clear env and options, as Docker keeps them). */
  values: RunningValues;
}

/** One call the engine made, for injecting failures and for checking what happened. */
export type MemoryCall =
  | { kind: 'create'; machineId: string; name: string; spec: ServiceSpec }
  | { kind: 'start' | 'stop' | 'remove' | 'inspect' | 'update' | 'logs'; machineId: string; containerId: string; name: string }
  | { kind: 'pull'; machineId: string; ref: string }
  | { kind: 'create-volume'; machineId: string; name: string };

interface MemoryMachine {
  name: string;
  up: boolean;
  containers: Map<string, MemoryContainer>;
  volumes: Map<string, { driver: string; labels: Record<string, string>; options: Record<string, string> }>;
  images: Map<string, ImageInfo>;
}

/** What a started container's health becomes; `crash` exits it at once with code 1. */
export type HealthScript = 'healthy' | 'unhealthy' | 'starting' | 'crash';

let clock = Date.UTC(2026, 0, 1);
const tick = () => new Date((clock += 1000)).toISOString();

export class MemoryCluster implements Client {
  readonly machines = new Map<string, MemoryMachine>();
  /** Every call, in order. */
  readonly calls: MemoryCall[] = [];
  /** What a started container's health becomes; healthy by default (none without a healthcheck). */
  health: (c: MemoryContainer) => HealthScript = () => 'healthy';
  /** An error to throw for a call, or undefined to let it happen. */
  failWhen: (call: MemoryCall) => Error | undefined = () => undefined;
  /** Called before each call completes: a test can hold a call (e.g. to interrupt meanwhile). */
  beforeCall: (call: MemoryCall) => Promise<void> | void = () => undefined;
  domain?: string;
  private nextId = 1;
  private readonly listeners = new Map<string, Set<(action: string) => void>>();
  private readonly watchers = new Set<(reason: WatchReason) => void>();
  /** What each container printed (printLog), by container id. */
  private readonly printed = new Map<string, LogRecord[]>();
  /** Followed log streams waiting for a change: a print, a stop, a removal, a machine going down. */
  private readonly logWaiters = new Set<() => void>();
  private printSeq = 0;

  constructor(names: string[], opts: { image?: string } = {}) {
    const image = opts.image ?? 'local/busybox:1';
    for (const name of names) {
      this.machines.set(name, {
        name, up: true, containers: new Map(), volumes: new Map(),
        images: new Map([[image, { id: `sha256:${'1'.repeat(64)}`, repoTags: [image], repoDigests: [], created: '2026-01-01T00:00:00Z' }]]),
      });
    }
  }

  // ---- for tests -----------------------------------------------------------------------------

  /** A machine goes down (its engine stops answering) or comes back. */
  setUp(name: string, up: boolean): void {
    this.machine(name, true).up = up;
    this.wakeLogStreams();
  }

  /**
   * The container prints one line: a record at `time` (RFC 3339 with nanoseconds; by default now,
   * with a counter in the sub-millisecond digits so that prints keep their order), read by streamLogs.
   */
  printLog(containerId: string, text: string, opts: { stream?: LogRecord['stream']; time?: string } = {}): LogRecord {
    const now = new Date().toISOString();
    const time = opts.time ?? `${now.slice(0, 23)}${String(this.printSeq++ % 1_000_000).padStart(6, '0')}Z`;
    const record: LogRecord = { time, stream: opts.stream ?? 'stdout', text };
    this.printed.set(containerId, [...(this.printed.get(containerId) ?? []), record]);
    this.wakeLogStreams();
    return record;
  }

  /** Tells every watch (see watch) this reason, as an engine's event would. */
  notifyWatch(reason: WatchReason): void {
    for (const onChange of [...this.watchers]) onChange(reason);
  }

  /** Every container of a service on every machine. */
  containersOf(service: string): MemoryContainer[] {
    return [...this.machines.values()].flatMap((m) => [...m.containers.values()]).filter((c) => c.spec.name === service);
  }

  /** Running containers of a service per machine: { m1: 1, m2: 1 }. */
  runningByMachine(service: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.containersOf(service)) if (c.state === 'running') out[c.machineId] = (out[c.machineId] ?? 0) + 1;
    return out;
  }

  // ---- MachineClient -------------------------------------------------------------------------

  async listMachines(): Promise<MachineInfo[]> {
    return [...this.machines.values()].map((m) => (m.up
      ? { id: m.name, name: m.name, host: `memory://${m.name}`, engineId: engineIdOf(m.name), status: 'up', engineVersion: '20.10.24', containerCount: m.containers.size }
      : { id: m.name, name: m.name, host: `memory://${m.name}`, status: 'down', downReason: 'connection refused' }));
  }

  async loadState(): Promise<ClusterState> {
    const state: ClusterState = {
      machines: [...this.machines.values()].map((m) => (m.up
        ? {
          id: m.name, name: m.name, host: `memory://${m.name}`, engineId: engineIdOf(m.name), status: 'up' as const, engineVersion: '20.10.24',
          containers: [...m.containers.values()].map((c) => this.containerState(c)),
          volumes: [...m.volumes].map(([name, v]): VolumeState => ({ name, driver: v.driver, ...(Object.keys(v.options).length ? { options: { ...v.options } } : {}) })),
        }
        : { id: m.name, name: m.name, host: `memory://${m.name}`, status: 'down' as const, downReason: 'connection refused', containers: [], volumes: [] })),
    };
    if (this.domain) state.domain = this.domain;
    return state;
  }

  clusterDomain(): string | undefined {
    return this.domain;
  }

  // ---- ContainerClient -----------------------------------------------------------------------

  async createContainer(req: CreateContainerRequest): Promise<{ id: string; name: string }> {
    const m = await this.call({ kind: 'create', machineId: req.machineId, name: req.name, spec: req.spec });
    const ref = req.spec.image_ref ?? req.spec.image;
    const image = [...m.images.values()].find((i) => i.id === ref || i.repoTags.includes(ref) || i.repoDigests.some((d) => ref.endsWith(d.split('@')[1] ?? '#')));
    if (!image) throw Object.assign(new Error(`No such image: ${ref}`), { statusCode: 404 });
    const options = containerCreateOptions(req.spec, req.serviceId, req.name, req.deployId, req.secrets);
    const id = createHash('sha256').update(`${this.nextId++}`).digest('hex');
    const r = req.spec.resources ?? {};
    m.containers.set(id, {
      id, name: req.name, machineId: req.machineId, spec: req.spec, labels: options.Labels, state: 'created',
      health: 'none', restartCount: 0, created: tick(), imageId: image.id, values: valuesOf(options),
      resources: { ...(r.cpu ? { cpu: r.cpu } : {}), ...(r.memory ? { memory: r.memory } : {}), ...(r.memory_reservation ? { memory_reservation: r.memory_reservation } : {}) },
    });
    return { id, name: req.name };
  }

  async startContainer(machineId: string, containerId: string): Promise<void> {
    const c = await this.containerCall('start', machineId, containerId);
    if (c.state === 'running') return;
    // As Docker: a host port another running container on the machine publishes refuses the start.
    const machine = this.machine(machineId, true);
    for (const p of hostPortsOf(c.spec)) {
      const holder = [...machine.containers.values()].find((o) => o.id !== c.id && o.state === 'running' && hostPortsOf(o.spec).some((q) => q.published === p.published && q.protocol === p.protocol));
      if (holder) throw Object.assign(new Error(`start container ${c.name} on ${machineId}: Bind for 0.0.0.0:${p.published} failed: port is already allocated`), { reason: `Bind for 0.0.0.0:${p.published} failed: port is already allocated` });
    }
    const script = this.health(c);
    c.state = script === 'crash' ? 'exited' : 'running';
    if (script === 'crash') c.exitCode = 1;
    const hc = c.spec.healthcheck;
    const checked = hc !== undefined && !hc.disable && hc.test?.[0] !== 'NONE';
    c.health = script === 'crash' || !checked ? 'none' : script;
    this.fire(containerId, script === 'crash' ? 'die' : 'start');
  }

  async stopContainer(machineId: string, containerId: string, _graceMs: number): Promise<void> {
    const c = await this.containerCall('stop', machineId, containerId);
    if (c.state === 'running') {
      c.state = 'exited';
      c.exitCode = 0;
      this.fire(containerId, 'die');
      this.wakeLogStreams();
    }
  }

  async removeContainer(machineId: string, containerId: string): Promise<void> {
    const m = await this.call({ kind: 'remove', machineId, containerId, name: this.nameOf(machineId, containerId) });
    m.containers.delete(containerId);
    this.wakeLogStreams();
  }

  async inspectContainer(machineId: string, containerId: string): Promise<ContainerState> {
    const c = await this.containerCall('inspect', machineId, containerId);
    return { ...this.containerState(c), values: c.values };
  }

  async updateContainerResources(machineId: string, containerId: string, resources: ResourcesSpec): Promise<void> {
    const c = await this.containerCall('update', machineId, containerId);
    c.resources = { ...resources };
  }

  async containerLogs(machineId: string, containerId: string): Promise<string> {
    const c = await this.containerCall('logs', machineId, containerId);
    return `log of ${c.name}\n`;
  }

  /**
   * What printLog printed, as Docker's logs endpoint gives it: `since` and `tail` applied; with
   * `follow`, new prints as they come until the container stops or is removed. A machine that goes
   * down fails the stream as unreachable.
   */
  async *streamLogs(machineId: string, containerId: string, opts: LogStreamOptions): AsyncGenerator<LogRecord> {
    await this.containerCall('logs', machineId, containerId);
    const all = () => (this.printed.get(containerId) ?? []).filter((r) => opts.since === undefined || Date.parse(r.time) >= opts.since);
    let next = opts.tail === 'all' ? 0 : Math.max(0, all().length - opts.tail);
    for (;;) {
      if (opts.signal?.aborted) return;
      const m = this.machines.get(machineId)!;
      if (!m.up) throw Object.assign(new Error(`read logs on ${machineId}: connection refused`), { unreachable: true, reason: 'connection refused' });
      const records = all();
      while (next < records.length) yield records[next++]!;
      const c = m.containers.get(containerId);
      if (!opts.follow || !c || c.state !== 'running') return;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.logWaiters.delete(wake);
          opts.signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.logWaiters.add(wake);
        opts.signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  private wakeLogStreams(): void {
    for (const wake of [...this.logWaiters]) wake();
  }

  // ---- ImageClient ---------------------------------------------------------------------------

  async inspectImage(machineId: string, ref: string): Promise<ImageInfo | undefined> {
    const m = this.machine(machineId);
    if (!m.up) throw new Error(`inspect image ${ref} on ${machineId}: connection refused`);
    return m.images.get(ref);
  }

  async pullImage(machineId: string, ref: string): Promise<void> {
    const m = await this.call({ kind: 'pull', machineId, ref });
    m.images.set(ref, { id: `sha256:${createHash('sha256').update(ref).digest('hex')}`, repoTags: [ref], repoDigests: [], created: tick() });
  }

  async registryDigest(_machineId: string, ref: string): Promise<string> {
    return `sha256:${createHash('sha256').update(`registry ${ref}`).digest('hex')}`;
  }

  // ---- VolumeClient, MarkerClient --------------------------------------------------------------

  async createVolume(machineId: string, volume: VolumeSpec): Promise<void> {
    const m = await this.call({ kind: 'create-volume', machineId, name: volume.name });
    if (!m.volumes.has(volume.name)) m.volumes.set(volume.name, { driver: volume.driver ?? 'local', labels: { ...(volume.labels ?? {}) }, options: { ...(volume.driver_opts ?? {}) } });
  }

  async listVolumes(machineId: string): Promise<VolumeState[]> {
    return [...this.machine(machineId, true).volumes].map(([name, v]) => ({ name, driver: v.driver }));
  }

  async claimVolume(machineId: string, name: string, labels: Record<string, string>): Promise<Record<string, string>> {
    const m = this.machine(machineId, true);
    if (!m.up) throw new Error(`claim volume ${name} on ${machineId}: connection refused`);
    if (!m.volumes.has(name)) m.volumes.set(name, { driver: 'local', labels: { ...labels }, options: {} });
    return { ...m.volumes.get(name)!.labels };
  }

  async labelledVolumes(machineId: string, label: string): Promise<{ name: string; labels: Record<string, string> }[]> {
    const m = this.machine(machineId, true);
    if (!m.up) throw new Error(`list volumes on ${machineId}: connection refused`);
    return [...m.volumes].filter(([, v]) => label in v.labels).map(([name, v]) => ({ name, labels: { ...v.labels } }));
  }

  async removeVolume(machineId: string, name: string): Promise<void> {
    const m = this.machine(machineId, true);
    if (!m.up) throw new Error(`remove volume ${name} on ${machineId}: connection refused`);
    m.volumes.delete(name);
  }

  // ---- watches, description, lifecycle -------------------------------------------------------

  /** Reports only what a test tells it (notifyWatch): the memory cluster has no events of its own. */
  watch(onChange: (reason: WatchReason) => void): () => void {
    this.watchers.add(onChange);
    return () => void this.watchers.delete(onChange);
  }

  /** Calls onEvent with Docker's action for the container's starts, stops and health changes. */
  watchContainer(_machineId: string, containerId: string, onEvent: (action: string) => void): () => void {
    const list = this.listeners.get(containerId) ?? new Set();
    list.add(onEvent);
    this.listeners.set(containerId, list);
    return () => void list.delete(onEvent);
  }

  /** Sets a running container's health (as its healthcheck would), firing its health_status event. */
  setHealth(containerId: string, health: ContainerHealth): void {
    for (const m of this.machines.values()) {
      const c = m.containers.get(containerId);
      if (!c) continue;
      c.health = health;
      this.fire(containerId, 'health_status');
    }
  }

  /** Ends a running container's process with `exitCode`, as a crash does (its `die` event fires). */
  exitContainer(containerId: string, exitCode: number): void {
    for (const m of this.machines.values()) {
      const c = m.containers.get(containerId);
      if (!c || c.state !== 'running') continue;
      c.state = 'exited';
      c.exitCode = exitCode;
      c.health = 'none';
      this.fire(containerId, 'die');
    }
  }

  private fire(containerId: string, action: string): void {
    for (const listener of this.listeners.get(containerId) ?? []) setImmediate(() => listener(action));
  }

  describe(): string {
    return `memory cluster (${this.machines.size} machines)`;
  }

  async close(): Promise<void> {}

  // ---- internals -------------------------------------------------------------------------------

  private machine(id: string, mayBeDown = false): MemoryMachine {
    const m = this.machines.get(id);
    if (!m) throw new Error(`unknown machine ${id}; the cluster has ${[...this.machines.keys()].join(', ')}`);
    if (!m.up && !mayBeDown) throw Object.assign(new Error(`${id}: connection refused`), { unreachable: true });
    return m;
  }

  private nameOf(machineId: string, containerId: string): string {
    return this.machines.get(machineId)?.containers.get(containerId)?.name ?? containerId.slice(0, 12);
  }

  private async call(call: MemoryCall): Promise<MemoryMachine> {
    this.calls.push(call);
    await this.beforeCall(call);
    const m = this.machine(call.machineId, true);
    if (!m.up) throw Object.assign(new Error(`${call.kind} on ${call.machineId}: connection refused`), { unreachable: true });
    const injected = this.failWhen(call);
    if (injected) throw injected;
    return m;
  }

  private async containerCall(kind: 'start' | 'stop' | 'inspect' | 'update' | 'logs', machineId: string, containerId: string): Promise<MemoryContainer> {
    const m = await this.call({ kind, machineId, containerId, name: this.nameOf(machineId, containerId) });
    const c = m.containers.get(containerId);
    if (!c) throw Object.assign(new Error(`No such container: ${containerId}`), { statusCode: 404 });
    return c;
  }

  private containerState(c: MemoryContainer): ContainerState {
    const service = serviceFromLabels(c.labels);
    return {
      id: c.id, name: c.name, machineId: c.machineId, image: c.spec.image, imageId: c.imageId, state: c.state, health: c.health,
      ...(c.exitCode !== undefined && c.state !== 'running' ? { exitCode: c.exitCode } : {}),
      restartCount: c.restartCount, resources: { ...c.resources }, created: c.created, hostPorts: c.state === 'running' ? hostPortsOf(c.spec) : [],
      status: c.state === 'running' ? `Up (${c.health})` : `Exited (${c.exitCode ?? 0})`,
      ...(service ? { service } : {}),
    };
  }
}

function engineIdOf(name: string): string {
  return `ENGINE-${name.toUpperCase()}`;
}

/** The host-mode ports a spec binds on its machine, as Docker reports them. */
function hostPortsOf(spec: ServiceSpec): HostPortBinding[] {
  return (spec.ports ?? []).filter((p) => p.mode === 'host' && p.published !== undefined)
    .map((p) => ({ host_ip: p.host_ip ?? '0.0.0.0', published: p.published as number, protocol: p.protocol === 'udp' ? 'udp' as const : 'tcp' as const }));
}

/** The clear values a container is created with, as Docker's inspection would report them. */
function valuesOf(options: ReturnType<typeof containerCreateOptions>): RunningValues {
  const volumes: Record<string, Record<string, string>> = {};
  for (const m of options.HostConfig.Mounts ?? []) if (m.Source && m.VolumeOptions?.DriverConfig?.Options) volumes[m.Source] = { ...m.VolumeOptions.DriverConfig.Options };
  return RunningValues.fromDocker(options.Env, options.HostConfig.LogConfig?.Config, volumes);
}
