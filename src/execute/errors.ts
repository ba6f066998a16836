// Execution errors as values a person on call can act on; each carries the machine and container
// a UI needs to offer that container's logs.
import type { ContainerRef } from '../plan/operations.js';

export class ContainerFailedError extends Error {
  constructor(
    message: string,
    readonly machineId: string,
    readonly container: ContainerRef,
    readonly exitCode?: number,
  ) {
    super(message);
    this.name = 'ContainerFailedError';
  }
}

/** A Docker error's HTTP status, when the client kept it. */
export function statusCodeOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The cause of an engine error without its "verb noun on machine" prefix (an engine error carries
 * it as `reason`), for a message that names the action itself; any other error's whole message.
 */
export function causeOf(err: unknown): string {
  const reason = (err as { reason?: unknown } | null)?.reason;
  return typeof reason === 'string' ? reason : messageOf(err);
}

export function isNoSuchImage(err: unknown): boolean {
  return statusCodeOf(err) === 404 && /no such image/i.test(messageOf(err));
}
