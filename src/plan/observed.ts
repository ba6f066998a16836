// What a plan saw of the cluster: the facts it rests on, kept in the plan (plain data) so that a
// plan checked again later, or saved and applied elsewhere, can say exactly what changed since. Pure.
import type { ClusterState, ServiceState } from '../model/cluster.js';
import type { ServiceSpec } from '../model/spec.js';
import { canonicalHash, canonicalJson } from '../model/canonical.js';

export interface ObservedMachine {
  name: string;
  engineId?: string;
  status: 'up' | 'down';
  /** The service's named volumes found there, sorted. */
  volumes: string[];
}

export interface ObservedContainer {
  id: string;
  name: string;
  machine: string;
  state: string;
  specHash?: string;
  imageId?: string;
  /** The limits in force, as JSON (in-place updates change them, not the labels). */
  limits?: string;
}

/** The facts a plan rests on: every machine, and the service's containers. */
export interface Observation {
  machines: ObservedMachine[];
  containers: ObservedContainer[];
}

/** The facts about `service` (undefined for a new one) and the volumes its spec names, in `state`. */
export function observe(state: ClusterState, service: ServiceState | undefined, spec: Pick<ServiceSpec, 'volumes'>): Observation {
  const volumes = new Set((spec.volumes ?? []).map((v) => v.name));
  const nameOf = new Map(state.machines.map((m) => [m.id, m.name]));
  return {
    machines: [...state.machines]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((m) => ({
        name: m.name,
        ...(m.engineId ? { engineId: m.engineId } : {}),
        status: m.status,
        volumes: m.volumes.map((v) => v.name).filter((v) => volumes.has(v)).sort(),
      })),
    containers: [...(service?.containers ?? [])]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((c) => ({
        id: c.id,
        name: c.name,
        machine: nameOf.get(c.machineId) ?? c.machineId,
        state: c.state,
        ...(c.service?.specHash ? { specHash: c.service.specHash } : {}),
        ...(c.imageId ? { imageId: c.imageId } : {}),
        ...(c.resources ? { limits: canonicalJson(c.resources) } : {}),
      })),
  };
}

/**
 * A container's state as the planner tells states apart: `restarting` reads as `running`, every
 * other state as itself. Docker's restart policy (dockplan runs every container unless-stopped)
 * moves a container that exits to `restarting` and, after a back-off, to `running` again: a
 * crash-looping container flips between the two every second or so, and it is the same replica
 * throughout, which the rolling planner keeps, updates or replaces alike (src/plan/rolling.ts).
 * `paused`, `created`, `exited`, `dead` and `removing` each stay apart: each is left by a person or
 * a failed start, not by the restart policy, and the planner removes such a container.
 */
export function plannedState(state: string): string {
  return state === 'restarting' ? 'running' : state;
}

/**
 * A short hash (16 hex digits) of the observation, its containers' states read as plannedState:
 * observations that observationChanges finds no change between have equal fingerprints. An
 * observation without a restarting container hashes as it did before states were read so.
 */
export function fingerprint(observation: Observation): string {
  const planned: Observation = { ...observation, containers: observation.containers.map((c) => ({ ...c, state: plannedState(c.state) })) };
  return canonicalHash(planned);
}

/**
 * What changed between two observations, in words a person can check: machines going up or down
 * or answering as another engine, volumes appearing or going, containers appearing, going, or
 * changing state, spec, image or limits. Empty when nothing did. A state counts as changed only
 * when its plannedState does (a crash loop's running <-> restarting is no change); the words then
 * give the states themselves (`was running, now exited`).
 */
export function observationChanges(before: Observation, now: Observation): string[] {
  const out: string[] = [];
  const machinesNow = new Map(now.machines.map((m) => [m.name, m]));
  for (const m of before.machines) {
    const n = machinesNow.get(m.name);
    if (!n) {
      out.push(`machine ${m.name} is no longer in the cluster`);
      continue;
    }
    if (m.status !== n.status) out.push(`machine ${m.name} was ${m.status}, now ${n.status}`);
    else if (m.engineId && n.engineId && m.engineId !== n.engineId) out.push(`machine ${m.name} answers as another engine (${m.engineId.slice(0, 12)} -> ${n.engineId.slice(0, 12)})`);
    if (m.status === 'up' && n.status === 'up') {
      for (const v of m.volumes) if (!n.volumes.includes(v)) out.push(`volume ${v} on ${m.name} is gone`);
      for (const v of n.volumes) if (!m.volumes.includes(v)) out.push(`volume ${v} on ${m.name} appeared`);
    }
  }
  for (const n of now.machines) if (!before.machines.some((m) => m.name === n.name)) out.push(`machine ${n.name} joined the cluster`);
  const containersNow = new Map(now.containers.map((c) => [c.id, c]));
  for (const c of before.containers) {
    const n = containersNow.get(c.id);
    const what = `container ${c.name} on ${c.machine}`;
    if (!n) {
      out.push(`${what} is gone`);
      continue;
    }
    if (plannedState(c.state) !== plannedState(n.state)) out.push(`${what} was ${c.state}, now ${n.state}`);
    if (c.specHash !== n.specHash) out.push(`${what} carries another spec`);
    // A plan made from a plain listing knows no limits (only an inspection does): compare what both saw.
    if (c.imageId && n.imageId && c.imageId !== n.imageId) out.push(`${what} runs another image`);
    if (c.limits !== undefined && n.limits !== undefined && c.limits !== n.limits) out.push(`${what} has other limits in force`);
  }
  for (const n of now.containers) {
    if (!before.containers.some((c) => c.id === n.id)) out.push(`container ${n.name} on ${n.machine} appeared (${n.state})`);
  }
  return out;
}
