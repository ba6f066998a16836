// The cluster file: which Docker engines make up the cluster, and its DNS domain.
//
//   domain: cluster.test            # optional; ingress hostnames are <service>.<domain>
//   machines:
//     - name: m1
//       host: unix:///run/m1/docker.sock
//     - name: m2
//       host: tcp://10.213.0.12:2376
//       tls: {ca: certs/ca.pem, cert: certs/cert.pem, key: certs/key.pem}   # verify: false optional
//     - name: m3
//       host: ssh://root@10.213.0.13:2222
//     - name: m4
//       context: prod                # a docker context: its host and TLS files
import { quoted } from './printable.js';
import { isIP } from 'node:net';
import { isScalar } from 'yaml';
import { didYouMean } from './did-you-mean.js';
import { dnsLabelProblem, isDnsLabel, isDnsName } from './dns-names.js';
import { parseYaml, type SpecError } from './yaml-errors.js';
import { isEmpty, YamlReader, type Located } from './yaml-reader.js';

/**
 * TLS of a tcp:// machine as written in the cluster file. Paths are as written: the loader
 * resolves them against the cluster file's folder and expands `~`.
 */
export interface ClusterMachineTls {
  /** PEM file of the CA that signed the engine's certificate; without it, the system's CAs. */
  ca?: string;
  /** PEM file of the client certificate; always with `key`. */
  cert?: string;
  key?: string;
  /** Check the engine's certificate (chain and host name); false is the docker CLI's --tls without --tlsverify. Default true. */
  verify: boolean;
}

/** A machine reached at a host address. */
export interface HostMachine {
  name: string;
  /** `unix:///abs/path`, `tcp://host:port` or `ssh://[user@]host[:port]`. */
  host: string;
  /** Only with a tcp:// host: its TLS, or false for plain TCP whatever DOCKER_TLS_VERIFY says; absent: the environment decides. */
  tls?: ClusterMachineTls | false;
}

/** A machine reached through a docker context (its endpoint host and TLS files). */
export interface ContextMachine {
  name: string;
  /** A context name as `docker context ls` shows it; `default` is DOCKER_HOST or the local socket. */
  context: string;
}

export type ClusterMachine = HostMachine | ContextMachine;

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

/** What the parser may check beyond the file itself. */
export interface ParseClusterFileOptions {
  /**
   * The docker contexts there are (`default` among them), asked only when a machine names one: a
   * context not in the list is an error at its position, with a did-you-mean. Absent: not checked.
   */
  knownContexts?: () => readonly string[];
}

const CLUSTER_KEYS = ['domain', 'machines'] as const;
const MACHINE_KEYS = ['name', 'host', 'context', 'tls'] as const;
const TLS_KEYS = ['ca', 'cert', 'key', 'verify'] as const;
const HOST_HINT = 'expected unix:///absolute/path, tcp://host:port or ssh://[user@]host[:port]';
const TLS_HINT = 'a mapping {ca, cert, key, verify} of PEM file paths, or false for plain TCP';
/** The docker CLI's rule for context names (cli/context/store/store.go, restrictedNamePattern). */
const CONTEXT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$/;
const NO_VERIFY_HINT = 'to skip checking the engine\'s certificate write verify: false';

/**
 * Parses and validates a cluster file. Every problem is reported at once, each at its file:line:col
 * with its field (`machines[1].tls.ca`); unknown keys get a did-you-mean. A machine has a name and
 * either a host or a docker context; `tls` goes only with a tcp:// host.
 */
export function parseClusterFile(text: string, file: string, options: ParseClusterFileOptions = {}): ParseClusterFileResult {
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
  const machines = machinesAt ? readMachines(r, machinesAt, options) : [];
  const errors = collector.sorted();
  if (errors.length > 0) return { errors };
  return { cluster: domain === undefined ? { machines } : { domain, machines }, errors };
}

