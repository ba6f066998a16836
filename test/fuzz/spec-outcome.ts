// What one spec file comes to, the way `dockplan plan -f FILE` takes it: parsed, resolved and
// planned against a small cluster, the plan printed as text and JSON. Anything thrown on the way
// other than a PlanError is a crash, kept with its stack; `outcomeProblems` says what breaks the
// contract a person relies on (located errors, acting messages, plans that are plain data).
import { isDeepStrictEqual } from 'node:util';
import { jsonText } from '../../src/cli/json-output.js';
import type { ClusterState, MachineState } from '../../src/model/cluster.js';
import { findService } from '../../src/model/cluster.js';
import { parseSpec, type SpecError } from '../../src/model/parse-spec.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { formatPlan, nameResolver, planToJson } from '../../src/plan/plan.js';
import { PlanError } from '../../src/plan/plan-error.js';
import { resolveServiceSpec } from '../../src/plan/resolve-spec.js';
import { planRolling } from '../../src/plan/rolling.js';
import { SERVICE_ID, container, machine } from '../support/cluster-fixtures.js';

/** The cluster a fuzzed spec is planned against. */
export interface Situation {
  /**
   * `new`: the service does not run yet; `existing`: it runs on m1 one version behind (other env)
   * and on m2 as the spec says; `behind`: it runs on m1 and m2 from a bare spec (name, image and
   * mode), so that every value of the file shows in the plan's changes.
   */
  service: 'new' | 'existing' | 'behind';
  /** Whether the cluster has a domain (ingress ports without a hostname need one). */
  domain: boolean;
}

/** The file name fuzzed specs are parsed under (errors carry it). */
export const FUZZ_FILE = 'fuzz.yaml';

/** What one spec file came to. `ms` is the time to parse, resolve, plan and print, in milliseconds. */
export type Outcome =
  | { kind: 'errors'; errors: SpecError[]; ms: number }
  | { kind: 'plan'; operations: number; text: string; roundTrip?: string; ms: number }
  | { kind: 'refused'; message: string; ms: number }
  | { kind: 'crash'; stage: Stage; error: string; stack: string; ms: number }
  /** parseSpec broke its own contract: a spec together with errors, or neither. */
  | { kind: 'incoherent'; detail: string; ms: number };

type Stage = 'parse' | 'resolve' | 'plan' | 'print';

const STAGE_WORDS: Record<Stage, string> = {
  parse: 'in parseSpec',
  resolve: 'in resolveServiceSpec',
  plan: 'in planRolling',
  print: 'printing the plan (formatPlan, planToJson)',
};

/** The image every planned spec is pinned to, as a deploy pins it before planning. */
const PINNED = `sha256:${'ab'.repeat(32)}`;

/**
 * Three up machines, the service's containers as the situation says, and on m3 an unmanaged
 * container holding host port 8080, so specs that publish it find m3 ineligible.
 */
export function clusterFor(spec: ServiceSpec, situation: Situation): ClusterState {
  const machines: MachineState[] = ['m1', 'm2', 'm3'].map((name) => machine(name));
  const [m1, m2, m3] = machines;
  if (situation.service === 'existing') {
    container(m1, { ...spec, env: { ...spec.env, FUZZ_PREVIOUS: '1' } });
    container(m2, spec);
  } else if (situation.service === 'behind') {
    const bare: ServiceSpec = { name: spec.name, image: 'local/busybox:0', mode: spec.mode };
    container(m1, bare);
    container(m2, bare);
  }
  container(m3, { name: 'proxy', image: 'local/busybox:1' }, {
    service: undefined,
    hostPorts: [{ host_ip: '0.0.0.0', published: 8080, protocol: 'tcp' }],
  });
  return { ...(situation.domain ? { domain: 'example.internal' } : {}), machines };
}

function crashOf(stage: Stage, err: unknown, started: number): Outcome {
  const e = err instanceof Error ? err : new Error(`non-Error thrown: ${String(err)}`);
  return { kind: 'crash', stage, error: `${e.name}: ${e.message}`, stack: e.stack ?? '', ms: performance.now() - started };
}

