// The health gate of a new container: healthy (with a healthcheck) or running and not restarting
// for the whole monitor period (without one), within an overall deadline. Driven by the container's
// Docker events when the client can watch them, with a slow poll as the fallback; a client that
// cannot watch is polled.
import type { ContainerState } from '../model/cluster.js';
import type { ServiceSpec } from '../model/spec.js';
import { DEFAULT_MONITOR_MS } from '../model/spec.js';
import type { ContainerRef } from '../plan/operations.js';
import type { ContainerClient, ContainerWatch } from './client.js';
import { ContainerFailedError } from './errors.js';
import type { Phase } from './events.js';

export interface HealthWaitOptions {
  /** Poll interval without events (ms); default 200. With events, a poll only every `fallbackPollMs`. */
  pollMs?: number;
  /** Poll interval while Docker events drive the wait (ms); default 2000. */
  fallbackPollMs?: number;
  /** The monitor period (ms); default the spec's update.monitor, else 5s. */
  monitorMs?: number;
  onPhase?: (phase: Phase, detail?: string) => void;
  /** Ends the wait early (with the signal's reason) when aborted. */
  signal?: AbortSignal;
  now?: () => number;
  /** Waits up to `ms`; resolves early when `woken` resolves. For tests. */
  sleep?: (ms: number, woken: Promise<void>) => Promise<void>;
}

/** Docker's healthcheck defaults (docker run reference): 30s interval, 30s timeout, 3 retries. */
const DOCKER_DEFAULT_INTERVAL = 30_000;
const DOCKER_DEFAULT_TIMEOUT = 30_000;
const DOCKER_DEFAULT_RETRIES = 3;

/** How long a healthcheck may stay "starting" before we give up on it (ms). */
export function healthDeadlineMs(spec: ServiceSpec, monitorMs = spec.update?.monitor ?? DEFAULT_MONITOR_MS): number {
  const hc = spec.healthcheck ?? {};
  const perTry = (hc.interval ?? DOCKER_DEFAULT_INTERVAL) + (hc.timeout ?? DOCKER_DEFAULT_TIMEOUT);
  return Math.max(monitorMs, (hc.start_period ?? 0) + perTry * ((hc.retries ?? DOCKER_DEFAULT_RETRIES) + 1));
}

function crashed(s: ContainerState): string | undefined {
  const code = s.exitCode !== undefined ? ` with code ${s.exitCode}` : '';
  if (s.state === 'exited' || s.state === 'dead') return `exited${code}`;
  if (s.state === 'restarting' || (s.restartCount ?? 0) > 0) {
    return `is restarting: it exited${code}${s.restartCount ? ` and was restarted ${s.restartCount} time${s.restartCount === 1 ? '' : 's'}` : ''}`;
  }
  return undefined;
}

const defaultSleep = (ms: number, woken: Promise<void>) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    void woken.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * Waits until the container passes its health gate. Throws a ContainerFailedError naming the
 * container and the machine when it exits, restarts, stays unhealthy past the monitor period or
 * stays starting past healthDeadlineMs; rethrows the signal's reason when aborted.
 */
export async function waitUntilUp(
  client: Pick<ContainerClient, 'inspectContainer'> & Partial<ContainerWatch>,
  machineId: string,
  machineName: string,
  container: ContainerRef,
  spec: ServiceSpec,
  opts: HealthWaitOptions = {},
): Promise<void> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const monitor = opts.monitorMs ?? spec.update?.monitor ?? DEFAULT_MONITOR_MS;
  const deadline = healthDeadlineMs(spec, monitor);
  const started = now();
  let lastPhase: Phase | undefined;
  const phase = (p: Phase, detail?: string) => {
    if (p !== lastPhase) opts.onPhase?.(p, detail);
    lastPhase = p;
  };
  const fail = (what: string, exitCode?: number) =>
    new ContainerFailedError(`container ${container.name} on ${machineName} ${what}`, machineId, container, exitCode);

  // Every Docker event of the container (start, die, health_status, restart) wakes the wait, except
  // an exec's (exec_create, exec_start, exec_die): each healthcheck probe is an exec, and its result
  // arrives as the health_status event that follows, so waking on them would only inspect again.
  let wake: () => void = () => undefined;
  let woken = new Promise<void>((resolve) => (wake = resolve));
  const onEvent = (action: string) => {
    if (action.startsWith('exec_')) return;
    wake();
    woken = new Promise<void>((resolve) => (wake = resolve));
  };
  const unwatch = client.watchContainer?.(machineId, container.id, onEvent);
  const pollMs = unwatch ? opts.fallbackPollMs ?? 2_000 : opts.pollMs ?? 200;
  const onAbort = () => wake();
  opts.signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      const s = await client.inspectContainer(machineId, container.id);
      const elapsed = now() - started;
      const crash = crashed(s);
      if (crash) throw fail(crash, s.exitCode);
      if (s.health === 'healthy') return phase('healthy');
      let until = deadline - elapsed;
      if (s.health === 'none') {
        phase('running');
        if (elapsed >= monitor) return;
        until = monitor - elapsed;
      } else if (s.health === 'unhealthy') {
        phase('unhealthy');
        if (elapsed >= monitor) throw fail(`is unhealthy: its healthcheck failed (waited ${Math.round(elapsed / 100) / 10}s)`);
        until = monitor - elapsed;
      } else {
        phase('health-starting');
        if (elapsed >= deadline) throw fail(`is still starting: not healthy after ${Math.round(elapsed / 1000)}s`);
      }
      await sleep(Math.max(1, Math.min(pollMs, until)), woken);
    }
  } finally {
    unwatch?.();
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
