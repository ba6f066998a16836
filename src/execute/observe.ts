// Observing the cluster for one service: the listing of every machine, plus what only inspect
// knows about that service's containers (limits in force, restart counts).
import type { ClusterState, ServiceState } from '../model/cluster.js';
import { findService } from '../model/cluster.js';
import type { Client } from './client.js';

export interface Observation {
  state: ClusterState;
  service?: ServiceState;
}

export async function observeService(client: Client, nameOrId: string | undefined): Promise<Observation> {
  const state = await client.loadState();
  const service = nameOrId ? findService(state, nameOrId) : undefined;
  if (service) {
    await Promise.all(service.containers.map(async (c) => {
      const seen = await client.inspectContainer(c.machineId, c.id).catch(() => undefined);
      if (!seen) return;
      c.resources = seen.resources;
      c.restartCount = seen.restartCount;
    }));
  }
  return { state, service };
}
