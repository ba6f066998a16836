// Rolling a service back to the spec of an earlier deploy: which deploy (from the history, anchored
// on the deploy its running containers carry), and the spec to plan: its secrets are hashes, which
// only a container that still runs the value opens (older records hold the mask, taken from what
// the service runs now). Pure: the faces read the history and the cluster, then plan the spec like
// any other (keeping its image pin, so the same bytes return).
import type { ContainerState, ServiceState } from '../model/cluster.js';
import { SecretKey } from '../model/secret-key.js';
import type { ServiceSpec } from '../model/spec.js';
import { runningSecrets } from '../plan/secret-seal.js';
import { MASK, maskValue } from '../plan/secrets.js';
import { currentDeployId, type DeployRecord } from './history.js';

/** A rollback that cannot be planned; the message says why and what to do instead. */
export class RollbackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RollbackError';
  }
}

/** The origin a rollback's run is recorded with. */
export function rollbackOrigin(deployId: string): string {
  return `rollback to ${deployId}`;
}

const see = (service: string) => `see dockplan history ${service}`;

/**
 * The deploy to roll the service `name` back to, from its records (oldest first, as
 * HistoryStore.list gives them) and what runs of it now (`service`, undefined when nothing of it
 * can be seen). With `to`, that deploy (any outcome, but not a removal). Without, the last deploy that
 * finished `done` before the one the service's newest running container carries, among the records
 * of this service (one of its service ids: not a namesake on another cluster, nor a service that
 * was removed since); when that deploy is not in the records (made from another machine), the last
 * such deploy that started before the newest running container was created.
 * Throws a RollbackError naming what is missing.
 */
export function rollbackTarget(records: readonly DeployRecord[], name: string, service: ServiceState | undefined, to?: string): DeployRecord {
  if (to !== undefined) {
    const chosen = records.find((r) => r.deployId === to);
    if (!chosen) throw new RollbackError(`deploy ${to} is not in the history of ${name} on this machine: ${see(name)}`);
    if (chosen.action === 'remove') throw new RollbackError(`deploy ${to} removed ${name}: it has no spec to roll back to; ${see(name)}`);
    return chosen;
  }
  if (!service) throw new RollbackError(`no service named ${name} on the cluster: to deploy an earlier version of it again, pass --to DEPLOY_ID (${see(name)})`);
  const ours = records.filter((r) => service.ids.includes(r.serviceId));
  if (ours.length === 0) {
    throw new RollbackError(`no deploy of ${name} as it runs now is in the history on this machine (deploys made from another machine are only on that one): ${see(name)}, or deploy an earlier spec file`);
  }
  const current = currentDeployId(service.containers);
  const at = current === undefined ? -1 : ours.findIndex((r) => r.deployId === current);
  let before: readonly DeployRecord[];
  if (at >= 0) {
    before = ours.slice(0, at);
  } else {
    const running = service.containers.filter((c) => c.state === 'running');
    const newest = (running.length > 0 ? running : service.containers).reduce((a, c) => (c.created > a ? c.created : a), '');
    before = ours.filter((r) => r.deployId !== current && r.startedAt < newest);
  }
  const target = [...before].reverse().find((r) => r.outcome === 'done' && r.action !== 'remove');
  if (!target) {
    const which = current ? `deploy ${current} (the one its containers run)` : 'the deploy its containers run';
    throw new RollbackError(`no successful deploy of ${name} before ${which} is in the history on this machine: ${see(name)} and pass --to DEPLOY_ID`);
  }
  return target;
}

/** The places maskSecrets masks, as `[path shown to people, key, value]`. */
function maskable(spec: ServiceSpec): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const [k, v] of Object.entries(spec.env ?? {})) out.push([`env.${k}`, k, v]);
  for (const [k, v] of Object.entries(spec.logging?.options ?? {})) out.push([`logging.options.${k}`, k, v]);
  for (const vol of spec.volumes ?? []) for (const [k, v] of Object.entries(vol.driver_opts ?? {})) out.push([`volumes.${vol.name}.driver_opts.${k}`, k, v]);
  return out;
}

/**
 * `recorded` (a spec from the history, secret values masked) with each masked value taken from
 * `current` (the spec the service runs now, see currentSpecOf): a value is taken when `current` has
 * the same key and its value masks to exactly the recorded text, so a partly masked value (a URL
 * whose password was masked) comes back only when its visible part is unchanged. Throws a
 * RollbackError naming every value that cannot be restored: a rollback never deploys the mask.
 */
export function restoreMaskedSecrets(recorded: ServiceSpec, current: ServiceSpec | undefined, deployId: string): ServiceSpec {
  const now = new Map(current ? maskable(current).map(([path, , value]) => [path, value]) : []);
  const lost: string[] = [];
  const restored = new Map<string, string>();
  for (const [path, key, value] of maskable(recorded)) {
    if (!value.includes(MASK)) continue;
    const candidate = now.get(path);
    if (candidate !== undefined && maskValue(key, candidate) === value) restored.set(path, candidate);
    else lost.push(candidate === undefined ? `${path} (not in the spec it runs now)` : `${path} (its visible part changed since)`);
  }
  if (lost.length > 0) {
    throw new RollbackError(
      `cannot roll back to ${deployId}: the history keeps secret values masked, and these cannot be taken from the spec the service runs now: ${lost.join(', ')}. ` +
        'Deploy that version from its spec file instead (dockplan deploy -f SPEC)',
    );
  }
  if (restored.size === 0) return recorded;
  const put = (path: string, value: string) => restored.get(path) ?? value;
  const out: ServiceSpec = { ...recorded };
  if (recorded.env) out.env = Object.fromEntries(Object.entries(recorded.env).map(([k, v]) => [k, put(`env.${k}`, v)]));
  if (recorded.logging?.options) {
    out.logging = { ...recorded.logging, options: Object.fromEntries(Object.entries(recorded.logging.options).map(([k, v]) => [k, put(`logging.options.${k}`, v)])) };
  }
  if (recorded.volumes) {
    out.volumes = recorded.volumes.map((vol) => (vol.driver_opts
      ? { ...vol, driver_opts: Object.fromEntries(Object.entries(vol.driver_opts).map(([k, v]) => [k, put(`volumes.${vol.name}.driver_opts.${k}`, v)])) }
      : vol));
  }
  return out;
}

/** The refusal of a rollback whose secret values (`paths`) no container of `service` runs any more. */
export function secretsGoneError(deployId: string, service: string, paths: readonly string[]): RollbackError {
  return new RollbackError(
    `cannot roll back to ${deployId}: the history keeps only a hash of each secret, and no container of ${service} runs the value of ${paths.join(', ')} that deploy had any more. ` +
      'Deploy that version from its spec file instead (dockplan deploy -f SPEC)',
  );
}

/**
 * The spec a rollback to `record` plans: its recorded spec, masked secrets of older records restored
 * from `current` (see restoreMaskedSecrets), its image pin kept (image_ref: exactly those bytes run
 * again). With `containers` (the service's, inspected: what they run with), a hash none of them
 * opens is refused here (see secretsGoneError), before anything is planned.
 */
export function rollbackSpec(record: DeployRecord, current: ServiceSpec | undefined, containers?: readonly ContainerState[]): ServiceSpec {
  const spec = restoreMaskedSecrets(record.spec, current, record.deployId);
  if (containers) {
    const gone = runningSecrets(containers, SecretKey.generate).unknown(spec);
    if (gone.length > 0) throw secretsGoneError(record.deployId, record.service, gone);
  }
  return spec;
}
