// The cluster file: which Docker engines make up the cluster, and its DNS domain.
//
//   domain: cluster.test            # optional; ingress hostnames are <service>.<domain>
//   machines:
//     - name: m1
//       host: unix:///run/m1/docker.sock
//     - name: m2
//       host: tcp://10.213.0.12:2375
//     - name: m3
//       host: ssh://root@10.213.0.13:2222
import { quoted } from './printable.js';
import { isIP } from 'node:net';
import { dnsLabelProblem, isDnsLabel, isDnsName } from './dns-names.js';
import { parseYaml, type SpecError } from './yaml-errors.js';
import { isEmpty, YamlReader, type Located } from './yaml-reader.js';

export interface ClusterMachine {
  name: string;
  /** `unix:///abs/path`, `tcp://host:port` or `ssh://[user@]host[:port]`. */
  host: string;
}

export interface ClusterFile {
  domain?: string;
  machines: ClusterMachine[];
}

export interface ParseClusterFileResult {
  /** Present only when there are no errors. */
  cluster?: ClusterFile;
  /** Sorted by position. */
  errors: SpecError[];
}

const CLUSTER_KEYS = ['domain', 'machines'] as const;
const MACHINE_KEYS = ['name', 'host'] as const;
const HOST_HINT = 'expected unix:///absolute/path, tcp://host:port or ssh://[user@]host[:port]';

export function parseClusterFile(text: string, file: string): ParseClusterFileResult {
  const { doc, collector, syntaxBroken } = parseYaml(text, file);
  if (syntaxBroken) return { errors: collector.sorted() };
  const r = new YamlReader(doc, collector);
  const root = r.root();
  if (isEmpty(root)) {
    r.error(root, 'the cluster file is empty; list the machines, e.g. `machines: [{name: m1, host: unix:///var/run/docker.sock}]`');
    return { errors: collector.sorted() };
  }
  const f = r.fields(root, CLUSTER_KEYS, { hosts: 'machines', nodes: 'machines' }, 'a mapping with machines (and optionally domain)');
  if (!f) return { errors: collector.sorted() };
  let domain: string | undefined;
  const domainAt = f.get('domain');
  if (domainAt) {
    domain = r.string(domainAt, { expected: 'a DNS domain like cluster.test' });
    if (domain !== undefined && !isDnsName(domain)) {
      r.error(domainAt, `expected a DNS domain like cluster.test (lowercase labels joined by dots), got ${quoted(domain)}`);
    }
  }
  const machinesAt = r.require(f, 'machines', root, 'missing; list at least one machine with a name and a host');
  const machines = machinesAt ? readMachines(r, machinesAt) : [];
  const errors = collector.sorted();
  if (errors.length > 0) return { errors };
  return { cluster: domain === undefined ? { machines } : { domain, machines }, errors };
}

function readMachines(r: YamlReader, at: Located): ClusterMachine[] {
  const items = r.items(at, 'a list of machines ({name, host})');
  if (!items) return [];
  if (items.length === 0) r.error(at, 'the cluster needs at least one machine');
  const machines: ClusterMachine[] = [];
  const names = new Map<string, number>();
  const hosts = new Map<string, number>();
  items.forEach((item, i) => {
    const f = r.fields(item, MACHINE_KEYS, { address: 'host', url: 'host', docker_host: 'host' }, 'a machine: {name, host}');
    if (!f) return;
    const nameAt = r.require(f, 'name', item, 'missing; every machine needs a name (a DNS label like m1)');
    const hostAt = r.require(f, 'host', item, `missing; ${HOST_HINT}`);
    let name = nameAt ? r.string(nameAt, { scalars: true, expected: 'a machine name' }) : undefined;
    if (nameAt && name !== undefined) {
      const first = names.get(name);
      if (!isDnsLabel(name)) {
        r.error(nameAt, dnsLabelProblem(name));
        name = undefined;
      } else if (first !== undefined) {
        r.error(nameAt, `machine name "${name}" is already used by machines[${first}]; names must be unique`);
        name = undefined;
      } else names.set(name, i);
    }
    let host = hostAt ? r.string(hostAt, { expected: HOST_HINT }) : undefined;
    if (hostAt && host !== undefined) {
      const problem = hostProblem(host);
      const first = hosts.get(host);
      if (problem) {
        r.error(hostAt, problem);
        host = undefined;
      } else if (first !== undefined) {
        r.error(hostAt, `machines[${first}] already uses this host; each machine is a different engine`);
        host = undefined;
      } else hosts.set(host, i);
    }
    if (name !== undefined && host !== undefined) machines.push({ name, host });
  });
  return machines;
}

function isHostName(host: string): boolean {
  if (host.startsWith('[') && host.endsWith(']')) return isIP(host.slice(1, -1)) === 6;
  return isIP(host) === 4 || isDnsName(host.toLowerCase());
}

function validPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}

/** What is wrong with a machine's host address, or undefined when it is fine. */
export function hostProblem(host: string): string | undefined {
  const m = /^([a-z]+):\/\/(.*)$/.exec(host);
  if (!m) return `${HOST_HINT}, got ${quoted(host)}`;
  const [, scheme, rest] = m;
  if (scheme === 'unix') {
    return rest.startsWith('/') && rest.length > 1 ? undefined : `a unix socket needs an absolute path: unix:///path/to/docker.sock, got ${quoted(host)}`;
  }
  if (scheme === 'tcp' || scheme === 'ssh') {
    let hostPort = rest.replace(/\/+$/, '');
    if (scheme === 'ssh') {
      const at = hostPort.lastIndexOf('@');
      if (at === 0) return `the ssh user before @ is empty in ${quoted(host)}`;
      if (at > 0) hostPort = hostPort.slice(at + 1);
    }
    const hp = /^(\[[^\]]*\]|[^:/]*)(?::([^:/]*))?$/.exec(hostPort);
    if (!hp || hp[1] === '' || !isHostName(hp[1])) return `${quoted(host)} does not name a valid host; ${HOST_HINT}`;
    if (hp[2] === undefined && scheme === 'tcp') return `a tcp host needs its port: tcp://${hp[1]}:2375`;
    if (hp[2] !== undefined && !validPort(hp[2])) return `the port "${hp[2]}" is not a port number 1..65535`;
    return undefined;
  }
  return `unknown scheme "${scheme}://"; ${HOST_HINT}`;
}