/** Parses, resolves, plans and prints one spec file; never throws. */
export function outcomeOf(text: string, situation: Situation): Outcome {
  const started = performance.now();
  let parsed;
  try {
    parsed = parseSpec(text, FUZZ_FILE);
  } catch (err) {
    return crashOf('parse', err, started);
  }
  const { spec, errors } = parsed;
  if (errors.length > 0 && spec) return { kind: 'incoherent', detail: 'parseSpec returned a spec together with errors', ms: performance.now() - started };
  if (errors.length > 0) return { kind: 'errors', errors, ms: performance.now() - started };
  if (!spec) return { kind: 'incoherent', detail: 'parseSpec returned neither a spec nor an error', ms: performance.now() - started };

  let resolved: ServiceSpec;
  let state: ClusterState;
  try {
    resolved = { ...resolveServiceSpec(spec, { domain: situation.domain ? 'example.internal' : undefined, takenNames: new Set(), random: () => 0.5 }), image_ref: PINNED };
    state = clusterFor(resolved, situation);
  } catch (err) {
    if (err instanceof PlanError) return { kind: 'refused', message: err.message, ms: performance.now() - started };
    return crashOf('resolve', err, started);
  }
  let plan;
  try {
    const service = findService(state, resolved.name!);
    plan = planRolling(state, service, service?.id ?? SERVICE_ID, resolved);
  } catch (err) {
    if (err instanceof PlanError) return { kind: 'refused', message: err.message, ms: performance.now() - started };
    return crashOf('plan', err, started);
  }
  try {
    const names = nameResolver(state);
    const text = `${formatPlan(plan, names)}\n${jsonText(planToJson(plan, names), 2)}`;
    const copy: unknown = JSON.parse(JSON.stringify(plan));
    const roundTrip = isDeepStrictEqual(copy, plan) ? undefined : firstDifference(plan, copy);
    return { kind: 'plan', operations: plan.operations.length, text, ...(roundTrip ? { roundTrip } : {}), ms: performance.now() - started };
  } catch (err) {
    return crashOf('print', err, started);
  }
}

/** The first path where a value and its JSON copy differ, e.g. `plan.spec.replicas: -0 (number) becomes 0 through JSON`. */
function firstDifference(a: unknown, b: unknown, path = 'plan'): string {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const x = (a as Record<string, unknown>)[k];
      const y = (b as Record<string, unknown>)[k];
      if (!isDeepStrictEqual(x, y)) return firstDifference(x, y, `${path}.${k}`);
    }
  }
  const shown = (v: unknown) => (Object.is(v, -0) ? '-0' : typeof v === 'string' ? visible(v) : String(v));
  return `${path}: ${shown(a)} (${typeof a}) becomes ${b === undefined ? 'nothing' : shown(b)} through JSON`;
}

/**
 * Words that mean a value was printed that no person wrote: a missing value, an object without a
 * text form, a failed computation. They are allowed where the input itself contains them (a user
 * may well write `user: undefined`) and inside quotes, which is how messages show what was written.
 */
const NOT_FOR_PEOPLE = ['undefined', '[object Object]', 'NaN'];

