// The one way the CLI turns data into JSON text: exact data in ASCII bytes, whatever the locale.
import type { NameResolver } from '../plan/operations.js';
import { planToJson, type Plan } from '../plan/plan.js';
import { projectPlanToJson, type ProjectPlan } from '../plan/project-plan.js';

/**
 * `JSON.stringify(value)` (pretty with `indent` spaces when given) with every character outside
 * printable ASCII that JSON.stringify leaves raw (DEL and everything from U+0080 up) written as a
 * `\uXXXX` escape, a character beyond U+FFFF as its two UTF-16 escapes (RFC 8259 section 7). The
 * text parses back to the very same value, and is safe on any terminal: output in an ASCII locale
 * has nothing to transliterate, so `--json` is never altered.
 */
export function jsonText(value: unknown, indent?: number): string {
  return (JSON.stringify(value, null, indent) ?? 'null').replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The schema `plan --json` (and the NDJSON plan line's `plan`) names; the shape is README's "plan --json". */
export const PLAN_SCHEMA = 'dockplan.plan/v1';

/** The document `plan --json` prints: `{schema: "dockplan.plan/v1", service, action, changes, operations, ...}`. */
export function planDocument(plan: Plan, names: NameResolver): { schema: typeof PLAN_SCHEMA } & ReturnType<typeof planToJson> {
  return { schema: PLAN_SCHEMA, ...planToJson(plan, names) };
}

/** The schema `plan --json` of a compose project (and the NDJSON plan line of a project run) names. */
export const PROJECT_PLAN_SCHEMA = 'dockplan.project-plan/v1';

/** `{schema: "dockplan.project-plan/v1", project, order, volumes, services: [{key, depends_on, plan}], warnings, changes}`. */
export function projectDocument(plan: ProjectPlan): { schema: typeof PROJECT_PLAN_SCHEMA } & ReturnType<typeof projectPlanToJson> {
  return { schema: PROJECT_PLAN_SCHEMA, ...projectPlanToJson(plan) };
}
