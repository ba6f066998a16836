// ONE ssh connection held per ssh:// machine, and every HTTP request to its dockerd over it: each
// socket the http.Agent asks for is a new exec channel running `docker system dial-stdio` on that
// connection. Dialled on the first request, dialled again on the first request after it dropped,
// closed by close().
import { Agent, type AgentOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { DialStdioSocket, type RemoteExit } from './dial-stdio-socket.js';
import { defaultConfigFiles, readSshConfig, resolveRoute, sshContextOf, type SshConfigFiles, type SshDestination } from './ssh-config.js';
import { describeEndpoint, logIn, type SshLogin } from './ssh-connection.js';
import { SshError } from './ssh-errors.js';

/**
 * Channels open at once on the connection. OpenSSH's sshd allows 10 sessions per connection
 * (sshd_config MaxSessions, default 10); requests beyond this wait in the agent's queue.
 */
export const MAX_CHANNELS = 10;

/** Idle channels kept for the next request, and how long one may stay idle (ms). */
const KEPT_IDLE_CHANNELS = 4;
const IDLE_CHANNEL_MS = 30_000;

/** The remote command: the docker CLI bridging its stdin/stdout to its own daemon. */
export const DIAL_STDIO_COMMAND = 'docker system dial-stdio';

/** Where the transport reads its settings: the environment (HOME, USER, SSH_AUTH_SOCK) and, for tests, other config files. */
export interface SshTransportOptions {
  env: NodeJS.ProcessEnv;
  files?: SshConfigFiles;
}

interface HeldConnection {
  login: SshLogin;
  /** `user@host:port` of the machine, for messages. */
  where: string;
}

/**
 * The transport of one ssh:// machine. `agent` is what dockerode is handed; `connectionsOpened`
 * counts the ssh logins made (one, over any number of requests, while the connection holds).
 */
export class SshTransport {
  readonly agent: Agent;
  /** ssh logins made so far (each one TCP connection to the first hop). */
  connectionsOpened = 0;
  private held: Promise<HeldConnection> | undefined;
  /** The login of the held connection, once made and until it drops. */
  private current: SshLogin | undefined;
  private readonly sockets = new Set<DialStdioSocket>();
  private closed = false;

  /** `destination`: the machine as its host string names it; `label`: the host string, for messages. */
  constructor(private readonly destination: SshDestination, private readonly label: string, private readonly options: SshTransportOptions) {
    this.agent = new DialStdioAgent(this, { keepAlive: true, maxSockets: MAX_CHANNELS, maxFreeSockets: KEPT_IDLE_CHANNELS });
  }

  /**
   * A new dial-stdio channel for the agent: logs in first when no connection is held. Errors
   * (SshError): everything logIn reports, `session-limit` when sshd refuses another channel,
   * `closed` after close().
   */
  openSocket(callback: (err: Error | null, socket?: Duplex) => void): void {
    if (this.closed) return callback(new SshError('closed', `the ssh connection to ${this.label} was closed`));
    this.connection().then(
      (held) => {
        held.login.target.exec(DIAL_STDIO_COMMAND, (err, channel) => {
          if (err) return callback(new SshError('session-limit', `sshd at ${held.where} refused a new session channel (${err.message.replace(/^\(SSH\) /, '')}); dockplan opens up to ${MAX_CHANNELS} at once: raise MaxSessions in its sshd_config if it is lower`));
          callback(null, this.adopt(channel, held.where));
        });
      },
      (err: unknown) => callback(err as Error),
    );
  }

  /**
   * Closes the connection (every hop) and fails what is in flight with SshError('closed'). Resolves
   * once the TCP connection is closed (or after 2 s, for a peer that does not answer).
   */
  async close(): Promise<void> {
    this.closed = true;
    // Requests in flight fail saying why before the agent drops its sockets.
    for (const s of this.sockets) s.destroy(new SshError('closed', `the ssh connection to ${this.label} was closed`));
    this.agent.destroy();
    const held = await this.held?.catch(() => undefined);
    if (!held) return;
    const tcp = held.login.tcp;
    await new Promise<void>((resolve) => {
      if (tcp.destroyed) return resolve();
      const timer = setTimeout(resolve, 2_000);
      timer.unref();
      tcp.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      held.login.end();
    });
  }

  private connection(): Promise<HeldConnection> {
    if (this.held) return this.held;
    const attempt: Promise<HeldConnection> = this.dial().then((held) => {
      this.watchForDrop(attempt, held);
      return held;
    });
    this.held = attempt;
    attempt.catch(() => {
      if (this.held === attempt) this.held = undefined;
    });
    return attempt;
  }

  private async dial(): Promise<HeldConnection> {
    // The config and known_hosts are read at every login: a key added by hand is seen at the next one.
    const context = sshContextOf(this.options.env);
    const config = readSshConfig(this.options.files ?? defaultConfigFiles(context), context);
    const route = resolveRoute(config, this.destination, context);
    this.connectionsOpened++;
    const login = await logIn(route);
    return { login, where: describeEndpoint(route.target) };
  }

  /** Once the connection drops, the next request dials again, and requests in flight fail saying so. */
  private watchForDrop(attempt: Promise<HeldConnection>, held: HeldConnection): void {
    const { login } = held;
    this.current = login;
    let dropped = false;
    const onDrop = (): void => {
      if (dropped) return;
      dropped = true;
      if (this.held === attempt) this.held = undefined;
      if (this.current === login) this.current = undefined;
      login.end();
      const lost = new SshError('connection-lost', `the ssh connection to ${held.where} dropped while the request was in flight (the next request connects again)`);
      for (const s of this.sockets) s.destroy(lost);
    };
    login.target.once('end', onDrop);
    login.target.once('close', onDrop);
    login.target.on('error', onDrop);
    if (this.closed) login.end();
    this.updateRef();
  }

  private adopt(channel: ClientChannel, where: string): DialStdioSocket {
    const socket = new DialStdioSocket(channel, (exit, stderr) => dialStdioFailure(exit, stderr, where), () => this.updateRef(), IDLE_CHANNEL_MS);
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.updateRef();
    });
    this.updateRef();
    return socket;
  }

  /** The TCP connection keeps the process alive only while a request is in flight (idle channels do not). */
  private updateRef(): void {
    if (!this.current) return;
    if ([...this.sockets].some((s) => s.referenced)) this.current.tcp.ref();
    else this.current.tcp.unref();
  }
}

