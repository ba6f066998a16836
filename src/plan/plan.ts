// A Plan: plain data (serialisable), with what it saw of the cluster and a fingerprint of it.
import type { ClusterState, ServiceState } from '../model/cluster.js';
import type { ServiceMode, ServiceSpec } from '../model/spec.js';
import type { PlanSecrets } from './secret-seal.js';
import { printable } from '../model/printable.js';
import { fingerprint, observe, type Observation } from './observed.js';
import type { NameResolver, Operation, PlannedOperation, SummaryBucket } from './operations.js';
import { OPERATION_KINDS, SUMMARY_BUCKETS, containerOf, formatOperation, withIds } from './operations.js';
import { removalRisk, specRisks, type Risk } from './risks.js';
import { batchOperations, rolloutSettings, type Batch, type RolloutOverrides, type RolloutSettings } from './rollout.js';
import { CONTAINER_EFFECTS, formatSpecChange, type SpecFieldChange } from './spec-diff.js';

export interface UnseenMachine {
  machineId: string;
  name: string;
  reason: string;
}

export interface Plan {
  serviceId: string;
  serviceName: string;
  mode: ServiceMode;
  /** true when no container of the service exists yet (on the machines that could be seen). */
  isNew: boolean;
  /** What the plan does to the service as a whole. */
  action: 'create' | 'update' | 'remove';
  /** The desired, resolved spec, secret values sealed (tokens, see secret-seal.ts). */
  spec: ServiceSpec;
  /**
   * The clear values the plan's sealed specs stand for, in memory only (JSON leaves it out): a plan
   * read from a file has none until they are read again (src/execute/secret-sources.ts).
   */
  secrets?: PlanSecrets;
  /**
   * What changes, field by field: the spec the service's newest container runs against the
   * desired one (every field of a new service is added). Secrets masked. Computed from the same
   * table as the operations, so a container change shows here exactly when it is replaced or updated.
   */
  changes: SpecFieldChange[];
  /** Every operation, with its id, in plan order. */
  operations: Operation[];
  /** How the operations roll out. */
  rollout: RolloutSettings;
  /** The operations grouped into units and batches, in execution order (see rollout.ts). */
  batches: Batch[];
  /** Machines that are down: whatever runs there cannot be seen and is not changed. */
  unseen: UnseenMachine[];
  warnings: string[];
  /** Settings that hand a container power over its machine, or the removal of the whole service. */
  risks: Risk[];
  /** What the plan saw (machines, the service's containers and volumes): a stale plan is refused, saying what changed. */
  observed: Observation;
  /** A hash of `observed`. */
  fingerprint: string;
}

/** An operation of the plan by id; undefined when it has none. */
export function operationById(plan: Pick<Plan, 'operations'>, id: string): Operation | undefined {
  return plan.operations.find((o) => o.id === id);
}

/** Operations counted per summary bucket (see OPERATION_KINDS), and how many machines they touch. */
export type PlanSummary = Record<SummaryBucket, number> & { machines: number };

/** The one summary every face shows. */
export function summarize(plan: Pick<Plan, 'operations'>): PlanSummary {
  const ops = plan.operations;
  const summary = { create: 0, replace: 0, update: 0, stop: 0, remove: 0, machines: new Set(ops.map((o) => o.machineId)).size };
  for (const op of ops) summary[OPERATION_KINDS[op.kind].bucket]++;
  return summary;
}

/** `2 create · 1 replace · 1 stop · across 3 machines`, or `no changes`. */
export function summaryLine(plan: Pick<Plan, 'operations'>): string {
  const s = summarize(plan);
  const parts = SUMMARY_BUCKETS.filter((k) => s[k] > 0).map((k) => `${s[k]} ${k}`);
  if (parts.length === 0) return 'no changes';
  return `${parts.join(' · ')} · across ${s.machines} machine${s.machines === 1 ? '' : 's'}`;
}

/** The plan's field changes that change containers (replaced or updated in place). */
export function containerChanges(plan: Pick<Plan, 'changes'>): SpecFieldChange[] {
  return plan.changes.filter((c) => CONTAINER_EFFECTS.has(c.effect));
}

export function hasChanges(plan: Pick<Plan, 'operations'>): boolean {
  return plan.operations.length > 0;
}

export function planHeading(plan: Plan): string {
  const symbol = { create: '+', update: '~', remove: '-' }[plan.action];
  return `${symbol} ${plan.action} service ${plan.serviceName}`;
}

/**
 * The plan as text: heading, the field changes (of an existing service), one line per operation,
 * down machines, warnings, summary.
 */
export function formatPlan(plan: Plan, names: NameResolver): string {
  const lines: string[] = [];
  if (!hasChanges(plan)) {
    lines.push(plan.changes.length === 0
      ? `= service ${plan.serviceName} is up to date: no changes`
      : `= service ${plan.serviceName} is up to date: nothing to do on any container`);
  } else {
    lines.push(planHeading(plan));
  }
  if (!plan.isNew && plan.changes.length > 0) {
    // Settings that change no container are kept on the containers' labels only by the next rollout.
    lines.push(hasChanges(plan) ? '  changes:' : '  changes (no container needs them now; the next rollout records them):');
    for (const c of plan.changes) lines.push(`    ${formatSpecChange(c)}`);
  }
  if (hasChanges(plan)) {
    const grouped = !plan.isNew && plan.changes.length > 0;
    if (grouped) lines.push('  operations:');
    for (const op of plan.operations) lines.push(`${grouped ? '    ' : '  '}${formatOperation(op, names)}`);
    lines.push(`  rollout: ${rolloutLine(plan)}`);
  }
  for (const u of plan.unseen) lines.push(`  ? ${u.name} is down (${u.reason}): its containers cannot be seen and are not changed`);
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  for (const r of plan.risks) lines.push(`risk: ${r.setting}: ${r.why}`);
  if (hasChanges(plan)) lines.push(summaryLine(plan));
  // Values, names and reasons come from files and engines: nothing raw that a terminal acts on.
  return printable(lines.join('\n'));
}

