// What the engine observed on the cluster: plain data, the planner's only input besides the spec.
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
  image: string;
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
}

export interface ContainerServiceLabels {
  id: string;
  name: string;
  mode: ServiceMode;
  /** The resolved spec stored on the container, undefined if the label could not be read. */
  spec?: ServiceSpec;
  specHash?: string;
}

export interface VolumeState {
  name: string;
  driver: string;
}

export type MachineStatus = 'up' | 'down';

export interface MachineState {
  /** The engine's own ID (`docker info`), or `name:<name>` while a machine has never been reached. */
  id: string;
  name: string;
  host: string;
  status: MachineStatus;
  /** Why the machine is down, in words. */
  downReason?: string;
  engineVersion?: string;
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
} as const;

/** A service as seen on the cluster: its containers on all machines (up ones only). */
export interface ServiceState {
  id: string;
  name: string;
  mode: ServiceMode;
  containers: ContainerState[];
}

export function servicesOf(state: ClusterState): ServiceState[] {
  const byId = new Map<string, ServiceState>();
  for (const machine of state.machines) {
    for (const c of machine.containers) {
      if (!c.service) continue;
      let svc = byId.get(c.service.id);
      if (!svc) {
        svc = { id: c.service.id, name: c.service.name, mode: c.service.mode, containers: [] };
        byId.set(c.service.id, svc);
      }
      svc.containers.push(c);
    }
  }
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Finds a service by name or id. */
export function findService(state: ClusterState, nameOrId: string): ServiceState | undefined {
  const all = servicesOf(state);
  return all.find((s) => s.id === nameOrId) ?? all.find((s) => s.name === nameOrId);
}
