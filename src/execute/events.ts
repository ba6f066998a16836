// The one typed event stream of an execution: the view (through a reducer), the plain output and
// the NDJSON output consume the same events. Every event carries the run id and the time; events
// about an operation carry its id. Approvals are requests in this stream, answered by id.
import type { ResourcesSpec } from '../model/spec.js';
import type { ContainerRef } from '../plan/operations.js';
import type { BatchKind } from '../plan/rollout.js';

/** What an operation is doing right now. */
export type Phase =
  | 'pending'
  | 'creating-volume'
  | 'pulling'
  | 'creating'
  | 'starting'
  | 'health-starting'
  | 'healthy'
  | 'unhealthy'
  | 'running'
  | 'updating'
  | 'stopping'
  | 'removing'
  | 'restarting-old'
  | 'rolling-back'
  | 'done'
  | 'failed'
  | 'rolled-back';

/**
 * What an operation did to the cluster, in order: the journal of an execution is the list of these,
 * and undoing it is undoing them backwards. `stopped` containers are kept (a rollback starts them
 * again; the final cleanup removes them once the deploy has succeeded).
 */
export type Effect =
  | { kind: 'volume-created'; machineId: string; volume: string }
  | { kind: 'container-created'; machineId: string; container: ContainerRef }
  | { kind: 'container-started'; machineId: string; container: ContainerRef }
  | { kind: 'container-stopped'; machineId: string; container: ContainerRef }
  | { kind: 'container-started-again'; machineId: string; container: ContainerRef }
  | { kind: 'container-removed'; machineId: string; container: ContainerRef }
  | { kind: 'limits-updated'; machineId: string; container: ContainerRef; before: ResourcesSpec; after: ResourcesSpec };

export interface FailureDetail {
  message: string;
  machineId?: string;
  /** The container that failed (a new one is kept, stopped, for inspection). */
  container?: ContainerRef;
  /** Its last log lines, when a container failed. */
  logs?: string;
}

/**
 * An approval the execution waits for, answered by id (ExecutionControl.answer).
 * - `operation`: may this unit (its operations, on one machine) run? (approval policy `each` or `machine`)
 * - `canary`: the canary batch is up: promote (run the rest) or roll back?
 * - `paused`: a batch failed and failure_action is pause: resume, roll back, or abort (keep both)?
 */
export type ApprovalRequest =
  | { id: string; kind: 'operation'; unitId: string; opIds: string[]; machineId: string; batch: number }
  | { id: string; kind: 'canary'; machineId: string; batch: number }
  | { id: string; kind: 'paused'; batch: number; reason: string };

/**
 * Answers: to an `operation` request, approve this unit, the rest of its machine, everything, or
 * stop before it; to `canary`, promote, roll back, or stop with the canary left up (when no one can
 * decide now: a later deploy promotes it, a rollback undoes it); to `paused`, resume, roll back or
 * abort (leave both old and new containers as they are).
 */
export type ApprovalDecision = 'approve' | 'approve-machine' | 'approve-all' | 'stop' | 'promote' | 'resume' | 'rollback' | 'abort';

/** The choices an approval request accepts, for faces that ask. */
export const APPROVAL_CHOICES: Record<ApprovalRequest['kind'], readonly ApprovalDecision[]> = {
  operation: ['approve', 'approve-machine', 'approve-all', 'stop'],
  canary: ['promote', 'rollback', 'stop'],
  paused: ['resume', 'rollback', 'abort'],
};

/** How a rollback went on one machine. */
export interface MachineRestore {
  machineId: string;
  /** Containers started again (the ones this run had stopped). */
  restarted: ContainerRef[];
  /** New containers stopped and kept for inspection. */
  stopped: ContainerRef[];
  /** What could not be undone there, in words (an unreachable machine, a failed start). */
  failed: string[];
}

/**
 * How an execution ended:
 * - `done`: every operation succeeded and the replaced containers were removed;
 * - `canary`: the canary batch succeeded and was neither promoted nor rolled back (no one to ask);
 * - `failed`: a unit failed and failure_action was `continue` to the end, or nothing could be restored;
 * - `rolled-back`: a failure (or the user) rolled back every change of this run;
 * - `stopped`: the user stopped before an operation (nothing half-done);
 * - `aborted`: a paused rollout was left as it was (both old and new containers kept);
 * - `interrupted`: Ctrl-C or SIGTERM: the operations in flight finished or undid themselves;
 * - `stale`: the cluster changed since the plan was made: nothing ran;
 * - `locked`: another run holds the service's deploy lock: nothing ran.
 */
export type Outcome = 'done' | 'canary' | 'failed' | 'rolled-back' | 'stopped' | 'aborted' | 'interrupted' | 'stale' | 'locked';

export interface ExecutionResult {
  runId: string;
  outcome: Outcome;
  /** Operations that completed (and were not undone), in the order they completed. */
  completed: string[];
  /** Operations that failed. */
  failed: string[];
  /** Operations undone by a rollback (their unit's effects reversed). */
  undone: string[];
  /** The first failure, when there was one. */
  failure?: FailureDetail & { opId?: string };
  /** Every failure, in the order they happened (the first is `failure`); absent when there was none. */
  failures?: (FailureDetail & { opId?: string })[];
  /** Per machine, when a rollback ran. */
  restored?: MachineRestore[];
  /** Why nothing ran (stale, locked), or what happened in words. */
  reason?: string;
  /** Every effect, in order. */
  journal: { opId: string; effect: Effect }[];
}

interface Stamp {
  runId: string;
  /** ISO time. */
  at: string;
}

export type DeployEvent = Stamp & (
  | { type: 'run-started'; service: string; operations: number; batches: number }
  | { type: 'lock-waiting'; holder: string }
  | { type: 'lock-acquired'; warning?: string }
  /** After `finished`: the run's lock could not be removed from every machine (the reason says where, and what clears it). */
  | { type: 'lock-release-failed'; reason: string }
  | { type: 'batch-started'; batch: number; kind: BatchKind; units: string[] }
  | { type: 'batch-done'; batch: number }
  | { type: 'approval-requested'; request: ApprovalRequest }
  | { type: 'approval-answered'; requestId: string; decision: ApprovalDecision }
  | { type: 'operation-started'; opId: string }
  | { type: 'phase'; opId: string; phase: Phase; machineId: string; container?: ContainerRef; detail?: string }
  | { type: 'operation-done'; opId: string; elapsedMs: number; effects: Effect[] }
  | { type: 'operation-failed'; opId: string; elapsedMs: number; failure: FailureDetail; effects: Effect[] }
  | { type: 'operation-undone'; opId: string; effects: Effect[] }
  | { type: 'rollback-started'; reason: string }
  | { type: 'rollback-done'; restored: MachineRestore[] }
  | { type: 'interrupt'; rollback: boolean }
  | { type: 'cleanup'; removed: ContainerRef[]; failed: string[] }
  | { type: 'finished'; outcome: Outcome; completed: number; total: number; reason?: string }
);

/** An event before the execution stamps it. */
export type EventBody = DeployEvent extends infer E ? (E extends DeployEvent ? Omit<E, 'runId' | 'at'> : never) : never;