function readMachines(r: YamlReader, at: Located, options: ParseClusterFileOptions): ClusterMachine[] {
  const items = r.items(at, 'a list of machines ({name, host} or {name, context})');
  if (!items) return [];
  if (items.length === 0) r.error(at, 'the cluster needs at least one machine');
  const machines: ClusterMachine[] = [];
  const names = new Map<string, number>();
  const hosts = new Map<string, number>();
  const contexts = new Map<string, number>();
  let known: readonly string[] | undefined;
  items.forEach((item, i) => {
    const f = r.fields(item, MACHINE_KEYS, { address: 'host', url: 'host', docker_host: 'host', docker_context: 'context', tlsverify: 'tls' }, 'a machine: {name, host} or {name, context}');
    if (!f) return;
    const nameAt = r.require(f, 'name', item, 'missing; every machine needs a name (a DNS label like m1)');
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
    const hostAt = f.get('host');
    const contextAt = f.get('context');
    const tlsAt = f.get('tls');
    if (contextAt) {
      if (hostAt) r.error(contextAt, 'give either host or context, not both: a docker context names its own host');
      if (tlsAt) r.error(tlsAt, 'a docker context brings its own TLS files (docker context update --docker ...); remove tls here');
      let context = r.word(contextAt, 'a docker context name (see docker context ls)');
      if (context !== undefined) {
        const first = contexts.get(context);
        if (context !== 'default' && !CONTEXT_NAME.test(context)) {
          r.error(contextAt, `${quoted(context)} is not a docker context name (letters, digits, and _ . + - after the first)`);
          context = undefined;
        } else if (first !== undefined) {
          r.error(contextAt, `machines[${first}] already uses this context; each machine is a different engine`);
          context = undefined;
        } else if (options.knownContexts) {
          known ??= options.knownContexts();
          if (!known.includes(context)) {
            r.error(contextAt, `docker context "${context}" does not exist${didYouMean(context, known)}; the contexts are: ${known.join(', ')}`);
            context = undefined;
          }
        }
        if (context !== undefined && !hostAt) contexts.set(context, i);
      }
      if (name !== undefined && context !== undefined && !hostAt && !tlsAt) machines.push({ name, context });
      return;
    }
    if (!hostAt) {
      r.require(f, 'host', item, `missing; ${HOST_HINT}, or context: NAME for a docker context`);
      return;
    }
    let host = r.string(hostAt, { expected: HOST_HINT });
    if (host !== undefined) {
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
    let tls: ClusterMachineTls | false | undefined;
    let tlsBroken = false;
    if (tlsAt) {
      tls = readTls(r, tlsAt);
      tlsBroken = tls === undefined;
      if (host !== undefined && !host.startsWith('tcp://')) {
        r.error(tlsAt, `tls goes only with a tcp:// host (this one is ${host.slice(0, host.indexOf(':'))})`);
        tlsBroken = true;
      }
    }
    if (name !== undefined && host !== undefined && !tlsBroken) machines.push(tls === undefined ? { name, host } : { name, host, tls });
  });
  return machines;
}

function readTls(r: YamlReader, at: Located): ClusterMachineTls | false | undefined {
  if (isScalarFalse(at)) return false;
  const f = r.fields(
    at,
    TLS_KEYS,
    { cacert: 'ca', tlscacert: 'ca', ca_cert: 'ca', tlscert: 'cert', client_cert: 'cert', tlskey: 'key', client_key: 'key', tlsverify: 'verify', skip_verify: NO_VERIFY_HINT, insecure: NO_VERIFY_HINT },
    `${TLS_HINT}`,
  );
  if (!f) return undefined;
  const tls: ClusterMachineTls = { verify: true };
  let ok = true;
  for (const key of ['ca', 'cert', 'key'] as const) {
    const v = f.get(key);
    if (!v) continue;
    const path = r.word(v, `a path to a PEM file (relative to the cluster file, or ~/...)`);
    if (path === undefined) ok = false;
    else tls[key] = path;
  }
  const verifyAt = f.get('verify');
  if (verifyAt) {
    const verify = r.boolean(verifyAt);
    if (verify === undefined) ok = false;
    else tls.verify = verify;
  }
  if (f.has('cert') !== f.has('key')) {
    const [has, lacks] = f.has('cert') ? ['cert', 'key'] : ['key', 'cert'];
    r.require(f, lacks, at, `missing; a client certificate needs both cert and key (${has} is given)`);
    ok = false;
  }
  return ok ? tls : undefined;
}

function isScalarFalse(at: Located): boolean {
  return isScalar(at.node) && at.node.value === false;
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
