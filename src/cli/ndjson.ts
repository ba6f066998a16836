// The NDJSON event stream of `--json` runs, schema `dockplan.events/v1` (docs/events-v1.md, the
// JSON Schema docs/events-v1.schema.json): the engine's events mapped, type by type, to lines whose
// shape is a promise to scripts. The engine's own event type may change; these lines change only
// with a new schema version. Every line carries the schema, its type, the run id, the time and the
// service it is about (run-level lines also `services`, every service of the run); lines about an
// operation carry its id.
import type { ApprovalDecision, ApprovalRequest, DeployEvent, Effect, FailureDetail, MachineRestore, Outcome, Phase } from '../execute/events.js';
import type { ResourcesSpec } from '../model/spec.js';
import type { ContainerRef } from '../plan/operations.js';
import type { Plan } from '../plan/plan.js';
import type { BatchKind } from '../plan/rollout.js';
import { exitCodeOf } from './exit-codes.js';
import { jsonText } from './json-output.js';

/** The schema every event line names: a change to the shape of any line is a new version. */
export const EVENTS_SCHEMA = 'dockplan.events/v1';

/** Who the lines of one run are about. */
export interface RunScope {
  /** The run's id, for the plan line (every other line takes it from its event). */
  runId: string;
  /** Every service of the run, in run order: one for a service, each section's key for a project. */
  services: readonly string[];
  /** The machine an operation of a service runs on; undefined for one the run does not have. */
  machineOf(service: string, opId: string): string | undefined;
}

/** The scope of a run of several plans (a project's sections, each under its key), or of one. */
export function sectionsScope(runId: string, sections: readonly { key: string; plan: Pick<Plan, 'operations'> }[]): RunScope {
  const machines = new Map(sections.flatMap((s) => s.plan.operations.map((op) => [`${s.key} ${op.id}`, op.machineId] as const)));
  return { runId, services: sections.map((s) => s.key), machineOf: (service, opId) => machines.get(`${service} ${opId}`) };
}

/** The scope of a run of one plan: its one service. */
export function planScope(plan: Pick<Plan, 'serviceName' | 'operations'>, runId: string): RunScope {
  return sectionsScope(runId, [{ key: plan.serviceName, plan }]);
}

/**
 * The fields every line starts with. Lines of a service's events carry `service`; lines about the
 * whole run (the plan, and the `finished` that ends the run) carry `services`, and `service` too
 * when the run has one.
 */
export interface LineEnvelope {
  schema: typeof EVENTS_SCHEMA;
  runId: string;
  /** ISO 8601, UTC, milliseconds: `2026-11-30T14:32:09.123Z`. */
  at: string;
  service?: string;
  services?: string[];
}

/** A health change of a new container: the health gate's phases `health-starting`, `healthy`, `unhealthy`. */
export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** How a run (or one service of it) ended, as the `finished` line tells it. */
export interface FinishedFields {
  outcome: Outcome;
  /** The exit code the command ends with for this outcome (src/cli/exit-codes.ts). */
  exitCode: number;
  completed: number;
  total: number;
  reason?: string;
}

/** One line of the stream, v1. Fields per type: docs/events-v1.md. */
export type EventLine = LineEnvelope & (
  | { type: 'plan'; plan: object }
  | { type: 'run-started'; operations: number; batches: number }
  | { type: 'lock-waiting'; holder: string }
  | { type: 'lock-acquired'; warning?: string }
  | { type: 'lock-release-failed'; reason: string }
  | { type: 'batch-started'; batch: number; kind: BatchKind; units: string[] }
  | { type: 'batch-done'; batch: number }
  | ({ type: 'approval-requested'; requestId: string } & RequestFields)
  | { type: 'approval-answered'; requestId: string; kind: ApprovalRequest['kind']; decision: ApprovalDecision }
  | { type: 'paused'; requestId: string; batch: number; reason: string }
  | { type: 'operation-started'; opId: string; machineId: string }
  | { type: 'phase'; opId: string; phase: Phase; machineId: string; container?: ContainerRef; detail?: string }
  | { type: 'health'; opId: string; health: HealthStatus; machineId: string; container?: ContainerRef; detail?: string }
  | { type: 'operation-done'; opId: string; elapsedMs: number; effects: Effect[] }
  | { type: 'operation-failed'; opId: string; elapsedMs: number; failure: FailureDetail; effects: Effect[] }
  | { type: 'operation-undone'; opId: string; effects: Effect[] }
  | { type: 'rollback-started'; reason: string }
  | { type: 'rollback-done'; restored: MachineRestore[] }
  | { type: 'interrupt'; rollback: boolean }
  | { type: 'cleanup'; removed: ContainerRef[]; failed: string[] }
  | ({ type: 'finished' } & FinishedFields)
);

