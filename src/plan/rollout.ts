// How a plan rolls out: its settings (from the spec's update block, overridden by the command line)
// and its operations grouped into units and batches. Pure: batches are part of the plan that is
// shown, so the rollout that runs is the one that was read.
import type { FailureAction, ServiceSpec } from '../model/spec.js';
import { DEFAULT_MONITOR_MS } from '../model/spec.js';
import type { Operation } from './operations.js';

/** The rollout settings a plan runs with. Durations in ms. */
export interface RolloutSettings {
  /** Units (one container change each) updated at once. */
  parallelism: number;
  /** Wait between batches. */
  delayMs: number;
  /** How long a new container must stay up (and healthy) to pass its health gate. */
  monitorMs: number;
  failureAction: FailureAction;
  /** Failed units tolerated, as a fraction of the units run so far, before failureAction applies. */
  maxFailureRatio: number;
  /** The first batch runs on one machine, then waits to be promoted (or rolled back). */
  canary: boolean;
}

/** Settings given on the command line (or a view's choice), which beat the spec's update block. */
export type RolloutOverrides = Partial<RolloutSettings>;

/** Swarm's and compose's defaults, except failure_action (Swarm pauses; a deploy here rolls back). */
export const DEFAULT_ROLLOUT: RolloutSettings = {
  parallelism: 1,
  delayMs: 0,
  monitorMs: DEFAULT_MONITOR_MS,
  failureAction: 'rollback',
  maxFailureRatio: 0,
  canary: false,
};

/** The settings for a spec: its update block, then the overrides, then the defaults. */
export function rolloutSettings(spec: Pick<ServiceSpec, 'update'>, overrides: RolloutOverrides = {}): RolloutSettings {
  const u = spec.update ?? {};
  const pick = <K extends keyof RolloutSettings>(key: K, fromSpec: RolloutSettings[K] | undefined): RolloutSettings[K] =>
    overrides[key] ?? fromSpec ?? DEFAULT_ROLLOUT[key];
  return {
    parallelism: Math.max(1, pick('parallelism', u.parallelism)),
    delayMs: pick('delayMs', u.delay),
    monitorMs: pick('monitorMs', u.monitor),
    failureAction: pick('failureAction', u.failure_action),
    maxFailureRatio: pick('maxFailureRatio', u.max_failure_ratio),
    canary: pick('canary', undefined),
  };
}

/**
 * One container change and what must happen just before it on the same machine (a stop that frees
 * a host port): the unit of approval, of parallelism and of undo. Its id is its main operation's.
 */
export interface RolloutUnit {
  id: string;
  machineId: string;
  /** The unit's operations in order; the last one is the main one. */
  opIds: string[];
}

/**
 * `volumes`: named volumes created before any container; `canary`: the first batch, on one machine;
 * `update`: runs, replaces, in-place updates; `removals`: containers taken out of the service.
 */
export type BatchKind = 'volumes' | 'canary' | 'update' | 'removals';

/** Units that run at the same time. Batches run one after another. */
export interface Batch {
  /** 1-based, in execution order. */
  index: number;
  kind: BatchKind;
  units: RolloutUnit[];
}

/**
 * Groups operations into units and batches: volumes first (one batch), then the container changes
 * in plan order, `parallelism` units per batch (the first batch only on one machine for a
 * canary), then removals, `parallelism` per batch.
 */
export function batchOperations(operations: Operation[], settings: Pick<RolloutSettings, 'parallelism' | 'canary'>): Batch[] {
  const volumes: RolloutUnit[] = [];
  const work: RolloutUnit[] = [];
  const removals: RolloutUnit[] = [];
  const pendingStops = new Map<string, string[]>();
  for (const op of operations) {
    switch (op.kind) {
      case 'create-volume':
        volumes.push({ id: op.id, machineId: op.machineId, opIds: [op.id] });
        break;
      case 'stop':
        pendingStops.set(op.machineId, [...(pendingStops.get(op.machineId) ?? []), op.id]);
        break;
      case 'run':
      case 'replace':
      case 'update': {
        const before = pendingStops.get(op.machineId) ?? [];
        pendingStops.delete(op.machineId);
        work.push({ id: op.id, machineId: op.machineId, opIds: [...before, op.id] });
        break;
      }
      case 'remove':
        removals.push({ id: op.id, machineId: op.machineId, opIds: [op.id] });
        break;
    }
  }
  // A stop with nothing after it on its machine is a unit of its own.
  for (const [machineId, ids] of pendingStops) for (const id of ids) work.push({ id, machineId, opIds: [id] });

  const batches: Batch[] = [];
  const add = (kind: BatchKind, units: RolloutUnit[]) => {
    if (units.length > 0) batches.push({ index: batches.length + 1, kind, units });
  };
  add('volumes', volumes);
  const n = Math.max(1, settings.parallelism);
  let rest = work;
  if (settings.canary && work.length > 0) {
    const machine = work[0]!.machineId;
    const canary = work.filter((u) => u.machineId === machine).slice(0, n);
    add('canary', canary);
    rest = work.filter((u) => !canary.includes(u));
  }
  for (let i = 0; i < rest.length; i += n) add('update', rest.slice(i, i + n));
  for (let i = 0; i < removals.length; i += n) add('removals', removals.slice(i, i + n));
  return batches;
}
