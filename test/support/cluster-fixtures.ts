// Hand-made cluster states for pure planner tests.
import type { ClusterState, ContainerState, HostPortBinding, MachineState } from '../../src/model/cluster.js';
import type { ServiceSpec } from '../../src/model/spec.js';

export const SERVICE_ID = 'svc0000000000000000000000000001';

export function machine(name: string, opts: Partial<MachineState> = {}): MachineState {
  return { id: name, engineId: `engine-${name}`, name, host: `unix:///run/${name}.sock`, status: 'up', containers: [], volumes: [], engineVersion: '20.10.24', ...opts };
}

let counter = 0;
export function container(m: MachineState, spec: ServiceSpec, opts: Partial<ContainerState> & { hostPorts?: HostPortBinding[] } = {}): ContainerState {
  counter++;
  const hex = counter.toString(16).padStart(12, '0');
  const c: ContainerState = {
    id: `${hex}${'0'.repeat(52)}`,
    name: `${spec.name}-${hex.slice(-4)}`,
    machineId: m.id,
    image: spec.image,
    state: 'running',
    health: 'none',
    created: `2026-01-01T00:00:${String(counter % 60).padStart(2, '0')}Z`,
    hostPorts: (spec.ports ?? []).filter((p) => p.mode === 'host').map((p) => ({ host_ip: p.host_ip ?? '0.0.0.0', published: p.published!, protocol: p.protocol as 'tcp' | 'udp' })),
    service: { id: SERVICE_ID, name: spec.name!, mode: spec.mode ?? 'replicated', spec, specHash: `h-${counter}` },
    ...opts,
  };
  m.containers.push(c);
  return c;
}

export function cluster(...machines: MachineState[]): ClusterState {
  return { domain: 'example.internal', machines };
}

export function webSpec(overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return { name: 'web', mode: 'replicated', image: 'local/busybox:1', replicas: 2, ...overrides };
}
