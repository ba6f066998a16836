// An engine "far away": a unix-socket proxy in front of a real engine's socket that holds every
// HTTP request for a fixed delay before passing it on, and counts the requests and connections it
// forwards. The state-load benchmark puts test machines behind it (e.g. 20 ms and 100 ms) to see
// whether a cluster load costs the slowest machine's time or the sum of them, and how many
// requests one load asks of a machine.
//
//   const proxies = await spawnLatencyProxies([{ listen: '/tmp/x/m2.sock', target: m2Socket, delayMs: 20 }]);
//   ... load through unix:///tmp/x/m2.sock ...
//   const [m2] = await proxies.traffic();   // { requests, connections, lines } since the last call
//   await proxies.close();
//
// The proxies run in a child process of their own, so that the delays are kept by an event loop
// the measured client does not hold up (a client parsing a large listing would otherwise postpone
// the proxy's timers and inflate the very times being measured).
//
// The delay is added once per request, on the way in: a request's first byte is passed on `delayMs`
// after it arrived, and the rest of the request follows it; answers come back as the engine sends
// them. Requests on one connection keep their order. A connection upgraded by the engine
// (`Upgrade:` or a hijacked attach) is passed through unparsed from then on.
import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One proxy: where it listens, which engine socket it forwards to, and its added delay per request. */
export interface LatencyProxySpec {
  /** The unix socket path clients connect to (removed first when it exists). */
  listen: string;
  /** The engine's unix socket path, e.g. /var/lib/dockplan-cluster/m2/docker.sock. */
  target: string;
  /** Added to every HTTP request, in ms (0: only count). */
  delayMs: number;
}

/** What one proxy forwarded since the previous reading. */
export interface ProxyTraffic {
  /** HTTP requests forwarded (complete request heads seen). */
  requests: number;
  /** Client connections accepted. */
  connections: number;
  /** Each request's method and target, e.g. `GET /v1.41/info`, in the order they arrived. */
  lines: string[];
}

/**
 * Splits the bytes a client sends on one connection into HTTP/1.1 requests: it finds each request
 * head, then skips its body by Content-Length or chunked framing (RFC 9112 sections 6 and 7.1), and
 * reports where each request starts. After a head with `Upgrade:` everything is raw.
 */
export class RequestFramer {
  private head = '';
  private bodyLeft = 0;
  private chunked: 'size' | 'data' | 'data-crlf' | 'trailer' | undefined;
  private line = '';
  private upgraded = false;

  /**
   * Feeds one chunk; returns its parts in order, each marked `starts` when a new request begins
   * with it, and the request line (method and target) of each request whose head completed.
   */
  push(chunk: Buffer): { parts: { data: Buffer; starts: boolean }[]; lines: string[] } {
    const parts: { data: Buffer; starts: boolean }[] = [];
    const lines: string[] = [];
    let from = 0;
    let at = 0;
    let starts = false;
    const cut = () => {
      if (at > from) parts.push({ data: chunk.subarray(from, at), starts });
      from = at;
      starts = false;
    };
    while (at < chunk.length) {
      if (this.upgraded) {
        at = chunk.length;
      } else if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, chunk.length - at);
        at += take;
        this.bodyLeft -= take;
        if (this.bodyLeft === 0 && this.chunked === 'data') this.chunked = 'data-crlf';
      } else if (this.chunked) {
        at = this.chunkedStep(chunk, at);
      } else {
        if (this.head === '') {
          // the first byte of a new request: what came before it belongs to the previous one
          cut();
          starts = true;
        }
        this.head += String.fromCharCode(chunk[at]!);
        at++;
        if (this.head.endsWith('\r\n\r\n')) {
          lines.push(this.head.slice(0, this.head.indexOf('\r\n')).replace(/ HTTP\/\d(\.\d)?$/, ''));
          this.endOfHead();
        }
      }
    }
    cut();
    return { parts, lines };
  }

  private endOfHead(): void {
    const headers = this.head.toLowerCase();
    this.head = '';
    if (/\r\nupgrade:/.test(headers)) {
      this.upgraded = true;
      return;
    }
    if (/\r\ntransfer-encoding:[^\r]*chunked/.test(headers)) {
      this.chunked = 'size';
      this.line = '';
      return;
    }
    const length = /\r\ncontent-length:\s*(\d+)/.exec(headers);
    this.bodyLeft = length ? Number(length[1]) : 0;
  }

  /** One step of a chunked body from `at`; returns the new position. */
  private chunkedStep(chunk: Buffer, at: number): number {
    const char = String.fromCharCode(chunk[at]!);
    this.line += char;
    if (!this.line.endsWith('\r\n')) return at + 1;
    const text = this.line.slice(0, -2);
    this.line = '';
    switch (this.chunked) {
      case 'size': {
        const size = parseInt(text.split(';')[0]!.trim(), 16);
        if (size === 0) this.chunked = 'trailer';
        else {
          this.bodyLeft = size;
          this.chunked = 'data';
        }
        break;
      }
      case 'data-crlf':
        this.chunked = 'size';
        break;
      case 'trailer':
        if (text === '') this.chunked = undefined;
        break;
    }
    return at + 1;
  }

  /** Called by the proxy when the engine answered `101 Switching Protocols` or hijacked the stream. */
  passThrough(): void {
    this.upgraded = true;
  }
}

