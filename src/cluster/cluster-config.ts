// Which machines make up the cluster: a cluster file, or the one local engine (DOCKER_HOST, else
// the current docker context, else the local socket).
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseClusterFile, type ClusterMachine, type ClusterMachineTls } from '../model/cluster-file.js';
import { formatSpecError } from '../model/parse-spec.js';
import { DEFAULT_LOCAL_HOST } from './connect.js';
import { DEFAULT_CONTEXT, DockerContextError, currentDockerContext, listDockerContexts, readDockerContext } from './docker-context.js';
import type { MachineTls, MachineTlsSetting } from './tls.js';
import { fileProblem } from '../model/file-problem.js';

/** One machine to connect to. */
export interface MachineConfig {
  name: string;
  /** `unix:///path`, `tcp://host:port` or `ssh://[user@]host[:port]`. */
  host: string;
  /**
   * TLS of a tcp:// machine: settings with absolute paths, or false for plain TCP; absent: the
   * environment decides (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH; see tls.ts).
   */
  tls?: MachineTlsSetting;
  /** The docker context the host and TLS were read from, when they were. */
  context?: string;
}

export interface ClusterConfig {
  /** The cluster file (absolute path); undefined for the local engine. */
  file?: string;
  domain?: string;
  machines: MachineConfig[];
}

/** The cluster file could not be read or is invalid; the message says which file and what to fix. */
export class ClusterConfigError extends Error {
  override name = 'ClusterConfigError';
  constructor(message: string, readonly file: string) {
    super(message);
  }
}

export const LOCAL_MACHINE_NAME = 'local';

/**
 * Loads the cluster: from `path` (the --cluster flag), else from $DOCKPLAN_CLUSTER, else the local
 * engine alone, as one machine named `local` (see localClusterConfig). TLS paths in the file are
 * resolved against its folder (`~/` is the home folder); a machine's `context:` is read from the
 * docker CLI's context store. Throws ClusterConfigError naming the file (and, for a problem in it,
 * every file:line:col), or DockerContextError when the current context cannot be read.
 */
export async function loadClusterConfig(path?: string, env: NodeJS.ProcessEnv = process.env): Promise<ClusterConfig> {
  const given = path ?? (env.DOCKPLAN_CLUSTER || undefined);
  if (given === undefined) return localClusterConfig(env);
  const file = resolve(given);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const why = fileProblem(err);
    const origin = path === undefined ? ' (from DOCKPLAN_CLUSTER)' : '';
    throw new ClusterConfigError(`cannot read cluster file ${file}${origin}: ${why}`, file);
  }
  const parsed = parseClusterFile(text, file, { knownContexts: () => listDockerContexts(env) });
  if (parsed.errors.length || !parsed.cluster) {
    const lines = parsed.errors.map((e) => `  ${formatSpecError(e)}`);
    const count = parsed.errors.length;
    throw new ClusterConfigError(
      `invalid cluster file ${file}${count ? ` (${count} problem${count === 1 ? '' : 's'})` : ''}:\n${lines.join('\n') || '  no cluster defined'}`,
      file,
    );
  }
  const config: ClusterConfig = {
    file,
    machines: parsed.cluster.machines.map((m) => machineConfig(m, file, env)),
  };
  if (parsed.cluster.domain) config.domain = parsed.cluster.domain;
  return config;
}

function machineConfig(m: ClusterMachine, file: string, env: NodeJS.ProcessEnv): MachineConfig {
  if ('context' in m) {
    try {
      return { name: m.name, ...contextMachine(m.context, env) };
    } catch (err) {
      if (err instanceof DockerContextError) throw new ClusterConfigError(`invalid cluster file ${file}: machine ${m.name}: ${err.message}`, file);
      throw err;
    }
  }
  if (m.tls === undefined) return { name: m.name, host: m.host };
  return { name: m.name, host: m.host, tls: m.tls === false ? false : machineTls(m.name, m.tls, file, env) };
}

/** The TLS settings of a cluster-file machine, its paths resolved against the file's folder. */
function machineTls(name: string, tls: ClusterMachineTls, file: string, env: NodeJS.ProcessEnv): MachineTls {
  const settings: MachineTls = { verify: tls.verify, origin: `tls of ${name} in ${file}` };
  for (const key of ['ca', 'cert', 'key'] as const) {
    const path = tls[key];
    if (path !== undefined) settings[key] = filePath(path, dirname(file), env);
  }
  return settings;
}

/** A path from the cluster file: `~` and `~/...` under the home folder, relative ones under `dir`. */
export function filePath(path: string, dir: string, env: NodeJS.ProcessEnv): string {
  if (path === '~' || path.startsWith('~/')) return join(env.HOME || homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(dir, path);
}

/** A context's host and TLS; `default` is DOCKER_HOST, else the local socket, with the environment's TLS (as in the docker CLI). */
function contextMachine(context: string, env: NodeJS.ProcessEnv): Omit<MachineConfig, 'name'> {
  if (context === DEFAULT_CONTEXT) return { host: env.DOCKER_HOST || DEFAULT_LOCAL_HOST, context };
  const endpoint = readDockerContext(context, env);
  return { host: endpoint.host, ...(endpoint.tls !== undefined ? { tls: endpoint.tls } : {}), context };
}

/**
 * The cluster without a cluster file: one machine named `local`, chosen as the docker CLI chooses
 * its engine (cli/command/cli.go resolveContextName): DOCKER_HOST when set (TLS from
 * DOCKER_TLS_VERIFY and DOCKER_CERT_PATH), else the current docker context (DOCKER_CONTEXT, else
 * `currentContext` in $DOCKER_CONFIG/config.json), else the local socket. Throws DockerContextError
 * when the current context does not exist (listing those that do) or cannot be read.
 */
export function localClusterConfig(env: NodeJS.ProcessEnv = process.env): ClusterConfig {
  if (env.DOCKER_HOST) return { machines: [{ name: LOCAL_MACHINE_NAME, host: env.DOCKER_HOST }] };
  const current = currentDockerContext(env);
  if (current.name === DEFAULT_CONTEXT) return { machines: [{ name: LOCAL_MACHINE_NAME, host: DEFAULT_LOCAL_HOST }] };
  try {
    return { machines: [{ name: LOCAL_MACHINE_NAME, ...contextMachine(current.name, env) }] };
  } catch (err) {
    if (!(err instanceof DockerContextError)) throw err;
    const fix = current.chosenBy === 'DOCKER_CONTEXT' ? 'unset DOCKER_CONTEXT or set it to one that exists' : 'run docker context use NAME with one that exists';
    throw new DockerContextError(`${err.message}; the context was chosen by ${current.chosenBy}: ${fix}, or pass --cluster FILE`);
  }
}
