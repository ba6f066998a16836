// The Client over dockerode: one Docker handle per machine of the cluster.
import type Docker from 'dockerode';
import { LABEL, type ClusterState, type ContainerState, type MachineState, type VolumeState } from '../model/cluster.js';
import type { ResourcesSpec, ServiceSpec, VolumeSpec } from '../model/spec.js';
import type { Client, CreateContainerRequest, ImageInfo, LogRecord, LogStreamOptions, MachineInfo, WatchReason } from '../execute/client.js';
import { LogStreamDecoder } from './log-frames.js';
import { loadClusterConfig, type ClusterConfig } from './cluster-config.js';
import { closeEngine, connectEngine, engineRequest } from './connect.js';
import { MountSpecError, containerCreateOptions, type ContainerCreateOptions } from './container-config.js';
import { containerFromInspect, containerFromListing, demuxLogs, namedVolumes, type InspectedContainer, type ListedContainer, type SpecLabelCache } from './container-state.js';
import { EngineIdentityChecks, isIdentityMarker, sharedEngineReason, type IdentityCandidate } from './engine-identity.js';
import { EngineError, InPlaceUpdateError, UnknownMachineError, describeEngineError, isTransportError, statusCodeOf, withDeadline } from './errors.js';
import { resourceUpdate, type CurrentResources } from './resources.js';
import { PullStreamError, followPull, formatPullEvent } from './pull.js';
import { LineSplitter, watchEngines, type WatchTarget } from './watch.js';
import { isLockVolume } from '../execute/lock.js';

/** Deadlines for engine calls, in ms. A dead machine costs at most `probe` in a listing. */
export interface EngineTimeouts {
  /** info, list containers, list volumes. */
  probe: number;
  /** inspect a container or image, logs. */
  inspect: number;
  /** create, start, remove, update, create volume. Stop gets its grace period on top. */
  change: number;
  /** The registry, through the engine (distribution endpoint). */
  registry: number;
  /** A pull fails when its progress stream stays silent this long. */
  pullIdle: number;
}

export const DEFAULT_TIMEOUTS: EngineTimeouts = {
  probe: 5_000,
  inspect: 10_000,
  change: 30_000,
  registry: 30_000,
  pullIdle: 60_000,
};

export interface DockerClientOptions {
  timeouts?: Partial<EngineTimeouts>;
  /** Environment for TLS/ssh settings; process.env when absent. */
  env?: NodeJS.ProcessEnv;
}

/** One machine of the cluster and what the client learned about it. Its name is its id. */
interface Machine {
  name: string;
  host: string;
  /** The ID its engine reported (`docker info`) when last reached; absent before. */
  engineId?: string;
  docker?: Docker;
  /** Why no handle could be made (a host string the transport cannot use). */
  connectError?: string;
}

/** Why a machine could not be used: in words, and, for an alias, the machine that reaches its engine. */
interface Unreached {
  reason: string;
  sameEngineAs?: string;
}

/** A machine's probe: info always, the full listing only for loadState. */
interface Probe {
  info: { ID: string; ServerVersion?: string; Containers?: number; SystemTime?: string; LoggingDriver?: string };
  containers?: ListedContainer[];
  volumes?: VolumeState[];
}

/**
 * The seed's Client over dockerode. A machine's id is its name in the cluster file; the engine's
 * own ID (`docker info`) is only reported, as `engineId`: it is not unique (see engine-identity.ts).
 */
export class DockerClient implements Client {
  readonly config: ClusterConfig;
  private readonly timeouts: EngineTimeouts;
  private readonly machines: Machine[];
  /** Container id -> name, learned from listings, creates and inspections: for messages and resolvers. */
  private readonly containerNames = new Map<string, string>();
  private readonly identity: EngineIdentityChecks;
  private closed = false;

  constructor(config: ClusterConfig, options: DockerClientOptions = {}) {
    this.config = config;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.identity = new EngineIdentityChecks(this.timeouts.probe);
    const env = options.env ?? process.env;
    this.machines = config.machines.map((m) => {
      const machine: Machine = { name: m.name, host: m.host };
      try {
        machine.docker = connectEngine(m.host, env, m.tls);
      } catch (err) {
        machine.connectError = (err as Error).message;
      }
      return machine;
    });
  }

