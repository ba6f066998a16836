// The rolling strategy: a pure function of (desired spec, observed cluster) -> plan.
import type { ClusterState, ContainerState, MachineState, ServiceState } from '../model/cluster.js';
import type { ServiceSpec } from '../model/spec.js';
import { DEFAULT_STOP_GRACE_MS } from '../model/spec.js';
import { eligibleMachines, mountedNamedVolumes } from './eligibility.js';
import type { Operation, RemoveOperation, StopOperation, UpdateOrderResolved } from './operations.js';
import type { Plan } from './plan.js';
import { fingerprintOf } from './plan.js';
import { clashingPorts, describePort } from './ports.js';
import type { SpecChange } from './spec-change.js';
import { specChangeAgainst } from './spec-change.js';

export interface RollingOptions {
  /** Replace every running container even when it is up to date. */
  forceRecreate?: boolean;
}

export interface Strategy {
  type(): string;
  plan(state: ClusterState, service: ServiceState | undefined, serviceId: string, spec: ServiceSpec): Plan;
}

export class RollingStrategy implements Strategy {
  constructor(readonly options: RollingOptions = {}) {}
  type() {
    return 'rolling';
  }
  plan(state: ClusterState, service: ServiceState | undefined, serviceId: string, spec: ServiceSpec): Plan {
    return planRolling(state, service, serviceId, spec, this.options);
  }
}

interface Candidate {
  container: ContainerState;
  change: SpecChange;
}

const RANK = { 'up-to-date': 0, 'needs-update': 1, 'needs-recreate': 2 } as const;

/** The spec a container runs: its label, with the limits actually in force when they are known. */
function runningSpec(c: ContainerState): ServiceSpec | undefined {
  const spec = c.service?.spec;
  if (!spec) return undefined;
  return c.resources ? { ...spec, resources: { ...spec.resources, ...c.resources } } : spec;
}

function candidate(c: ContainerState, changeFrom: (current: ServiceSpec) => SpecChange, options: RollingOptions): Candidate {
  const current = runningSpec(c);
  if (!current) return { container: c, change: { status: 'needs-recreate', changes: ['spec label unreadable'] } };
  const change = changeFrom(current);
  if (options.forceRecreate) return { container: c, change: { status: 'needs-recreate', changes: change.changes } };
  return { container: c, change };
}

