// Published ports in their string syntax, both ways, and the host-port clashes inside one spec.
//   ingress: [hostname:][published:]container[/http|https]      (default http)
//   host:    [ip:]published:container[/tcp|udp]@host            (default tcp)
import { isIP } from 'node:net';
import { isDnsName } from './dns-names.js';
import type { PortSpec } from './spec.js';

export const PORT_SYNTAX_HINT =
  'expected [hostname:][published:]container[/http|https] for ingress, or [ip:]published:container[/tcp|udp]@host';


function portNumber(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

function badPortNumber(what: string, text: string): string {
  if (/^\d+-\d+$/.test(text)) return `${what} "${text}" is a range; list each port on its own`;
  return `${what} "${text}" is not a port number 1..65535`;
}

/** Parses one port string, or says what is wrong with it. */
export function parsePort(text: string): PortSpec | { error: string } {
  let rest = text.trim();
  let hostMode = false;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const mode = rest.slice(at + 1);
    if (mode !== 'host') return { error: `unknown port mode "@${mode}"; the only mode is @host (leave it out for ingress)` };
    hostMode = true;
    rest = rest.slice(0, at);
  }
  let protocol: string | undefined;
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    protocol = rest.slice(slash + 1).toLowerCase();
    rest = rest.slice(0, slash);
  }
  return hostMode ? parseHostPort(rest, protocol) : parseIngressPort(rest, protocol);
}

function parseIngressPort(rest: string, protocol: string | undefined): PortSpec | { error: string } {
  if (protocol === 'tcp' || protocol === 'udp') {
    return { error: 'ingress ports must be http or https; add @host for a host-mode tcp port' };
  }
  if (protocol !== undefined && protocol !== 'http' && protocol !== 'https') {
    return { error: `unknown protocol "${protocol}"; ingress ports are http or https, host-mode ports (@host) tcp or udp` };
  }
  const parts = rest.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) return { error: PORT_SYNTAX_HINT };
  const port: PortSpec = { mode: 'ingress', container: 0, protocol: (protocol ?? 'http') as 'http' | 'https' };
  let hostname: string | undefined;
  let published: string | undefined;
  if (parts.length === 3) [hostname, published] = parts;
  // with two parts the first is a hostname only if it looks like one (letters or dots), else the published port
  else if (parts.length === 2 && /[a-zA-Z.]/.test(parts[0])) hostname = parts[0];
  else if (parts.length === 2) published = parts[0];
  const containerText = parts[parts.length - 1];
  if (hostname !== undefined) {
    if (isIP(hostname) !== 0) {
      return { error: `ingress ports take a hostname, not an IP address ("${hostname}"); to bind on an IP use host mode: ${hostname}:${published ?? containerText}:${containerText}/tcp@host` };
    }
    const lower = hostname.toLowerCase();
    if (!isDnsName(lower) || /^[\d.]+$/.test(lower)) return { error: `"${hostname}" is not a valid hostname` };
    port.hostname = lower;
  }
  if (published !== undefined) {
    const n = portNumber(published);
    if (n === undefined) return { error: badPortNumber('published port', published) };
    port.published = n;
  }
  const container = portNumber(containerText);
  if (container === undefined) return { error: badPortNumber('container port', containerText) };
  port.container = container;
  return reorder(port);
}

function parseHostPort(rest: string, protocol: string | undefined): PortSpec | { error: string } {
  if (protocol === 'http' || protocol === 'https') {
    return { error: `host-mode ports are tcp or udp; remove @host for an ${protocol} ingress port` };
  }
  if (protocol !== undefined && protocol !== 'tcp' && protocol !== 'udp') {
    return { error: `unknown protocol "${protocol}"; host-mode ports are tcp or udp` };
  }
  let ip: string | undefined;
  let ports = rest;
  const bracket = /^\[([^\]]*)\]:(.*)$/.exec(rest);
  if (bracket) {
    [, ip, ports] = bracket;
    if (isIP(ip) !== 6) return { error: `"[${ip}]" is not an IPv6 address` };
  }
  const parts = ports.split(':');
  if (!bracket && parts.length === 3) ip = parts.shift();
  if (parts.length === 1) return { error: 'host-mode ports need the published port: published:container@host' };
  if (parts.length !== 2 || parts.some((p) => p === '')) return { error: PORT_SYNTAX_HINT };
  if (ip !== undefined && !bracket && isIP(ip) !== 4) {
    return { error: `"${ip}" is not an IP address (write IPv6 in brackets: [::1]:80:80@host)` };
  }
  const published = portNumber(parts[0]);
  if (published === undefined) return { error: badPortNumber('published port', parts[0]) };
  const container = portNumber(parts[1]);
  if (container === undefined) return { error: badPortNumber('container port', parts[1]) };
  const port: PortSpec = { mode: 'host', published, container, protocol: (protocol ?? 'tcp') as 'tcp' | 'udp' };
  // 0.0.0.0 is what Docker binds when no address is given: one spelling for one meaning
  if (ip !== undefined && ip !== '0.0.0.0') port.host_ip = ip;
  return reorder(port);
}