  /** Loads the cluster file (or the local engine, see loadClusterConfig) and connects. */
  static async open(clusterFile?: string, options: DockerClientOptions = {}): Promise<DockerClient> {
    return new DockerClient(await loadClusterConfig(clusterFile, options.env ?? process.env), options);
  }

  // ---- MachineClient -------------------------------------------------------------------------

  async listMachines(): Promise<MachineInfo[]> {
    this.assertOpen();
    const probes = await this.probeAll(false);
    return this.machines.map((m, i) => {
      const probe = probes[i]!;
      const info: MachineInfo = { id: m.name, name: m.name, host: m.host, status: 'down' };
      if (m.engineId) info.engineId = m.engineId;
      if ('reason' in probe) return { ...info, downReason: probe.reason };
      info.status = 'up';
      if (probe.info.ServerVersion) info.engineVersion = probe.info.ServerVersion;
      if (probe.info.Containers !== undefined) info.containerCount = probe.info.Containers;
      return info;
    });
  }

  async loadState(): Promise<ClusterState> {
    this.assertOpen();
    const probes = await this.probeAll(true);
    // One parse per distinct spec label text in this load: a service's replicas share their spec.
    const specs: SpecLabelCache = new Map();
    const machines = this.machines.map((m, i): MachineState => {
      const probe = probes[i]!;
      const base = { id: m.name, name: m.name, host: m.host, ...(m.engineId ? { engineId: m.engineId } : {}) };
      if ('reason' in probe) {
        return { ...base, status: 'down', downReason: probe.reason, ...(probe.sameEngineAs ? { sameEngineAs: probe.sameEngineAs } : {}), containers: [], volumes: [] };
      }
      const containers = (probe.containers ?? []).map((c) => containerFromListing(c, m.name, specs));
      for (const c of containers) this.containerNames.set(c.id, c.name);
      const state: MachineState = { ...base, status: 'up', containers, volumes: probe.volumes ?? [] };
      if (probe.info.ServerVersion) state.engineVersion = probe.info.ServerVersion;
      if (probe.info.LoggingDriver) state.logDriver = probe.info.LoggingDriver;
      return state;
    });
    const state: ClusterState = { machines };
    if (this.config.domain) state.domain = this.config.domain;
    return state;
  }

  /**
   * Probes every machine concurrently. Machines that report one engine ID are then checked for
   * really being one engine (engine-identity.ts: cloned engines share an ID); of machines that
   * reach one engine, the first in the cluster file is up and the later ones are down, naming it:
   * which probe answers first must not decide which machine is down.
   */
  private async probeAll(full: boolean): Promise<(Probe | Unreached)[]> {
    const probes: (Probe | Unreached)[] = await Promise.all(this.machines.map((m) => this.probe(m, full)));
    const groups = new Map<string, number[]>();
    probes.forEach((probe, i) => {
      if ('reason' in probe) return;
      this.machines[i]!.engineId = probe.info.ID;
      groups.set(probe.info.ID, [...(groups.get(probe.info.ID) ?? []), i]);
    });
    await Promise.all([...groups].filter(([, members]) => members.length > 1).map(async ([engineId, members]) => {
      const candidates = members.map((i) => this.identityCandidate(this.machines[i]!, probes[i] as Probe));
      const owners = await this.identity.owners(engineId, candidates);
      for (const i of members) {
        const owner = owners.get(this.machines[i]!.name);
        const reason = sharedEngineReason(this.machines[i]!.name, engineId, owner);
        if (reason) probes[i] = { reason, ...(owner?.kind === 'same' ? { sameEngineAs: owner.sameAs } : {}) };
      }
    }));
    return probes;
  }

  private identityCandidate(m: Machine, probe: Probe): IdentityCandidate {
    const engineTime = probe.info.SystemTime ? Date.parse(probe.info.SystemTime) : NaN;
    return { name: m.name, host: m.host, docker: m.docker!, ...(Number.isFinite(engineTime) ? { engineTime } : {}) };
  }

