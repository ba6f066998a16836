// What a run prints, from the same events the view consumes: plain lines, NDJSON (ndjson.ts), or,
// with --quiet, only errors and the final line. Units of a batch run at once, so every plain line
// about an operation names it: `[o3 m1] web-k2x9: health: healthy`.
import type { DeployEvent, Outcome } from '../execute/events.js';
import { newRunId } from '../execute/execution.js';
import type { ProjectEvent, ProjectResult } from '../execute/project.js';
import { outcomeWords, PHASE_WORDS, restoreLines } from '../execute/run-text.js';
import type { NameResolver } from '../plan/operations.js';
import { formatOperation } from '../plan/operations.js';
import type { Plan } from '../plan/plan.js';
import { formatPlan, hasChanges, operationById, planHeading, summaryLine } from '../plan/plan.js';
import { formatProjectPlan, projectHasChanges, projectSummaryLine, type ProjectPlan } from '../plan/project-plan.js';
import { revealPlan } from '../plan/secret-seal.js';
import { paintPlanText, paintSymbolLine, paletteOf, type Palette } from '../terminal/colour.js';
import { jsonText, planDocument, projectDocument } from './json-output.js';
import { ndjsonStream, planScope, sectionsScope } from './ndjson.js';
import { seconds } from './table.js';

/** How a command writes: NDJSON/JSON, only errors and the result (`--quiet`), in colour or not. */
export interface OutputFlags {
  json?: boolean;
  /** `--quiet`: only errors (on stderr) and the final one-line result. */
  quiet?: boolean;
  /** Colours on stdout (the decision of src/terminal/colour.ts; never with json). */
  colour?: boolean;
  /** `--show-secrets`: the plan's secret values shown, not masked (src/plan/secret-seal.ts revealPlan). */
  showSecrets?: boolean;
}

const PLAIN = paletteOf(false);

/** The colour of an outcome: deployed green; failed, rolled back or refused red; the rest yellow. */
function outcomePaint(outcome: Outcome, p: Palette): (text: string) => string {
  switch (outcome) {
    case 'done':
      return p.good;
    case 'failed':
    case 'rolled-back':
    case 'stale':
    case 'locked':
      return p.bad;
    case 'canary':
    case 'stopped':
    case 'aborted':
    case 'interrupted':
      return p.warn;
  }
}

/** The last line of a run: `web: deployed: 2 of 2 operations done (reason)`. */
function finishedLine(plan: Plan, e: Extract<DeployEvent, { type: 'finished' }>, p: Palette): string {
  return outcomePaint(e.outcome, p)(`${plan.serviceName}: ${outcomeWords(e.outcome, plan.action)}: ${e.completed} of ${e.total} operations done${e.reason ? ` (${e.reason})` : ''}`);
}

