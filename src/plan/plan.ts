// A Plan: plain data (serialisable), with a fingerprint of the state it was made from.
import { createHash } from 'node:crypto';
import type { ClusterState, ServiceState } from '../model/cluster.js';
import type { ServiceMode, ServiceSpec } from '../model/spec.js';
import type { NameResolver, Operation } from './operations.js';
import { containerOf, flatten, formatOperation } from './operations.js';

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
  /** Top-level operations in execution order; approval happens between them. */
  operations: Operation[];
  /** Machines that are down: whatever runs there cannot be seen and is not changed. */
  unseen: UnseenMachine[];
  warnings: string[];
  /** Hash of what the plan saw (machines, the service's containers); a stale plan is refused. */
  fingerprint: string;
}

export interface PlanSummary {
  create: number;
  replace: number;
  update: number;
  remove: number;
  machines: number;
}

export function summarize(plan: Pick<Plan, 'operations'>): PlanSummary {
  const ops = flatten(plan.operations);
  const count = (kinds: string[]) => ops.filter((o) => kinds.includes(o.kind)).length;
  return {
    create: count(['run', 'create-volume']),
    replace: count(['replace']),
    update: count(['update']),
    remove: count(['remove']),
    machines: new Set(ops.map((o) => o.machineId)).size,
  };
}

export function summaryLine(plan: Pick<Plan, 'operations'>): string {
  const s = summarize(plan);
  const parts = (['create', 'replace', 'update', 'remove'] as const).filter((k) => s[k] > 0).map((k) => `${s[k]} ${k}`);
  if (parts.length === 0) return 'no changes';
  return `${parts.join(' · ')} · across ${s.machines} machine${s.machines === 1 ? '' : 's'}`;
}

export function hasChanges(plan: Pick<Plan, 'operations'>): boolean {
  return plan.operations.length > 0;
}

export function planHeading(plan: Plan): string {
  const symbol = { create: '+', update: '~', remove: '-' }[plan.action];
  return `${symbol} ${plan.action} service ${plan.serviceName}`;
}

/** The plan as text: heading, one line per operation, down machines, warnings, summary. */
export function formatPlan(plan: Plan, names: NameResolver): string {
  const lines: string[] = [];
  if (!hasChanges(plan)) {
    lines.push(`= service ${plan.serviceName} is up to date: no changes`);
  } else {
    lines.push(planHeading(plan));
    for (const op of flatten(plan.operations)) lines.push(`  ${formatOperation(op, names)}`);
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
    h.update(`\n${m.name} ${m.id} ${m.status} ${m.volumes.map((v) => v.name).filter((v) => volumes.has(v)).sort().join(',')}`);
  }
  const containers = [...(service?.containers ?? [])].sort((a, b) => a.id.localeCompare(b.id));
  for (const c of containers) h.update(`\n${c.id} ${c.state} ${c.service?.specHash ?? ''} ${JSON.stringify(c.resources ?? {})}`);
  return h.digest('hex').slice(0, 16);
}
