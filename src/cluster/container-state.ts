// Docker's container listings and inspections -> the model's ContainerState. Pure.
import {
  LABEL,
  type ContainerHealth,
  type ContainerRunState,
  type ContainerServiceLabels,
  type ContainerState,
  type HostPortBinding,
  type VolumeState,
} from '../model/cluster.js';
import { RunningValues } from '../model/running-values.js';
import { SECRET_KEY_LABEL, SecretKey } from '../model/secret-key.js';
import type { ResourcesSpec, ServiceMode, ServiceSpec } from '../model/spec.js';
import { DEFAULT_SHM_SIZE } from './resources.js';

/** One entry of `GET /containers/json` (the fields dockplan reads). */
export interface ListedContainer {
  Id: string;
  Names?: string[] | null;
  Image: string;
  /** The image ID the container runs (`sha256:...`). */
  ImageID?: string;
  Created: number;
  Ports?: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] | null;
  Labels?: Record<string, string> | null;
  State: string;
  Status: string;
}

/** `GET /containers/{id}/json` (the fields dockplan reads). */
export interface InspectedContainer {
  Id: string;
  Name: string;
  Created: string;
  /** The image ID the container runs (`sha256:...`). */
  Image?: string;
  Config: { Image: string; Labels?: Record<string, string> | null; Env?: string[] | null };
  RestartCount?: number;
  HostConfig?: {
    NanoCpus?: number;
    Memory?: number;
    MemoryReservation?: number;
    ShmSize?: number;
    LogConfig?: { Type?: string; Config?: Record<string, string> | null } | null;
    Mounts?: { Type?: string; Source?: string; VolumeOptions?: { DriverConfig?: { Options?: Record<string, string> | null } | null } | null }[] | null;
  } | null;
  State: {
    Status: string;
    Restarting?: boolean;
    ExitCode?: number;
    StartedAt?: string;
    Health?: { Status?: string } | null;
  };
  NetworkSettings?: { Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> | null } | null;
}

const RUN_STATES: readonly ContainerRunState[] = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];

function runState(status: string, restarting = false): ContainerRunState {
  if (restarting) return 'restarting';
  return (RUN_STATES as readonly string[]).includes(status) ? (status as ContainerRunState) : 'dead';
}

/** Health from the listing's Status text: "Up 3 minutes (healthy)", "(health: starting)". */
export function healthFromStatusText(status: string): ContainerHealth {
  const m = /\((healthy|unhealthy|health: starting)\)/.exec(status);
  if (!m) return 'none';
  return m[1] === 'health: starting' ? 'starting' : (m[1] as 'healthy' | 'unhealthy');
}

/** Exit code from the listing's Status text: "Exited (137) 2 seconds ago", "Restarting (1) ...". */
export function exitCodeFromStatusText(status: string): number | undefined {
  const m = /^(?:Exited|Restarting) \((-?\d+)\)/.exec(status);
  return m ? Number(m[1]) : undefined;
}

function healthFromInspect(status: string | undefined): ContainerHealth {
  return status === 'starting' || status === 'healthy' || status === 'unhealthy' ? status : 'none';
}

/**
 * Host ports from a listing. Docker lists a binding once per address family (`0.0.0.0` and `::`);
 * they are one binding to a planner, so the `::` twin of a `0.0.0.0` binding is dropped.
 */
export function hostPortsFromListing(ports: ListedContainer['Ports']): HostPortBinding[] {
  const out: HostPortBinding[] = [];
  for (const p of ports ?? []) {
    if (!p.PublicPort) continue;
    out.push({ host_ip: p.IP ?? '', published: p.PublicPort, protocol: p.Type === 'udp' ? 'udp' : 'tcp' });
  }
  return dedupeBindings(out);
}

function hostPortsFromInspect(ports: NonNullable<InspectedContainer['NetworkSettings']>['Ports']): HostPortBinding[] {
  const out: HostPortBinding[] = [];
  for (const [key, bindings] of Object.entries(ports ?? {})) {
    const protocol = key.endsWith('/udp') ? 'udp' : 'tcp';
    for (const b of bindings ?? []) {
      const published = Number(b.HostPort);
      if (published > 0) out.push({ host_ip: b.HostIp ?? '', published, protocol });
    }
  }
  return dedupeBindings(out);
}