/** Every event as plain lines through `write`, painted with `palette` (plain by default). */
export function plainProgress(plan: Plan, names: NameResolver, write: (line: string) => void, palette: Palette = PLAIN): (e: DeployEvent) => void {
  const machineOf = (opId: string) => {
    const op = operationById(plan, opId);
    return op ? names.machineName(op.machineId) : '?';
  };
  const tag = (opId: string) => `[${opId} ${machineOf(opId)}]`;
  /** A rollback is under way (started, not yet done): an interrupt then changes nothing of it. */
  let rollingBack = false;
  let interruptsSeen = 0;
  return (e) => {
    switch (e.type) {
      case 'run-started':
        write(`run ${e.runId}: ${e.operations} operation${e.operations === 1 ? '' : 's'} in ${e.batches} batch${e.batches === 1 ? '' : 'es'}`);
        break;
      case 'lock-waiting':
        write(`waiting for the deploy lock of ${plan.serviceName}, held by ${e.holder}`);
        break;
      case 'batch-started':
        write(`batch ${e.batch} of ${plan.batches.length}${e.kind === 'update' ? '' : ` (${e.kind})`}`);
        break;
      case 'operation-started': {
        const op = operationById(plan, e.opId);
        write(`${tag(e.opId)} ${op ? paintSymbolLine(formatOperation(op, names, { machine: false }), palette) : e.opId}`);
        break;
      }
      case 'phase': {
        const who = e.container?.name ? `${e.container.name}: ` : '';
        const what = PHASE_WORDS[e.phase] ?? e.phase;
        const text = `${who}${what}${e.detail && e.phase !== 'unhealthy' ? ` (${e.detail})` : ''}`;
        write(`${tag(e.opId)}   ${e.phase === 'unhealthy' || e.phase === 'failed' ? palette.bad(text) : text}`);
        break;
      }
      case 'operation-done':
        write(`${tag(e.opId)}   done in ${seconds(e.elapsedMs)}`);
        break;
      case 'operation-failed':
        write(`${tag(e.opId)}   ${palette.bad(`FAILED after ${seconds(e.elapsedMs)}: ${e.failure.message}`)}`);
        break;
      case 'operation-undone':
        write(`${tag(e.opId)}   undone`);
        break;
      case 'rollback-started':
        rollingBack = true;
        write(palette.warn(`rolling back: ${e.reason}`));
        break;
      case 'rollback-done':
        rollingBack = false;
        // No unit had finished: each failed one undid itself (its lines above), nothing else to restore.
        if (e.restored.length === 0) {
          write('rollback: no change of this run had finished, so nothing more to restore');
          break;
        }
        write('rollback, per machine:');
        for (const line of restoreLines(e.restored, names)) write(`  ${line.includes('COULD NOT') ? palette.bad(line) : line}`);
        break;
      case 'interrupt':
        interruptsSeen++;
        // Said once each: while a rollback runs, or after the second, more interrupts change nothing.
        if (rollingBack) {
          if (interruptsSeen === 1) write(palette.warn('interrupted: the rollback under way goes on to its end'));
        } else if (!e.rollback) {
          write(palette.warn('interrupted: the operations under way finish or undo themselves, nothing new starts (interrupt again to roll back this run)'));
        } else if (interruptsSeen === 2) {
          write(palette.warn('interrupted again: rolling back every change of this run'));
        }
        break;
      case 'cleanup':
        if (e.removed.length) write(`removed the ${e.removed.length} container${e.removed.length === 1 ? '' : 's'} taken out of service: ${e.removed.map((c) => c.name).join(', ')}`);
        for (const f of e.failed) write(palette.warn(`could not remove: ${f} (the next deploy removes it)`));
        break;
      case 'finished':
        write(finishedLine(plan, e, palette));
        break;
      case 'lock-acquired':
        if (e.warning) write(palette.warn(`warning: ${e.warning}`));
        break;
      case 'lock-release-failed':
        write(palette.warn(`warning: ${e.reason}`));
        break;
      case 'batch-done':
      case 'approval-requested':
      case 'approval-answered':
        break;
    }
  };
}

/**
 * `--quiet`: the final line through `write`; through `error` only what went wrong (an operation
 * that failed, a machine a rollback could not restore, a container the cleanup could not remove,
 * a lock left behind).
 */
export function quietProgress(plan: Plan, names: NameResolver, write: (line: string) => void, error: (line: string) => void, palette: Palette = PLAIN): (e: DeployEvent) => void {
  const tag = (opId: string) => {
    const op = operationById(plan, opId);
    return `[${opId} ${op ? names.machineName(op.machineId) : '?'}]`;
  };
  return (e) => {
    switch (e.type) {
      case 'operation-failed':
        error(`${tag(e.opId)} FAILED after ${seconds(e.elapsedMs)}: ${e.failure.message}`);
        break;
      case 'rollback-done':
        for (const line of restoreLines(e.restored, names)) if (line.includes('COULD NOT')) error(`rollback: ${line}`);
        break;
      case 'cleanup':
        for (const f of e.failed) error(`could not remove: ${f} (the next deploy removes it)`);
        break;
      case 'lock-release-failed':
        error(`warning: ${e.reason}`);
        break;
      case 'finished':
        write(finishedLine(plan, e, palette));
        break;
      default:
        break;
    }
  };
}

/**
 * The one line `--quiet` shows for a plan: `~ update service web: 2 replace · across 2 machines`,
 * or the up-to-date line when nothing changes.
 */
export function planResultLine(plan: Plan, names: NameResolver): string {
  return hasChanges(plan) ? `${planHeading(plan)}: ${summaryLine(plan)}` : formatPlan(plan, names).split('\n')[0]!;
}

/** A plan as the flags want it shown: the JSON document, the one result line (quiet), or the painted text. */
export function planOutput(given: Plan, names: NameResolver, flags: OutputFlags): string {
  const plan = flags.showSecrets ? revealPlan(given) : given;
  if (flags.json) return jsonText(planDocument(plan, names), 2);
  const palette = paletteOf(flags.colour);
  return flags.quiet ? paintSymbolLine(planResultLine(plan, names), palette) : paintPlanText(formatPlan(plan, names), palette);
}

/** What a run prints, chosen once by the flags: see {@link runOutput}. */
export interface RunOutput {
  /** The run's id, made before it starts so that the NDJSON plan line carries it (ApplyOptions.runId). */
  runId: string;
  /** Shows the plan: the text, the NDJSON plan line, or (quiet) the up-to-date line when nothing changes. */
  showPlan(): void;
  /** Prints one event. */
  event(e: DeployEvent): void;
  /** Whether the plain explanation (logs, what to run next) follows the result: not for json or quiet. */
  explains: boolean;
}

