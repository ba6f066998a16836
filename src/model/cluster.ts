// What the engine observed on the cluster: plain data, the planner's only input besides the spec.
import type { RunningValues } from './running-values.js';
import type { SecretKey } from './secret-key.js';
import type { ResourcesSpec, ServiceMode, ServiceSpec } from './spec.js';

export type ContainerRunState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
/** 'none' when the container has no healthcheck. */
export type ContainerHealth = 'none' | 'starting' | 'healthy' | 'unhealthy';

export interface HostPortBinding {
  host_ip: string;
  published: number;
  protocol: 'tcp' | 'udp';
}

export interface ContainerState {
  id: string;
  name: string;
  machineId: string;
  /** The image by name: as its service's spec names it, else as Docker was asked to create it from. */
  image: string;
  /** The ID of the image the container runs (`sha256:...`), as Docker reports it. */
  imageId?: string;
  state: ContainerRunState;
  health: ContainerHealth;
  exitCode?: number;
  /** How often Docker restarted it (inspect only; a crash loop shows here). */
  restartCount?: number;
  /** The limits in force (inspect only): an in-place update changes these, not the spec label. */
  resources?: ResourcesSpec;
  /** ISO time the container was created / last started. */
  created: string;
  startedAt?: string;
  /** Docker's own words for the state, with uptime: "Up 5 minutes (healthy)", "Exited (1) 2 hours ago". */
  status?: string;
  /** Host ports this container binds (any service, managed or not). */
  hostPorts: HostPortBinding[];
  /** Present on containers a dockplan deploy created. */
  service?: ContainerServiceLabels;
  /** The env, log and volume options it really runs with (inspect only; never serialised): what opens a sealed secret. */
  values?: RunningValues;
}

export interface ContainerServiceLabels {
  id: string;
  name: string;
  mode: ServiceMode;
  /** The resolved spec stored on the container, secrets sealed (see src/plan/secret-seal.ts); undefined if the label could not be read. */
  spec?: ServiceSpec;
  /** The service's sealing key (label dockplan.secret.key); absent on containers made before secrets were sealed. */
  secretKey?: SecretKey;
  specHash?: string;
  /** The run that created the container (label dockplan.deploy.id); absent on containers made before runs were recorded. */
  deployId?: string;
}

export interface VolumeState {
  name: string;
  driver: string;
  /** The options the volume was created with (Docker never changes them afterwards). */
  options?: Record<string, string>;
}

export type MachineStatus = 'up' | 'down';

export interface MachineState {
  /** The machine's identity: its name in the cluster file (unique there). Never the engine ID. */
  id: string;
  name: string;
  host: string;
  /**
   * The engine's own ID (`docker info`), once reached. Not unique: engines cloned from one VM
   * image report the same one (dockerd 20.10 derives it from the identity key it was given).
   */
  engineId?: string;
  status: MachineStatus;
  /** Why the machine is down, in words. */
  downReason?: string;
  /**
   * Set when the machine is down only because it reaches the same engine as this other machine
   * (one engine listed twice): nothing on it is unseen, since that machine sees it.
   */
  sameEngineAs?: string;
  engineVersion?: string;
  /** The engine's default log driver (`docker info` LoggingDriver): what a spec without logging gets. */
  logDriver?: string;
  /** All containers on the machine (managed or not) and its named volumes. Empty when down. */
  containers: ContainerState[];
  volumes: VolumeState[];
}

export interface ClusterState {
  /** The cluster domain from the cluster file, if any. */
  domain?: string;
  machines: MachineState[];
}

export const LABEL = {
  managed: 'dockplan.managed',
  serviceId: 'dockplan.service.id',
  serviceName: 'dockplan.service.name',
  serviceMode: 'dockplan.service.mode',
  spec: 'dockplan.spec',
  specHash: 'dockplan.spec.hash',
  /** The run that created the container (a deploy id, see `dockplan history`). */
  deployId: 'dockplan.deploy.id',
} as const;

/**
 * Machines whose containers cannot be seen: down, except a machine that is only an alias of
 * another machine that is up (one engine listed twice: that machine sees everything on it).
 */
export function unseenMachines(state: Pick<ClusterState, 'machines'>): MachineState[] {
  const up = new Set(state.machines.filter((m) => m.status === 'up').map((m) => m.name));
  return state.machines.filter((m) => m.status === 'down' && !(m.sameEngineAs !== undefined && up.has(m.sameEngineAs)));
}

/**
 * A service as seen on the cluster: its containers on all machines (up ones only). A service name
 * is one service: containers that carry the same name under different service ids (two deploys
 * that could not see each other, e.g. while a machine was down) are one service with several ids.
 */
export interface ServiceState {
  /** The id new containers get: the one of the oldest container. */
  id: string;
  /** Every service id seen under this name, `id` first; more than one is a duplicate to show. */
  ids: string[];
  name: string;
  mode: ServiceMode;
  containers: ContainerState[];
}

/** Every service on the (up) machines, by name. */
export function servicesOf(state: ClusterState): ServiceState[] {
  return collectServices(state);
}

/**
 * The services of the containers (of the containers named `only`, when given), grouped as
 * servicesOf groups them: by name (a container without one, by its service id), the oldest
 * container's id first, sorted by name.
 */
function collectServices(state: ClusterState, only?: string): ServiceState[] {
  return groupServices(state.machines.map((m) => m.containers), only);
}

/**
 * The service named `name` among the given lists of containers, grouped as findService groups the
 * containers of a state that are exactly these (in this order); undefined when none carries the
 * name or the name is empty. For a caller that has already gathered a name's containers.
 */
export function serviceNamedAmong(lists: readonly (readonly ContainerState[])[], name: string): ServiceState | undefined {
  return name === '' ? undefined : groupServices(lists, name)[0];
}

/** collectServices over lists of containers (a state's machines' lists, in order). */
function groupServices(lists: readonly (readonly ContainerState[])[], only?: string): ServiceState[] {
  const byName = new Map<string, ServiceState & { oldest: string }>();
  for (const list of lists) {
    for (const c of list) {
      if (!c.service || (only !== undefined && c.service.name !== only)) continue;
      const key = c.service.name || c.service.id;
      let svc = byName.get(key);
      if (!svc) {
        svc = { id: c.service.id, ids: [], name: c.service.name, mode: c.service.mode, containers: [], oldest: c.created };
        byName.set(key, svc);
      } else if (c.created < svc.oldest || (c.created === svc.oldest && c.service.id < svc.id)) {
        svc.id = c.service.id;
        svc.mode = c.service.mode;
        svc.oldest = c.created;
      }
      if (!svc.ids.includes(c.service.id)) svc.ids.push(c.service.id);
      svc.containers.push(c);
    }
  }
  return [...byName.values()]
    .map(({ oldest: _oldest, ...svc }) => ({ ...svc, ids: [svc.id, ...svc.ids.filter((i) => i !== svc.id).sort()] }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Finds a service by name or by any of its ids. A name is looked up among the containers of that
 * name alone (every plan starts here, and a cluster holds many services); an id, or a name no
 * container carries, among all services.
 */
export function findService(state: ClusterState, nameOrId: string): ServiceState | undefined {
  if (nameOrId !== '') {
    const [named] = collectServices(state, nameOrId);
    if (named) return named;
  }
  const all = servicesOf(state);
  return all.find((s) => s.name === nameOrId) ?? all.find((s) => s.ids.includes(nameOrId));
}
