// In-place resource updates: what Docker's update API can and cannot change on a live container. Pure.
import { DEFAULT_SHM_SIZE, type ResourcesSpec } from '../model/spec.js';

/** The limits a container has now (its inspect's HostConfig). */
export interface CurrentResources {
  NanoCpus?: number;
  Memory?: number;
  MemoryReservation?: number;
  ShmSize?: number;
}

export { DEFAULT_SHM_SIZE } from '../model/spec.js';

export interface ResourceUpdateBody {
  NanoCpus?: number;
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
}

/**
 * Docker's update body taking a container from `current` to `desired`, or the fields Docker cannot
 * change in place. Memory always moves together with MemorySwap (2x memory, Docker's own default
 * at create): Docker refuses a memory above the current swap limit, and on cgroup v1 runc fails to
 * raise memory when swap is set to -1 in the same call. A dropped reservation becomes -1 (lifted).
 */
export function resourceUpdate(desired: ResourcesSpec, current: CurrentResources): { body: ResourceUpdateBody } | { impossible: string[] } {
  const impossible: string[] = [];
  const body: ResourceUpdateBody = {};
  if (desired.cpu !== undefined) body.NanoCpus = Math.round(desired.cpu * 1e9);
  else if ((current.NanoCpus ?? 0) > 0) impossible.push('cpu (a limit cannot be lifted in place)');
  if (desired.memory !== undefined) {
    body.Memory = desired.memory;
    body.MemorySwap = desired.memory * 2;
  } else if ((current.Memory ?? 0) > 0) impossible.push('memory (a limit cannot be lifted in place)');
  if (desired.memory_reservation !== undefined) body.MemoryReservation = desired.memory_reservation;
  else if ((current.MemoryReservation ?? 0) > 0) body.MemoryReservation = -1;
  const shm = desired.shm_size ?? DEFAULT_SHM_SIZE;
  if (current.ShmSize !== undefined && current.ShmSize !== shm) impossible.push('shm_size (fixed at create)');
  return impossible.length ? { impossible } : { body };
}