export function planRolling(
  state: ClusterState,
  service: ServiceState | undefined,
  serviceId: string,
  spec: ServiceSpec,
  options: RollingOptions = {},
): Plan {
  const name = spec.name ?? '';
  const containers = service?.containers ?? [];
  const { eligible, excluded, createVolumes } = eligibleMachines(state, spec, new Set(containers.map((c) => c.machineId)));
  const eligibleIds = new Set(eligible.map((m) => m.id));
  const machineById = new Map(state.machines.map((m) => [m.id, m]));
  const grace = spec.stop_grace_period ?? DEFAULT_STOP_GRACE_MS;
  const warnings: string[] = [];

  const pools = new Map<string, Candidate[]>(eligible.map((m) => [m.id, []]));
  const changeFrom = specChangeAgainst(spec);
  const leftovers: RemoveOperation[] = [];
  const remove = (c: ContainerState, reason: string): RemoveOperation => ({
    kind: 'remove', machineId: c.machineId, container: { id: c.id, name: c.name }, graceMs: stopGraceOf(c), reason,
  });

  for (const c of containers) {
    if (!eligibleIds.has(c.machineId)) {
      const why = excluded.find((e) => e.machine.id === c.machineId)?.reason ?? 'not eligible';
      leftovers.push(remove(c, `${machineById.get(c.machineId)?.name ?? c.machineId} is no longer eligible: ${why}`));
    } else if (c.state !== 'running') {
      leftovers.push(remove(c, `stale: ${c.state}${c.exitCode !== undefined ? ` (exit code ${c.exitCode})` : ''}`));
    } else {
      pools.get(c.machineId)!.push(candidate(c, changeFrom, options));
    }
  }
  for (const pool of pools.values()) {
    pool.sort((a, b) => RANK[a.change.status] - RANK[b.change.status] || a.container.created.localeCompare(b.container.created));
  }

  const work: Operation[] = [];
  const warned = new Set<string>();
  const place = (m: MachineState, current: Candidate | undefined, extras: Candidate[]) => {
    if (!warned.has(m.id)) warnForeignPortHolders(m, spec, serviceId, warnings);
    warned.add(m.id);
    const stops = extras
      .filter((x) => clashingPorts(spec.ports ?? [], x.container.hostPorts).length > 0)
      .map((x): StopOperation => ({
        kind: 'stop', machineId: m.id, container: { id: x.container.id, name: x.container.name }, graceMs: stopGraceOf(x.container),
        reason: `holds host port ${clashingPorts(spec.ports ?? [], x.container.hostPorts).map(describePort).join(', ')} the new container needs`,
      }));
    if (!current) {
      work.push(...stops, { kind: 'run', machineId: m.id, serviceId, spec });
      return;
    }
    const { container: c, change } = current;
    if (change.status === 'needs-update') {
      work.push({ kind: 'update', machineId: m.id, container: { id: c.id, name: c.name }, spec, changes: change.changes });
    } else if (change.status === 'needs-recreate') {
      const { order, reason } = replaceOrder(spec, c, warnings);
      work.push(...stops, {
        kind: 'replace', machineId: m.id, serviceId, spec, old: { id: c.id, name: c.name }, order, orderReason: reason, changes: change.changes,
      });
    }
  };

  const surplus: RemoveOperation[] = [];
  if (spec.mode === 'global') {
    for (const m of [...eligible].sort((a, b) => a.name.localeCompare(b.name))) {
      const [current, ...extras] = pools.get(m.id)!;
      place(m, current, extras);
      for (const x of extras) surplus.push(remove(x.container, 'global service: one container per machine'));
    }
  } else {
    const replicas = spec.replicas ?? 1;
    // Machines with up-to-date containers first, then the busiest with this service, then the emptiest.
    const rank = new Map(eligible.map((m) => [m.id, {
      upToDate: pools.get(m.id)!.filter((x) => x.change.status === 'up-to-date').length,
      pool: pools.get(m.id)!.length,
      running: m.containers.filter((c) => c.state === 'running').length,
    }]));
    const ordered = [...eligible].sort((a, b) => {
      const ra = rank.get(a.id)!;
      const rb = rank.get(b.id)!;
      return rb.upToDate - ra.upToDate || rb.pool - ra.pool || ra.running - rb.running || a.name.localeCompare(b.name);
    });
    for (let i = 0; i < replicas; i++) {
      const m = ordered[i % ordered.length];
      place(m, pools.get(m.id)!.shift(), []);
    }
    for (const m of ordered) {
      for (const x of pools.get(m.id)!) surplus.push(remove(x.container, `scaled to ${replicas} replica${replicas === 1 ? '' : 's'}`));
    }
  }

  const byMachineName = (a: RemoveOperation, b: RemoveOperation) =>
    (machineById.get(a.machineId)?.name ?? '').localeCompare(machineById.get(b.machineId)?.name ?? '') || a.container.name.localeCompare(b.container.name);
  const operations: Operation[] = [...createVolumes, ...work, ...[...surplus, ...leftovers].sort(byMachineName)];
  const unseen = state.machines.filter((m) => m.status === 'down').map((m) => ({ machineId: m.id, name: m.name, reason: m.downReason ?? 'unreachable' }));
  if (unseen.length > 0 && service) {
    warnings.push(`${unseen.map((u) => u.name).join(', ')} ${unseen.length === 1 ? 'is' : 'are'} down: containers of ${name} there are not counted; the plan may run more than needed and a later plan will remove the surplus`);
  }
  const isNew = !service || service.containers.length === 0;
  return {
    serviceId,
    serviceName: name,
    mode: spec.mode ?? 'replicated',
    isNew,
    action: isNew ? 'create' : 'update',
    spec,
    operations,
    unseen,
    warnings,
    fingerprint: fingerprintOf(state, service, spec),
  };
}

function stopGraceOf(c: ContainerState): number {
  return c.service?.spec?.stop_grace_period ?? DEFAULT_STOP_GRACE_MS;
}

/**
 * Update order: an explicit order wins; a host-port clash with the old container forces
 * stop-first; a single writer of a named volume is replaced stop-first; otherwise start-first.
 */
export function replaceOrder(spec: ServiceSpec, old: ContainerState, warnings: string[] = []): { order: UpdateOrderResolved; reason: string } {
  const clash = clashingPorts(spec.ports ?? [], old.hostPorts);
  const explicit = spec.update?.order;
  if (explicit === 'start-first' || explicit === 'stop-first') {
    if (explicit === 'start-first' && clash.length > 0) {
      warnings.push(`update.order is start-first but ${old.name} holds host port ${clash.map(describePort).join(', ')}: the new container cannot bind it while the old one runs`);
    }
    return { order: explicit, reason: 'set in update.order' };
  }
  if (clash.length > 0) return { order: 'stop-first', reason: `host port ${clash.map(describePort).join(', ')} is held by the old container` };
  const volumes = mountedNamedVolumes(spec);
  const single = spec.mode === 'global' || (spec.replicas ?? 1) <= 1;
  if (volumes.length > 0 && single) {
    return { order: 'stop-first', reason: `one writer per named volume ${volumes.map((v) => v.name).join(', ')}` };
  }
  return { order: 'start-first', reason: 'no host-port clash, no single-writer volume' };
}

function warnForeignPortHolders(m: MachineState, spec: ServiceSpec, serviceId: string, warnings: string[]) {
  for (const c of m.containers) {
    if (c.state !== 'running' || c.service?.id === serviceId) continue;
    const clash = clashingPorts(spec.ports ?? [], c.hostPorts);
    if (clash.length > 0) {
      warnings.push(`host port ${clash.map(describePort).join(', ')} on ${m.name} is held by container ${c.name}${c.service ? ` (service ${c.service.name})` : ''}: a container of ${spec.name} cannot start there`);
    }
  }
}
