// A saved plan holds its secrets as hashes only (src/store/plan-file.ts): before it can run, the
// clear values are read again, from where they really are: the containers of the service (what
// they run with) and the spec file the plan was made from. A value is taken only when its hash is
// the planned one, so a spec file changed since cannot slip another value in.
import { SecretKey } from '../model/secret-key.js';
import type { ServiceSpec } from '../model/spec.js';
import type { Plan } from '../plan/plan.js';
import { PlanSecrets, unknownSecrets } from '../plan/secret-seal.js';
import { secretPlaces } from '../plan/secrets.js';
import type { ContainerClient, MachineClient } from './client.js';
import { observeService } from './observe.js';

/**
 * Gives `plan` (read from a file, so without its clear values) the values its containers need:
 * under `secretKey` (the key the file keeps for a service no container carries a key of yet) or
 * the key its service's newest container carries, from the values the service's containers run
 * with and those of `spec` (the spec file read again). Returns the places whose value is still not
 * known (empty when the plan can run); does nothing for a plan that already has its values or needs
 * none.
 */
export async function readSavedPlanSecrets(
  client: Pick<MachineClient, 'loadState'> & Pick<ContainerClient, 'inspectContainer'>,
  plan: Plan,
  sources: { secretKey?: string; spec?: ServiceSpec },
): Promise<string[]> {
  if (plan.secrets || unknownSecrets(plan).length === 0) return [];
  const { service } = await observeService(client, plan.serviceName);
  const containers = [...(service?.containers ?? [])].sort((a, b) => b.created.localeCompare(a.created));
  const carried = containers.find((c) => c.service?.secretKey)?.service?.secretKey;
  const key = SecretKey.fromLabel(sources.secretKey) ?? carried;
  if (!key) return unknownSecrets(plan);
  const secrets = new PlanSecrets(key, carried === undefined);
  for (const c of containers) if (c.values && c.service?.secretKey) secrets.learn(c.service.secretKey, c.values.values());
  if (sources.spec) secrets.learn(key, secretPlaces(sources.spec).map((p) => p.value));
  plan.secrets = secrets;
  return unknownSecrets(plan);
}