  /** Reaches one machine; never throws: an unreachable machine gives its reason in words. */
  private async probe(m: Machine, full: boolean): Promise<Probe | { reason: string }> {
    if (!m.docker) return { reason: m.connectError ?? 'no connection' };
    const docker = m.docker;
    const ms = this.timeouts.probe;
    try {
      const [info, containers, volumes] = await Promise.all([
        withDeadline(ms, (abortSignal) => engineRequest<Probe['info']>(docker, { path: '/info', method: 'GET', abortSignal, statusCodes: { 200: true } })),
        full ? withDeadline(ms, (abortSignal) => docker.listContainers({ all: true, abortSignal }) as Promise<ListedContainer[]>) : undefined,
        full ? withDeadline(ms, (abortSignal) => docker.listVolumes({ abortSignal })) : undefined,
      ]);
      const probe: Probe = { info };
      if (containers) probe.containers = containers;
      // an identity check of another caller may have a marker volume there for a moment
      if (volumes) probe.volumes = namedVolumes(volumes.Volumes).filter((v) => !isIdentityMarker(v.name) && !isLockVolume(v.name));
      return probe;
    } catch (err) {
      return { reason: describeEngineError(err, m.host) };
    }
  }

  // ---- DNSClient -----------------------------------------------------------------------------

  clusterDomain(): string | undefined {
    return this.config.domain;
  }

  // ---- ContainerClient -----------------------------------------------------------------------

  async createContainer(req: CreateContainerRequest): Promise<{ id: string; name: string }> {
    const action = `create container ${req.name}`;
    let opts: ContainerCreateOptions;
    try {
      opts = containerCreateOptions(req.spec, req.serviceId, req.name, req.deployId, req.secrets);
    } catch (err) {
      if (!(err instanceof MountSpecError)) throw err;
      throw new EngineError(action, this.machineRef(req.machineId), err.message);
    }
    const container = await this.call(req.machineId, action, this.timeouts.change, (docker, abortSignal) =>
      docker.createContainer({ ...(opts as Docker.ContainerCreateOptions), abortSignal }),
    );
    this.containerNames.set(container.id, req.name);
    return { id: container.id, name: req.name };
  }

  async startContainer(machineId: string, containerId: string): Promise<void> {
    await this.call(machineId, `start container ${this.containerLabel(containerId)}`, this.timeouts.change, (docker, abortSignal) =>
      docker.getContainer(containerId).start({ abortSignal }),
      { ok: [304], containerId },
    );
  }

  async stopContainer(machineId: string, containerId: string, graceMs: number): Promise<void> {
    const t = Math.max(0, Math.ceil(graceMs / 1000));
    await this.call(machineId, `stop container ${this.containerLabel(containerId)}`, t * 1000 + this.timeouts.change, (docker, abortSignal) =>
      docker.getContainer(containerId).stop({ t, abortSignal } as Docker.ContainerStopOptions),
      { ok: [304], containerId },
    );
  }

  async removeContainer(machineId: string, containerId: string): Promise<void> {
    // v: true removes the container's anonymous volumes; Docker never removes a named one here.
    await this.call(machineId, `remove container ${this.containerLabel(containerId)}`, this.timeouts.change, (docker, abortSignal) =>
      docker.getContainer(containerId).remove({ force: true, v: true, abortSignal } as Docker.ContainerRemoveOptions),
      { ok: [404], containerId },
    );
  }

  async inspectContainer(machineId: string, containerId: string): Promise<ContainerState> {
    const { machine, value } = await this.callWithMachine(
      machineId,
      `inspect container ${this.containerLabel(containerId)}`,
      this.timeouts.inspect,
      (docker, abortSignal) => docker.getContainer(containerId).inspect({ abortSignal }) as Promise<InspectedContainer>,
      { containerId },
    );
    const state = containerFromInspect(value, machine.name);
    this.containerNames.set(state.id, state.name);
    if ((state.restartCount ?? 0) > 0 && state.exitCode === undefined) {
      // Docker clears the exit code when it restarts a container; its last `die` event keeps it.
      const code = await this.lastExitCode(machine.name, containerId, value.Created).catch(() => undefined);
      if (code !== undefined) state.exitCode = code;
    }
    return state;
  }

  private async lastExitCode(machineId: string, containerId: string, since: string): Promise<number | undefined> {
    const text = await this.call(machineId, `read events of container ${this.containerLabel(containerId)}`, this.timeouts.inspect, async (docker) => {
      const stream = await docker.getEvents({
        since: Math.floor(Date.parse(since) / 1000),
        until: Math.ceil(Date.now() / 1000),
        filters: JSON.stringify({ container: [containerId], event: ['die'] }),
      });
      let out = '';
      for await (const chunk of stream) out += chunk.toString();
      return out;
    });
    const codes = text.split('\n').filter(Boolean).map((line) => Number((JSON.parse(line) as { Actor?: { Attributes?: { exitCode?: string } } }).Actor?.Attributes?.exitCode));
    const last = codes.filter((c) => Number.isFinite(c)).pop();
    return last;
  }

