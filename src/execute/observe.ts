// Observing the cluster for one service: the listing of every machine, plus what only inspect
// knows about that service's containers (limits in force, restart counts, the values they run with).
import type { ClusterState, ServiceState } from '../model/cluster.js';
import { findService } from '../model/cluster.js';
import type { ContainerClient, MachineClient } from './client.js';

export interface ServiceObservation {
  state: ClusterState;
  service?: ServiceState;
}

/**
 * The whole state, with the service's containers inspected (limits in force, restart counts, and
 * the values they run with: what opens a sealed secret, see src/plan/secret-seal.ts).
 */
export async function observeService(client: Pick<MachineClient, 'loadState'> & Pick<ContainerClient, 'inspectContainer'>, nameOrId: string | undefined): Promise<ServiceObservation> {
  const state = await client.loadState();
  const service = nameOrId ? findService(state, nameOrId) : undefined;
  if (service) {
    await Promise.all(service.containers.map(async (c) => {
      const seen = await client.inspectContainer(c.machineId, c.id).catch(() => undefined);
      if (!seen) return;
      c.resources = seen.resources;
      c.restartCount = seen.restartCount;
      if (seen.values) c.values = seen.values;
    }));
  }
  return { state, service };
}
