// Which machines may run a service, and why the others may not; where missing volumes go.
import type { ClusterState, MachineState } from '../model/cluster.js';
import type { ServiceSpec, VolumeSpec } from '../model/spec.js';
import type { CreateVolumeOperation, Planned } from './operations.js';
import { PlanError } from './plan-error.js';
import { clashingPorts, describePort } from './ports.js';

export interface Exclusion {
  machine: MachineState;
  reason: string;
  /** `ports`: another container holds a host port the service binds (worth a warning in the plan). */
  kind?: 'ports';
}

export interface Eligibility {
  eligible: MachineState[];
  excluded: Exclusion[];
  /** Volumes to create before any container runs. */
  createVolumes: Planned<CreateVolumeOperation>[];
}

/** The named (type volume) volumes the service actually mounts. */
export function mountedNamedVolumes(spec: ServiceSpec): VolumeSpec[] {
  const mounted = new Set((spec.mounts ?? []).map((m) => m.volume));
  return (spec.volumes ?? [])
    .filter((v) => (v.type ?? 'volume') === 'volume' && mounted.has(v.name))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const byId = (a: MachineState, b: MachineState) => a.id.localeCompare(b.id);
const hasVolume = (m: MachineState, name: string) => m.volumes.some((v) => v.name === name);

/** placement.machines names machines by name; an engine ID also matches, for the machines that report it. */
export function inPlacement(spec: Pick<ServiceSpec, 'placement'>, m: Pick<MachineState, 'name' | 'engineId'>): boolean {
  const wanted = spec.placement?.machines ?? [];
  return wanted.length === 0 || wanted.includes(m.name) || (m.engineId !== undefined && wanted.includes(m.engineId));
}

/**
 * Why a running container of another service (or none of ours) keeps this service off a machine:
 * it holds a host port the spec binds, so a container of the service could not start there.
 */
function portHolders(m: MachineState, spec: ServiceSpec, serviceId: string | undefined): string | undefined {
  // Only host-mode ports bind on the machine (see clashingPorts): without one, nothing can clash.
  if (!spec.ports?.some((p) => p.mode === 'host')) return undefined;
  const held: string[] = [];
  for (const c of m.containers) {
    if (c.hostPorts.length === 0) continue;
    if (c.state !== 'running' || (serviceId !== undefined && c.service?.id === serviceId) || (c.service !== undefined && c.service.name === spec.name)) continue;
    const clash = clashingPorts(spec.ports ?? [], c.hostPorts);
    if (clash.length > 0) held.push(`host port ${clash.map(describePort).join(', ')} is held by container ${c.name}${c.service ? ` (service ${c.service.name})` : ''}`);
  }
  return held.length ? held.join('; ') : undefined;
}

/**
 * Eligible machines: up, matching placement, holding (or scheduled to get) every named volume the
 * service mounts. Throws a PlanError that names each machine and the constraint that excluded it
 * when none is left.
 */
export function eligibleMachines(
  state: ClusterState,
  spec: ServiceSpec,
  /** Machines the service already runs on: a new volume goes to one of them if it can. */
  serviceMachines: ReadonlySet<string> = new Set(),
  /** The service's id, so its own containers never count as holding its ports. */
  serviceId?: string,
): Eligibility {
  const excluded: Exclusion[] = [];
  let candidates: MachineState[] = [];
  for (const m of state.machines) {
    if (m.status !== 'up') {
      excluded.push({ machine: m, reason: `down (${m.downReason ?? 'unreachable'})` });
      continue;
    }
    if (!inPlacement(spec, m)) {
      excluded.push({ machine: m, reason: `not in placement.machines [${(spec.placement?.machines ?? []).join(', ')}]` });
      continue;
    }
    const ports = portHolders(m, spec, serviceId);
    if (ports) excluded.push({ machine: m, reason: ports, kind: 'ports' });
    else candidates.push(m);
  }
  const volumes = mountedNamedVolumes(spec);
  const createVolumes: Planned<CreateVolumeOperation>[] = [];
  const global = spec.mode === 'global';

  if (global) {
    // One container per machine, each with its own local copy of every volume.
    for (const m of [...candidates].sort(byId)) {
      for (const v of volumes) {
        if (!hasVolume(m, v.name)) createVolumes.push({ kind: 'create-volume', machineId: m.id, volume: v });
      }
    }
  } else if (volumes.length > 0) {
    const existing = volumes.filter((v) => candidates.some((m) => hasVolume(m, v.name)));
    const missing = volumes.filter((v) => !existing.includes(v));
    const holdingAll = candidates.filter((m) => existing.every((v) => hasVolume(m, v.name)));
    for (const m of candidates) {
      if (holdingAll.includes(m)) continue;
      const lacks = existing.filter((v) => !hasVolume(m, v.name)).map((v) => {
        const where = candidates.filter((c) => hasVolume(c, v.name)).map((c) => c.name);
        return `${v.name} (it is on ${where.join(', ')})`;
      });
      excluded.push({ machine: m, reason: `lacks volume ${lacks.join(', ')}` });
    }
    if (existing.length > 0 && holdingAll.length === 0) {
      const where = existing.map((v) => `${v.name} on ${candidates.filter((c) => hasVolume(c, v.name)).map((c) => c.name).join(', ')}`);
      throw new PlanError(
        `no machine holds all volumes of service ${spec.name}: ${where.join('; ')}. ` +
          'A replicated service\'s named volumes must live on one machine: move the data or mount fewer volumes.',
        excluded,
      );
    }
    candidates = holdingAll;
    if (missing.length > 0 && candidates.length > 0) {
      // Missing volumes go to one machine, and so do the containers that mount them.
      const target = [...candidates].sort((a, b) =>
        Number(serviceMachines.has(b.id)) - Number(serviceMachines.has(a.id)) || byId(a, b))[0];
      for (const v of missing) createVolumes.push({ kind: 'create-volume', machineId: target.id, volume: v });
      if (existing.length === 0) {
        for (const m of candidates) {
          if (m !== target) excluded.push({ machine: m, reason: `volume ${missing.map((v) => v.name).join(', ')} will be created on ${target.name}` });
        }
        candidates = [target];
      }
    }
  }

  if (candidates.length === 0) {
    const lines = excluded.map((e) => `  ${e.machine.name}: ${e.reason}`).join('\n');
    throw new PlanError(`no machine can run service ${spec.name}:\n${lines}`, excluded);
  }
  return { eligible: candidates, excluded, createVolumes };
}
