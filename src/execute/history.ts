// The record every run leaves: who, when, what the plan did, the spec, how it ended. The contract
// the apply entry point writes through; the store itself lives outside the engine.
import type { ServiceSpec } from '../model/spec.js';
import type { PlanSummary } from '../plan/plan.js';
import type { Outcome } from './events.js';

/** One run of one service. `deployId` is the run id, also on every container it created (label dockplan.deploy.id). */
export interface DeployRecord {
  deployId: string;
  service: string;
  serviceId: string;
  /** `user@host`. */
  who: string;
  /** ISO times. */
  startedAt: string;
  finishedAt: string;
  action: 'create' | 'update' | 'remove';
  /** Where the spec came from, in words: a file, `scale web 3`, `rollback to r...`. */
  origin?: string;
  summary: PlanSummary;
  /** The desired spec of the run (secrets masked by the store when it writes). */
  spec: ServiceSpec;
  outcome: Outcome;
  /** Operations completed / in the plan. */
  completed: number;
  total: number;
  reason?: string;
}

export interface HistoryStore {
  /** Adds a record; a store that cannot write says why in the error (callers report, never lose the deploy's result). */
  append(record: DeployRecord): Promise<void>;
  /** Records of a service (every service when undefined), oldest first. */
  list(service?: string): Promise<DeployRecord[]>;
}
