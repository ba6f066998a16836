// One ssh login along a route: a TCP connection to the first hop, then through each jump host a
// forwarded channel (ProxyJump's `direct-tcpip`, what `ssh -J` does) to the next, every hop with
// its own host key check and identities. What fails becomes one SshError in words.
import { connect as connectTcp, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { checkPresentedKey, preferredHostKeyAlgorithms, readKnownHosts } from './host-key-policy.js';
import type { SshEndpoint, SshRoute } from './ssh-config.js';
import { describeOffered, identityOffer, type OfferedIdentities } from './ssh-identities.js';
import { SshError } from './ssh-errors.js';
import { ssh2 } from './ssh2-module.js';

/** How long one hop may take from TCP connect to logged in, when ConnectTimeout does not say, in ms. */
export const DEFAULT_HOP_TIMEOUT_MS = 4_000;

/** Host key algorithms ssh2 implements (lib/protocol/constants.js): the only ones it may be asked to prefer. */
const SSH2_HOST_KEY_ALGORITHMS = new Set(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-dss']);

/** A logged-in route: the machine's ssh client, and everything that must close with it. */
export interface SshLogin {
  /** The client logged in to the machine itself (the last hop). */
  target: Client;
  /** The TCP connection to the first hop: the one real connection of the route. */
  tcp: Socket;
  /** Ends every hop, last first. */
  end(): void;
}

/** `user@host:port` of an endpoint, with its alias when it has one: how messages name a hop. */
export function describeEndpoint(endpoint: SshEndpoint): string {
  const address = `${endpoint.user}@${endpoint.hostName}:${endpoint.port}`;
  return endpoint.alias === endpoint.hostName ? address : `${endpoint.alias} (${address})`;
}

/**
 * Logs in along the route: jump hosts in order, then the target. Resolves once the target accepted
 * us; rejects with an SshError naming the hop that failed (connection refused / timed out /
 * unreachable, host key unknown / changed / revoked, authentication failed with the identities
 * tried, a jump host that cannot reach the next hop). Whatever was opened is closed on failure.
 */
export async function logIn(route: SshRoute): Promise<SshLogin> {
  const hops = [...route.jumps, route.target];
  const first = hops[0]!;
  const tcp = connectTcp({ host: first.hostName, port: first.port });
  // TCP keepalive so that a peer that vanished is noticed even without ServerAliveInterval.
  tcp.setKeepAlive(true, 15_000);
  tcp.setNoDelay(true);
  const clients: Client[] = [];
  const end = (): void => {
    for (const c of [...clients].reverse()) c.end();
    tcp.destroy();
  };
  try {
    let sock: Duplex = tcp;
    for (let i = 0; i < hops.length; i++) {
      const hop = hops[i]!;
      const role = i < hops.length - 1 ? 'jump host ' : '';
      if (i > 0) sock = await forwardThrough(clients[i - 1]!, hops[i - 1]!, hop);
      clients.push(await logInHop(hop, sock, role));
    }
  } catch (err) {
    end();
    throw err;
  }
  return { target: clients[clients.length - 1]!, tcp, end };
}

function forwardThrough(jump: Client, jumpEndpoint: SshEndpoint, next: SshEndpoint): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    jump.forwardOut('127.0.0.1', 0, next.hostName, next.port, (err, channel) => {
      if (!err) return resolve(channel);
      const failure = /refused/i.test(err.message) ? 'refused' : 'unreachable';
      reject(new SshError(failure, `jump host ${describeEndpoint(jumpEndpoint)} could not open a connection to ${next.hostName}:${next.port} (${err.message.replace(/^\(SSH\) /, '')})`));
    });
  });
}

function logInHop(endpoint: SshEndpoint, sock: Duplex, role: string): Promise<Client> {
  const entries = readKnownHosts(endpoint);
  const preferred = preferredHostKeyAlgorithms(endpoint, entries).filter((a) => SSH2_HOST_KEY_ALGORITHMS.has(a));
  const { authHandler, offered } = identityOffer(endpoint);
  const timeoutMs = endpoint.connectTimeoutMs ?? DEFAULT_HOP_TIMEOUT_MS;
  let keyProblem: SshError | undefined;
  const client = new (ssh2().Client)();
  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    const settle = (err?: SshError): void => {
      if (settled) return;
      settled = true;
      client.removeListener('close', onClose);
      if (err) {
        client.end();
        reject(err);
      } else {
        resolve(client);
      }
    };
    const onClose = (): void => settle(keyProblem ?? new SshError('protocol', `${role}${describeEndpoint(endpoint)} closed the connection during the ssh handshake`));
    client.once('ready', () => settle());
    client.on('close', onClose);
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      // ssh-agent not answering is not fatal: the identity files are tried next.
      if (err.level === 'agent') {
        offered.skipped.push(`ssh-agent ${endpoint.agentSocket} (${err.message})`);
        return;
      }
      if (settled) return;
      settle(keyProblem ?? hopFailure(err, endpoint, role, offered, timeoutMs));
    });
    client.connect({
      sock,
      host: endpoint.hostName,
      port: endpoint.port,
      username: endpoint.user,
      readyTimeout: timeoutMs,
      keepaliveInterval: endpoint.serverAliveIntervalMs,
      keepaliveCountMax: endpoint.serverAliveCountMax,
      ...(preferred.length ? { algorithms: { serverHostKey: { remove: preferred, prepend: preferred } as never } } : {}),
      hostVerifier: (key: Buffer) => {
        keyProblem = checkPresentedKey(endpoint, entries, key, role);
        return keyProblem === undefined;
      },
      authHandler,
    });
  });
}

function hopFailure(err: Error & { level?: string; code?: string }, endpoint: SshEndpoint, role: string, offered: OfferedIdentities, timeoutMs: number): SshError {
  const where = `${role}${endpoint.hostName}:${endpoint.port}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return new SshError('refused', `connection refused by ${where} (is sshd running and listening there?)`);
    case 'ETIMEDOUT':
      return new SshError('timeout', `connecting to ${where} timed out`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new SshError('unreachable', `no route to ${where}`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new SshError('unreachable', `cannot resolve the host name of ${where} (check HostName in ~/.ssh/config)`);
    case 'ECONNRESET':
      return new SshError('protocol', `connection reset by ${where} during the ssh handshake`);
  }
  if (err.level === 'client-timeout') {
    return new SshError('timeout', `no ssh answer from ${where} within ${timeoutMs / 1000}s (set ConnectTimeout for the host in ~/.ssh/config to wait longer)`);
  }
  if (err.level === 'client-authentication') {
    return new SshError(
      'auth',
      `ssh authentication failed for ${endpoint.user} at ${where}: ${describeOffered(offered)}. ` +
        `Put one of these keys in ~${endpoint.user}/.ssh/authorized_keys there, load the right key into ssh-agent (ssh-add), or set IdentityFile for the host in ~/.ssh/config`,
    );
  }
  return new SshError('protocol', `ssh handshake with ${where} failed: ${err.message}`);
}
