// Errors from the engines, as values a person can act on: "verb noun on machine: cause".
import { SshError } from './ssh/ssh-errors.js';
import { isTlsFailure, tlsFailure } from './tls.js';

export interface EngineErrorDetails {
  /** Docker's HTTP status (404 no such container/image, 409 conflict, ...); absent for transport errors. */
  statusCode?: number;
  /** The transport failed (refused, timed out, ...): the machine is unreachable, not the request wrong. */
  unreachable?: boolean;
  /** The container the call was about, so a UI can offer its logs. */
  containerId?: string;
}

/** A failed call to one machine's engine: "verb noun on machine: cause". */
export class EngineError extends Error {
  override name = 'EngineError';
  readonly statusCode?: number;
  readonly unreachable: boolean;
  readonly containerId?: string;
  /** The machine's id: its name in the cluster file. */
  readonly machineId: string;
  readonly machineName: string;
  /** The cause in words, without the "verb noun on machine" prefix. */
  readonly reason: string;

  constructor(action: string, machine: { id: string; name: string }, reason: string, details: EngineErrorDetails = {}) {
    super(`${action} on ${machine.name}: ${reason}`);
    this.reason = reason;
    this.machineId = machine.id;
    this.machineName = machine.name;
    this.unreachable = details.unreachable ?? false;
    if (details.statusCode !== undefined) this.statusCode = details.statusCode;
    if (details.containerId !== undefined) this.containerId = details.containerId;
  }
}

/** Resources Docker cannot change on a live container; nothing was changed. Replace the container instead. */
export class InPlaceUpdateError extends EngineError {
  override name = 'InPlaceUpdateError';
  constructor(action: string, machine: { id: string; name: string }, readonly fields: string[], containerId?: string) {
    super(action, machine, `Docker cannot change ${fields.join(', ')} on a live container; replace the container instead`, containerId ? { containerId } : {});
  }
}

/**
 * The client was asked about a machine id that is not in the cluster: ids are the machines' names
 * in the cluster file. The message lists the names there are (`known`).
 */
export class UnknownMachineError extends Error {
  override name = 'UnknownMachineError';
  constructor(readonly machineId: string, known: string[]) {
    super(`unknown machine ${machineId}; the cluster has ${known.length ? known.join(', ') : 'no machines'}`);
  }
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(readonly ms: number) {
    super(`timed out after ${formatSeconds(ms)}`);
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

/**
 * Runs one engine call with a deadline. The signal aborts the HTTP request; the race makes sure a
 * transport that ignores the abort (an ssh handshake, say) still cannot hang the caller.
 */
export async function withDeadline<T>(ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new TimeoutError(ms));
    }, ms);
  });
  try {
    return await Promise.race([call(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

interface DockerodeError {
  statusCode?: number;
  json?: unknown;
  message?: string;
  code?: string;
  reason?: string;
}

/** Docker's HTTP status of a dockerode error, if it has one. */
export function statusCodeOf(err: unknown): number | undefined {
  const code = (err as DockerodeError | undefined)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

const TRANSPORT_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EACCES',
  'ABORT_ERR',
]);

/** True when the error says the engine could not be reached at all (vs. the engine saying no). */
export function isTransportError(err: unknown): boolean {
  if (err instanceof TimeoutError || isTlsFailure(err) || err instanceof SshError) return true;
  const e = err as DockerodeError | undefined;
  if (e?.statusCode !== undefined) return false;
  if (e?.code && TRANSPORT_CODES.has(e.code)) return true;
  return /ssh|handshake|authentication|socket hang up|aborted/i.test(e?.message ?? '');
}

/**
 * The cause of a failed engine call in a few words: Docker's own message for an HTTP error
 * ("No such image: local/nope:1"), or what went wrong with the connection to `host`.
 */
export function describeEngineError(err: unknown, host: string): string {
  if (err instanceof TimeoutError || err instanceof SshError) return err.message;
  const tls = tlsFailure(err, host);
  if (tls !== undefined) return tls;
  const e = (err ?? {}) as DockerodeError;
  if (e.statusCode !== undefined) {
    const fromJson = messageFromJson(e.json);
    if (fromJson) return fromJson;
    // dockerode's own text: "(HTTP code 404) no such container - No such container: x "
    const m = /^\(HTTP code \d+\) [^-]*- (.*)$/s.exec(e.message ?? '');
    return (m?.[1] ?? e.message ?? `HTTP ${e.statusCode}`).trim() || `HTTP ${e.statusCode}`;
  }
  switch (e.code) {
    case 'ECONNREFUSED':
      return `connection refused at ${host}`;
    case 'ENOENT':
      return `no engine socket at ${host}`;
    case 'EACCES':
      return `permission denied opening ${host}`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `connection reset by ${host}`;
    case 'ETIMEDOUT':
      return `connection to ${host} timed out`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${host}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the host name of ${host}`;
    case 'ABORT_ERR':
      return 'aborted';
  }
  const message = (e.message ?? String(err)).trim();
  if (/All configured authentication methods failed/i.test(message)) return `ssh authentication failed at ${host} (is the key in ssh-agent, SSH_AUTH_SOCK set?)`;
  return message || 'unknown error';
}

function messageFromJson(json: unknown): string | undefined {
  if (json && typeof json === 'object' && !Buffer.isBuffer(json)) {
    const msg = (json as { message?: unknown }).message;
    if (typeof msg === 'string' && msg.trim()) return msg.trim();
  }
  if (Buffer.isBuffer(json)) {
    const text = json.toString('utf8').trim();
    if (text) return text;
  }
  if (typeof json === 'string' && json.trim()) return json.trim();
  return undefined;
}
