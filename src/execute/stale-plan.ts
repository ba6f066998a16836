// A plan is executed only against the cluster it was made from: if anything it saw changed
// (a container of the service, a machine going up or down, a volume), it is refused.
import type { Plan } from '../plan/plan.js';
import { fingerprintOf } from '../plan/plan.js';
import type { Client } from './client.js';
import { observeService } from './observe.js';

export class StalePlanError extends Error {
  constructor(readonly plan: Plan) {
    super(`the cluster changed since the plan for ${plan.serviceName} was made (another deploy, or a machine went up or down): nothing was changed; plan again`);
    this.name = 'StalePlanError';
  }
}

export async function currentFingerprint(client: Client, plan: Plan): Promise<string> {
  const { state, service } = await observeService(client, plan.serviceName);
  return fingerprintOf(state, service, plan.spec);
}

export async function refuseIfStale(client: Client, plan: Plan): Promise<void> {
  if ((await currentFingerprint(client, plan)) !== plan.fingerprint) throw new StalePlanError(plan);
}
