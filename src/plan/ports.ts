// Host-port clashes between a spec's host-mode ports and the bindings a container holds.
import type { HostPortBinding } from '../model/cluster.js';
import type { PortSpec } from '../model/spec.js';

const ANY = new Set(['', '0.0.0.0', '::']);

function overlaps(ipA: string | undefined, ipB: string | undefined): boolean {
  const a = ipA ?? '';
  const b = ipB ?? '';
  return ANY.has(a) || ANY.has(b) || a === b;
}

/** The spec's host-mode ports that a container with these bindings already holds. */
export function clashingPorts(ports: PortSpec[], held: HostPortBinding[]): PortSpec[] {
  return ports.filter((p) =>
    p.mode === 'host' &&
    held.some((h) => h.published === p.published && h.protocol === p.protocol && overlaps(p.host_ip, h.host_ip)));
}

export function describePort(p: PortSpec): string {
  return `${p.host_ip && !ANY.has(p.host_ip) ? `${p.host_ip}:` : ''}${p.published}/${p.protocol}`;
}