  /**
   * cpu, memory and memory_reservation in place: no restart, StartedAt unchanged. Docker's update
   * can tighten or loosen a limit but not lift cpu or memory back to unlimited (0 means "keep"), and
   * cannot change shm_size at all: those fail with an InPlaceUpdateError naming the fields, before
   * anything is changed, so the caller can replace the container instead.
   */
  async updateContainerResources(machineId: string, containerId: string, resources: ResourcesSpec, _spec: ServiceSpec): Promise<void> {
    const action = `update resources of container ${this.containerLabel(containerId)}`;
    const { machine, value: current } = await this.callWithMachine(machineId, action, this.timeouts.inspect, (docker, abortSignal) =>
      docker.getContainer(containerId).inspect({ abortSignal }),
      { containerId },
    );
    const update = resourceUpdate(resources, current.HostConfig as CurrentResources);
    if ('impossible' in update) throw new InPlaceUpdateError(action, machineRefOf(machine), update.impossible, containerId);
    await this.call(machine.name, action, this.timeouts.change, (docker, abortSignal) =>
      docker.getContainer(containerId).update({ ...update.body, abortSignal }),
      { containerId },
    );
  }

  async containerLogs(machineId: string, containerId: string, tail: number): Promise<string> {
    const buf = await this.call(machineId, `read logs of container ${this.containerLabel(containerId)}`, this.timeouts.inspect, (docker, abortSignal) =>
      docker.getContainer(containerId).logs({
        stdout: true,
        stderr: true,
        follow: false,
        tail: tail >= 0 ? tail : 'all',
        abortSignal,
      } as Docker.ContainerLogsOptions & { follow: false }) as Promise<Buffer>,
      { containerId },
    );
    return demuxLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)));
  }

  /**
   * The container's records (LogStreamClient.streamLogs): Docker's logs endpoint with timestamps,
   * decoded by LogStreamDecoder, multiplexed unless the container has a TTY (an inspect says so
   * first). The inspect and the stream's opening have the inspect deadline; a stream that fails
   * later (the engine went away) throws an EngineError, `unreachable` when the connection broke.
   * `since` goes to Docker as `seconds.milliseconds`, which it reads with sub-second precision.
   */
  async *streamLogs(machineId: string, containerId: string, opts: LogStreamOptions): AsyncGenerator<LogRecord> {
    const { signal } = opts;
    if (signal?.aborted) return;
    const action = `read logs of container ${this.containerLabel(containerId)}`;
    const either = (deadline: AbortSignal) => (signal ? AbortSignal.any([deadline, signal]) : deadline);
    let opened: { machine: Machine; value: NodeJS.ReadableStream };
    let tty: boolean;
    try {
      const seen = await this.call(machineId, action, this.timeouts.inspect, (docker, abortSignal) =>
        docker.getContainer(containerId).inspect({ abortSignal: either(abortSignal) }),
        { containerId },
      );
      this.containerNames.set(containerId, seen.Name.replace(/^\//, ''));
      tty = seen.Config?.Tty === true;
      const query = {
        stdout: true, stderr: true, timestamps: true, follow: opts.follow,
        tail: opts.tail === 'all' ? 'all' : String(opts.tail),
        ...(opts.since !== undefined ? { since: `${Math.floor(opts.since / 1000)}.${String(opts.since % 1000).padStart(3, '0')}` } : {}),
      };
      opened = await this.callWithMachine(machineId, action, this.timeouts.inspect, (docker, abortSignal) =>
        new Promise<NodeJS.ReadableStream>((resolve, reject) => {
          // isStream for a read that ends too (dockerode streams only with follow): one decoder for both.
          const dial = { path: `/containers/${containerId}/logs?`, method: 'GET', isStream: true, abortSignal: either(abortSignal), statusCodes: { 200: true, 404: 'no such container', 500: 'server error' }, options: query };
          docker.modem.dial(dial as never, (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as NodeJS.ReadableStream)));
        }),
        { containerId },
      );
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
    const body = opened.value as NodeJS.ReadableStream & { destroy?: () => void };
    const decoder = new LogStreamDecoder(!tty);
    const stopReading = () => body.destroy?.();
    signal?.addEventListener('abort', stopReading, { once: true });
    try {
      for await (const chunk of body) {
        for (const record of decoder.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))) yield record;
      }
      for (const record of decoder.end()) yield record;
    } catch (err) {
      if (signal?.aborted) return;
      throw new EngineError(action, machineRefOf(opened.machine), describeEngineError(err, opened.machine.host), { unreachable: true, containerId });
    } finally {
      signal?.removeEventListener('abort', stopReading);
      stopReading();
    }
  }

  // ---- ImageClient ---------------------------------------------------------------------------

  async inspectImage(machineId: string, ref: string): Promise<ImageInfo | undefined> {
    const image = await this.call(machineId, `inspect image ${ref}`, this.timeouts.inspect, (docker, abortSignal) =>
      engineRequest<Docker.ImageInspectInfo>(docker, { path: `/images/${ref}/json`, method: 'GET', abortSignal, statusCodes: { 200: true, 404: 'no such image' } }),
      { ok: [404] },
    );
    if (!image) return undefined;
    return { id: image.Id, repoTags: image.RepoTags ?? [], repoDigests: image.RepoDigests ?? [], created: image.Created };
  }

  async pullImage(machineId: string, ref: string, onProgress?: (status: string) => void): Promise<void> {
    const action = `pull ${ref}`;
    // The deadline bounds the request; the progress stream is then watched for silence instead.
    const { machine, value: stream } = await this.callWithMachine(machineId, action, this.timeouts.registry, (docker, abortSignal) =>
      docker.pull(ref, { abortSignal }) as Promise<NodeJS.ReadableStream>,
    );
    try {
      await followPull(stream, this.timeouts.pullIdle, onProgress ? (e) => onProgress(formatPullEvent(e)) : undefined);
    } catch (err) {
      const reason = err instanceof PullStreamError ? err.message : describeEngineError(err, machine.host);
      throw new EngineError(action, machineRefOf(machine), reason, { unreachable: !(err instanceof PullStreamError) && isTransportError(err) });
    }
  }

  async registryDigest(machineId: string, ref: string): Promise<string> {
    const info = await this.call(machineId, `read registry digest of ${ref}`, this.timeouts.registry, (docker, abortSignal) =>
      engineRequest<{ Descriptor?: { digest?: string } }>(docker, {
        path: `/distribution/${ref}/json`,
        method: 'GET',
        abortSignal,
        statusCodes: { 200: true, 401: 'unauthorized or no such image', 404: 'no such image', 500: 'server error' },
      }),
    );
    const digest = info?.Descriptor?.digest;
    if (!digest) throw new EngineError(`read registry digest of ${ref}`, this.machineRef(machineId), 'the registry answered without a digest');
    return digest;
  }

  // ---- VolumeClient --------------------------------------------------------------------------

  async createVolume(machineId: string, volume: VolumeSpec): Promise<void> {
    const action = `create volume ${volume.name}`;
    if (volume.type !== 'volume') {
      throw new EngineError(action, this.machineRef(machineId), `only named volumes (type volume) are created; this one is ${volume.type}`);
    }
    await this.call(machineId, action, this.timeouts.change, (docker, abortSignal) =>
      docker.createVolume({
        Name: volume.name,
        Driver: volume.driver ?? 'local',
        DriverOpts: { ...(volume.driver_opts ?? {}) },
        Labels: { ...(volume.labels ?? {}), [LABEL.managed]: 'true' },
        abortSignal,
      } as Docker.VolumeCreateOptions),
    );
  }

  async listVolumes(machineId: string): Promise<VolumeState[]> {
    const res = await this.call(machineId, 'list volumes', this.timeouts.probe, (docker, abortSignal) => docker.listVolumes({ abortSignal }));
    return namedVolumes(res.Volumes).filter((v) => !isIdentityMarker(v.name) && !isLockVolume(v.name));
  }

  // ---- MarkerClient --------------------------------------------------------------------------

  async claimVolume(machineId: string, name: string, labels: Record<string, string>): Promise<Record<string, string>> {
    // Docker answers a create of an existing volume with that volume, whose labels say who won.
    // dockerode's createVolume drops that answer (it resolves a handle), so the endpoint is dialled.
    const volume = await this.call(machineId, `claim volume ${name}`, this.timeouts.change, (docker, abortSignal) =>
      new Promise<{ Labels?: Record<string, string> | null }>((resolve, reject) => {
        const dial = { path: '/volumes/create?', method: 'POST', options: { Name: name, Driver: 'local', Labels: labels }, abortSignal, statusCodes: { 200: true, 201: true, 500: 'server error' } };
        docker.modem.dial(dial as never, (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as { Labels?: Record<string, string> | null })));
      }),
    );
    if (volume?.Labels && Object.keys(volume.Labels).length > 0) return { ...volume.Labels };
    // Right after dockerd restarts, it answers the create of an existing volume without its labels
    // (seen on 20.10); an inspect has them.
    const seen = await this.call(machineId, `inspect volume ${name}`, this.timeouts.inspect, (docker, abortSignal) => {
      const handle = docker.getVolume(name);
      return (handle.inspect as (o: object) => Promise<{ Labels?: Record<string, string> | null }>).call(handle, { abortSignal });
    });
    return { ...(seen?.Labels ?? {}) };
  }

  async labelledVolumes(machineId: string, label: string): Promise<{ name: string; labels: Record<string, string> }[]> {
    const res = await this.call(machineId, `list volumes labelled ${label}`, this.timeouts.probe, (docker, abortSignal) =>
      (docker.listVolumes as (o: object) => Promise<{ Volumes?: { Name: string; Labels?: Record<string, string> | null }[] | null }>).call(docker, { filters: JSON.stringify({ label: [label] }), abortSignal }),
    );
    return (res.Volumes ?? []).map((v) => ({ name: v.Name, labels: { ...(v.Labels ?? {}) } })).sort((a, b) => a.name.localeCompare(b.name));
  }

  async removeVolume(machineId: string, name: string): Promise<void> {
    await this.call(machineId, `remove volume ${name}`, this.timeouts.change, (docker, abortSignal) => {
      const volume = docker.getVolume(name);
      return (volume.remove as (o: object) => Promise<unknown>).call(volume, { abortSignal });
    }, { ok: [404] });
  }

  // ---- ContainerWatch ------------------------------------------------------------------------

  watchContainer(machineId: string, containerId: string, onEvent: (action: string) => void): () => void {
    const machine = this.findMachine(machineId);
    if (!machine?.docker || this.closed) return () => undefined;
    const controller = new AbortController();
    const lines = new LineSplitter();
    const docker = machine.docker;
    (docker.getEvents as (o: object) => Promise<NodeJS.ReadableStream>).call(docker, { filters: JSON.stringify({ type: ['container'], container: [containerId] }), abortSignal: controller.signal })
      .then((stream) => {
        const s = stream as NodeJS.ReadableStream & { destroy?: () => void };
        controller.signal.addEventListener('abort', () => s.destroy?.(), { once: true });
        s.on('data', (chunk: Buffer) => {
          for (const line of lines.push(chunk)) {
            const action = /"(?:Action|status)":"([^"]+)"/.exec(line)?.[1];
            if (action) onEvent(action.split(':')[0]!.trim());
          }
        });
        s.on('error', () => undefined);
      })
      .catch(() => undefined);
    return () => controller.abort();
  }

  // ---- ClusterWatch --------------------------------------------------------------------------

  /** Live changes of every machine (see watch.ts); call the returned stop function when done. */
  watch(onChange: (reason: WatchReason) => void, opts: { debounceMs?: number; relistMs?: number } = {}): () => void {
    this.assertOpen();
    return watchEngines(this.watchTargets(), onChange, { connectTimeoutMs: this.timeouts.probe, ...opts });
  }

  /** The machines for the watcher: name (its id) and handle. */
  private watchTargets(): WatchTarget[] {
    return this.machines.map((m) => ({ name: m.name, ...(m.docker ? { docker: m.docker } : {}) }));
  }

  // ---- names, description, lifecycle -------------------------------------------------------

  describe(): string {
    const n = this.machines.length;
    if (this.config.file) return `cluster file ${this.config.file} (${n} machine${n === 1 ? '' : 's'})`;
    if (n === 1) return `local engine ${this.machines[0]!.host}`;
    return `${n} machines: ${this.machines.map((m) => m.name).join(', ')}`;
  }

  /** The machine's name for a machine id (ids are names); the id itself when unknown. */
  machineName(machineId: string): string {
    return this.findMachine(machineId)?.name ?? machineId;
  }

  /** The container's name when the client has seen it, else its short id. */
  containerName(containerId: string): string {
    return this.containerNames.get(containerId) ?? containerId.slice(0, 12);
  }

  /** A NameResolver for plan formatting: names from this client (and a loaded state, if given). */
  nameResolver(state?: ClusterState): { machineName(id: string): string; containerName(id: string): string } {
    const fromState = new Map<string, string>();
    const machineNames = new Map<string, string>();
    for (const m of state?.machines ?? []) {
      machineNames.set(m.id, m.name);
      for (const c of m.containers) fromState.set(c.id, c.name);
    }
    return {
      machineName: (id) => machineNames.get(id) ?? this.machineName(id),
      containerName: (id) => fromState.get(id) ?? this.containerName(id),
    };
  }

  /** The machines as the client knows them now: id (the name), host, and the engine ID once reached. */
  knownMachines(): { id: string; name: string; host: string; engineId?: string }[] {
    return this.machines.map((m) => ({ id: m.name, name: m.name, host: m.host, ...(m.engineId ? { engineId: m.engineId } : {}) }));
  }

  async close(): Promise<void> {
    // unix/tcp handles use Node's agents, whose idle sockets do not keep the process alive; an ssh
    // machine holds one ssh connection, closed here.
    this.closed = true;
    await Promise.all(this.machines.map((m) => (m.docker ? closeEngine(m.docker) : undefined)));
  }

  // ---- internals -----------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.closed) throw new Error('the Docker client is closed');
  }

  private containerLabel(containerId: string): string {
    return this.containerNames.get(containerId) ?? containerId.slice(0, 12);
  }

  private findMachine(machineId: string): Machine | undefined {
    return this.machines.find((m) => m.name === machineId);
  }

  private machineRef(machineId: string): { id: string; name: string } {
    return { id: machineId, name: this.findMachine(machineId)?.name ?? machineId };
  }

  /**
   * The machine for an id (its name in the cluster file). Names do not change for the client's
   * life, so an unknown one is an UnknownMachineError at once, listing the machines.
   */
  private resolveMachine(machineId: string): Machine {
    this.assertOpen();
    const machine = this.findMachine(machineId);
    if (!machine) throw new UnknownMachineError(machineId, this.machines.map((m) => m.name));
    return machine;
  }

  private async call<T>(machineId: string, action: string, ms: number, fn: EngineCall<T>, opts: CallOptions = {}): Promise<T> {
    return (await this.callWithMachine(machineId, action, ms, fn, opts)).value;
  }

  /**
   * One engine call with a deadline, its failure turned into an EngineError that reads
   * "verb noun on machine: cause". Status codes in `ok` count as success (value undefined).
   */
  private async callWithMachine<T>(machineId: string, action: string, ms: number, fn: EngineCall<T>, opts: CallOptions = {}): Promise<{ machine: Machine; value: T }> {
    const machine = this.resolveMachine(machineId);
    const ref = machineRefOf(machine);
    if (!machine.docker) throw new EngineError(action, ref, machine.connectError ?? 'no connection', { unreachable: true, ...ids(opts) });
    const docker = machine.docker;
    try {
      const value = await withDeadline(ms, (signal) => fn(docker, signal));
      return { machine, value };
    } catch (err) {
      const status = statusCodeOf(err);
      if (status !== undefined && opts.ok?.includes(status)) return { machine, value: undefined as T };
      if (err instanceof EngineError) throw err;
      throw new EngineError(action, ref, describeEngineError(err, machine.host), { statusCode: status, unreachable: isTransportError(err), ...ids(opts) });
    }
  }
}

type EngineCall<T> = (docker: Docker, abortSignal: AbortSignal) => Promise<T>;

interface CallOptions {
  /** HTTP statuses that are not failures for this call (304 not modified, 404 already gone). */
  ok?: number[];
  /** The container the call is about, carried on the error. */
  containerId?: string;
}

function machineRefOf(m: Machine): { id: string; name: string } {
  return { id: m.name, name: m.name };
}

function ids(opts: CallOptions): { containerId?: string } {
  return opts.containerId ? { containerId: opts.containerId } : {};
}