/**
 * The output of one run of `plan`: NDJSON (`flags.json`, schema dockplan.events/v1), only errors and
 * the result (`flags.quiet`; errors through `error`, stderr by default), or the plain lines, painted
 * when `flags.colour`.
 */
export function runOutput(given: Plan, names: NameResolver, flags: OutputFlags, write: (line: string) => void, error: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): RunOutput {
  const plan = flags.showSecrets ? revealPlan(given) : given;
  const runId = newRunId();
  if (flags.json) {
    const stream = ndjsonStream(planScope(plan, runId), write);
    return { runId, showPlan: () => stream.plan(planDocument(plan, names)), event: stream.event, explains: false };
  }
  const palette = paletteOf(flags.colour);
  if (flags.quiet) {
    return {
      runId,
      showPlan: () => {
        if (!hasChanges(plan)) write(planResultLine(plan, names));
      },
      event: quietProgress(plan, names, write, error, palette),
      explains: false,
    };
  }
  return { runId, showPlan: () => write(paintPlanText(formatPlan(plan, names), palette)), event: plainProgress(plan, names, write, palette), explains: true };
}

/** A project plan with each service's secret values shown (--show-secrets, see revealPlan). */
function revealProject(plan: ProjectPlan): ProjectPlan {
  return { ...plan, sections: plan.sections.map((s) => ({ ...s, plan: revealPlan(s.plan) })) };
}

/** A project plan as the flags want it shown: its JSON document, one line (quiet), or the painted text. */
export function projectPlanOutput(given: ProjectPlan, flags: OutputFlags): string {
  const plan = flags.showSecrets ? revealProject(given) : given;
  if (flags.json) return jsonText(projectDocument(plan), 2);
  return flags.quiet ? `project ${plan.project}: ${projectSummaryLine(plan)}` : paintPlanText(formatProjectPlan(plan), paletteOf(flags.colour));
}

/** What a project run prints: {@link RunOutput} for several services, and the run's last line. */
export interface ProjectRunOutput extends Omit<RunOutput, 'event'> {
  /** Prints one event of a service of the project. */
  event(e: ProjectEvent): void;
  /** After the run: `project shop: db done · web rolled-back` (plain, quiet), or the NDJSON run's `finished` line. */
  finish(result: ProjectResult): void;
}

/**
 * The output of a project run: NDJSON (one stream, every line naming its service, a last
 * `finished` line with `services`), only errors (stderr, each after its service's key) and the
 * project's line (`flags.quiet`), or each service's plain lines, after its key when there are
 * several.
 */
export function projectRunOutput(given: ProjectPlan, flags: OutputFlags, write: (line: string) => void, error: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): ProjectRunOutput {
  const plan = flags.showSecrets ? revealProject(given) : given;
  const runId = newRunId();
  const several = plan.sections.length > 1;
  const keyed = (key: string, put: (line: string) => void) => (several ? (text: string) => put(text.split('\n').map((l) => `${key} | ${l}`).join('\n')) : put);
  const projectLine = (result: ProjectResult) =>
    `project ${plan.project}: ${result.services.map((s) => `${s.key} ${s.outcome === 'not-run' ? 'not started' : s.outcome}`).join(' · ')}`;
  if (flags.json) {
    const stream = ndjsonStream(sectionsScope(runId, plan.sections), write);
    return {
      runId, explains: false,
      showPlan: () => stream.plan(projectDocument(plan)),
      event: (e) => stream.event(e, e.service),
      finish: (result) => {
        // A project of one service ended with that service's own finished line.
        if (plan.sections.length === 1) return;
        const ran = result.services.flatMap((s) => (s.result ? [s] : []));
        stream.finished(result.runId, {
          outcome: result.outcome,
          completed: ran.reduce((n, s) => n + s.result!.completed.length, 0),
          total: plan.sections.reduce((n, s) => n + s.plan.operations.length, 0),
        });
      },
    };
  }
  const palette = paletteOf(flags.colour);
  const faces = new Map(plan.sections.map((s) => [s.key, flags.quiet
    ? quietProgress(s.plan, s.names, () => undefined, keyed(s.key, error))
    : plainProgress(s.plan, s.names, keyed(s.key, write), palette)]));
  return {
    runId,
    explains: !flags.quiet,
    showPlan: () => {
      if (!flags.quiet) write(projectPlanOutput(plan, flags));
      else if (!projectHasChanges(plan)) write(projectPlanOutput(plan, flags));
    },
    event: (e) => faces.get(e.service)?.(e),
    finish: (result) => write(outcomePaint(result.outcome, palette)(projectLine(result))),
  };
}
