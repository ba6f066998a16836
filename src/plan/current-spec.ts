// What a service runs now, read back from its containers' labels.
import type { ClusterState, ServiceState } from '../model/cluster.js';
import type { ServiceSpec } from '../model/spec.js';

/** The spec of the service's most recently created container: what it was last deployed as. */
export function newestSpecOf(service: ServiceState): ServiceSpec | undefined {
  return [...service.containers]
    .filter((c) => c.service?.spec)
    .sort((a, b) => b.created.localeCompare(a.created))[0]?.service?.spec;
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

/** Desired containers: one per machine a global service runs on; for a replicated one, see above. */
export function desiredReplicas(service: ServiceState, state: ClusterState): number {
  if (service.mode === 'global') return Math.max(1, new Set(service.containers.map((c) => c.machineId)).size);
  const someDown = state.machines.some((m) => m.status === 'down');
  return someDown ? newestSpecOf(service)?.replicas ?? service.containers.length : service.containers.length;
}
