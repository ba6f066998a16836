// The rolling strategy: a pure function of (desired spec, observed cluster) -> plan.
import { ValueKeyedMap } from '../model/canonical.js';
import { unseenMachines } from '../model/cluster.js';
import type { ClusterState, ContainerState, MachineState, ServiceState } from '../model/cluster.js';
import type { ServiceSpec, VolumeSpec } from '../model/spec.js';
import { DEFAULT_STOP_GRACE_MS } from '../model/spec.js';
import { currentSpecOf, lastDeployedReplicas, runningSpecOf } from './current-spec.js';
import { eligibleMachines, mountedNamedVolumes, type Exclusion } from './eligibility.js';
import { plannedState } from './observed.js';
import type { Planned, PlannedOperation, RemoveOperation, StopOperation, UpdateOrderResolved } from './operations.js';
import type { Plan } from './plan.js';
import { assemblePlan } from './plan.js';
import type { RolloutOverrides } from './rollout.js';
import { PlanError } from './plan-error.js';
import { clashingPorts, describePort } from './ports.js';
import { maskValue } from './secrets.js';
import type { SpecChange } from './spec-change.js';
import { specChangeAgainst } from './spec-change.js';
import { diffSpecs, type FieldContext } from './spec-diff.js';

export interface RollingOptions {
  /** Replace every running container even when it is up to date. */
  forceRecreate?: boolean;
  /**
   * Plan as if the machines that are down held nothing of this service: create it, its volumes
   * and replacement replicas elsewhere. Off by default, since when such a machine comes back the
   * service then runs twice (and a volume exists twice).
   */
  ignoreDown?: boolean;
  /** Rollout settings that beat the spec's update block (command-line flags). */
  rollout?: RolloutOverrides;
}

