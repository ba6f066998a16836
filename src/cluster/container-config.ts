// The service spec -> Docker's container create body. Pure (but for a new sealing key when none is
// given): no I/O, so it is tested exactly. The body gets the clear values a container needs; its
// labels get the spec sealed (src/plan/secret-seal.ts), never a secret value.
import { specHash } from '../model/canonical.js';
import { LABEL } from '../model/cluster.js';
import { SECRET_KEY_LABEL, SecretKey } from '../model/secret-key.js';
import { PlanSecrets } from '../plan/secret-seal.js';
import type { HealthcheckSpec, MountSpec, PortSpec, ServiceSpec, VolumeSpec } from '../model/spec.js';

/** Docker's `HostConfig.Mounts[]` entry, as far as dockplan uses it. */
export interface DockerMount {
  Type: 'volume' | 'bind' | 'tmpfs';
  Source?: string;
  Target: string;
  ReadOnly: boolean;
  VolumeOptions?: {
    DriverConfig?: { Name: string; Options?: Record<string, string> };
    Labels?: Record<string, string>;
  };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

export interface DockerPortBinding {
  HostIp: string;
  HostPort: string;
}

export interface DockerHealthConfig {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
}

export interface DockerHostConfig {
  Init?: boolean;
  Privileged?: boolean;
  CapAdd?: string[];
  CapDrop?: string[];
  Sysctls?: Record<string, string>;
  Ulimits?: { Name: string; Soft: number; Hard: number }[];
  Devices?: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[];
  LogConfig?: { Type: string; Config: Record<string, string> };
  NanoCpus?: number;
  Memory?: number;
  MemoryReservation?: number;
  ShmSize?: number;
  RestartPolicy: { Name: 'unless-stopped' };
  Mounts?: DockerMount[];
  PortBindings?: Record<string, DockerPortBinding[]>;
}

/** The body of `POST /containers/create` plus its `name` query parameter (dockerode's shape). */
export interface ContainerCreateOptions {
  name: string;
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  User?: string;
  Labels: Record<string, string>;
  Healthcheck?: DockerHealthConfig;
  ExposedPorts?: Record<string, Record<string, never>>;
  StopTimeout?: number;
  HostConfig: DockerHostConfig;
}

/**
 * The create options for one container of a service. Keys that the spec leaves unset are absent.
 * `spec` may be sealed (a plan's) or clear; `secrets` holds the plan's key and clear values. The
 * labels carry the spec sealed under that key (secret values as tokens, never in clear) and the key
 * itself (label dockplan.secret.key); the body carries the clear values. Without `secrets` a new key
 * seals the labels. Throws a SecretValueUnknownError when the spec holds a token whose value is not
 * known: a container never runs a token.
 */
export function containerCreateOptions(spec: ServiceSpec, serviceId: string, name: string, deployId?: string, secrets?: PlanSecrets): ContainerCreateOptions {
  const sealing = secrets ?? new PlanSecrets(SecretKey.generate(), true);
  const sealed = sealing.seal(spec);
  const clear = sealing.open(sealed);
  const opts: ContainerCreateOptions = {
    name,
    // The pinned reference (a digest, or the image ID of a local image): the exact bytes the plan resolved.
    Image: clear.image_ref ?? clear.image,
    Labels: {
      ...serviceLabels(sealed, serviceId, name),
      [SECRET_KEY_LABEL]: sealing.key.label(),
      ...(deployId ? { [LABEL.deployId]: deployId } : {}),
    },
    HostConfig: hostConfig(clear),
  };
  if (clear.command) opts.Cmd = [...clear.command];
  if (clear.entrypoint) opts.Entrypoint = [...clear.entrypoint];
  if (clear.env) opts.Env = Object.entries(clear.env).map(([k, v]) => `${k}=${v}`).sort();
  if (clear.user !== undefined) opts.User = clear.user;
  if (clear.healthcheck) opts.Healthcheck = healthConfig(clear.healthcheck);
  const exposed = exposedPorts(clear.ports ?? []);
  if (exposed) opts.ExposedPorts = exposed;
  if (clear.stop_grace_period !== undefined) opts.StopTimeout = Math.ceil(clear.stop_grace_period / 1000);
  return opts;
}

/** The service labels of one container, the spec label as given (sealed by the caller, see containerCreateOptions). */
export function serviceLabels(spec: ServiceSpec, serviceId: string, containerName: string): Record<string, string> {
  return {
    [LABEL.managed]: 'true',
    [LABEL.serviceId]: serviceId,
    [LABEL.serviceName]: spec.name ?? containerName.replace(/-[a-z0-9]{4}$/, ''),
    [LABEL.serviceMode]: spec.mode ?? 'replicated',
    [LABEL.spec]: JSON.stringify(spec),
    [LABEL.specHash]: specHash(spec),
  };
}

const MS_TO_NS = 1_000_000;

function healthConfig(hc: HealthcheckSpec): DockerHealthConfig {
  if (hc.disable || hc.test?.[0] === 'NONE') return { Test: ['NONE'] };
  // An empty Test inherits the image's healthcheck command; the timings still apply.
  const out: DockerHealthConfig = { Test: hc.test ? [...hc.test] : [] };
  if (hc.interval !== undefined) out.Interval = Math.round(hc.interval * MS_TO_NS);
  if (hc.timeout !== undefined) out.Timeout = Math.round(hc.timeout * MS_TO_NS);
  if (hc.retries !== undefined) out.Retries = hc.retries;
  if (hc.start_period !== undefined) out.StartPeriod = Math.round(hc.start_period * MS_TO_NS);
  return out;
}

function hostConfig(spec: ServiceSpec): DockerHostConfig {
  const hc: DockerHostConfig = { RestartPolicy: { Name: 'unless-stopped' } };
  if (spec.init !== undefined) hc.Init = spec.init;
  if (spec.privileged !== undefined) hc.Privileged = spec.privileged;
  if (spec.cap_add?.length) hc.CapAdd = [...spec.cap_add];
  if (spec.cap_drop?.length) hc.CapDrop = [...spec.cap_drop];
  if (spec.sysctls && Object.keys(spec.sysctls).length) hc.Sysctls = { ...spec.sysctls };
  if (spec.ulimits && Object.keys(spec.ulimits).length) {
    hc.Ulimits = Object.keys(spec.ulimits)
      .sort()
      .map((name) => ({ Name: name, Soft: spec.ulimits![name]!.soft, Hard: spec.ulimits![name]!.hard }));
  }
  if (spec.devices?.length) {
    hc.Devices = spec.devices.map((d) => ({
      PathOnHost: d.host_path,
      PathInContainer: d.container_path,
      CgroupPermissions: d.permissions,
    }));
  }
  if (spec.logging) hc.LogConfig = { Type: spec.logging.driver, Config: { ...(spec.logging.options ?? {}) } };
  const r = spec.resources;
  if (r?.cpu !== undefined) hc.NanoCpus = Math.round(r.cpu * 1e9);
  if (r?.memory !== undefined) hc.Memory = r.memory;
  if (r?.memory_reservation !== undefined) hc.MemoryReservation = r.memory_reservation;
  if (r?.shm_size !== undefined) hc.ShmSize = r.shm_size;
  const mounts = (spec.mounts ?? []).map((m) => dockerMount(m, spec.volumes ?? []));
  if (mounts.length) hc.Mounts = mounts;
  const bindings = portBindings(spec.ports ?? []);
  if (bindings) hc.PortBindings = bindings;
  return hc;
}

export class MountSpecError extends Error {
  override name = 'MountSpecError';
}

function dockerMount(mount: MountSpec, volumes: VolumeSpec[]): DockerMount {
  const volume = volumes.find((v) => v.name === mount.volume);
  if (!volume) throw new MountSpecError(`mount at ${mount.path} names volume "${mount.volume}", which the spec does not define`);
  const base = { Target: mount.path, ReadOnly: mount.read_only === true };
  switch (volume.type) {
    case 'volume': {
      const out: DockerMount = { Type: 'volume', Source: volume.name, ...base };
      const options: NonNullable<DockerMount['VolumeOptions']> = {};
      if (volume.driver || volume.driver_opts) {
        options.DriverConfig = { Name: volume.driver ?? 'local' };
        if (volume.driver_opts) options.DriverConfig.Options = { ...volume.driver_opts };
      }
      if (volume.labels) options.Labels = { ...volume.labels };
      if (Object.keys(options).length) out.VolumeOptions = options;
      return out;
    }
    case 'bind':
      return { Type: 'bind', Source: volume.source ?? '', ...base };
    case 'tmpfs': {
      const out: DockerMount = { Type: 'tmpfs', ...base };
      const tmpfs: NonNullable<DockerMount['TmpfsOptions']> = {};
      if (volume.size !== undefined) tmpfs.SizeBytes = volume.size;
      if (volume.mode !== undefined) tmpfs.Mode = volume.mode;
      if (Object.keys(tmpfs).length) out.TmpfsOptions = tmpfs;
      return out;
    }
  }
}

/** `8080/tcp`: the key Docker uses for a container port. Host-mode ports are tcp unless udp. */
function portKey(p: PortSpec): string {
  return `${p.container}/${p.protocol === 'udp' ? 'udp' : 'tcp'}`;
}

function exposedPorts(ports: PortSpec[]): Record<string, Record<string, never>> | undefined {
  const host = ports.filter((p) => p.mode === 'host');
  if (!host.length) return undefined;
  const out: Record<string, Record<string, never>> = {};
  for (const p of host) out[portKey(p)] = {};
  return out;
}

/** Host-mode ports only: ingress ports are served by the cluster's proxy, never bound here. */
function portBindings(ports: PortSpec[]): Record<string, DockerPortBinding[]> | undefined {
  const host = ports.filter((p) => p.mode === 'host');
  if (!host.length) return undefined;
  const out: Record<string, DockerPortBinding[]> = {};
  for (const p of host) {
    const key = portKey(p);
    (out[key] ??= []).push({ HostIp: p.host_ip ?? '', HostPort: p.published !== undefined ? String(p.published) : '' });
  }
  return out;
}
