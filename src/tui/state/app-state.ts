// Everything the interactive view shows, as plain data. Screens and modals are unions, never flags.
import type { ApprovalRequest, FailureDetail, MachineRestore, Outcome, Phase } from '../../execute/events.js';
import type { BatchKind } from '../../plan/rollout.js';
import type { ClusterState } from '../../model/cluster.js';
import type { ServiceSpec } from '../../model/spec.js';
import type { NameResolver } from '../../plan/operations.js';
import type { Plan } from '../../plan/plan.js';
import type { ServiceLock } from '../../execute/lock.js';
import type { HistoryView } from './history-view.js';
import type { LogView } from './logs-view.js';
import type { ProjectPlan } from '../../plan/project-plan.js';

/** The compose project the view was started with (`dockplan --compose compose.yaml`), read from its files. */
export interface ProjectView {
  status: 'loading' | 'ready' | 'error';
  files: string[];
  /** The project's name (compose `name:`, or its folder). */
  name?: string;
  /** Its services in run order: the compose key and the dockplan service name. */
  services: { key: string; name: string }[];
  /** Compose keys not honoured, as FILE:LINE:COL: field: message. */
  warnings: string[];
  error?: string;
}

export interface ClusterView {
  status: 'loading' | 'ready' | 'error';
  state?: ClusterState;
  error?: string;
  /** A refresh is under way while the last state is still shown. */
  refreshing: boolean;
}

/** A desired spec on its way to the cluster: its plan, then its execution. */
export interface Draft {
  id: number;
  /** The service it changes; undefined for a new one. */
  serviceId?: string;
  /** The spec the service runs now (undefined for a new one). */
  current?: ServiceSpec;
  desired: ServiceSpec;
  /** Where the change came from, in words: "replicas 2 -> 3", "edited in $EDITOR", a file path. */
  origin: string;
  planning: 'pending' | 'ready' | 'error';
  plan?: Plan;
  names?: NameResolver;
  error?: string;
  /** The plan was refused only because a machine that is down may hold the service: `f` plans it anyway. */
  forcible?: boolean;
  /** Planned as if the machines that are down held nothing (the user chose it). */
  ignoreDown?: boolean;
  /** Planned with a canary first: the first batch on one machine, then the promote question. */
  canary?: boolean;
}

export type Screen =
  | { kind: 'cluster' }
  | { kind: 'service'; serviceId: string }
  | { kind: 'plan'; draft: Draft; back: Screen }
  | { kind: 'execute'; draft: Draft; back: Screen }
  /** The plan of the whole compose project (every service, in order), then approved as one run. */
  | { kind: 'project-plan'; id: number; planning: 'pending' | 'ready' | 'error'; plan?: ProjectPlan; error?: string; back: Screen }
  /** A service's deploys from the history on this machine; `name` stays known if the service goes. */
  | { kind: 'history'; serviceId: string; name: string; view: HistoryView };

export type QuickField = 'image' | 'replicas' | 'env';

export type Modal =
  | { kind: 'help' }
  | { kind: 'filter'; value: string }
  | { kind: 'prompt'; field: QuickField; value: string; error?: string; /** The first key typed replaces the prefilled value. */ fresh?: boolean }
  | { kind: 'placement'; machines: { id: string; name: string; selected: boolean }[]; cursor: number }
  | { kind: 'open-spec'; value: string; choices: string[]; cursor: number; error?: string }
  | { kind: 'spec-errors'; errors: string[]; file: string; draftText: string }
  | { kind: 'confirm-quit' }
  /** A risky plan: the service's name typed back before it runs. */
  | { kind: 'confirm-risky'; service: string; risks: string[]; value: string; error?: string };

export type RowStatus = Phase;

export interface ExecutionRow {
  opId: string;
  /** The batch it runs in (1-based). */
  batch: number;
  machineId: string;
  machineName: string;
  text: string;
  status: RowStatus;
  container?: string;
  startedAt?: number;
  elapsedMs?: number;
}

export type AutoApprove = { kind: 'none' } | { kind: 'machine'; machineId: string } | { kind: 'all' };

export interface ExecutionView {
  runId?: string;
  rows: ExecutionRow[];
  total: number;
  batches: { index: number; kind: BatchKind }[];
  /** The batch under way (1-based); 0 before the first. */
  batch: number;
  /** Approval requests waiting for the user, oldest first: the keys answer the first. */
  pending: ApprovalRequest[];
  auto: AutoApprove;
  /** A stop was asked: nothing new starts. */
  stopping: boolean;
  /** Ctrl-C presses during the run: 1 stops, 2 rolls back. */
  interrupts: number;
  /** Waiting for the service's deploy lock, held by this holder. */
  lockHolder?: string;
  rollback?: { reason: string; restored?: MachineRestore[] };
  outcome?: { outcome: Outcome; completed: number; failure?: FailureDetail & { opId?: string }; failures?: (FailureDetail & { opId?: string })[]; reason?: string; restored?: MachineRestore[] };
}

export type { LogView } from './logs-view.js';

export interface InspectView {
  containerName: string;
  lines: string[];
}

export interface AppState {
  readonly: boolean;
  /** `dockplan --show-secrets`: secret values shown (the spec pane, plans, inspect), not masked. */
  showSecrets: boolean;
  clusterName: string;
  cluster: ClusterView;
  screen: Screen;
  modal?: Modal;
  /** Cursor per list (cluster services, service containers) and the plan's first line shown. */
  cursor: { services: number; containers: number; plan: number; history: number };
  filter: string;
  logs?: LogView;
  inspect?: InspectView;
  execution?: ExecutionView;
  /** One line of feedback ("read-only: editing is off"), cleared by the next key. */
  notice?: string;
  /** The spec each inspected service runs (limits in force included), by service id. */
  runningSpecs: Record<string, ServiceSpec>;
  size: { columns: number; rows: number };
  /** The deploy locks held now, read with every refresh of the cluster (empty without a lock). */
  locks: ServiceLock[];
  /** The compose project given with --compose, if any. */
  project?: ProjectView;
  /** A project run under way or ended: which of its services the execute screen shows. */
  projectRun?: { project: string; keys: string[]; index: number; outcome?: string };
}

export function initialState(opts: { readonly: boolean; clusterName: string; columns: number; rows: number; showSecrets?: boolean }): AppState {
  return {
    readonly: opts.readonly,
    showSecrets: opts.showSecrets ?? false,
    clusterName: opts.clusterName,
    cluster: { status: 'loading', refreshing: false },
    screen: { kind: 'cluster' },
    cursor: { services: 0, containers: 0, plan: 0, history: 0 },
    filter: '',
    runningSpecs: {},
    size: { columns: opts.columns, rows: opts.rows },
    locks: [],
  };
}
