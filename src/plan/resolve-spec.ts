// ServiceSpecResolver (the pure part): name, mode and ingress hostnames. The image digest is
// resolved by src/execute/image-resolver.ts, which needs the engines.
import type { ServiceSpec } from '../model/spec.js';
import { PlanError } from './plan-error.js';
import type { RandomSource } from './service-name.js';
import { generateServiceName } from './service-name.js';

export interface ResolveContext {
  domain?: string;
  /**
   * Names of the services that exist: a generated name never reuses one. A function is called
   * only when a name is generated (a spec without one), so a named spec pays nothing for them.
   */
  takenNames: ReadonlySet<string> | (() => ReadonlySet<string>);
  random?: RandomSource;
}

/**
 * The spec with its name (generated from the image when it has none, never one of the taken
 * names), its mode (replicated unless set) and the hostname of each ingress port (`NAME.DOMAIN`
 * when it has none): a new object, `spec` is left as it is. Throws a PlanError for an ingress port
 * without a hostname when the cluster has no domain.
 */
export function resolveServiceSpec(spec: ServiceSpec, ctx: ResolveContext): ServiceSpec {
  const name = spec.name ?? generateServiceName(spec.image, typeof ctx.takenNames === 'function' ? ctx.takenNames() : ctx.takenNames, ctx.random);
  const ports = spec.ports?.map((p) => {
    if (p.mode !== 'ingress' || p.hostname) return p;
    if (!ctx.domain) {
      throw new PlanError(
        `ingress port ${p.published ?? p.container}/${p.protocol} of service ${name} has no hostname and the cluster has no domain: ` +
          `write it as HOSTNAME:${p.container}/${p.protocol}, or set "domain:" in the cluster file`,
      );
    }
    return { ...p, hostname: `${name}.${ctx.domain}` };
  });
  return { ...spec, name, mode: spec.mode ?? 'replicated', ...(ports ? { ports } : {}) };
}