/** Fixed key order, so equal ports compare equal as JSON too. */
function reorder(p: PortSpec): PortSpec {
  const out: PortSpec = { mode: p.mode, container: p.container, protocol: p.protocol };
  if (p.hostname !== undefined) out.hostname = p.hostname;
  if (p.host_ip !== undefined) out.host_ip = p.host_ip;
  if (p.published !== undefined) out.published = p.published;
  return out;
}

/** The string syntax of a port; `parsePort(formatPort(p))` equals `p`. */
export function formatPort(p: PortSpec): string {
  if (p.mode === 'host') {
    const ip = p.host_ip === undefined ? '' : isIP(p.host_ip) === 6 ? `[${p.host_ip}]:` : `${p.host_ip}:`;
    return `${ip}${p.published ?? p.container}:${p.container}/${p.protocol}@host`;
  }
  const hostname = p.hostname === undefined ? '' : `${p.hostname}:`;
  const published = p.published === undefined ? '' : `${p.published}:`;
  return `${hostname}${published}${p.container}/${p.protocol}`;
}

export interface PortClash {
  /** Index of the later port that clashes. */
  index: number;
  /** Index of the earlier port it clashes with. */
  with: number;
  message: string;
}

function hostPortsClash(a: PortSpec, b: PortSpec): boolean {
  if (a.published !== b.published || a.protocol !== b.protocol) return false;
  if (a.host_ip === b.host_ip) return true;
  // 0.0.0.0 (or nothing) takes the port on every address; :: on every IPv6 one
  if (a.host_ip === undefined || a.host_ip === '0.0.0.0' || b.host_ip === undefined || b.host_ip === '0.0.0.0') return true;
  if ((a.host_ip === '::' && isIP(b.host_ip) === 6) || (b.host_ip === '::' && isIP(a.host_ip) === 6)) return true;
  return false;
}

function ingressRoute(p: PortSpec): string {
  return `${p.hostname ?? '(service hostname)'}:${p.published ?? '(default port)'}/${p.protocol}`;
}

/**
 * Ports of one spec that cannot all be published: the same host port (address, number, protocol)
 * bound twice, a wildcard address and a specific one on the same port, or the same ingress route
 * (hostname, published port, protocol) twice.
 */
export function findPortClashes(ports: readonly PortSpec[], label: (index: number) => string = (i) => `ports[${i}]`): PortClash[] {
  const clashes: PortClash[] = [];
  ports.forEach((p, i) => {
    for (let j = 0; j < i; j++) {
      const q = ports[j];
      if (p.mode !== q.mode) continue;
      if (p.mode === 'host' && hostPortsClash(p, q)) {
        const bound = q.host_ip === undefined ? 'all addresses' : q.host_ip;
        clashes.push({
          index: i,
          with: j,
          message: `host port ${p.published}/${p.protocol} is already bound by ${label(j)} (${bound}); a host port can be bound only once per machine`,
        });
        return;
      }
      if (p.mode === 'ingress' && p.hostname === q.hostname && p.published === q.published && p.protocol === q.protocol) {
        clashes.push({
          index: i,
          with: j,
          message: `the ingress route ${ingressRoute(p)} is already taken by ${label(j)}; give this port its own hostname or published port`,
        });
        return;
      }
    }
  });
  return clashes;
}
