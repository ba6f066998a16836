// The cluster-wide deploy lock of a service: who may change it now, as the apply entry point sees it.

/** Who holds a service's deploy lock. */
export interface LockHolder {
  /** `user@host` of the operator (or CI job) whose run holds it. */
  owner: string;
  /** What they said they were doing, if anything. */
  message?: string;
  /** ISO time the lock was taken. */
  since: string;
  /** The run that holds it. */
  runId: string;
}

/** A lock that was taken; release it when the run is over. */
export interface HeldLock {
  holder: LockHolder;
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** How long to wait for a held lock (ms); 0 (the default) refuses at once. */
  waitMs?: number;
  /** Called while waiting, with whoever holds it. */
  onWait?: (holder: LockHolder) => void;
  signal?: AbortSignal;
}

export interface DeployLock {
  /** Takes the service's lock for `holder`, or says who holds it (after waiting up to waitMs). */
  acquire(service: string, holder: LockHolder, opts?: AcquireOptions): Promise<HeldLock | { heldBy: LockHolder }>;
}

/** Every lock volume's name starts with this, followed by the service name: never shown as a machine's volumes. */
export const LOCK_VOLUME_PREFIX = 'dockplan-lock-';

/** True for the name of a lock volume. */
export function isLockVolume(name: string): boolean {
  return name.startsWith(LOCK_VOLUME_PREFIX);
}