/** Node's http.Agent whose sockets are dial-stdio channels of one held ssh connection. */
class DialStdioAgent extends Agent {
  constructor(private readonly transport: SshTransport, options: AgentOptions) {
    super(options);
  }

  override createConnection(_options: unknown, callback: (err: Error | null, socket?: Duplex) => void): undefined {
    this.transport.openSocket(callback);
    return undefined;
  }
}

/**
 * Why a dial-stdio channel ended, when it ended badly: exit 127 or "command not found" (no docker
 * CLI on the remote PATH), the CLI's "Cannot connect to the Docker daemon" / "failed to open the raw
 * stream connection" (dockerd down), another non-zero exit or a signal. Undefined for a clean end.
 */
export function dialStdioFailure(exit: RemoteExit | undefined, stderr: string, where: string): SshError | undefined {
  const said = stderr.trim().split('\n').filter(Boolean).pop()?.trim() ?? '';
  const tail = said ? `: ${said}` : '';
  // The daemon first: its messages name docker.sock, which a "not found" check must not catch.
  if (/Cannot connect to the Docker daemon|raw stream connection|Is the docker daemon running/i.test(said)) {
    return new SshError('daemon-down', `the docker daemon on ${where} is not reachable by its docker CLI${tail}; is dockerd running there (systemctl status docker)?`);
  }
  if (exit?.code === 127 || /command not found|docker: not found|docker'?: No such file or directory/i.test(said)) {
    return new SshError('docker-missing', `the docker CLI is missing on ${where} (\`${DIAL_STDIO_COMMAND}\` exited ${exit?.code ?? 'early'}${tail}); install it there (docker-ce-cli or docker.io) and make sure it is on the PATH of a non-interactive ssh login`);
  }
  if (exit?.code !== undefined && exit.code !== 0) {
    return new SshError('dial-stdio', `\`${DIAL_STDIO_COMMAND}\` on ${where} exited ${exit.code}${tail}`);
  }
  if (exit?.signal) return new SshError('dial-stdio', `\`${DIAL_STDIO_COMMAND}\` on ${where} was killed by SIG${exit.signal}${tail}`);
  return undefined;
}