export interface Strategy {
  type(): string;
  /** The plan for `spec` over `state`; throws a PlanError (with a reason a person can act on) when there is none. */
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

function candidate(c: ContainerState, changeOf: (c: ContainerState) => SpecChange | undefined, options: RollingOptions): Candidate {
  const change = changeOf(c);
  if (!change) return { container: c, change: { status: 'needs-recreate', changes: ['spec label unreadable'] } };
  if (options.forceRecreate) return { container: c, change: { status: 'needs-recreate', changes: change.changes } };
  return { container: c, change };
}

/**
 * How each container's running spec (runningSpecOf) relates to `changeFrom`'s desired one,
 * computed once per distinct running spec: what runningSpecOf reads (the label, the limits in
 * force, the image ID) is the key, compared by value. Undefined for a container without a readable
 * label. Each call returns its own copy.
 */
function changesOnce(changeFrom: (current: ServiceSpec) => SpecChange): (c: ContainerState) => SpecChange | undefined {
  const known = new ValueKeyedMap<{ label: ServiceSpec; resources: unknown; imageId: string | undefined }, SpecChange>();
  return (c) => {
    const label = c.service?.spec;
    if (!label) return undefined;
    const key = { label, resources: c.resources, imageId: c.imageId };
    const hint = c.service?.specHash ?? label.image;
    let change = known.get(hint, key);
    if (!change) {
      const current = runningSpecOf(c);
      if (!current) return undefined;
      change = changeFrom(current);
      known.set(hint, key, change);
    }
    return { status: change.status, changes: [...change.changes] };
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const names = (machines: { name: string }[]) => machines.map((m) => m.name).join(', ');
const isAre = (n: number) => (n === 1 ? 'is' : 'are');

/**
 * The rolling plan (DEPLOY-MODEL.md, "Rolling strategy"): keep what is up to date, update limits
 * in place, replace the rest on the same machine, run what is missing, remove the surplus last.
 * Throws a PlanError when no machine can run the service, when host ports cannot fit the replicas,
 * or when a machine that is down may already hold what the plan would create elsewhere (unless
 * `ignoreDown`).
 */
export function planRolling(
  state: ClusterState,
  service: ServiceState | undefined,
  serviceId: string,
  spec: ServiceSpec,
  options: RollingOptions = {},
): Plan {
  const name = spec.name ?? '';
  const containers = service?.containers ?? [];
  const down = unseenMachines(state);
  const isNew = !service || containers.length === 0;
  const global = spec.mode === 'global';
  const warnings: string[] = [];
  const { eligible, excluded, createVolumes } = eligibleMachines(state, spec, new Set(containers.map((c) => c.machineId)), service?.id ?? serviceId);
  if (isNew && down.length > 0 && !global && !options.ignoreDown) refuseNewWhileDown(spec, down);
  if (createVolumes.length > 0 && down.length > 0 && !global && !options.ignoreDown) refuseVolumesWhileDown(spec, createVolumes.map((v) => v.volume), down);
  warnPortExclusions(excluded, name, warnings);
  warnVolumeOptions(spec, eligible, warnings);
  const eligibleIds = new Set(eligible.map((m) => m.id));
  const machineById = new Map(state.machines.map((m) => [m.id, m]));
  const hostPorts = (spec.ports ?? []).filter((p) => p.mode === 'host' && p.published !== undefined);

  const pools = new Map<string, Candidate[]>(eligible.map((m) => [m.id, []]));
  const context = fieldContextOf(state);
  const changeFrom = changesOnce(specChangeAgainst(spec, context));
  const leftovers: Planned<RemoveOperation>[] = [];
  const remove = (c: ContainerState, reason: string): Planned<RemoveOperation> => ({
    kind: 'remove', machineId: c.machineId, container: { id: c.id, name: c.name }, graceMs: stopGraceOf(c), reason,
  });

  for (const c of containers) {
    if (!eligibleIds.has(c.machineId)) {
      const why = excluded.find((e) => e.machine.id === c.machineId)?.reason ?? 'not eligible';
      leftovers.push(remove(c, `${machineById.get(c.machineId)?.name ?? c.machineId} is no longer eligible: ${why}`));
    } else if (plannedState(c.state) !== 'running') {
      leftovers.push(remove(c, `stale: ${c.state}${c.exitCode !== undefined ? ` (exit code ${c.exitCode})` : ''}`));
    } else {
      pools.get(c.machineId)!.push(candidate(c, changeFrom, options));
    }
  }
  for (const pool of pools.values()) {
    pool.sort((a, b) => RANK[a.change.status] - RANK[b.change.status] || a.container.created.localeCompare(b.container.created));
  }

  const work: PlannedOperation[] = [];
  const place = (m: MachineState, current: Candidate | undefined, extras: Candidate[]) => {
    const stops = extras
      .filter((x) => clashingPorts(spec.ports ?? [], x.container.hostPorts).length > 0)
      .map((x): Planned<StopOperation> => ({
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

  const surplus: Planned<RemoveOperation>[] = [];
  if (global) {
    for (const m of [...eligible].sort((a, b) => a.name.localeCompare(b.name))) {
      const [current, ...extras] = pools.get(m.id)!;
      place(m, current, extras);
      for (const x of extras) surplus.push(remove(x.container, 'global service: one container per machine'));
    }
  } else {
    const wanted = spec.replicas ?? 1;
    if (hostPorts.length > 0 && wanted > eligible.length) refuseHostPortReplicas(name, wanted, hostPorts.map(describePort), eligible, excluded);
    const visible = [...pools.values()].reduce((n, pool) => n + pool.length, 0);
    const replicas = options.ignoreDown || down.length === 0 ? wanted : withoutHidden(wanted, visible, service, down, name, warnings);
    // Machines with up-to-date containers first, then the busiest with this service, then the emptiest.
    const rank = new Map(eligible.map((m) => [m.id, {
      upToDate: pools.get(m.id)!.filter((x) => x.change.status === 'up-to-date').length,
      pool: pools.get(m.id)!.length,
      running: runningCount(m),
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
      for (const x of pools.get(m.id)!) surplus.push(remove(x.container, `scaled to ${plural(wanted, 'replica')}`));
    }
  }

  const byMachineName = (a: Planned<RemoveOperation>, b: Planned<RemoveOperation>) =>
    (machineById.get(a.machineId)?.name ?? '').localeCompare(machineById.get(b.machineId)?.name ?? '') || a.container.name.localeCompare(b.container.name);
  const operations: PlannedOperation[] = [...createVolumes, ...work, ...[...surplus, ...leftovers].sort(byMachineName)];
  const unseen = down.map((m) => ({ machineId: m.id, name: m.name, reason: m.downReason ?? 'unreachable' }));
  if (unseen.length > 0 && !isNew) {
    warnings.push(`${names(down)} ${isAre(down.length)} down: containers of ${name} there cannot be seen and are not changed; plan again when ${down.length === 1 ? 'it is' : 'they are'} back`);
  }
  if (service && service.ids.length > 1) {
    warnings.push(`service ${name} exists under ${service.ids.length} service ids (${service.ids.map((i) => i.slice(0, 12)).join(', ')}), from deploys that could not see each other: here they are one service, and new containers carry ${service.id.slice(0, 12)}`);
  }
  // The diff starts from what runs, its replica count being the containers (as an edit starts):
  // after a scale-down the survivors' labels still carry the count they were created with.
  const current = service ? currentSpecOf(service, state) : undefined;
  return assemblePlan({
    serviceId,
    serviceName: name,
    mode: spec.mode ?? 'replicated',
    isNew,
    action: isNew ? 'create' : 'update',
    spec,
    changes: diffSpecs(current, spec, context),
    operations,
    unseen,
    warnings,
  }, state, service, options.rollout);
}

/** The engines' defaults the field table needs: the log driver, when every engine that is up agrees. */
export function fieldContextOf(state: ClusterState): FieldContext {
  const drivers = new Set(state.machines.filter((m) => m.status === 'up').map((m) => m.logDriver));
  const [only] = drivers;
  return drivers.size === 1 && only ? { logDriver: only } : {};
}

/** How many containers of the machine are running or restarting (counted, no list built: a machine holds many). */
function runningCount(m: MachineState): number {
  let n = 0;
  for (const c of m.containers) if (plannedState(c.state) === 'running') n++;
  return n;
}

function stopGraceOf(c: ContainerState): number {
  return c.service?.spec?.stop_grace_period ?? DEFAULT_STOP_GRACE_MS;
}

/** A service none of whose containers can be seen, while machines are down: it may run there. */
function refuseNewWhileDown(spec: ServiceSpec, down: MachineState[]): never {
  const volumes = mountedNamedVolumes(spec).map((v) => v.name);
  const copy = volumes.length ? `a second copy, with a new, empty volume ${volumes.join(', ')}` : 'a second copy';
  throw new PlanError(
    `${names(down)} ${isAre(down.length)} down, and service ${spec.name} may already run there (containers and volumes on a machine that is down cannot be seen): ` +
      `creating it now could start ${copy}. Wait until ${down.length === 1 ? 'it is' : 'they are'} back, or plan again with --ignore-down to create it anyway.`,
    [],
    'ignore-down',
  );
}

/** A named volume missing on every machine that is up may be on one that is down. */
function refuseVolumesWhileDown(spec: ServiceSpec, volumes: VolumeSpec[], down: MachineState[]): never {
  const list = [...new Set(volumes.map((v) => v.name))].join(', ');
  throw new PlanError(
    `volume ${list} of service ${spec.name} is on no machine that is up, and ${names(down)} ${isAre(down.length)} down and may hold it: ` +
      `creating it now would give the service a new, empty volume. Wait until ${down.length === 1 ? 'it is' : 'they are'} back, or plan again with --ignore-down to create it anyway.`,
    [],
    'ignore-down',
  );
}

/**
 * Replicas to plan for while machines are down: replicas the last deploy placed that cannot be seen
 * may run on a machine that is down, so they are not started again elsewhere (which would leave
 * two when it returns). Only growth beyond the last deployed count is started.
 */
function withoutHidden(wanted: number, visible: number, service: ServiceState | undefined, down: MachineState[], name: string, warnings: string[]): number {
  const last = service ? lastDeployedReplicas(service) ?? visible : visible;
  const hidden = Math.max(0, last - visible);
  const replicas = Math.max(Math.min(wanted, visible), wanted - hidden);
  if (replicas < wanted) {
    const missing = wanted - replicas;
    warnings.push(
      `${plural(missing, 'replica')} of ${name} may be on ${names(down)} (down) and cannot be seen: not started elsewhere, so no second copy appears when ${down.length === 1 ? 'it returns' : 'they return'}; ` +
        `plan with --ignore-down to start ${missing === 1 ? 'it' : 'them'} elsewhere now`,
    );
  }
  return replicas;
}

/** Host-mode ports bind once per machine: replicas beyond the eligible machines cannot start. */
function refuseHostPortReplicas(name: string, replicas: number, ports: string[], eligible: MachineState[], excluded: Exclusion[]): never {
  const why = excluded.length ? `; not eligible: ${excluded.map((e) => `${e.machine.name} (${e.reason})`).join(', ')}` : '';
  throw new PlanError(
    `service ${name}: ${plural(replicas, 'replica')} need ${plural(replicas, 'machine')}, since host port ${ports.join(', ')} can be bound once per machine, ` +
      `but only ${eligible.length ? names(eligible) : 'no machine'} ${isAre(eligible.length)} eligible${why}. ` +
      `Lower replicas to ${eligible.length}, allow more machines in placement.machines, or publish the port on a different host port per replica.`,
  );
}

function warnPortExclusions(excluded: Exclusion[], name: string, warnings: string[]): void {
  for (const e of excluded) {
    if (e.kind === 'ports') warnings.push(`${e.machine.name} cannot run ${name}: ${e.reason}`);
  }
}

/**
 * Docker never changes an existing volume's driver or options, and a deploy never removes a
 * volume: when the spec asks for others, the plan says which volume on which machine keeps its own.
 */
function warnVolumeOptions(spec: ServiceSpec, eligible: MachineState[], warnings: string[]): void {
  for (const v of mountedNamedVolumes(spec)) {
    const differs: string[] = [];
    let have = '';
    for (const m of eligible) {
      const seen = m.volumes.find((x) => x.name === v.name);
      if (!seen) continue;
      if (optionsText(seen.driver, seen.options, false) !== optionsText(v.driver ?? 'local', v.driver_opts, false)) {
        differs.push(m.name);
        have = optionsText(seen.driver, seen.options);
      }
    }
    if (differs.length === 0) continue;
    warnings.push(
      `volume ${v.name} on ${differs.join(', ')} keeps its options (${have || 'none'}), not the spec's (${optionsText(v.driver ?? 'local', v.driver_opts) || 'none'}): ` +
        'Docker never changes an existing volume and a deploy never removes one; to use new options, mount a volume under a new name and move the data',
    );
  }
}

/** `driver nfs, o=addr=10.0.0.1, type=nfs`; the local driver is not named. Secrets masked unless `mask` is false (for comparing). */
function optionsText(driver: string, options: Record<string, string> | undefined, mask = true): string {
  const parts = driver === 'local' ? [] : [`driver ${driver}`];
  for (const key of Object.keys(options ?? {}).sort()) parts.push(`${key}=${mask ? maskValue(key, options![key]!) : options![key]!}`);
  return parts.join(', ');
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
