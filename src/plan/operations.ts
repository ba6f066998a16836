// Operations as plain data: the plan that is shown is the plan that runs (src/execute runs them).
// Every operation has an id, stable within its plan (`o1`, `o2`, ... in execution order): events,
// approvals and the journal of an execution refer to operations by it.
import type { ServiceSpec, VolumeSpec } from '../model/spec.js';

export interface ContainerRef {
  id: string;
  name: string;
}

export type UpdateOrderResolved = 'start-first' | 'stop-first';

interface OperationBase {
  /** Stable within the plan: `o1`, `o2`, ... */
  id: string;
  machineId: string;
}

export interface CreateVolumeOperation extends OperationBase {
  kind: 'create-volume';
  volume: VolumeSpec;
}

export interface RunOperation extends OperationBase {
  kind: 'run';
  serviceId: string;
  spec: ServiceSpec;
}

export interface ReplaceOperation extends OperationBase {
  kind: 'replace';
  serviceId: string;
  spec: ServiceSpec;
  old: ContainerRef;
  order: UpdateOrderResolved;
  /** Why this order, in words: "a single replica with named volume data: no two writers". */
  orderReason: string;
  /** The fields that forced the replace. */
  changes: string[];
}

/** Resource limits applied in place (Docker's update API): no restart. */
export interface UpdateOperation extends OperationBase {
  kind: 'update';
  container: ContainerRef;
  spec: ServiceSpec;
  changes: string[];
}

/** Stops a container and keeps it (a later step removes it once the deploy has succeeded). */
export interface StopOperation extends OperationBase {
  kind: 'stop';
  container: ContainerRef;
  graceMs: number;
  reason: string;
}

/**
 * Takes a container out of the service: it is stopped during the rollout and removed by the
 * final cleanup once the whole deploy has succeeded (until then a rollback can start it again).
 */
export interface RemoveOperation extends OperationBase {
  kind: 'remove';
  container: ContainerRef;
  graceMs: number;
  reason: string;
}

export type Operation =
  | CreateVolumeOperation
  | RunOperation
  | ReplaceOperation
  | UpdateOperation
  | StopOperation
  | RemoveOperation;

export type OperationKind = Operation['kind'];

/** An operation as a strategy makes it, before the plan numbers them. */
export type Planned<O extends Operation> = Omit<O, 'id'>;
/** Any operation before the plan numbers it. */
export type PlannedOperation = Operation extends infer O ? (O extends Operation ? Planned<O> : never) : never;

/** Numbers operations in order: `o1`, `o2`, ... */
export function withIds(operations: PlannedOperation[], first = 1): Operation[] {
  return operations.map((op, i) => ({ id: `o${first + i}`, ...op }) as Operation);
}

/** Resolves ids to the names people know; ids are shown only when no name is known. */
export interface NameResolver {
  machineName(machineId: string): string;
  containerName(containerId: string): string;
}

/** How a plan's summary counts operations: `2 create · 1 replace · 1 stop · across 3 machines`. */
export type SummaryBucket = 'create' | 'replace' | 'update' | 'stop' | 'remove';

/**
 * One row per operation kind: its symbol (Terraform-like, learned once) and the summary bucket it
 * counts in. Every face (plan text, JSON, the view) reads symbols and counts from here, so a kind
 * can never be left out of a summary.
 */
export const OPERATION_KINDS: Record<OperationKind, { symbol: string; bucket: SummaryBucket }> = {
  'create-volume': { symbol: '+', bucket: 'create' },
  run: { symbol: '+', bucket: 'create' },
  replace: { symbol: '+/-', bucket: 'replace' },
  update: { symbol: '~', bucket: 'update' },
  stop: { symbol: '!', bucket: 'stop' },
  remove: { symbol: '-', bucket: 'remove' },
};

/** The summary buckets in the order a summary names them. */
export const SUMMARY_BUCKETS: readonly SummaryBucket[] = ['create', 'replace', 'update', 'stop', 'remove'];

function symbolOf(op: Operation): string {
  if (op.kind === 'replace' && op.order === 'stop-first') return '-/+';
  return OPERATION_KINDS[op.kind].symbol;
}

/** The human line for one operation, in names: `+/- replace container web-ab12 on m2 (image changed)`. */
export function formatOperation(op: Operation, names: NameResolver, opts: { machine?: boolean } = {}): string {
  // In a tree grouped by machine the machine is already said.
  const on = opts.machine === false ? '' : `on ${names.machineName(op.machineId)}`;
  const container = (c: ContainerRef) => names.containerName(c.id) || c.name;
  const line = (() => {
    switch (op.kind) {
      case 'create-volume':
        return `create volume ${op.volume.name} ${on}`;
      case 'run':
        return `run container ${op.spec.name} ${on}`;
      case 'replace': {
        const why = op.changes.length > 0 ? `${op.changes.join(', ')} changed` : 'forced recreate';
        const order = op.order === 'stop-first' ? `; stop-first: ${op.orderReason}` : '';
        return `replace container ${container(op.old)} ${on} (${why}${order})`;
      }
      case 'update':
        return `update container ${container(op.container)} ${on} in place (${op.changes.join(', ')})`;
      case 'stop':
        return `stop container ${container(op.container)} ${on} (${op.reason})`;
      case 'remove':
        return `remove container ${container(op.container)} ${on} (${op.reason})`;
    }
  })();
  return `${symbolOf(op)} ${line.replace(/ {2,}/g, ' ').replace(/ $/, '')}`;
}

/** A short, id-based description for logs and errors (the seed's String()). */
export function describeOperation(op: Operation): string {
  switch (op.kind) {
    case 'create-volume':
      return `${op.id} create-volume ${op.volume.name} machine=${op.machineId}`;
    case 'run':
      return `${op.id} run service=${op.serviceId} machine=${op.machineId}`;
    case 'replace':
      return `${op.id} replace ${op.old.id} (${op.order}) machine=${op.machineId}`;
    case 'update':
      return `${op.id} update ${op.container.id} machine=${op.machineId}`;
    case 'stop':
      return `${op.id} stop ${op.container.id} machine=${op.machineId}`;
    case 'remove':
      return `${op.id} remove ${op.container.id} machine=${op.machineId}`;
  }
}

/** The container an operation acts on (the old one of a replace); null for runs and volumes. */
export function containerOf(op: Operation): ContainerRef | null {
  switch (op.kind) {
    case 'replace':
      return op.old;
    case 'update':
    case 'stop':
    case 'remove':
      return op.container;
    case 'run':
    case 'create-volume':
      return null;
  }
}
