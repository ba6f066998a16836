// One HTTP connection to a remote dockerd: an exec channel running `docker system dial-stdio` (the
// docker CLI's own way over ssh, cli/connhelper), shaped as the socket Node's http client expects.
import { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import type { SshError } from './ssh-errors.js';

/** How the remote command ended: its exit status or signal (absent when the channel just closed). */
export interface RemoteExit {
  code?: number;
  signal?: string;
}

/** Bytes of the remote command's stderr kept for the message. */
const STDERR_KEPT = 4096;

/**
 * The channel as a socket. Its end is held back until the channel closes, so that a remote command
 * that failed (`docker: command not found`, the daemon down) fails the request with `failureOf`'s
 * error instead of a bare "socket hang up". The socket methods Node's http.Agent calls on a kept-alive
 * socket are here: ref/unref (reported through `onRefChange`; an unref'd socket is idle in the pool
 * and closes itself after `idleMs`), setTimeout, setKeepAlive and setNoDelay (no-ops on a channel).
 */
export class DialStdioSocket extends Duplex {
  /** False while it sits idle in the agent's pool: an idle channel must not keep the process alive. */
  referenced = true;
  /** The remote command's stderr so far (the first STDERR_KEPT bytes). */
  stderr = '';
  private exit: RemoteExit | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private channelClosed = false;

  constructor(
    private readonly channel: ClientChannel,
    private readonly failureOf: (exit: RemoteExit | undefined, stderr: string) => SshError | undefined,
    private readonly onRefChange: () => void,
    /** How long the socket may sit idle in the agent's pool before it is closed, in ms. */
    private readonly idleMs: number,
  ) {
    super();
    channel.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) channel.pause();
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < STDERR_KEPT) this.stderr += chunk.toString('utf8').slice(0, STDERR_KEPT - this.stderr.length);
    });
    channel.on('exit', (code: number | null, signal?: string) => {
      this.exit = { ...(typeof code === 'number' ? { code } : {}), ...(signal ? { signal } : {}) };
    });
    channel.on('error', (err: Error) => this.destroy(err));
    channel.on('close', () => {
      this.channelClosed = true;
      const failure = this.failureOf(this.exit, this.stderr);
      if (failure) this.destroy(failure);
      else this.push(null);
    });
  }

  override _read(): void {
    this.channel.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.channel.write(chunk, encoding, callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.channel.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    clearTimeout(this.idleTimer);
    if (!this.channelClosed) this.channel.close();
    callback(err);
  }

  /** Request timeouts are the caller's (DockerClient's deadlines abort the request): not kept here. */
  setTimeout(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  ref(): this {
    this.setReferenced(true);
    return this;
  }

  unref(): this {
    this.setReferenced(false);
    return this;
  }

  /** The agent unrefs a socket it keeps idle and refs it when a request takes it again. */
  private setReferenced(value: boolean): void {
    if (this.referenced === value) return;
    this.referenced = value;
    clearTimeout(this.idleTimer);
    if (!value && !this.destroyed) {
      // An idle channel is a docker CLI process on the remote side: closed after a while unused.
      this.idleTimer = setTimeout(() => this.destroy(), this.idleMs);
      this.idleTimer.unref();
    }
    this.onRefChange();
  }
}
