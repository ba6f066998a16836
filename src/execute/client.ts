// The narrow interfaces the engine needs from the cluster. src/cluster implements them over
// dockerode (one Docker handle per machine); nothing else in the engine talks to Docker.
import type { ClusterState, ContainerState, VolumeState } from '../model/cluster.js';
import type { ResourcesSpec, ServiceSpec, VolumeSpec } from '../model/spec.js';
import type { PlanSecrets } from '../plan/secret-seal.js';

/** One machine of the cluster file as listMachines saw it. */
export interface MachineInfo {
  /** The machine's identity everywhere (plans, container states, client calls): its name in the cluster file. */
  id: string;
  name: string;
  host: string;
  /**
   * The engine's own ID (`docker info`) when last reached; absent before. Not unique: Docker 20.10
   * derives it from the engine's identity key, so engines cloned from one VM image share it.
   */
  engineId?: string;
  status: 'up' | 'down';
  downReason?: string;
  engineVersion?: string;
  containerCount?: number;
}

export interface MachineClient {
  /** Every machine of the cluster file, each probed concurrently; a down one never hides the others. */
  listMachines(): Promise<MachineInfo[]>;
  /** The whole observed state, machines loaded concurrently. */
  loadState(): Promise<ClusterState>;
}

export interface DNSClient {
  /** The cluster domain from the cluster file; undefined when none is set. */
  clusterDomain(): string | undefined;
}

export interface CreateContainerRequest {
  machineId: string;
  serviceId: string;
  /** The resolved spec, secrets sealed as a plan holds it (or clear); stored on the container as a label, sealed. */
  spec: ServiceSpec;
  /** The container's name: `<service>-<4 chars>`. */
  name: string;
  /** The run that creates it, stored as the `dockplan.deploy.id` label. */
  deployId?: string;
  /** The plan's key and clear values: the container runs the values, its label keeps their tokens (src/plan/secret-seal.ts). */
  secrets?: PlanSecrets;
}

export interface ContainerClient {
  createContainer(req: CreateContainerRequest): Promise<{ id: string; name: string }>;
  startContainer(machineId: string, containerId: string): Promise<void>;
  /** Stops with the given grace period (ms) before SIGKILL. Stopping a stopped container is not an error. */
  stopContainer(machineId: string, containerId: string, graceMs: number): Promise<void>;
  /** Removes the container and its anonymous volumes; named volumes are never touched. */
  removeContainer(machineId: string, containerId: string): Promise<void>;
  inspectContainer(machineId: string, containerId: string): Promise<ContainerState>;
  /** Applies cpu/memory limits in place (Docker's update API): no restart. */
  updateContainerResources(machineId: string, containerId: string, resources: ResourcesSpec, spec: ServiceSpec): Promise<void>;
  /** The last `tail` lines of stdout+stderr, as text. */
  containerLogs(machineId: string, containerId: string, tail: number): Promise<string>;
}

export interface ImageInfo {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  created: string;
}

export interface ImageClient {
  /** undefined when the machine does not have the image. */
  inspectImage(machineId: string, ref: string): Promise<ImageInfo | undefined>;
  /** Pulls through the machine's engine (so the engine's registry config applies). */
  pullImage(machineId: string, ref: string, onProgress?: (status: string) => void): Promise<void>;
  /** The registry's current digest for a tag (distribution API via the engine). */
  registryDigest(machineId: string, ref: string): Promise<string>;
}

export interface VolumeClient {
  createVolume(machineId: string, volume: VolumeSpec): Promise<void>;
  listVolumes(machineId: string): Promise<VolumeState[]>;
}

/**
 * One record of a container's output as Docker's logs endpoint gives it with `timestamps=true`:
 * one line, its stream, and the time the engine received it.
 */
export interface LogRecord {
  /** RFC 3339 with nanoseconds as Docker writes it (`2026-01-01T10:00:00.123456789Z`, UTC). */
  time: string;
  stream: 'stdout' | 'stderr';
  /** The line without its line feed (a trailing `\r` is dropped too). Untrusted: neutralise before showing. */
  text: string;
}

