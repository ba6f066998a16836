// The health gate of a new container: healthy (with a healthcheck) or running and not restarting
// for the whole monitor period (without one), within an overall deadline; then, past a healthy gate,
// the rest of the monitor period watched for a crash or unhealthy (monitorAfterGate). Driven by the
// container's Docker events when the client can watch them, with a slow poll as the fallback; a
// client that cannot watch is polled.
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

/** The monitor period (ms): `monitorMs` when given (the plan's rollout), else the spec's update.monitor, else 5s. */
export function monitorPeriodMs(spec: ServiceSpec, monitorMs?: number): number {
  return monitorMs ?? spec.update?.monitor ?? DEFAULT_MONITOR_MS;
}

/** How long a healthcheck may stay "starting" before we give up on it (ms). */
export function healthDeadlineMs(spec: ServiceSpec, monitorMs = monitorPeriodMs(spec)): number {
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

/** One look at the container: how to go on (done, or look again within `sleepMs`), or fail by throwing. */
type Verdict = { done: true } | { done: false; sleepMs: number };

/**
 * Inspects the container, hands each state to `decide`, and looks again when the container has a
 * Docker event (anything but an exec's: each healthcheck probe is an exec, and its result arrives
 * as the health_status event that follows) or after the verdict's sleep, bounded by `pollMs` (the
 * fallback poll). Resolves when `decide` says done; rejects with what it throws, or with the
 * signal's reason when aborted (resolves instead with `quietOnAbort`).
 */
async function watchContainerState(
  client: Pick<ContainerClient, 'inspectContainer'> & Partial<ContainerWatch>,
  machineId: string,
  container: ContainerRef,
  opts: HealthWaitOptions & { quietOnAbort?: boolean },
  decide: (s: ContainerState) => Verdict,
): Promise<void> {
  const sleep = opts.sleep ?? defaultSleep;
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
      if (opts.signal?.aborted) {
        if (opts.quietOnAbort) return;
        throw opts.signal.reason;
      }
      const verdict = decide(await client.inspectContainer(machineId, container.id));
      if (verdict.done) return;
      await sleep(Math.max(1, Math.min(pollMs, verdict.sleepMs)), woken);
    }
  } finally {
    unwatch?.();
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Waits until the container passes its health gate. Throws a ContainerFailedError naming the
 * container and the machine when it exits, restarts, stays unhealthy past the monitor period or
 * stays starting past healthDeadlineMs; rethrows the signal's reason when aborted. With a
 * healthcheck the gate opens at the first healthy; monitorAfterGate then watches the rest of the
 * monitor period.
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
  const monitor = monitorPeriodMs(spec, opts.monitorMs);
  const deadline = healthDeadlineMs(spec, monitor);
  const started = now();
  let lastPhase: Phase | undefined;
  const phase = (p: Phase, detail?: string) => {
    if (p !== lastPhase) opts.onPhase?.(p, detail);
    lastPhase = p;
  };
  const fail = failure(machineId, machineName, container);
  await watchContainerState(client, machineId, container, opts, (s) => {
    const elapsed = now() - started;
    const crash = crashed(s);
    if (crash) throw fail(crash, s.exitCode);
    if (s.health === 'healthy') {
      phase('healthy');
      return { done: true };
    }
    if (s.health === 'none') {
      phase('running');
      return elapsed >= monitor ? { done: true } : { done: false, sleepMs: monitor - elapsed };
    }
    if (s.health === 'unhealthy') {
      phase('unhealthy');
      if (elapsed >= monitor) throw fail(`is unhealthy: its healthcheck failed (waited ${seconds(elapsed)})`);
      return { done: false, sleepMs: monitor - elapsed };
    }
    phase('health-starting');
    if (elapsed >= deadline) throw fail(`is still starting: not healthy after ${Math.round(elapsed / 1000)}s`);
    return { done: false, sleepMs: deadline - elapsed };
  });
}

/**
 * After the gate: watches a new container until the monitor period (`monitorMs`, else the spec's
 * update.monitor, else 5s) has passed since `startedAt` (ms since the epoch, as `now` reads
 * time: when its start returned). As Swarm's updater does with an updated task: the rollout goes on
 * meanwhile, and a container that exits, restarts or turns unhealthy within the period fails its
 * operation (a ContainerFailedError), so the deploy undoes it, or rolls back, instead of ending
 * `done` with a crash-looping service. Returns at once when the period is over already (a gate
 * without a healthcheck waits it out itself). An abort (interrupt) ends the watch without an error:
 * the container passed its gate and is kept as it is.
 */
