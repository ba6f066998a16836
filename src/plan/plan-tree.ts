// The plan as a tree for display: machine -> operations (in plan order), with down machines as
// branches of their own; and the batches, for the views that group by them.
import type { NameResolver, Operation } from './operations.js';
import type { Plan } from './plan.js';

export interface PlanTreeMachine {
  machineId: string;
  name: string;
  operations: Operation[];
  /** Set when the machine is down: what cannot be seen there. */
  down?: string;
}

export function planTree(plan: Pick<Plan, 'operations' | 'unseen'>, names: NameResolver): PlanTreeMachine[] {
  const machines = new Map<string, PlanTreeMachine>();
  for (const operation of plan.operations) {
    let m = machines.get(operation.machineId);
    if (!m) {
      m = { machineId: operation.machineId, name: names.machineName(operation.machineId), operations: [] };
      machines.set(operation.machineId, m);
    }
    m.operations.push(operation);
  }
  const tree = [...machines.values()];
  for (const u of plan.unseen) {
    tree.push({ machineId: u.machineId, name: u.name, operations: [], down: `down (${u.reason}): its containers cannot be seen and are not changed` });
  }
  return tree;
}

/** The batch each operation runs in (1-based), by operation id. */
export function batchOf(plan: Pick<Plan, 'batches'>): Map<string, number> {
  const out = new Map<string, number>();
  for (const b of plan.batches) for (const u of b.units) for (const id of u.opIds) out.set(id, b.index);
  return out;
}
