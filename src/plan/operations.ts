// Operations as plain data: the plan that is shown is the plan that runs (src/execute runs them).
import type { ServiceSpec, VolumeSpec } from '../model/spec.js';

export interface ContainerRef {
  id: string;
  name: string;
}

export type UpdateOrderResolved = 'start-first' | 'stop-first';

export interface CreateVolumeOperation {
  kind: 'create-volume';
  machineId: string;
  volume: VolumeSpec;
}

export interface RunOperation {
  kind: 'run';
  machineId: string;
  serviceId: string;
  spec: ServiceSpec;
}

export interface ReplaceOperation {
  kind: 'replace';
  machineId: string;
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
export interface UpdateOperation {
  kind: 'update';
  machineId: string;
  container: ContainerRef;
  spec: ServiceSpec;
  changes: string[];
}

export interface StopOperation {
  kind: 'stop';
  machineId: string;
  container: ContainerRef;
  graceMs: number;
  reason: string;
}

export interface RemoveOperation {
  kind: 'remove';
  machineId: string;
  container: ContainerRef;
  graceMs: number;
  reason: string;
}

export interface SequenceOperation {
  kind: 'sequence';
  operations: Operation[];
}

export type Operation =
  | CreateVolumeOperation
  | RunOperation
  | ReplaceOperation
  | UpdateOperation
  | StopOperation
  | RemoveOperation
  | SequenceOperation;

export type OperationKind = Operation['kind'];

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
export const OPERATION_KINDS: Record<Exclude<OperationKind, 'sequence'>, { symbol: string; bucket: SummaryBucket }> = {
  'create-volume': { symbol: '+', bucket: 'create' },
  run: { symbol: '+', bucket: 'create' },
  replace: { symbol: '+/-', bucket: 'replace' },
  update: { symbol: '~', bucket: 'update' },
  stop: { symbol: '!', bucket: 'stop' },
  remove: { symbol: '-', bucket: 'remove' },
};

/** The summary buckets in the order a summary names them. */
export const SUMMARY_BUCKETS: readonly SummaryBucket[] = ['create', 'replace', 'update', 'stop', 'remove'];

function symbolOf(op: Exclude<Operation, SequenceOperation>): string {
  if (op.kind === 'replace' && op.order === 'stop-first') return '-/+';
  return OPERATION_KINDS[op.kind].symbol;
}

/** The human line for one operation, in names: `+/- replace container web-ab12 on m2 (image changed)`. */
export function formatOperation(op: Operation, names: NameResolver, opts: { machine?: boolean } = {}): string {
  if (op.kind === 'sequence') return op.operations.map((o) => formatOperation(o, names, opts)).join('\n');
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
      return `create-volume ${op.volume.name} machine=${op.machineId}`;
    case 'run':
      return `run service=${op.serviceId} machine=${op.machineId}`;
    case 'replace':
      return `replace ${op.old.id} (${op.order}) machine=${op.machineId}`;
    case 'update':
      return `update ${op.container.id} machine=${op.machineId}`;
    case 'stop':
      return `stop ${op.container.id} machine=${op.machineId}`;
    case 'remove':
      return `remove ${op.container.id} machine=${op.machineId}`;
    case 'sequence':
      return `sequence[${op.operations.map(describeOperation).join(', ')}]`;
  }
}

/** The operations of a tree in execution order, sequences flattened. */
export function flatten(ops: Operation[]): Exclude<Operation, SequenceOperation>[] {
  return ops.flatMap((op) => (op.kind === 'sequence' ? flatten(op.operations) : [op]));
}

export function containerOf(op: Exclude<Operation, SequenceOperation>): ContainerRef | null {
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