/** Every type of line, v1 (the Record makes the compiler check that none is left out). */
const TYPES: Record<EventLine['type'], true> = {
  plan: true, 'run-started': true, 'lock-waiting': true, 'lock-acquired': true, 'lock-release-failed': true,
  'batch-started': true, 'batch-done': true, 'approval-requested': true, 'approval-answered': true, paused: true,
  'operation-started': true, phase: true, health: true, 'operation-done': true, 'operation-failed': true,
  'operation-undone': true, 'rollback-started': true, 'rollback-done': true, interrupt: true, cleanup: true, finished: true,
};

/** The line types of v1, as docs/events-v1.schema.json lists them. */
export const EVENT_LINE_TYPES = Object.keys(TYPES) as readonly EventLine['type'][];

type RequestFields =
  | { kind: 'operation'; unitId: string; opIds: string[]; machineId: string; batch: number }
  | { kind: 'canary'; machineId: string; batch: number }
  | { kind: 'paused'; batch: number; reason: string };

/** Only the v1 fields of what the engine hands over, so a field the engine adds never leaks into a line. */
const ref = (c: ContainerRef): ContainerRef => ({ id: c.id, name: c.name });

const limits = (r: ResourcesSpec): ResourcesSpec => ({
  ...(r.cpu !== undefined ? { cpu: r.cpu } : {}),
  ...(r.memory !== undefined ? { memory: r.memory } : {}),
  ...(r.memory_reservation !== undefined ? { memory_reservation: r.memory_reservation } : {}),
  ...(r.shm_size !== undefined ? { shm_size: r.shm_size } : {}),
});

function effectLine(e: Effect): Effect {
  switch (e.kind) {
    case 'volume-created':
      return { kind: e.kind, machineId: e.machineId, volume: e.volume };
    case 'limits-updated':
      return { kind: e.kind, machineId: e.machineId, container: ref(e.container), before: limits(e.before), after: limits(e.after) };
    case 'container-created':
    case 'container-started':
    case 'container-stopped':
    case 'container-started-again':
    case 'container-removed':
      return { kind: e.kind, machineId: e.machineId, container: ref(e.container) };
  }
}

const effectLines = (effects: Effect[]): Effect[] => effects.map(effectLine);

function failureLine(f: FailureDetail): FailureDetail {
  return {
    message: f.message,
    ...(f.machineId !== undefined ? { machineId: f.machineId } : {}),
    ...(f.container ? { container: ref(f.container) } : {}),
    ...(f.logs !== undefined ? { logs: f.logs } : {}),
  };
}

function restoreLine(r: MachineRestore): MachineRestore {
  return { machineId: r.machineId, restarted: r.restarted.map(ref), stopped: r.stopped.map(ref), failed: [...r.failed] };
}

const HEALTH: Partial<Record<Phase, HealthStatus>> = { 'health-starting': 'starting', healthy: 'healthy', unhealthy: 'unhealthy' };

/**
 * The v1 lines of a run, one event at a time. It remembers the approval requests it has seen, so
 * that an answer names the kind of request it answers.
 */
export class EventLines {
  private readonly asked = new Map<string, ApprovalRequest['kind']>();

  constructor(private readonly scope: RunScope) {}

  /** The plan line: `plan` is the document `plan --json` prints. */
  plan(plan: object, at: string = new Date().toISOString()): EventLine {
    return { ...this.runEnvelope(this.scope.runId, at), type: 'plan', plan };
  }

  /**
   * The end of a run of several services (a project): a `finished` line with `services` and no
   * `service`. A run of one service ends with its own `finished`, which carries both.
   */
  finished(runId: string, fields: Omit<FinishedFields, 'exitCode'>, at: string = new Date().toISOString()): EventLine {
    return { ...this.runEnvelope(runId, at), type: 'finished', ...finishedFields(fields) };
  }