function dedupeBindings(bindings: HostPortBinding[]): HostPortBinding[] {
  const seen = new Set<string>();
  const key = (b: HostPortBinding) => `${b.host_ip}|${b.published}|${b.protocol}`;
  const out: HostPortBinding[] = [];
  for (const b of bindings) {
    if (seen.has(key(b))) continue;
    if (b.host_ip === '::' && bindings.some((o) => o.host_ip === '0.0.0.0' && o.published === b.published && o.protocol === b.protocol)) continue;
    seen.add(key(b));
    out.push(b);
  }
  return out.sort((a, b) => a.published - b.published || a.protocol.localeCompare(b.protocol) || a.host_ip.localeCompare(b.host_ip));
}

/**
 * Spec label text -> the spec parsed from it (undefined for a label that is not a spec), for one
 * state load: the replicas of a service carry one label text, which is then parsed once, and its
 * containers share the parsed spec object. Shared specs are read, never changed.
 */
export type SpecLabelCache = Map<string, ServiceSpec | undefined>;

/** The stored spec of a label text, parsed once per `specs` (parsed alone without one). */
function specOfLabel(text: string | undefined, specs: SpecLabelCache | undefined): ServiceSpec | undefined {
  if (!specs || !text) return parseSpecLabel(text);
  if (specs.has(text)) return specs.get(text);
  const spec = parseSpecLabel(text);
  specs.set(text, spec);
  return spec;
}

/**
 * The dockplan labels of a container; undefined for containers dockplan did not create. With
 * `specs`, containers whose spec labels are the same text share one parsed spec (see SpecLabelCache).
 */
export function serviceFromLabels(labels: Record<string, string> | null | undefined, specs?: SpecLabelCache): ContainerServiceLabels | undefined {
  const id = labels?.[LABEL.serviceId];
  if (!labels || !id) return undefined;
  const spec = specOfLabel(labels[LABEL.spec], specs);
  const modeLabel = labels[LABEL.serviceMode];
  const mode: ServiceMode = modeLabel === 'global' || modeLabel === 'replicated' ? modeLabel : spec?.mode ?? 'replicated';
  const out: ContainerServiceLabels = { id, name: labels[LABEL.serviceName] ?? spec?.name ?? '', mode };
  if (spec) out.spec = spec;
  const hash = labels[LABEL.specHash];
  if (hash) out.specHash = hash;
  const deployId = labels[LABEL.deployId];
  if (deployId) out.deployId = deployId;
  const secretKey = SecretKey.fromLabel(labels[SECRET_KEY_LABEL]);
  if (secretKey) out.secretKey = secretKey;
  return out;
}

/** The stored spec, or undefined when the label is missing or not a spec (hand-edited, truncated). */
export function parseSpecLabel(text: string | undefined): ServiceSpec | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value) && typeof (value as { image?: unknown }).image === 'string') {
      return value as ServiceSpec;
    }
  } catch {
    // A label that is not JSON is treated like no label: the planner then sees the spec as unknown.
  }
  return undefined;
}

/**
 * A container as a listing shows it. `specs`: the parsed spec labels of this state load, shared by
 * the containers whose labels are the same text (see SpecLabelCache); without it, each parses its own.
 */
