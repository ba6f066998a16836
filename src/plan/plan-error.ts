// A planning failure a person can act on: the message says what blocked the plan and what to do.
import type { MachineState } from '../model/cluster.js';
import { printable } from '../model/printable.js';

export class PlanError extends Error {
  constructor(
    message: string,
    /** Machines that were ruled out, each with the constraint that excluded it. */
    readonly excluded: { machine: MachineState; reason: string }[] = [],
    /**
     * `ignore-down`: refused only because a machine that is down may hold what the plan would
     * create; planning again with RollingOptions.ignoreDown goes ahead (a face may offer that).
     */
    readonly overridable?: 'ignore-down',
  ) {
    // Names and values in it come from files and engines: nothing raw that a terminal acts on.
    super(printable(message));
    this.name = 'PlanError';
  }
}
