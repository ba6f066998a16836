// One dockerode handle per machine, built from the machine's host string.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';

export const DEFAULT_LOCAL_HOST = 'unix:///var/run/docker.sock';

/** Where a machine's engine listens, parsed from `unix://`, `tcp://` or `ssh://`. */
export type EngineAddress =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number; tls: boolean }
  | { kind: 'ssh'; host: string; port: number; username?: string };

export class HostStringError extends Error {
  override name = 'HostStringError';
}

/**
 * Parses a machine's host string. `tcp://` uses TLS when DOCKER_TLS_VERIFY is set (non-empty, not 0),
 * when DOCKER_CERT_PATH is set, or on port 2376, like the docker CLI.
 */
export function parseEngineAddress(host: string, env: NodeJS.ProcessEnv = process.env): EngineAddress {
  const text = host.trim();
  if (text.startsWith('/')) return { kind: 'unix', socketPath: text };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'unix') {
    const socketPath = text.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new HostStringError(`host ${host}: a unix socket path must be absolute (unix:///path/docker.sock)`);
    return { kind: 'unix', socketPath };
  }
  if (scheme === 'tcp' || scheme === 'ssh') {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new HostStringError(`host ${host}: not a valid ${scheme}:// address`);
    }
    if (!url.hostname) throw new HostStringError(`host ${host}: no host name`);
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (scheme === 'ssh') {
      return {
        kind: 'ssh',
        host: hostname,
        port: url.port ? Number(url.port) : 22,
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      };
    }
    const verify = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '' && env.DOCKER_TLS_VERIFY !== '0';
    const tlsPort = url.port === '2376';
    const tls = verify || Boolean(env.DOCKER_CERT_PATH) || tlsPort;
    return { kind: 'tcp', host: hostname, port: url.port ? Number(url.port) : tls ? 2376 : 2375, tls };
  }
  throw new HostStringError(`host ${host}: use unix:///path/docker.sock, tcp://host:port or ssh://user@host[:port]`);
}

/**
 * Makes the dockerode handle for one machine. Every key docker-modem would otherwise take from
 * DOCKER_HOST / DOCKER_CERT_PATH / DOCKER_CLIENT_TIMEOUT is set explicitly, so the environment
 * meant for the local engine never leaks into another machine's handle.
 * Timeouts are per call (see DockerClient), not on the handle: a stop waits for its grace period.
 */
export function connectEngine(host: string, env: NodeJS.ProcessEnv = process.env): Docker {
  const address = parseEngineAddress(host, env);
  const base = {
    socketPath: undefined as string | undefined,
    host: undefined as string | undefined,
    port: undefined as number | undefined,
    protocol: undefined as 'http' | 'https' | 'ssh' | undefined,
    ca: undefined as Buffer | undefined,
    cert: undefined as Buffer | undefined,
    key: undefined as Buffer | undefined,
    timeout: undefined,
    username: undefined as string | undefined,
  };
  switch (address.kind) {
    case 'unix':
      return new Docker({ ...base, socketPath: address.socketPath });
    case 'tcp': {
      if (!address.tls) return new Docker({ ...base, host: address.host, port: address.port, protocol: 'http' });
      const certPath = env.DOCKER_CERT_PATH || join(homedir(), '.docker');
      const verify = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '' && env.DOCKER_TLS_VERIFY !== '0';
      const read = (file: string): Buffer | undefined => {
        try {
          return readFileSync(join(certPath, file));
        } catch (err) {
          // Without DOCKER_TLS_VERIFY the CA is optional (like the docker CLI's --tls without --tlsverify).
          if (!verify && file === 'ca.pem') return undefined;
          throw new HostStringError(`host ${host}: cannot read TLS file ${join(certPath, file)} (${(err as NodeJS.ErrnoException).code ?? String(err)}); set DOCKER_CERT_PATH to the folder with ca.pem, cert.pem and key.pem`);
        }
      };
      const ca = read('ca.pem');
      return new Docker({
        ...base,
        host: address.host,
        port: address.port,
        protocol: 'https',
        ca,
        cert: read('cert.pem'),
        key: read('key.pem'),
        // TLS without DOCKER_TLS_VERIFY (the CLI's --tls): encrypt, but do not check the server.
        ...(verify ? {} : { agent: new Agent({ rejectUnauthorized: false }) }),
      } as Docker.DockerOptions);
    }
    case 'ssh':
      return new Docker({
        ...base,
        host: address.host,
        port: address.port,
        protocol: 'ssh',
        username: address.username ?? env.USER ?? 'root',
        sshOptions: {
          agent: env.SSH_AUTH_SOCK,
          readyTimeout: 5_000,
        },
      } as Docker.DockerOptions);
  }
}

/**
 * One request through the handle's modem (dockerode's transport, so unix, tcp, TLS and ssh all
 * apply), for endpoints whose dockerode method takes no abort signal: info, image inspect,
 * distribution.
 */
export function engineRequest<T>(
  docker: Docker,
  req: { path: string; method: 'GET' | 'POST'; abortSignal: AbortSignal; statusCodes: Record<number, true | string> },
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const dialOptions = { path: req.path, method: req.method, abortSignal: req.abortSignal, statusCodes: req.statusCodes, options: {} };
    docker.modem.dial(dialOptions as never, (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as T)));
  });
}
