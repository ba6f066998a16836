// Docker contexts, read from the docker CLI's own files the way the CLI reads them: which context
// is current, and the engine address and TLS files a context names.
//
//   $DOCKER_CONFIG/config.json                                   {"currentContext": "prod", ...}
//   $DOCKER_CONFIG/contexts/meta/<sha256(name)>/meta.json        {"Name": "prod", "Endpoints": {"docker": {"Host": "tcp://h:2376", "SkipTLSVerify": false}}}
//   $DOCKER_CONFIG/contexts/tls/<sha256(name)>/docker/{ca,cert,key}.pem
//
// (docker/cli: cli/config/config.go, cli/context/store/{store,metadatastore,tlsstore}.go,
// cli/context/docker/load.go, cli/command/cli.go resolveContextName.)
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { closest } from '../model/did-you-mean.js';
import type { MachineTls, MachineTlsSetting } from './tls.js';

/** The context that means "DOCKER_HOST, else the local socket, with TLS from the environment"; it has no files. */
export const DEFAULT_CONTEXT = 'default';

/** A context could not be found or read; the message names the context, the file, and the contexts there are. */
export class DockerContextError extends Error {
  override name = 'DockerContextError';
}

/** The docker CLI's config folder: $DOCKER_CONFIG, else `.docker` in $HOME (the CLI's config.Dir()). */
export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
}

/** The context in use, and what chose it (for messages). */
export interface CurrentContext {
  name: string;
  /** `DOCKER_CONTEXT`, `currentContext in /root/.docker/config.json`, or `no context chosen`. */
  chosenBy: string;
}

/**
 * The current context as the docker CLI picks it when neither --context, -H nor DOCKER_HOST is
 * given: DOCKER_CONTEXT, else `currentContext` of config.json in the config folder, else
 * `default`. The caller handles DOCKER_HOST (which means `default`, as in the CLI). A config.json
 * that cannot be read or is not JSON throws DockerContextError naming it; a missing one is fine.
 */
export function currentDockerContext(env: NodeJS.ProcessEnv): CurrentContext {
  if (env.DOCKER_CONTEXT) return { name: env.DOCKER_CONTEXT, chosenBy: 'DOCKER_CONTEXT' };
  const file = join(dockerConfigDir(env), 'config.json');
  const config = readJson(file, { optional: true });
  const current = fieldOf(config, 'currentContext');
  if (typeof current === 'string' && current !== '') return { name: current, chosenBy: `currentContext in ${file}` };
  return { name: DEFAULT_CONTEXT, chosenBy: 'no context chosen' };
}

/** The folder name the context store gives a context: the hex SHA-256 of its name. */
export function contextDigest(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

/** A context's docker endpoint: the engine address, and its TLS (false: plain TCP, as the CLI does without TLS files or SkipTLSVerify). */
export interface DockerContextEndpoint {
  name: string;
  host: string;
  /** Only for tcp:// hosts. */
  tls?: MachineTlsSetting;
}

/**
 * Reads a stored context (not `default`, which has no files: see DEFAULT_CONTEXT). Throws
 * DockerContextError when it does not exist (listing the contexts there are, with a did-you-mean),
 * when its meta.json is not JSON, or when it has no docker endpoint host.
 */
export function readDockerContext(name: string, env: NodeJS.ProcessEnv): DockerContextEndpoint {
  const contexts = join(dockerConfigDir(env), 'contexts');
  const digest = contextDigest(name);
  const file = join(contexts, 'meta', digest, 'meta.json');
  const meta = readJson(file, { optional: true });
  if (meta === undefined) throw new DockerContextError(unknownContextMessage(name, env));
  const docker = fieldOf(fieldOf(meta, 'Endpoints'), 'docker');
  const host = fieldOf(docker, 'Host');
  if (typeof host !== 'string' || host === '') {
    throw new DockerContextError(`docker context "${name}" has no docker endpoint host (Endpoints.docker.Host in ${file}): set one with docker context update ${name} --docker host=...`);
  }
  const endpoint: DockerContextEndpoint = { name, host };
  if (/^tcp:\/\//i.test(host)) endpoint.tls = contextTls(name, join(contexts, 'tls', digest, 'docker'), fieldOf(docker, 'SkipTLSVerify') === true);
  return endpoint;
}

/** The CLI's rule (cli/context/docker/load.go): TLS when the context has TLS files or skips verification; the cert is used only with its key. */
function contextTls(name: string, dir: string, skipVerify: boolean): MachineTlsSetting {
  const file = (f: string): string | undefined => (existsSync(join(dir, f)) ? join(dir, f) : undefined);
  const ca = file('ca.pem');
  const cert = file('cert.pem');
  const key = file('key.pem');
  if (!ca && !(cert && key) && !skipVerify) return false;
  const tls: MachineTls = { verify: !skipVerify, origin: `docker context ${name}` };
  if (ca) tls.ca = ca;
  if (cert && key) {
    tls.cert = cert;
    tls.key = key;
  }
  return tls;
}

/**
 * The names of the stored contexts, sorted, after `default` (which always exists). A meta.json
 * that is not JSON is skipped here; reading that context reports it.
 */
export function listDockerContexts(env: NodeJS.ProcessEnv): string[] {
  const names = new Set<string>();
  const walk = (dir: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory() && depth < 8) walk(join(dir, entry.name), depth + 1);
      else if (entry.isFile() && entry.name === 'meta.json') {
        try {
          const name = fieldOf(readJson(join(dir, entry.name), { optional: true }), 'Name');
          if (typeof name === 'string' && name !== '') names.add(name);
        } catch {
          // an unreadable context is left out of the list
        }
      }
    }
  };
  walk(join(dockerConfigDir(env), 'contexts', 'meta'), 0);
  names.delete(DEFAULT_CONTEXT);
  return [DEFAULT_CONTEXT, ...[...names].sort()];
}

/** "docker context "x" does not exist (in DIR); did you mean "y"? the contexts are: default, y (docker context ls)". */
export function unknownContextMessage(name: string, env: NodeJS.ProcessEnv): string {
  const known = listDockerContexts(env);
  const meant = closest(name, known);
  const where = join(dockerConfigDir(env), 'contexts');
  return `docker context "${name}" does not exist in ${where}${meant ? `; did you mean "${meant}"?` : ''}; the contexts there are: ${known.join(', ')} (see docker context ls)`;
}

/** JSON keys are matched without regard to case, as Go's encoding/json does for the CLI. */
function fieldOf(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, key)) return record[key];
  const lower = key.toLowerCase();
  const found = Object.keys(record).find((k) => k.toLowerCase() === lower);
  return found === undefined ? undefined : record[found];
}

function readJson(file: string, options: { optional: boolean }): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (options.optional && (code === 'ENOENT' || code === 'ENOTDIR')) return undefined;
    throw new DockerContextError(`cannot read ${file}: ${code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (code ?? String(err))}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new DockerContextError(`${file} is not valid JSON (${(err as Error).message}): fix it, or remove it and set the context again with docker context use`);
  }
}
