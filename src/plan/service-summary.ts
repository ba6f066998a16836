// One summary of a service for every face (ls, ls --json, the cluster and service screens): how many
// replicas run against how many are wanted, their health in words, the image. Pure.
import type { ClusterState, ServiceState } from '../model/cluster.js';
import { desiredReplicas, newestSpecOf } from './current-spec.js';

export interface ServiceSummary {
  /** Containers running now (on machines that are up). */
  running: number;
  /** Containers wanted: replicas, or one per machine a global service's placement allows. */
  desired: number;
  /** `2 healthy, 1 starting`, `1 created`, `1 stopped`, or `no healthcheck` (see healthWords). */
  health: string;
  /** The image as the spec names it (its pin is in the spec label). */
  image: string;
  /** Service ids seen under this name beyond the first (deploys that could not see each other). */
  duplicateIds: string[];
  /** The compose project it was deployed with (its newest container's spec says); undefined for none. */
  project?: string;
}

export function summarizeService(service: ServiceState, state: ClusterState): ServiceSummary {
  return {
    running: service.containers.filter((c) => c.state === 'running').length,
    desired: desiredReplicas(service, state),
    health: healthWords(service),
    image: newestSpecOf(service)?.image ?? service.containers[0]?.image ?? '',
    duplicateIds: service.ids.slice(1),
    ...(projectOf(service) ? { project: projectOf(service) } : {}),
  };
}

/** The compose project a service was deployed with: its newest container's spec says; undefined for none. */
export function projectOf(service: ServiceState): string | undefined {
  return newestSpecOf(service)?.project;
}

/** `running/desired`, e.g. `2/3`. */
export function replicaText(summary: Pick<ServiceSummary, 'running' | 'desired'>): string {
  return `${summary.running}/${summary.desired}`;
}

/** Docker's container states other than running that the health words name as they are. */
const NAMED_STATES = ['created', 'restarting', 'paused', 'removing'] as const;

/**
 * Health of the running containers, then the others by Docker's state: `created` (made, never
 * started: the next replicas of a rollout, made while a batch waits), `restarting`, `paused`,
 * `removing`, and `stopped` (exited or dead).
 */
function healthWords(service: ServiceState): string {
  const count = (pred: (h: string, s: string) => boolean) => service.containers.filter((c) => pred(c.health, c.state)).length;
  const parts: string[] = [];
  const unhealthy = count((h, s) => s === 'running' && h === 'unhealthy');
  const starting = count((h, s) => s === 'running' && h === 'starting');
  const healthy = count((h, s) => s === 'running' && h === 'healthy');
  if (unhealthy) parts.push(`${unhealthy} unhealthy`);
  if (starting) parts.push(`${starting} starting`);
  if (healthy) parts.push(`${healthy} healthy`);
  for (const state of NAMED_STATES) {
    const n = count((_h, s) => s === state);
    if (n) parts.push(`${n} ${state}`);
  }
  const stopped = count((_h, s) => s !== 'running' && !(NAMED_STATES as readonly string[]).includes(s));
  if (stopped) parts.push(`${stopped} stopped`);
  return parts.join(', ') || 'no healthcheck';
}
