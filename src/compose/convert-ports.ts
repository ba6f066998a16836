// Compose's ports (https://docs.docker.com/reference/compose-file/services/#ports) as dockplan
// host-mode ports: compose publishes every port on the machine, which is dockplan's `@host` mode.
//   short: [[ip:]published:]target[/protocol], where published and target may be ranges (8000-8001)
//   long:  {target, published, host_ip, protocol, mode, name, app_protocol}
import { isIP } from 'node:net';
import type { PortSpec } from '../model/spec.js';
import type { At, ComposeReader } from './node-reader.js';
import type { ComposeNode } from './tree.js';

/** One compose port entry, before ranges are expanded. */
export interface ComposePort {
  host_ip?: string;
  /** Undefined when only the container port is given (compose picks a free host port). */
  published?: PortRange;
  target: PortRange;
  protocol: string;
}

export interface PortRange {
  start: number;
  end: number;
}

const PROTOCOLS = ['tcp', 'udp'] as const;

function range(text: string): PortRange | undefined {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text.trim());
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  return start >= 1 && end <= 65535 && start <= end ? { start, end } : undefined;
}

/** Parses the short syntax, or says what is wrong with it. */
export function parseShortPort(text: string): ComposePort | { error: string } {
  let rest = text.trim();
  let protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    protocol = rest.slice(slash + 1).toLowerCase();
    rest = rest.slice(0, slash);
  }
  let ip: string | undefined;
  let parts: string[];
  const bracket = /^\[([^\]]*)\]:(.*)$/.exec(rest);
  if (bracket) {
    ip = bracket[1];
    parts = bracket[2]!.split(':');
  } else {
    parts = rest.split(':');
    // an IPv6 address without brackets: everything before the last two parts
    if (parts.length > 3) ip = parts.splice(0, parts.length - 2).join(':');
    else if (parts.length === 3) ip = parts.shift();
  }
  if (ip !== undefined && ip !== '' && isIP(ip) === 0) return { error: `"${ip}" is not an IP address` };
  if (parts.length > 2 || parts.some((p) => p === '' && parts.length === 1)) return { error: SHORT_HINT };
  const target = range(parts[parts.length - 1]!);
  if (!target) return { error: `container port "${parts[parts.length - 1]}" is not a port 1..65535 or a range like 8000-8010` };
  const port: ComposePort = { target, protocol };
  if (ip) port.host_ip = ip;
  if (parts.length === 2 && parts[0] !== '') {
    const published = range(parts[0]!);
    if (!published) return { error: `published port "${parts[0]}" is not a port 1..65535 or a range like 8000-8010` };
    port.published = published;
  }
  return port;
}

const SHORT_HINT = 'expected [[ip:]published:]container[/tcp|udp], like 8080:80, 127.0.0.1:5432:5432 or 53:53/udp';

/**
 * The unique key compose merges ports by ({ip, target, published, protocol}); undefined for an
 * entry that cannot be read (it is then appended, and reported when converted).
 */
export function parsePortKey(node: ComposeNode): string | undefined {
  if (node.kind === 'scalar') {
    const p = parseShortPort(node.text);
    if ('error' in p) return undefined;
    return `${p.host_ip ?? ''}|${p.target.start}-${p.target.end}|${p.published ? `${p.published.start}-${p.published.end}` : ''}|${p.protocol}`;
  }
  if (node.kind !== 'map') return undefined;
  const get = (k: string): string => {
    const e = node.entries.find((x) => x.key === k);
    return e?.value.kind === 'scalar' && e.value.value !== null ? e.value.text : '';
  };
  const target = get('target');
  const published = get('published');
  return `${get('host_ip')}|${target}-${target}|${published.includes('-') || published === '' ? published : `${published}-${published}`}|${get('protocol') || 'tcp'}`;
}

const LONG_KEYS = ['target', 'published', 'host_ip', 'protocol', 'mode', 'name', 'app_protocol'] as const;