/** One proxy in the current process (used by the child process spawnLatencyProxies starts). */
class LatencyProxy {
  private readonly server: Server;
  private requests = 0;
  private connections = 0;
  private lines: string[] = [];
  private readonly sockets = new Set<Socket>();

  constructor(private readonly spec: LatencyProxySpec) {
    this.server = createServer((client) => this.accept(client));
  }

  listen(): Promise<void> {
    rmSync(this.spec.listen, { force: true });
    return new Promise((done, fail) => {
      this.server.once('error', fail);
      this.server.listen(this.spec.listen, () => done());
    });
  }

  traffic(): ProxyTraffic {
    const out = { requests: this.requests, connections: this.connections, lines: this.lines };
    this.requests = 0;
    this.connections = 0;
    this.lines = [];
    return out;
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((done) => this.server.close(() => done()));
  }

  private accept(client: Socket): void {
    this.connections++;
    const engine = createConnection(this.spec.target);
    this.sockets.add(client).add(engine);
    const framer = new RequestFramer();
    // Parts waiting for their request's release time, in arrival order.
    const queue: { data: Buffer; at: number }[] = [];
    let releaseAt = 0;
    let timer: NodeJS.Timeout | undefined;
    let clientEnded = false;
    const pump = () => {
      timer = undefined;
      const now = performance.now();
      while (queue.length > 0 && queue[0]!.at <= now) engine.write(queue.shift()!.data);
      if (queue.length > 0) timer = setTimeout(pump, Math.max(0, queue[0]!.at - now));
      else if (clientEnded) engine.end();
    };
    client.on('data', (chunk: Buffer) => {
      const now = performance.now();
      const { parts, lines } = framer.push(chunk);
      this.requests += lines.length;
      this.lines.push(...lines);
      for (const part of parts) {
        if (part.starts) releaseAt = now + this.spec.delayMs;
        queue.push({ data: part.data, at: releaseAt });
      }
      if (!timer) pump();
    });
    client.on('end', () => {
      clientEnded = true;
      if (!timer) pump();
    });
    engine.on('data', (chunk: Buffer) => {
      if (chunk.subarray(0, 12).toString('latin1') === 'HTTP/1.1 101') framer.passThrough();
      client.write(chunk);
    });
    engine.on('end', () => client.end());
    const drop = () => {
      if (timer) clearTimeout(timer);
      client.destroy();
      engine.destroy();
      this.sockets.delete(client);
      this.sockets.delete(engine);
    };
    client.on('error', drop).on('close', () => {
      if (queue.length === 0) drop();
    });
    engine.on('error', drop).on('close', drop);
  }
}

/** Messages between the benchmark and the proxies' process. */
type ToProxies = { id: number; op: 'traffic' };
type FromProxies = { ready: true } | { failed: string } | { id: number; traffic: ProxyTraffic[] };

/** Proxies running in a child process: read their traffic, then close them. */
export interface RunningProxies {
  /** What each proxy forwarded since the previous call (or since it started), in spec order. */
  traffic(): Promise<ProxyTraffic[]>;
  /** Stops the proxies' process and removes their sockets. */
  close(): Promise<void>;
}

/**
 * Starts the proxies in a child process (this file run by Node with tsx) and resolves once every
 * one listens. Throws with the child's reason when one cannot listen.
 */
export async function spawnLatencyProxies(specs: readonly LatencyProxySpec[]): Promise<RunningProxies> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [JSON.stringify(specs)], {
    // tsx as this file's own dependency, whatever the working directory
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, (traffic: ProxyTraffic[]) => void>();
  let next = 0;
  await new Promise<void>((done, fail) => {
    child.once('exit', (code) => fail(new Error(`latency proxies exited (code ${code}) before listening`)));
    child.on('message', (message: FromProxies) => {
      if ('ready' in message) done();
      else if ('failed' in message) fail(new Error(`latency proxies: ${message.failed}`));
      else waiting.get(message.id)?.(message.traffic);
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    traffic: () => new Promise((done) => {
      const id = next++;
      waiting.set(id, (traffic) => {
        waiting.delete(id);
        done(traffic);
      });
      child.send({ id, op: 'traffic' } satisfies ToProxies);
    }),
    close: async () => {
      child.disconnect();
      await exited;
      for (const spec of specs) rmSync(spec.listen, { force: true });
    },
  };
}

/** The child process: listens, answers traffic readings, and exits when the parent disconnects. */
async function runProxies(specs: LatencyProxySpec[]): Promise<void> {
  const send = (message: FromProxies) => process.send!(message);
  const proxies = specs.map((spec) => new LatencyProxy(spec));
  try {
    await Promise.all(proxies.map((p) => p.listen()));
  } catch (err) {
    send({ failed: (err as Error).message });
    process.exit(1);
  }
  process.on('message', (message: ToProxies) => {
    if (message.op === 'traffic') send({ id: message.id, traffic: proxies.map((p) => p.traffic()) });
  });
  process.on('disconnect', () => {
    void Promise.all(proxies.map((p) => p.close())).then(() => process.exit(0));
  });
  send({ ready: true });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.send) {
  await runProxies(JSON.parse(process.argv[2] ?? '[]') as LatencyProxySpec[]);
}