export async function monitorAfterGate(
  client: Pick<ContainerClient, 'inspectContainer'> & Partial<ContainerWatch>,
  machineId: string,
  machineName: string,
  container: ContainerRef,
  spec: ServiceSpec,
  startedAt: number,
  opts: HealthWaitOptions = {},
): Promise<void> {
  const now = opts.now ?? Date.now;
  const monitor = monitorPeriodMs(spec, opts.monitorMs);
  if (now() - startedAt >= monitor) return;
  // Phase `running` (watching for restarts), as a gate without a healthcheck reports its wait: the
  // events' v1 phases stay as they are.
  opts.onPhase?.('running', monitorPhaseDetail(monitor));
  const fail = failure(machineId, machineName, container);
  await watchContainerState(client, machineId, container, { ...opts, quietOnAbort: true }, (s) => {
    const elapsed = now() - startedAt;
    const crash = crashed(s);
    if (crash) throw fail(`${crash} within its monitor period (${seconds(monitor)}) after it turned healthy`, s.exitCode);
    if (s.health === 'unhealthy') throw fail(`turned unhealthy within its monitor period (${seconds(monitor)}): its healthcheck failed`);
    return elapsed >= monitor ? { done: true } : { done: false, sleepMs: monitor - elapsed };
  });
}

/**
 * Waits until an old container that an undo or a rollback started again is back: healthy when it
 * has a healthcheck; without one, running and not restarted for the monitor period of the spec on
 * its label (update.monitor, else 5s), as Swarm's rollback monitors the tasks it restores. Restarts
 * from before this start are not held against it. Throws a ContainerFailedError naming the
 * container and the machine when it exits, restarts or turns unhealthy (Docker says so only after
 * its retries), or is still starting past healthDeadlineMs of that spec (Docker's healthcheck
 * defaults, so 240s, for a container without a label); rethrows the signal's reason when aborted.
 */
export async function waitUntilRestored(
  client: Pick<ContainerClient, 'inspectContainer'> & Partial<ContainerWatch>,
  machineId: string,
  machineName: string,
  container: ContainerRef,
  opts: HealthWaitOptions = {},
): Promise<void> {
  const now = opts.now ?? Date.now;
  const started = now();
  let limits: { deadline: number; monitor: number } | undefined;
  let restartsBefore: number | undefined;
  const fail = failure(machineId, machineName, container);
  await watchContainerState(client, machineId, container, opts, (s) => {
    const spec = s.service?.spec ?? { name: '', image: '' };
    limits ??= { deadline: healthDeadlineMs(spec, 0), monitor: opts.monitorMs ?? monitorPeriodMs(spec) };
    restartsBefore ??= s.restartCount ?? 0;
    const elapsed = now() - started;
    const code = s.exitCode !== undefined ? ` with code ${s.exitCode}` : '';
    const after = `${seconds(elapsed)} after it was started again`;
    if (s.state === 'exited' || s.state === 'dead') throw fail(`exited${code} ${after}`, s.exitCode);
    if (s.state === 'restarting' || (s.restartCount ?? 0) > restartsBefore) throw fail(`is restarting ${after}: it exited${code}`, s.exitCode);
    if (s.health === 'unhealthy') throw fail(`is unhealthy ${after}: its healthcheck failed`);
    if (s.health === 'healthy') return { done: true };
    if (s.health === 'none') return elapsed >= limits.monitor ? { done: true } : { done: false, sleepMs: limits.monitor - elapsed };
    if (elapsed >= limits.deadline) throw fail(`is still starting ${after}: not healthy`);
    return { done: false, sleepMs: limits.deadline - elapsed };
  });
}

/** The `detail` of the phase `running` that a watch after a healthy gate reports: `healthy; watched until 5s after its start`. */
export function monitorPhaseDetail(monitorMs: number): string {
  return `healthy; watched until ${seconds(monitorMs)} after its start`;
}

/** `ms` as seconds to a tenth, as the health messages give it: 5000 -> `5s`, 1250 -> `1.3s`. */
function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

function failure(machineId: string, machineName: string, container: ContainerRef) {
  return (what: string, exitCode?: number) =>
    new ContainerFailedError(`container ${container.name} on ${machineName} ${what}`, machineId, container, exitCode);
}
