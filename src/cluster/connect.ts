// One dockerode handle per machine, built from the machine's host string.
import type { DockerOptions } from 'dockerode';
import { Docker } from './dockerode.js';
import { parseDestination } from './ssh/ssh-config.js';
import { SshTransport } from './ssh/ssh-transport.js';
import { TlsSettingsError, environmentWantsTls, loadTlsMaterial, machineTlsAgent, resolveMachineTls, type MachineTlsSetting } from './tls.js';

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
 * Parses a machine's host string. For `tcp://`, `tls` says whether the environment alone turns TLS
 * on (environmentWantsTls: DOCKER_TLS_VERIFY or DOCKER_TLS set, or port 2376); a machine's own
 * `tls` setting (cluster file, docker context) overrides it in connectEngine. Without a port, tcp
 * takes 2376 when TLS is on and 2375 otherwise, as the docker CLI does.
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
    const port = url.port ? Number(url.port) : environmentWantsTls(2375, env) ? 2376 : 2375;
    return { kind: 'tcp', host: hostname, port, tls: environmentWantsTls(port, env) };
  }
  throw new HostStringError(`host ${host}: use unix:///path/docker.sock, tcp://host:port or ssh://user@host[:port]`);
}

/**
 * Makes the dockerode handle for one machine. Every key docker-modem would otherwise take from
 * DOCKER_HOST / DOCKER_CERT_PATH / DOCKER_CLIENT_TIMEOUT is set explicitly, so the environment
 * meant for the local engine never leaks into another machine's handle.
 * `tls` is the machine's own TLS setting (cluster file or docker context): settings, false for
 * plain TCP, or undefined to follow the environment (see resolveMachineTls). A TLS file that is
 * missing or broken throws HostStringError naming the file and where it was configured.
 * Timeouts are per call (see DockerClient), not on the handle: a stop waits for its grace period.
 */
export function connectEngine(host: string, env: NodeJS.ProcessEnv = process.env, tls?: MachineTlsSetting): Docker {
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
      const tlsSettings = resolveMachineTls(address.port, tls, env);
      if (!tlsSettings) return new Docker({ ...base, host: address.host, port: address.port, protocol: 'http' });
      let material;
      try {
        material = loadTlsMaterial(tlsSettings);
      } catch (err) {
        if (err instanceof TlsSettingsError) throw new HostStringError(`host ${host}: ${err.message}`);
        throw err;
      }
      const agent = machineTlsAgent(tlsSettings, material);
      return new Docker({ ...base, host: address.host, port: address.port, protocol: 'https', ...material, agent } as DockerOptions);
    }
    case 'ssh': {
      // One held ssh connection per machine, each request an exec channel of `docker system
      // dial-stdio` on it (src/cluster/ssh/ssh-transport.ts); docker-modem's own ssh mode would log in
      // again for every request. The http host and port below only fill the Host header.
      // User and port only when the host string gives them: ~/.ssh/config fills in the rest.
      const transport = new SshTransport(parseDestination(host.trim(), 'host'), host, { env });
      const docker = new Docker({ ...base, host: address.host, port: address.port, protocol: 'http', agent: transport.agent } as DockerOptions);
      heldTransports.set(docker, transport);
      return docker;
    }
  }
}

/** The ssh transports of the handles connectEngine made, for closeEngine. */
const heldTransports = new WeakMap<Docker, SshTransport>();

/**
 * Closes what a handle holds open: an ssh:// machine's one ssh connection (resolving once its TCP
 * connection is closed); for other handles a no-op. An ssh handle fails every later request with
 * "the ssh connection ... was closed".
 */
export async function closeEngine(docker: Docker): Promise<void> {
  await heldTransports.get(docker)?.close();
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
