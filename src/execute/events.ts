// The one typed event stream of an execution: the TUI (through a reducer) and the plain/JSON
// output consume the same events.
import type { ContainerRef, Operation } from '../plan/operations.js';

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
  | 'done'
  | 'failed';

export interface FailureDetail {
  message: string;
  machineId?: string;
  /** The container that failed (a new one is kept, stopped, for inspection). */
  container?: ContainerRef;
  /** Its last log lines, when a container failed. */
  logs?: string;
}

export type DeployEvent =
  | { type: 'operation-started'; index: number; operation: Operation }
  | { type: 'phase'; index: number; phase: Phase; machineId: string; container?: ContainerRef; detail?: string }
  | { type: 'operation-done'; index: number; elapsedMs: number }
  | { type: 'operation-failed'; index: number; elapsedMs: number; failure: FailureDetail }
  | { type: 'stopped'; index: number; reason: string }
  | { type: 'finished'; ok: boolean; completed: number; total: number };

export type ApprovalDecision = 'approve' | 'stop';

export interface ApprovalRequest {
  index: number;
  operation: Operation;
  total: number;
}

export interface ExecutionHooks {
  onEvent?: (event: DeployEvent) => void;
  /** Asked before each top-level operation; 'stop' ends the run there, between operations. */
  approve?: (request: ApprovalRequest) => Promise<ApprovalDecision>;
}

export interface ExecutionResult {
  ok: boolean;
  completed: number;
  total: number;
  /** Set when an operation failed. */
  failure?: FailureDetail & { index: number };
  /** Set when the approval hook stopped the run. */
  stoppedAt?: number;
}