/** Markers of an exception's stack or name leaking to a person. */
const STACK_MARKERS = [/^\s+at .+[(:]\d+/m, /\b(TypeError|RangeError|ReferenceError|SyntaxError|EvalError|URIError|AggregateError)\b/, /node:internal/];

/**
 * Control characters other than a line feed: printed raw they move the cursor, erase, retitle the
 * terminal or hide what follows (C0, DEL and C1; a message shows them escaped, as JSON.stringify does).
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/**
 * Escapes what JSON.stringify leaves raw but a reader cannot see: DEL, C1 controls, line and
 * paragraph separators, zero-width and direction marks, the BOM, lone surrogates.
 */
function escapeInvisible(json: string): string {
  return json.replace(/[\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A value as JSON with nothing invisible left raw, for test reports. */
export function visible(value: unknown): string {
  return escapeInvisible(JSON.stringify(value) ?? String(value));
}

/** A way output for a person can be unfit to show. */
export type UnfitRule = 'raw-control' | 'not-for-people' | 'stack-trace';

/** Why `shown` (a message or output for a person) is not fit to show, given the input `text`. */
export function unfitForPeople(shown: string, text: string): { rule: UnfitRule; detail: string }[] {
  // "an undefined volume" is English, not a missing value
  const unquoted = shown.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/`[^`]*`/g, '``').replace(/\ban undefined [a-z]/g, '');
  const problems: { rule: UnfitRule; detail: string }[] = [];
  const control = CONTROL.exec(shown);
  if (control) {
    const around = shown.slice(Math.max(0, control.index - 30), control.index + 30);
    problems.push({ rule: 'raw-control', detail: `shows the raw control character ${visible(control[0])} at ${control.index} of ${visible(around)}` });
  }
  for (const word of NOT_FOR_PEOPLE) {
    if (unquoted.includes(word) && !text.includes(word)) problems.push({ rule: 'not-for-people', detail: `shows "${word}"` });
  }
  for (const marker of STACK_MARKERS) {
    const m = marker.exec(shown);
    if (m && !text.includes(m[0].trim())) problems.push({ rule: 'stack-trace', detail: `shows a stack trace or exception name (${JSON.stringify(m[0].trim())})` });
  }
  return problems;
}

/**
 * The lines of a file as the YAML parser, `wc -l` and the CLI's FILE:LINE:COL count them: ended by
 * a line feed (a lone carriage return does not end a line for the \`yaml\` package).
 */
export function linesOf(text: string): string[] {
  return text.split('\n');
}

/** One way an outcome breaks the contract, and where: in a located error, a refusal, a plan, or the run itself. */
export type Problem =
  | { rule: 'crash' | 'incoherent' | 'slow' | 'timeout' | 'out-of-memory' | 'worker-failed'; detail: string }
  | { rule: 'error-file' | 'error-line' | 'error-col' | 'error-field' | 'error-message' | 'multi-line' | UnfitRule; in: 'error'; error: SpecError; detail: string }
  | { rule: UnfitRule | 'empty-message'; in: 'refusal'; message: string; detail: string }
  | { rule: UnfitRule | 'plan-json'; in: 'plan'; detail: string };

/** A problem in words, with the error it is about. */
export function describeProblem(p: Problem): string {
  if ('in' in p && p.in === 'error') return `error ${visible(p.error)}: ${p.detail}`;
  if ('in' in p && p.in === 'refusal') return `refusal ${visible(p.message)}: ${p.detail}`;
  if ('in' in p && p.in === 'plan') return `plan: ${p.detail}`;
  return p.detail;
}

/**
 * Everything wrong with an outcome for the spec file `text`: crashes, errors that do not point at a
 * real place in the file or do not say what is wrong in words, refusals and plans that are not fit
 * to show, plans that do not survive JSON, and inputs over the time budget (`maxMs`).
 */
export function outcomeProblems(outcome: Outcome, text: string, maxMs: number): Problem[] {
  const problems: Problem[] = [];
  if (outcome.ms > maxMs) problems.push({ rule: 'slow', detail: `took ${outcome.ms.toFixed(0)} ms (budget ${maxMs} ms)` });
  switch (outcome.kind) {
    case 'crash':
      problems.push({ rule: 'crash', detail: `crashed ${STAGE_WORDS[outcome.stage]}: ${outcome.error}\n${outcome.stack}` });
      break;
    case 'incoherent':
      problems.push({ rule: 'incoherent', detail: outcome.detail });
      break;
    case 'errors': {
      const lines = linesOf(text);
      for (const error of outcome.errors) {
        const add = (rule: Extract<Problem, { in: 'error' }>['rule'], detail: string) => problems.push({ rule, in: 'error', error, detail });
        const { file, line, col, field, message } = error;
        if (file !== FUZZ_FILE) add('error-file', `names file ${JSON.stringify(file)}`);
        if (!Number.isInteger(line) || line < 1 || line > lines.length) add('error-line', `line is not in the file (${lines.length} lines)`);
        else if (!Number.isInteger(col) || col < 1 || col > lines[line - 1].length + 1) add('error-col', `column is not on line ${line} (${lines[line - 1].length} characters)`);
        if (typeof field !== 'string') add('error-field', 'field is not text');
        if (typeof message !== 'string' || message.trim() === '') {
          add('error-message', 'empty message');
          continue;
        }
        for (const u of unfitForPeople(`${field}: ${message}`, text)) add(u.rule, u.detail);
        if (`${field}${message}`.includes('\n')) add('multi-line', 'breaks the one-line-per-error format');
      }
      break;
    }
    case 'refused': {
      const message = outcome.message;
      if (message.trim() === '') problems.push({ rule: 'empty-message', in: 'refusal', message, detail: 'a PlanError with an empty message' });
      for (const u of unfitForPeople(message, text)) problems.push({ ...u, in: 'refusal', message });
      break;
    }
    case 'plan':
      if (outcome.roundTrip) problems.push({ rule: 'plan-json', in: 'plan', detail: `the plan does not survive JSON: ${outcome.roundTrip}` });
      for (const u of unfitForPeople(outcome.text, text)) problems.push({ ...u, in: 'plan' });
      break;
  }
  return problems;
}