/** What to read of a container's logs. Docker's `docker logs` options, with `since` in ms. */
export interface LogStreamOptions {
  /** Keep the stream open for new records until the container stops (Docker ends it then) or `signal` aborts. */
  follow: boolean;
  /** Only records from this time on, ms since the epoch; undefined for all. */
  since?: number;
  /** The last N records (per container, before following), or 'all'. */
  tail: number | 'all';
  /** Ends the stream: the iteration then simply stops (no error). */
  signal?: AbortSignal;
}

/** A container's output as a stream of records: what `dockplan logs` and the view's logs pane read. */
export interface LogStreamClient {
  /**
   * The container's records in the order Docker sends them (time order per container). Ends when
   * Docker ends the stream (at once without `follow`; when the container stops with it) or when
   * `opts.signal` aborts. Throws an EngineError naming the machine and container when the engine
   * cannot be reached or the container is gone (`unreachable` set when the machine did not answer).
   */
  streamLogs(machineId: string, containerId: string, opts: LogStreamOptions): AsyncIterable<LogRecord>;
}

/** What following a service's logs needs: the state (to find its containers), their logs, and cluster changes when it can. */
export type LogFollowClient = Pick<MachineClient, 'loadState'> & LogStreamClient & Partial<ClusterWatch>;

/** Docker events of one container: what a health gate waits on instead of polling. */
export interface ContainerWatch {
  /**
   * Calls onEvent with Docker's action (`start`, `die`, `health_status`, `restart`, `oom`, ...)
   * for every event of the container; returns a stop function. Best effort: a stream that fails
   * simply stops reporting (callers poll as a fallback).
   */
  watchContainer(machineId: string, containerId: string, onEvent: (action: string) => void): () => void;
}

/** Labelled marker volumes: the primitive behind the deploy lock (an atomic claim on one engine). */
export interface MarkerClient {
  /**
   * Creates the named volume with these labels unless it exists, and returns the labels of the
   * volume that exists now: the caller's own when it won, the holder's otherwise. Docker serialises
   * volume creation by name, so concurrent claims see one winner.
   */
  claimVolume(machineId: string, name: string, labels: Record<string, string>): Promise<Record<string, string>>;
  /** Volumes carrying the label key `label` (any value), with all their labels. */
  labelledVolumes(machineId: string, label: string): Promise<{ name: string; labels: Record<string, string> }[]>;
  /** Removes a volume; one that is already gone is not an error. */
  removeVolume(machineId: string, name: string): Promise<void>;
}

/** What executing a plan needs from the cluster: containers, pulls, volume creation, and events when it can. */
export type ExecutorClient = ContainerClient & Pick<ImageClient, 'pullImage'> & Pick<VolumeClient, 'createVolume'> & Partial<ContainerWatch>;

/** The seed's Client: everything the deploy engine needs, for every machine of one cluster. */
export interface Client extends MachineClient, DNSClient, ContainerClient, ImageClient, VolumeClient, ClusterWatch, ContainerWatch, MarkerClient, LogStreamClient {
  /** A short description of the cluster for confirmations: the cluster file, or the local engine. */
  describe(): string;
  close(): Promise<void>;
}

/**
 * Why the cluster may have changed. `event`: an engine reported a container or volume change
 * (`action` is Docker's action, e.g. `start`, `die`, `health_status`; volume actions read
 * `volume create` / `volume destroy`). `relist`: the periodic fallback. `machine-down` /
 * `machine-up`: a machine's engine stopped or started answering. machineId is always the
 * machine's id, its name in the cluster file.
 */
export type WatchReason = { kind: 'event'; machineId: string; action: string } | { kind: 'relist' } | { kind: 'machine-down'; machineId: string } | { kind: 'machine-up'; machineId: string };

export interface ClusterWatch {
  /** Calls onChange (debounced) whenever a container or volume changes on any machine, or a machine goes up/down; returns a stop function. */
  watch(onChange: (reason: WatchReason) => void, opts?: { debounceMs?: number; relistMs?: number }): () => void;
}
