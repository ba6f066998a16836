// What a service runs now: read back from its containers' labels, corrected by what Docker reports
// about them (the limits in force, the image the container was created from).
import { unseenMachines } from '../model/cluster.js';
import type { ClusterState, ContainerState, ServiceState } from '../model/cluster.js';
import type { ServiceSpec } from '../model/spec.js';

/**
 * The spec a container runs: its `dockplan.spec` label, with
 * - the limits in force when they are known (an in-place update changes them, not the label; a
 *   limit Docker reports as 0 or -1 is no limit), replacing the label's resources entirely;
 * - the image it was really created from: a label without a registry-digest pin reads the image
 *   ID Docker reports for the container, so a tag rebuilt with other bytes shows as a change.
 * Undefined when the label is missing or unreadable.
 */
export function runningSpecOf(c: ContainerState): ServiceSpec | undefined {
  const label = c.service?.spec;
  if (!label) return undefined;
  const spec: ServiceSpec = { ...label };
  if (c.resources) {
    if (Object.keys(c.resources).length > 0) spec.resources = { ...c.resources };
    else delete spec.resources;
  }
  const ref = label.image_ref ?? (label.image.includes('@sha256:') ? label.image : undefined);
  if (ref && ref.includes('@sha256:')) spec.image_ref = ref;
  else if (c.imageId) spec.image_ref = c.imageId;
  return spec;
}

/**
 * The container whose spec says what the service runs: the most recently created active one
 * (running, restarting, paused) with a readable spec; with none active, the most recently created
 * with one. The new containers of a deploy that failed or was interrupted are kept, stopped, for
 * inspection: newer, but not what runs, so neither an edit nor a plan's diff may start from them.
 */
function newestWithSpec(service: ServiceState): ContainerState | undefined {
  let newest: ContainerState | undefined;
  let newestActive: ContainerState | undefined;
  for (const c of service.containers) {
    if (!c.service?.spec) continue;
    if (!newest || c.created > newest.created) newest = c;
    if (active(c) && (!newestActive || c.created > newestActive.created)) newestActive = c;
  }
  return newestActive ?? newest;
}

/** The spec the service runs (see newestWithSpec, runningSpecOf): what it was last deployed as. */
export function newestSpecOf(service: ServiceState): ServiceSpec | undefined {
  const c = newestWithSpec(service);
  return c ? runningSpecOf(c) : undefined;
}

/**
 * The service's current spec. Labels cannot change after a container is created, so a scale-down
 * (which creates nothing) leaves the old count on the containers that stay: for a replicated
 * service the containers themselves are the count. While a machine is down its containers cannot
 * be counted, and the last deployed count is the better guess.
 */
export function currentSpecOf(service: ServiceState, state: ClusterState): ServiceSpec | undefined {
  const spec = newestSpecOf(service);
  if (!spec || service.mode === 'global') return spec;
  return { ...spec, replicas: desiredReplicas(service, state) };
}

/** The replica count the service was last deployed with, from its newest label (undefined without one). */
export function lastDeployedReplicas(service: ServiceState): number | undefined {
  const spec = newestWithSpec(service)?.service?.spec;
  return spec ? spec.replicas ?? 1 : undefined;
}

/**
 * A container that counts as a replica: running, restarting or paused. dockplan creates every
 * container with restart policy unless-stopped, so Docker restarts one that crashes: a container
 * that stays exited (or was never started) was stopped on purpose: kept for inspection after a
 * failed deploy, or taken out of service.
 */
function active(c: ContainerState): boolean {
  return c.state === 'running' || c.state === 'restarting' || c.state === 'paused';
}

/**
 * Desired containers. Global: one per machine its placement allows (down ones included: a
 * container there is expected, only unseen). Replicated: labels cannot change after a container is
 * created, so a scale-down leaves the old count on the containers that stay; the count is the
 * active containers, capped by the replicas their newest label asks for (two deploys that could
 * not see each other show as surplus). With none active, the newest label's count; while a machine
 * is down, the last deployed count is the better guess.
 */
export function desiredReplicas(service: ServiceState, state: ClusterState): number {
  if (service.mode === 'global') {
    const placement = newestSpecOf(service)?.placement?.machines ?? [];
    const allowed = state.machines.filter((m) => placement.length === 0 || placement.includes(m.name) || (m.engineId !== undefined && placement.includes(m.engineId)));
    return Math.max(1, allowed.length);
  }
  const last = lastDeployedReplicas(service);
  if (unseenMachines(state).length > 0) return last ?? service.containers.length;
  const running = service.containers.filter(active);
  if (running.length === 0) return last ?? 0;
  const newest = running.filter((c) => c.service?.spec).sort((a, b) => b.created.localeCompare(a.created))[0];
  const asked = newest?.service?.spec ? newest.service.spec.replicas ?? 1 : running.length;
  return Math.min(running.length, asked);
}