export function containerFromListing(c: ListedContainer, machineId: string, specs?: SpecLabelCache): ContainerState {
  const name = (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
  const out: ContainerState = {
    id: c.Id,
    name,
    machineId,
    image: c.Image,
    ...(c.ImageID ? { imageId: c.ImageID } : {}),
    state: runState(c.State),
    health: healthFromStatusText(c.Status),
    created: new Date(c.Created * 1000).toISOString(),
    hostPorts: hostPortsFromListing(c.Ports),
    status: c.Status,
  };
  const exitCode = exitCodeFromStatusText(c.Status);
  if (exitCode !== undefined) out.exitCode = exitCode;
  const service = serviceFromLabels(c.Labels, specs);
  if (service) withService(out, service);
  return out;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function containerFromInspect(c: InspectedContainer, machineId: string): ContainerState {
  const state = runState(c.State.Status, c.State.Restarting === true);
  const out: ContainerState = {
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    machineId,
    image: c.Config.Image,
    ...(c.Image ? { imageId: c.Image } : {}),
    state,
    health: healthFromInspect(c.State.Health?.Status),
    created: c.Created,
    hostPorts: hostPortsFromInspect(c.NetworkSettings?.Ports),
  };
  if (c.State.StartedAt && c.State.StartedAt !== ZERO_TIME) out.startedAt = c.State.StartedAt;
  if (state === 'exited' || state === 'dead' || state === 'restarting') out.exitCode = c.State.ExitCode ?? 0;
  if (c.RestartCount !== undefined) out.restartCount = c.RestartCount;
  const resources = resourcesInForce(c.HostConfig);
  if (resources) out.resources = resources;
  out.values = runningValues(c);
  const service = serviceFromLabels(c.Config.Labels);
  if (service) withService(out, service);
  return out;
}

/**
 * A managed container's service labels; its image reads as the spec names it (a container created
 * from a pinned image ID would otherwise show as `sha256:...`, not as the name people know).
 */
function withService(c: ContainerState, service: ContainerServiceLabels): void {
  c.service = service;
  if (service.spec?.image) c.image = service.spec.image;
}

/** The env, log options and named-volume options an inspection reports: what opens the service's sealed secrets. */
function runningValues(c: InspectedContainer): RunningValues {
  const volumes: Record<string, Record<string, string>> = {};
  for (const m of c.HostConfig?.Mounts ?? []) {
    const options = m.VolumeOptions?.DriverConfig?.Options;
    if (m.Type === 'volume' && m.Source && options) volumes[m.Source] = { ...options };
  }
  return RunningValues.fromDocker(c.Config.Env, c.HostConfig?.LogConfig?.Config, volumes);
}

/**
 * The limits a container has, as spec fields; only those actually set (an in-place update changes
 * these but not the spec label, so the planner compares against them). Docker reports "no limit"
 * as 0, and a reservation lifted in place as -1 (seen on dockerd 20.10): both read as unset.
 */
export function resourcesInForce(hc: InspectedContainer['HostConfig']): ResourcesSpec | undefined {
  if (!hc) return undefined;
  const r: ResourcesSpec = {};
  if ((hc.NanoCpus ?? 0) > 0) r.cpu = hc.NanoCpus! / 1e9;
  if ((hc.Memory ?? 0) > 0) r.memory = hc.Memory!;
  if ((hc.MemoryReservation ?? 0) > 0) r.memory_reservation = hc.MemoryReservation!;
  if ((hc.ShmSize ?? 0) > 0 && hc.ShmSize !== DEFAULT_SHM_SIZE) r.shm_size = hc.ShmSize!;
  return r;
}

/** A volume Docker named itself (64 hex chars) is anonymous: it belongs to one container, not to a service. */
export function isAnonymousVolume(name: string): boolean {
  return /^[0-9a-f]{64}$/.test(name);
}

/** The named volumes of a listing (`GET /volumes`), with the options each was created with. */
export function namedVolumes(volumes: { Name: string; Driver: string; Options?: Record<string, string> | null }[] | null | undefined): VolumeState[] {
  return (volumes ?? [])
    .filter((v) => !isAnonymousVolume(v.Name))
    .map((v): VolumeState => (v.Options && Object.keys(v.Options).length ? { name: v.Name, driver: v.Driver, options: { ...v.Options } } : { name: v.Name, driver: v.Driver }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Splits Docker's multiplexed log stream (8-byte frame headers: stream, 0, 0, 0, big-endian size)
 * into text, stdout and stderr interleaved as written. A TTY container's log has no frames:
 * anything that does not start with a valid header is returned as is.
 */
export function demuxLogs(buf: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buf.length) {
    const stream = buf[offset]!;
    if (stream > 2 || buf[offset + 1] !== 0 || buf[offset + 2] !== 0 || buf[offset + 3] !== 0) break;
    const size = buf.readUInt32BE(offset + 4);
    parts.push(buf.subarray(offset + 8, Math.min(offset + 8 + size, buf.length)));
    offset += 8 + size;
  }
  if (offset < buf.length) parts.push(buf.subarray(offset));
  return Buffer.concat(parts).toString('utf8');
}
