// The plan as a tree for display: service -> machine -> operations (in execution order), with
// down machines as branches of their own.
import type { NameResolver, Operation, SequenceOperation } from './operations.js';
import { flatten } from './operations.js';
import type { Plan } from './plan.js';

export interface PlanTreeOperation {
  /** Index of the top-level operation this belongs to (the unit of approval). */
  index: number;
  operation: Exclude<Operation, SequenceOperation>;
}

export interface PlanTreeMachine {
  machineId: string;
  name: string;
  operations: PlanTreeOperation[];
  /** Set when the machine is down: what cannot be seen there. */
  down?: string;
}

export function planTree(plan: Plan, names: NameResolver): PlanTreeMachine[] {
  const machines = new Map<string, PlanTreeMachine>();
  plan.operations.forEach((top, index) => {
    for (const operation of flatten([top])) {
      let m = machines.get(operation.machineId);
      if (!m) {
        m = { machineId: operation.machineId, name: names.machineName(operation.machineId), operations: [] };
        machines.set(operation.machineId, m);
      }
      m.operations.push({ index, operation });
    }
  });
  const tree = [...machines.values()];
  for (const u of plan.unseen) {
    tree.push({ machineId: u.machineId, name: u.name, operations: [], down: `down (${u.reason}): its containers cannot be seen and are not changed` });
  }
  return tree;
}
