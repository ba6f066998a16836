// A plan is executed only against the cluster it was made from: if anything it saw changed (a
// container of the service, a machine going up or down, a volume), it is refused, saying what.
import { observationChanges, observe } from '../plan/observed.js';
import type { Plan } from '../plan/plan.js';
import type { ContainerClient, MachineClient } from './client.js';
import { observeService } from './observe.js';

/** What changed since the plan was made, in words; empty when nothing did. */
export async function changesSincePlan(client: Pick<MachineClient, 'loadState'> & Pick<ContainerClient, 'inspectContainer'>, plan: Plan): Promise<string[]> {
  const { state, service } = await observeService(client, plan.serviceName);
  return observationChanges(plan.observed, observe(state, service, plan.spec));
}

/** The refusal of a stale plan (exit code 4): nothing ran. */
export function staleReason(plan: Pick<Plan, 'serviceName'>, changes: string[]): string {
  return `the cluster changed since the plan for ${plan.serviceName} was made: ${changes.join('; ')}. Nothing was changed; plan again`;
}
