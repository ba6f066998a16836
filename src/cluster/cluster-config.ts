// Which machines make up the cluster: a cluster file, or the one local engine.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseClusterFile } from '../model/cluster-file.js';
import { formatSpecError } from '../model/parse-spec.js';
import { DEFAULT_LOCAL_HOST } from './connect.js';
import { fileProblem } from '../model/file-problem.js';

export interface MachineConfig {
  name: string;
  host: string;
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
 * engine alone (DOCKER_HOST, or the default socket), as one machine named `local`.
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
  const parsed = parseClusterFile(text, file);
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
    machines: parsed.cluster.machines.map((m) => ({ name: m.name, host: m.host })),
  };
  if (parsed.cluster.domain) config.domain = parsed.cluster.domain;
  return config;
}

export function localClusterConfig(env: NodeJS.ProcessEnv = process.env): ClusterConfig {
  return { machines: [{ name: LOCAL_MACHINE_NAME, host: env.DOCKER_HOST || DEFAULT_LOCAL_HOST }] };
}
