// Removing a whole service: every container goes; named volumes stay.
import { unseenMachines } from '../model/cluster.js';
import type { ClusterState, ServiceState } from '../model/cluster.js';
import { DEFAULT_STOP_GRACE_MS } from '../model/spec.js';
import { newestSpecOf } from './current-spec.js';
import type { Planned, RemoveOperation } from './operations.js';
import type { Plan } from './plan.js';
import { assemblePlan } from './plan.js';
import type { RolloutOverrides } from './rollout.js';

/**
 * Removing a whole service: every container that can be seen goes (in batches, stopped first and
 * removed once all are stopped); named volumes stay; containers on machines that are down stay.
 */
export function planRemoval(state: ClusterState, service: ServiceState, overrides: RolloutOverrides = {}): Plan {
  const machineName = new Map(state.machines.map((m) => [m.id, m.name]));
  const newest = newestSpecOf(service);
  const operations: Planned<RemoveOperation>[] = service.containers
    .map((c): Planned<RemoveOperation> => ({
      kind: 'remove',
      machineId: c.machineId,
      container: { id: c.id, name: c.name },
      graceMs: c.service?.spec?.stop_grace_period ?? DEFAULT_STOP_GRACE_MS,
      reason: `service ${service.name} is removed; its named volumes stay`,
    }))
    .sort((a, b) => (machineName.get(a.machineId) ?? '').localeCompare(machineName.get(b.machineId) ?? '') || a.container.name.localeCompare(b.container.name));
  const unseen = unseenMachines(state).map((m) => ({ machineId: m.id, name: m.name, reason: m.downReason ?? 'unreachable' }));
  return assemblePlan({
    serviceId: service.id,
    serviceName: service.name,
    mode: service.mode,
    isNew: false,
    action: 'remove',
    spec: newest ?? { name: service.name, image: service.containers[0]?.image ?? '' },
    changes: [],
    operations,
    unseen,
    warnings: unseen.length > 0 ? [`containers of ${service.name} on ${unseen.map((u) => u.name).join(', ')} cannot be seen and will stay: run rm again when the machine is back`] : [],
  }, state, service, { parallelism: Math.max(1, operations.length), ...overrides });
}
