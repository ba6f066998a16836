// A Plan: plain data (serialisable), with a fingerprint of the state it was made from.
import { createHash } from 'node:crypto';
import type { ClusterState, ServiceState } from '../model/cluster.js';
import type { ServiceMode, ServiceSpec } from '../model/spec.js';
import type { NameResolver, Operation, SummaryBucket } from './operations.js';
import { OPERATION_KINDS, SUMMARY_BUCKETS, containerOf, flatten, formatOperation } from './operations.js';
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
  /** The desired, resolved spec. */
  spec: ServiceSpec;
  /**
   * What changes, field by field: the spec the service's newest container runs against the
   * desired one (every field of a new service is added). Secrets masked. Computed from the same
   * table as the operations, so a container change shows here exactly when it is replaced or updated.
   */
  changes: SpecFieldChange[];
  /** Top-level operations in execution order; approval happens between them. */
  operations: Operation[];
  /** Machines that are down: whatever runs there cannot be seen and is not changed. */
  unseen: UnseenMachine[];
  warnings: string[];
  /** Hash of what the plan saw (machines, the service's containers); a stale plan is refused. */
  fingerprint: string;
}

/** Operations counted per summary bucket (see OPERATION_KINDS), and how many machines they touch. */
export type PlanSummary = Record<SummaryBucket, number> & { machines: number };

/** The one summary every face shows. */
export function summarize(plan: Pick<Plan, 'operations'>): PlanSummary {
  const ops = flatten(plan.operations);
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
    lines.push(`= service ${plan.serviceName} is up to date: no changes`);
  } else {
    lines.push(planHeading(plan));
  }
  if (!plan.isNew && plan.changes.length > 0) {
    lines.push('  changes:');
    for (const c of plan.changes) lines.push(`    ${formatSpecChange(c)}`);
  }
  if (hasChanges(plan)) {
    const grouped = !plan.isNew && plan.changes.length > 0;
    if (grouped) lines.push('  operations:');
    for (const op of flatten(plan.operations)) lines.push(`${grouped ? '    ' : '  '}${formatOperation(op, names)}`);
  }
  for (const u of plan.unseen) lines.push(`  ? ${u.name} is down (${u.reason}): its containers cannot be seen and are not changed`);
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  if (hasChanges(plan)) lines.push(summaryLine(plan));
  return lines.join('\n');
}

/** The JSON contract of `plan --json`. */
export function planToJson(plan: Plan, names: NameResolver) {
  return {
    service: { id: plan.serviceId, name: plan.serviceName, mode: plan.mode, new: plan.isNew },
    action: plan.action,
    changes: plan.changes,
    operations: flatten(plan.operations).map((op) => {
      const c = containerOf(op);
      return {
        type: op.kind,
        machine: { id: op.machineId, name: names.machineName(op.machineId) },
        container: c ? { id: c.id, name: names.containerName(c.id) || c.name } : null,
        ...(op.kind === 'replace' ? { order: op.order, changes: op.changes } : {}),
        ...(op.kind === 'update' ? { changes: op.changes } : {}),
        ...(op.kind === 'create-volume' ? { volume: op.volume.name } : {}),
        text: formatOperation(op, names),
      };
    }),
    summary: summarize(plan),
    unreachable: plan.unseen.map((u) => ({ machine: { id: u.machineId, name: u.name }, reason: u.reason })),
    warnings: plan.warnings,
    fingerprint: plan.fingerprint,
  };
}

/** Names from what was observed: machine id -> name, container id -> name. */
export function nameResolver(state: ClusterState): NameResolver {
  const machines = new Map(state.machines.map((m) => [m.id, m.name]));
  const containers = new Map<string, string>();
  for (const m of state.machines) for (const c of m.containers) containers.set(c.id, c.name);
  return {
    machineName: (id) => machines.get(id) ?? id.slice(0, 12),
    containerName: (id) => containers.get(id) ?? '',
  };
}

/** What a plan saw: the machines (up/down, the service's volumes there) and the service's containers. */
export function fingerprintOf(state: ClusterState, service: ServiceState | undefined, spec: Pick<ServiceSpec, 'volumes'>): string {
  const h = createHash('sha256');
  const volumes = new Set((spec.volumes ?? []).map((v) => v.name));
  for (const m of [...state.machines].sort((a, b) => a.name.localeCompare(b.name))) {
    h.update(`\n${m.name} ${m.engineId ?? ''} ${m.status} ${m.volumes.map((v) => v.name).filter((v) => volumes.has(v)).sort().join(',')}`);
  }
  const containers = [...(service?.containers ?? [])].sort((a, b) => a.id.localeCompare(b.id));
  for (const c of containers) h.update(`\n${c.id} ${c.state} ${c.service?.specHash ?? ''} ${c.imageId ?? ''} ${JSON.stringify(c.resources ?? {})}`);
  return h.digest('hex').slice(0, 16);
}
