// Waiting for a new container to count as up: healthy (with a healthcheck) or running and not
// restarting for the whole monitor period (without one).
import type { ContainerState } from '../model/cluster.js';
import type { ServiceSpec } from '../model/spec.js';
import { DEFAULT_MONITOR_MS } from '../model/spec.js';
import type { ContainerRef } from '../plan/operations.js';
import type { ContainerClient } from './client.js';
import { ContainerFailedError } from './errors.js';
import type { Phase } from './events.js';

export interface HealthWaitOptions {
  pollMs?: number;
  onPhase?: (phase: Phase, detail?: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const DOCKER_DEFAULT_INTERVAL = 30_000;
const DOCKER_DEFAULT_TIMEOUT = 30_000;
const DOCKER_DEFAULT_RETRIES = 3;

/** How long a healthcheck may stay "starting" before we give up on it. */
export function healthDeadlineMs(spec: ServiceSpec): number {
  const hc = spec.healthcheck ?? {};
  const monitor = spec.update?.monitor ?? DEFAULT_MONITOR_MS;
  const perTry = (hc.interval ?? DOCKER_DEFAULT_INTERVAL) + (hc.timeout ?? DOCKER_DEFAULT_TIMEOUT);
  return Math.max(monitor, (hc.start_period ?? 0) + perTry * ((hc.retries ?? DOCKER_DEFAULT_RETRIES) + 1));
}

function crashed(s: ContainerState): string | undefined {
  const code = s.exitCode !== undefined ? ` with code ${s.exitCode}` : '';
  if (s.state === 'exited' || s.state === 'dead') return `exited${code}`;
  if (s.state === 'restarting' || (s.restartCount ?? 0) > 0) {
    return `is restarting: it exited${code}${s.restartCount ? ` and was restarted ${s.restartCount} time${s.restartCount === 1 ? '' : 's'}` : ''}`;
  }
  return undefined;
}

export async function waitUntilUp(
  client: Pick<ContainerClient, 'inspectContainer'>,
  machineId: string,
  machineName: string,
  container: ContainerRef,
  spec: ServiceSpec,
  opts: HealthWaitOptions = {},
): Promise<void> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pollMs = opts.pollMs ?? 200;
  const monitor = spec.update?.monitor ?? DEFAULT_MONITOR_MS;
  const deadline = healthDeadlineMs(spec);
  const started = now();
  let lastPhase: Phase | undefined;
  const phase = (p: Phase, detail?: string) => {
    if (p !== lastPhase) opts.onPhase?.(p, detail);
    lastPhase = p;
  };
  const fail = (what: string, exitCode?: number) =>
    new ContainerFailedError(`container ${container.name} on ${machineName} ${what}`, machineId, container, exitCode);

  for (;;) {
    const s = await client.inspectContainer(machineId, container.id);
    const elapsed = now() - started;
    const crash = crashed(s);
    if (crash) throw fail(crash, s.exitCode);
    if (s.health === 'healthy') return phase('healthy');
    if (s.health === 'none') {
      phase('running');
      if (elapsed >= monitor) return;
    } else if (s.health === 'unhealthy') {
      phase('unhealthy');
      if (elapsed >= monitor) throw fail(`is unhealthy: its healthcheck failed (waited ${Math.round(elapsed / 100) / 10}s)`);
    } else {
      phase('health-starting');
      if (elapsed >= deadline) throw fail(`is still starting: not healthy after ${Math.round(elapsed / 1000)}s`);
    }
    await sleep(pollMs);
  }
}