  /**
   * The lines of one engine event of `service` (by default the run's only service): one line, two
   * for a health phase (the phase, then the health change) and for a pause (`paused`, then the
   * question).
   */
  of(e: DeployEvent, service: string | undefined = this.only()): EventLine[] {
    const base: LineEnvelope = { schema: EVENTS_SCHEMA, runId: e.runId, at: e.at, ...(service !== undefined ? { service } : {}) };
    const op = (opId: string) => ({ ...base, opId });
    switch (e.type) {
      case 'run-started':
        return [{ ...base, type: e.type, operations: e.operations, batches: e.batches }];
      case 'lock-waiting':
        return [{ ...base, type: e.type, holder: e.holder }];
      case 'lock-acquired':
        return [{ ...base, type: e.type, ...(e.warning !== undefined ? { warning: e.warning } : {}) }];
      case 'lock-release-failed':
        return [{ ...base, type: e.type, reason: e.reason }];
      case 'batch-started':
        return [{ ...base, type: e.type, batch: e.batch, kind: e.kind, units: [...e.units] }];
      case 'batch-done':
        return [{ ...base, type: e.type, batch: e.batch }];
      case 'approval-requested': {
        const { id, ...fields } = e.request;
        this.asked.set(id, fields.kind);
        if (fields.kind === 'operation') fields.opIds = [...fields.opIds];
        const asked: EventLine = { ...base, type: 'approval-requested', requestId: id, ...fields };
        return fields.kind === 'paused' ? [{ ...base, type: 'paused', requestId: id, batch: fields.batch, reason: fields.reason }, asked] : [asked];
      }
      case 'approval-answered':
        return [{ ...base, type: e.type, requestId: e.requestId, kind: this.asked.get(e.requestId) ?? 'operation', decision: e.decision }];
      case 'operation-started':
        return [{ ...op(e.opId), type: e.type, machineId: (service !== undefined ? this.scope.machineOf(service, e.opId) : undefined) ?? '' }];
      case 'phase': {
        const detail = {
          machineId: e.machineId,
          ...(e.container ? { container: ref(e.container) } : {}),
          ...(e.detail !== undefined ? { detail: e.detail } : {}),
        };
        const lines: EventLine[] = [{ ...op(e.opId), type: 'phase', phase: e.phase, ...detail }];
        const health = HEALTH[e.phase];
        if (health) lines.push({ ...op(e.opId), type: 'health', health, ...detail });
        return lines;
      }
      case 'operation-done':
        return [{ ...op(e.opId), type: e.type, elapsedMs: e.elapsedMs, effects: effectLines(e.effects) }];
      case 'operation-failed':
        return [{ ...op(e.opId), type: e.type, elapsedMs: e.elapsedMs, failure: failureLine(e.failure), effects: effectLines(e.effects) }];
      case 'operation-undone':
        return [{ ...op(e.opId), type: e.type, effects: effectLines(e.effects) }];
      case 'rollback-started':
        return [{ ...base, type: e.type, reason: e.reason }];
      case 'rollback-done':
        return [{ ...base, type: e.type, restored: e.restored.map(restoreLine) }];
      case 'interrupt':
        return [{ ...base, type: e.type, rollback: e.rollback }];
      case 'cleanup':
        return [{ ...base, type: e.type, removed: e.removed.map(ref), failed: [...e.failed] }];
      case 'finished': {
        // A run of one service ends here: the line is the run's end too, so it names the run's services.
        const runEnd = this.scope.services.length === 1 ? { services: [...this.scope.services] } : {};
        return [{ ...base, ...runEnd, type: e.type, ...finishedFields(e) }];
      }
    }
  }

  private only(): string | undefined {
    return this.scope.services.length === 1 ? this.scope.services[0] : undefined;
  }

  /** The envelope of a line about the whole run: `services`, and `service` when there is one. */
  private runEnvelope(runId: string, at: string): LineEnvelope {
    const service = this.only();
    return { schema: EVENTS_SCHEMA, runId, at, ...(service !== undefined ? { service } : {}), services: [...this.scope.services] };
  }
}

function finishedFields(f: Omit<FinishedFields, 'exitCode'>): FinishedFields {
  return {
    outcome: f.outcome, exitCode: exitCodeOf(f.outcome), completed: f.completed, total: f.total,
    ...(f.reason !== undefined ? { reason: f.reason } : {}),
  };
}

/** The stream of one run as NDJSON text: the plan line, each event's lines, and (for a project) the run's end. */
export interface NdjsonStream {
  plan(plan: object): void;
  /** The lines of an event of `service` (by default the run's only service). */
  event(e: DeployEvent, service?: string): void;
  /** A project's end: see {@link EventLines.finished}. */
  finished(runId: string, fields: Omit<FinishedFields, 'exitCode'>): void;
}

/** Writes the stream of one run through `write`, one JSON text (ASCII, see jsonText) per line. */
export function ndjsonStream(scope: RunScope, write: (line: string) => void): NdjsonStream {
  const lines = new EventLines(scope);
  // `schema` and `type` first, for a person reading the stream.
  const put = ({ schema, type, ...rest }: EventLine) => write(jsonText({ schema, type, ...rest }));
  return {
    plan: (plan) => put(lines.plan(plan)),
    event: (e, service) => lines.of(e, service).forEach(put),
    finished: (runId, fields) => put(lines.finished(runId, fields)),
  };
}
