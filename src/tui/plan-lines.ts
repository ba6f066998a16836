// The plan screen's text as lines: the field-level spec change, then the operations per machine.
// Pure, so the reducer can bound scrolling by the same lines the screen draws.
import { formatOperation } from '../plan/operations.js';
import { planHeading, rolloutLine, summaryLine } from '../plan/plan.js';
import { planTree } from '../plan/plan-tree.js';
import { formatProjectPlan, type ProjectPlan } from '../plan/project-plan.js';
import { revealPlan } from '../plan/secret-seal.js';
import { diffSpecs, formatSpecChange } from '../plan/spec-diff.js';
import type { Draft } from './state/app-state.js';
import { printable } from '../model/printable.js';
import { symbolColour, theme } from './theme.js';

export interface Line {
  text: string;
  colour?: string;
  bold?: boolean;
}

// A draft and a project plan never change once made (the reducer replaces them), and their lines
// are read on every frame and every scroll key: each is formatted once. Keyed by the object, so a
// plan that is gone takes its lines with it.
const linesByDraft = { masked: new WeakMap<Draft, Line[]>(), shown: new WeakMap<Draft, Line[]>() };
const textByProjectPlan = new WeakMap<ProjectPlan, string[]>();

/**
 * The plan screen's lines; with `showSecrets` the plan's secret values are shown (revealPlan), else
 * masked. Formatted once per draft object and kept: callers must not change the array.
 */
export function planLines(draft: Draft, showSecrets = false): Line[] {
  const cache = showSecrets ? linesByDraft.shown : linesByDraft.masked;
  let lines = cache.get(draft);
  if (!lines) {
    lines = rawPlanLines(draft, showSecrets).map((l) => ({ ...l, text: printable(l.text, { oneLine: true }) }));
    cache.set(draft, lines);
  }
  return lines;
}

/** formatProjectPlan(plan) as lines, formatted once per plan object (callers must not change the array). */
export function projectPlanText(plan: ProjectPlan): string[] {
  let lines = textByProjectPlan.get(plan);
  if (!lines) {
    lines = formatProjectPlan(plan).split('\n');
    textByProjectPlan.set(plan, lines);
  }
  return lines;
}

function rawPlanLines(draft: Draft, showSecrets: boolean): Line[] {
  const { names } = draft;
  const plan = draft.plan && showSecrets ? revealPlan(draft.plan) : draft.plan;
  const isNew = plan ? plan.isNew : !draft.current;
  const lines: Line[] = [{ text: `CHANGES${isNew ? ' (new service)' : ''}`, bold: true }];
  // Once planned, the plan's own changes: computed against what the containers really run, from
  // the same table as the operations. Until then, the edit against the last deployed spec.
  const changes = plan?.changes ?? diffSpecs(draft.current, draft.desired);
  if (changes.length === 0) lines.push({ text: '  the spec is unchanged', colour: theme.dim });
  else if (plan && plan.operations.length === 0) lines.push({ text: '  (no container needs these now; the next rollout records them)', colour: theme.dim });
  for (const c of changes) {
    lines.push({ text: `  ${formatSpecChange(c, { notes: !isNew })}`, colour: c.kind === 'added' ? theme.add : c.kind === 'removed' ? theme.remove : theme.change });
  }
  lines.push({ text: ' ' });
  if (draft.planning !== 'ready' || !plan || !names) return lines;
  lines.push({ text: 'OPERATIONS', bold: true });
  if (plan.operations.length === 0) {
    lines.push({ text: `  ${plan.serviceName} is up to date: nothing to do`, colour: theme.ok });
  } else {
    lines.push({ text: planHeading(plan), bold: true });
    for (const m of planTree(plan, names)) {
      lines.push({ text: `  ${m.name}${m.down ? `  ${m.down}` : ''}`, colour: m.down ? theme.warn : undefined, bold: !m.down });
      for (const operation of m.operations) {
        const text = formatOperation(operation, names, { machine: false });
        lines.push({ text: `    ${text}`, colour: symbolColour(text) });
      }
    }
  }
  if (plan.operations.length > 0) lines.push({ text: `rollout: ${rolloutLine(plan)}`, colour: theme.dim });
  for (const w of plan.warnings) lines.push({ text: `warning: ${w}`, colour: theme.warn });
  for (const r of plan.risks) lines.push({ text: `risk: ${r.setting}: ${r.why}`, colour: theme.bad });
  if (plan.operations.length > 0) lines.push({ text: summaryLine(plan), bold: true });
  return lines;
}
