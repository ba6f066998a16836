// Which containers' logs a `logs` request means: a service (or one of its containers), on every
// machine or the ones named. Pure: it reads one cluster state.
import { findService, servicesOf, unseenMachines, type ClusterState, type ContainerState, type MachineState } from '../model/cluster.js';
import { didYouMean } from '../model/did-you-mean.js';

/** What to read: a service by name or id, optionally only on some machines or one container. */
export interface LogScope {
  service: string;
  /** Machine names (or ids, which are the names); empty or absent: every machine. */
  machines?: readonly string[];
  /** One container of the service, by id: only its logs, and no other container is picked up. */
  containerId?: string;
}

/** The scope as found in a cluster state. */
export interface ResolvedLogScope {
  /** The service's name (the request may have named it by id). */
  service: string;
  /** The machines in scope, in cluster-file order: up or down. */
  machines: MachineState[];
  /** The containers in scope on the machines that are up, every state. */
  containers: ContainerState[];
}

/** A logs request that names what the cluster does not have; the message says what it has. */
export class LogScopeError extends Error {
  override name = 'LogScopeError';
}

/**
 * Finds the scope's machines and containers in `state`. Throws LogScopeError for a machine the
 * cluster file does not list (naming those it lists), a service with no container on the machines
 * in scope that are up (saying which machines are down, or where the service does run), and a
 * container that is not the service's any more.
 */
export function resolveLogScope(state: ClusterState, scope: LogScope): ResolvedLogScope {
  const names = state.machines.map((m) => m.name);
  const asked = scope.machines ?? [];
  for (const name of asked) {
    if (!state.machines.some((m) => m.name === name || m.id === name)) {
      throw new LogScopeError(`no machine named ${name} in the cluster${didYouMean(name, names)} (machines: ${names.join(', ')})`);
    }
  }
  const machines = asked.length === 0 ? state.machines : state.machines.filter((m) => asked.includes(m.name) || asked.includes(m.id));
  const inScope = new Set(machines.map((m) => m.id));
  const service = findService(state, scope.service);
  const unseen = unseenMachines(state).filter((m) => inScope.has(m.id));
  const downNote = unseen.length === 0 ? '' : `; ${unseen.map((m) => m.name).join(', ')} ${unseen.length === 1 ? 'is' : 'are'} down: containers there cannot be seen`;
  if (!service) {
    const known = servicesOf(state).map((s) => s.name);
    throw new LogScopeError(`no service named ${scope.service} on the machines that are up${didYouMean(scope.service, known)}${downNote}`);
  }
  let containers = service.containers.filter((c) => inScope.has(c.machineId));
  if (containers.length === 0) {
    const where = [...new Set(service.containers.map((c) => state.machines.find((m) => m.id === c.machineId)?.name ?? c.machineId))];
    throw new LogScopeError(`${service.name} has no containers on ${machines.map((m) => m.name).join(', ')} (it runs on ${where.join(', ')})${downNote}`);
  }
  if (scope.containerId !== undefined) {
    containers = containers.filter((c) => c.id === scope.containerId);
    if (containers.length === 0) throw new LogScopeError(`container ${scope.containerId.slice(0, 12)} is no longer one of ${service.name}'s`);
  }
  return { service: service.name, machines, containers };
}
