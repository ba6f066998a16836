// A project plan: several services deployed as one (a compose project). Plain data: one section per
// service, in the order they run (a service after the services it depends on), each the service's own
// Plan; the named volumes they use are shown first. Pure: no I/O.
import { printable } from '../model/printable.js';
import type { NameResolver } from './operations.js';
import { fingerprint } from './observed.js';
import { SUMMARY_BUCKETS, type CreateVolumeOperation } from './operations.js';
import { formatPlan, hasChanges, planToJson, summarize, type Plan } from './plan.js';

/** One service of a project plan: its plan and the names to print it in. */
export interface ProjectSection {
  /** The service's key in the project (compose's service name: `web`). */
  key: string;
  plan: Plan;
  names: NameResolver;
  /** Keys of the services this one runs after (compose depends_on). */
  dependsOn: string[];
}

/** A named volume the project's services mount, and what the plan does about it. */
export interface ProjectVolume {
  name: string;
  /** Services (keys) that mount it. */
  usedBy: string[];
  /** Machine names where the plan creates it (empty: it exists wherever it is needed). */
  createdOn: string[];
}

export interface ProjectPlan {
  /** The project's name (compose `name:`, or its folder). */
  project: string;
  /** In run order. */
  sections: ProjectSection[];
  volumes: ProjectVolume[];
  /** Things a person should know about the project as a whole (compose keys not honoured, ...). */
  warnings: string[];
}

/**
 * Chains the sections' plans (made each from the cluster as it is now) so that they apply one after
 * another: a named volume an earlier section creates on a machine is not created again by a later
 * one, and the later plan expects to find it there (its stale check would otherwise refuse it, and
 * undoing the later section would take away a volume the earlier one uses). Returns new plans;
 * the sections given are not changed.
 */
export function chainSections(sections: readonly ProjectSection[]): ProjectSection[] {
  /** `machineId volume` pairs created by the sections so far. */
  const created = new Set<string>();
  return sections.map((s) => {
    const plan = s.plan;
    const dropped = new Set(plan.operations.filter((o) => o.kind === 'create-volume' && created.has(`${o.machineId} ${o.volume.name}`)).map((o) => o.id));
    for (const o of plan.operations) if (o.kind === 'create-volume') created.add(`${o.machineId} ${o.volume.name}`);
    if (dropped.size === 0) return s;
    const gone = plan.operations.filter((o): o is CreateVolumeOperation => o.kind === 'create-volume' && dropped.has(o.id));
    const observed = {
      ...plan.observed,
      machines: plan.observed.machines.map((m) => {
        const extra = gone.filter((o) => s.names.machineName(o.machineId) === m.name).map((o) => o.volume.name);
        return extra.length ? { ...m, volumes: [...new Set([...m.volumes, ...extra])].sort() } : m;
      }),
    };
    const batches = plan.batches
      .map((b) => ({ ...b, units: b.units.filter((u) => !u.opIds.every((id) => dropped.has(id))).map((u) => ({ ...u, opIds: u.opIds.filter((id) => !dropped.has(id)) })) }))
      .filter((b) => b.units.length > 0)
      .map((b, i) => ({ ...b, index: i + 1 }));
    const chained: Plan = { ...plan, operations: plan.operations.filter((o) => !dropped.has(o.id)), batches, observed, fingerprint: fingerprint(observed) };
    return { ...s, plan: chained };
  });
}

/** Whether any section changes anything. */
export function projectHasChanges(p: Pick<ProjectPlan, 'sections'>): boolean {
  return p.sections.some((s) => hasChanges(s.plan));
}

/** The named volumes of the sections' specs, with the machines where their plans create them. */
export function projectVolumes(sections: readonly ProjectSection[]): ProjectVolume[] {
  const byName = new Map<string, ProjectVolume>();
  for (const s of sections) {
    for (const v of s.plan.spec.volumes ?? []) {
      if (v.type !== 'volume' || !v.name) continue;
      const entry = byName.get(v.name) ?? { name: v.name, usedBy: [], createdOn: [] };
      if (!entry.usedBy.includes(s.key)) entry.usedBy.push(s.key);
      byName.set(v.name, entry);
    }
    for (const op of s.plan.operations) {
      if (op.kind !== 'create-volume') continue;
      const entry = byName.get(op.volume.name) ?? { name: op.volume.name, usedBy: [s.key], createdOn: [] };
      const machine = s.names.machineName(op.machineId);
      if (!entry.createdOn.includes(machine)) entry.createdOn.push(machine);
      byName.set(op.volume.name, entry);
    }
  }
  return [...byName.values()];
}

/** `2 services change (web, worker) · 1 up to date · 3 create · 2 replace`, or `no changes`. */
export function projectSummaryLine(p: Pick<ProjectPlan, 'sections'>): string {
  const changing = p.sections.filter((s) => hasChanges(s.plan));
  if (changing.length === 0) return 'no changes';
  const totals = Object.fromEntries(SUMMARY_BUCKETS.map((b) => [b, 0])) as Record<(typeof SUMMARY_BUCKETS)[number], number>;
  for (const s of changing) {
    const one = summarize(s.plan);
    for (const b of SUMMARY_BUCKETS) totals[b] += one[b];
  }
  const parts = [`${changing.length} service${changing.length === 1 ? '' : 's'} change${changing.length === 1 ? 's' : ''} (${changing.map((s) => s.key).join(', ')})`];
  const still = p.sections.length - changing.length;
  if (still > 0) parts.push(`${still} up to date`);
  for (const b of SUMMARY_BUCKETS) if (totals[b] > 0) parts.push(`${totals[b]} ${b}`);
  return parts.join(' · ');
}

/**
 * The project plan as text: a heading, the volumes, then each service's plan (formatPlan) in run
 * order, each after the services it depends on, then the project's warnings and one summary line.
 */
export function formatProjectPlan(p: ProjectPlan): string {
  const lines: string[] = [`project ${p.project}: ${p.sections.length} service${p.sections.length === 1 ? '' : 's'}, in this order: ${p.sections.map((s) => s.key).join(', ')}`];
  if (p.volumes.length > 0) {
    lines.push('volumes:');
    for (const v of p.volumes) {
      const what = v.createdOn.length > 0 ? `+ create volume ${v.name} on ${v.createdOn.join(', ')}` : `= volume ${v.name}`;
      lines.push(`  ${what} (used by ${v.usedBy.join(', ')})`);
    }
  }
  for (const s of p.sections) {
    lines.push('');
    lines.push(`service ${s.key}${s.dependsOn.length ? ` (after ${s.dependsOn.join(', ')})` : ''}:`);
    lines.push(...formatPlan(s.plan, s.names).split('\n').map((l) => `  ${l}`));
  }
  lines.push('');
  for (const w of p.warnings) lines.push(`warning: ${w}`);
  lines.push(`project ${p.project}: ${projectSummaryLine(p)}`);
  return printable(lines.join('\n'));
}

/** The JSON contract of `plan --json` for a project: `{project, order, volumes, services: [{key, depends_on, plan}], warnings}`. */
export function projectPlanToJson(p: ProjectPlan) {
  return {
    project: p.project,
    order: p.sections.map((s) => s.key),
    volumes: p.volumes.map((v) => ({ name: v.name, used_by: v.usedBy, created_on: v.createdOn })),
    services: p.sections.map((s) => ({ key: s.key, depends_on: s.dependsOn, plan: planToJson(s.plan, s.names) })),
    warnings: p.warnings,
    changes: projectHasChanges(p),
  };
}