/**
 * `3 batches · 1 at a time · start-first...`: how the rollout runs, in words. Batches of volumes
 * and removals are counted with the rest.
 */
export function rolloutLine(plan: Pick<Plan, 'rollout' | 'batches'>): string {
  const r = plan.rollout;
  const parts = [`${plan.batches.length} batch${plan.batches.length === 1 ? '' : 'es'}`, `${r.parallelism} at a time`];
  if (r.canary) parts.push('canary first');
  if (r.delayMs > 0) parts.push(`${r.delayMs / 1000}s between batches`);
  parts.push(`on failure ${r.failureAction}${r.maxFailureRatio > 0 ? ` (after more than ${Math.round(r.maxFailureRatio * 100)}% failed)` : ''}`);
  return parts.join(' · ');
}

/** The JSON contract of `plan --json`. */
export function planToJson(plan: Plan, names: NameResolver) {
  return {
    service: { id: plan.serviceId, name: plan.serviceName, mode: plan.mode, new: plan.isNew },
    /** `none` when there is nothing to do. */
    action: hasChanges(plan) ? plan.action : 'none',
    changes: plan.changes,
    operations: plan.operations.map((op) => {
      const c = containerOf(op);
      return {
        id: op.id,
        type: op.kind,
        machine: { id: op.machineId, name: names.machineName(op.machineId) },
        container: c ? { id: c.id, name: names.containerName(c.id) || c.name } : null,
        ...(op.kind === 'replace' ? { order: op.order, changes: op.changes } : {}),
        ...(op.kind === 'update' ? { changes: op.changes } : {}),
        ...(op.kind === 'create-volume' ? { volume: op.volume.name } : {}),
        text: formatOperation(op, names),
      };
    }),
    rollout: plan.rollout,
    batches: plan.batches.map((b) => ({ index: b.index, kind: b.kind, units: b.units.map((u) => ({ id: u.id, machine: names.machineName(u.machineId), operations: u.opIds })) })),
    summary: summarize(plan),
    unreachable: plan.unseen.map((u) => ({ machine: { id: u.machineId, name: u.name }, reason: u.reason })),
    warnings: plan.warnings,
    risks: plan.risks,
    fingerprint: plan.fingerprint,
  };
}

/**
 * Names from what was observed: machine id -> name, container id -> name. The index of every
 * container is built on the first container name asked for: planning hands names to a face, and
 * a face that shows no container name (or none at all) does not pay for indexing the cluster.
 */
export function nameResolver(state: ClusterState): NameResolver {
  const machines = new Map(state.machines.map((m) => [m.id, m.name]));
  // The containers as they are now (a copy of each list, cheap next to indexing them).
  const lists = state.machines.map((m) => m.containers.slice());
  let containers: Map<string, string> | undefined;
  const containerIndex = (): Map<string, string> => {
    if (!containers) {
      containers = new Map<string, string>();
      for (const list of lists) for (const c of list) containers.set(c.id, c.name);
    }
    return containers;
  };
  return {
    machineName: (id) => machines.get(id) ?? id.slice(0, 12),
    containerName: (id) => containerIndex().get(id) ?? '',
  };
}


/** The parts a strategy decides; assemblePlan numbers, batches and fingerprints them. */
export interface PlanParts {
  serviceId: string;
  serviceName: string;
  mode: ServiceMode;
  isNew: boolean;
  action: Plan['action'];
  spec: ServiceSpec;
  changes: SpecFieldChange[];
  operations: PlannedOperation[];
  unseen: UnseenMachine[];
  warnings: string[];
}

/**
 * A plan from a strategy's parts: operations numbered (`o1`...), grouped into batches by the
 * rollout settings (the spec's update block, then `overrides`), the risks it takes, and what it saw
 * of `state` (for `service`; undefined for a new one) with its fingerprint.
 */
export function assemblePlan(parts: PlanParts, state: ClusterState, service: ServiceState | undefined, overrides: RolloutOverrides = {}): Plan {
  const operations = withIds(parts.operations);
  const rollout = rolloutSettings(parts.spec, overrides);
  const createsContainers = operations.some((o) => o.kind === 'run' || o.kind === 'replace');
  const risks = [
    ...(createsContainers ? specRisks(parts.spec) : []),
    ...(parts.action === 'remove' && operations.length > 0 ? [removalRisk(parts.serviceName, operations.length)] : []),
  ];
  const observed = observe(state, service, parts.spec);
  return {
    ...parts,
    operations,
    rollout,
    batches: batchOperations(operations, rollout),
    risks,
    observed,
    fingerprint: fingerprint(observed),
  };
}