/** One entry of a service's `ports` as dockplan host-mode ports (a range gives several); [] when it publishes nothing. */
export function convertPort(r: ComposeReader, item: At): PortSpec[] | undefined {
  const port = item.node.kind === 'map' ? readLong(r, item) : readShort(r, item);
  return port === undefined ? undefined : expand(r, item, port);
}

function readShort(r: ComposeReader, at: At): ComposePort | undefined {
  const text = r.string(at, 'a port like "8080:80"');
  if (text === undefined) return undefined;
  const p = parseShortPort(text);
  if ('error' in p) {
    r.error(at, p.error);
    return undefined;
  }
  return p;
}

function readLong(r: ComposeReader, at: At): ComposePort | undefined {
  const f = r.fields(at, LONG_KEYS);
  if (!f) return undefined;
  const targetAt = f.get('target');
  if (!targetAt) {
    r.error(at, 'missing target: the container port');
    return undefined;
  }
  const target = r.integer(targetAt, 1, 65535);
  const port: ComposePort = { target: { start: target ?? 0, end: target ?? 0 }, protocol: 'tcp' };
  let ok = target !== undefined;
  const publishedAt = f.get('published');
  if (publishedAt) {
    const text = r.string(publishedAt, 'a port number or a range like 8000-8010');
    const published = text === undefined ? undefined : range(text);
    if (text !== undefined && !published) r.error(publishedAt, `published port "${text}" is not a port 1..65535 or a range like 8000-8010`);
    if (published) port.published = published;
    else ok = false;
  }
  const ipAt = f.get('host_ip');
  if (ipAt) {
    const ip = r.word(ipAt, 'an IP address');
    if (ip !== undefined && isIP(ip) === 0) {
      r.error(ipAt, `"${ip}" is not an IP address`);
      ok = false;
    } else if (ip !== undefined) port.host_ip = ip;
    else ok = false;
  }
  const protoAt = f.get('protocol');
  if (protoAt) {
    const proto = r.string(protoAt);
    if (proto === undefined) ok = false;
    else port.protocol = proto.toLowerCase();
  }
  const modeAt = f.get('mode');
  if (modeAt) {
    const mode = r.oneOf(modeAt, ['host', 'ingress'] as const);
    if (mode === undefined) ok = false;
    else if (mode === 'ingress') r.warn(modeAt, "Swarm's routing mesh is not applied: the port is published on each machine a replica runs on (as mode: host)");
  }
  return ok ? port : undefined;
}

/** One compose port as dockplan ports: ranges expanded one port each. */
function expand(r: ComposeReader, at: At, p: ComposePort): PortSpec[] | undefined {
  if (!(PROTOCOLS as readonly string[]).includes(p.protocol)) {
    r.error(at, `protocol "${p.protocol}" is not supported; dockplan publishes tcp or udp`);
    return undefined;
  }
  const protocol = p.protocol as 'tcp' | 'udp';
  const count = p.target.end - p.target.start + 1;
  if (p.published === undefined) {
    r.warn(at, `container port ${formatRange(p.target)} is not published: compose would bind a random host port, which dockplan does not do; write ${p.target.start}:${p.target.start} to publish it`);
    return [];
  }
  const publishedCount = p.published.end - p.published.start + 1;
  if (publishedCount !== count) {
    const why = count === 1
      ? 'a range of host ports for one container port takes any free one of them in compose; give one host port'
      : `the host range has ${publishedCount} ports and the container range ${count}; they must be the same length`;
    r.error(at, why);
    return undefined;
  }
  const out: PortSpec[] = [];
  for (let i = 0; i < count; i++) {
    const port: PortSpec = { mode: 'host', container: p.target.start + i, protocol, published: p.published.start + i };
    if (p.host_ip !== undefined && p.host_ip !== '0.0.0.0') port.host_ip = p.host_ip;
    out.push(port);
  }
  return out;
}

function formatRange(r: PortRange): string {
  return r.start === r.end ? String(r.start) : `${r.start}-${r.end}`;
}
