// Execute for every operation kind (one exhaustive switch over the plan's data), recording what it
// did as effects; and the undo of those effects. A failed operation undoes its own effects before
// it reports, so the container it was replacing runs again.
import type { ResourcesSpec, ServiceSpec } from '../model/spec.js';
import { DEFAULT_STOP_GRACE_MS } from '../model/spec.js';
import type { ContainerRef, CreateVolumeOperation, NameResolver, Operation, ReplaceOperation, RunOperation } from '../plan/operations.js';
import { randomSuffix } from '../plan/service-name.js';
import { openVolume, type PlanSecrets } from '../plan/secret-seal.js';
import type { ExecutorClient } from './client.js';
import { causeOf, ContainerFailedError, isNoSuchImage, messageOf } from './errors.js';
import type { Effect, Phase } from './events.js';
import { monitorAfterGate, monitorPeriodMs, monitorPhaseDetail, waitUntilRestored, waitUntilUp } from './health.js';
import { shortDigest } from './image-resolver.js';

export interface OperationContext {
  client: ExecutorClient;
  names: NameResolver;
  /** Reports what the operation is doing now, for the container it is doing it to. */
  phase: (phase: Phase, machineId: string, container?: ContainerRef, detail?: string) => void;
  /** The health gate's monitor period (ms). */
  monitorMs: number;
  random?: () => number;
  pollMs?: number;
  /** Aborts a health wait (an interrupt): the operation then undoes itself. */
  signal?: AbortSignal;
  /**
   * Ends the watch after the gate (the rest of the monitor period) early, the operation counting as
   * done: the run is rolling back, which undoes it anyway. `signal` ends that watch the same way.
   */
  monitorSignal?: AbortSignal;
  /** The run id, written on every container created (label dockplan.deploy.id). */
  deployId?: string;
  /** The plan's clear secret values, for the containers it creates (their labels keep only tokens). */
  secrets?: PlanSecrets;
  /**
   * The container createAhead made for this operation while the batch before it ran, if any:
   * used instead of creating one (a promise resolving to undefined means it could not be made, and
   * the operation creates its own, meeting the same error in its own words).
   */
  prepared?: Promise<ContainerRef | undefined>;
  /**
   * Called once the new container of a run or replace has passed its health gate (for a start-first
   * replace, just before the old one is stopped): the execution may begin its next batch while the
   * old container stops and the new one is watched through the rest of its monitor period, as
   * Swarm's updater moves to its next slot once the new task runs and counts a task that fails
   * within its monitor period as a failed update. A failure after this point still fails (and
   * undoes) the operation.
   */
  onGated?: () => void;
}

/** An operation that failed: what went wrong, and the effects it had before (already undone when `undone`). */
export class OperationFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly effects: Effect[],
    /** The effects of the undo that ran (empty when there was nothing to undo). */
    readonly undoEffects: Effect[],
    /** What could not be undone, in words. */
    readonly undoFailures: string[],
  ) {
    super(messageOf(cause));
    this.name = 'OperationFailure';
  }
}

/**
 * Runs one operation and returns its effects in order. On failure it undoes its own effects (a new
 * container stopped and kept, the old one started again) and throws an OperationFailure.
 */
export async function executeOperation(op: Operation, ctx: OperationContext): Promise<Effect[]> {
  const effects: Effect[] = [];
  try {
    await run(op, ctx, effects);
    return effects;
  } catch (err) {
    const undo = await undoEffects(effects, ctx);
    throw new OperationFailure(err, effects, undo.effects, undo.failures);
  }
}

async function run(op: Operation, ctx: OperationContext, effects: Effect[]): Promise<void> {
  switch (op.kind) {
    case 'create-volume':
      await createVolume(op, ctx, effects);
      return;
    case 'run':
      await runContainer(op, ctx, effects);
      return;
    case 'replace':
      await replaceContainer(op, ctx, effects);
      return;
    case 'update': {
      ctx.phase('updating', op.machineId, op.container);
      const before = (await ctx.client.inspectContainer(op.machineId, op.container.id)).resources ?? {};
      const after = op.spec.resources ?? {};
      await ctx.client.updateContainerResources(op.machineId, op.container.id, after, op.spec);
      effects.push({ kind: 'limits-updated', machineId: op.machineId, container: op.container, before, after });
      return;
    }
    case 'stop':
    case 'remove':
      // A removed container is only stopped here: the cleanup after a successful deploy removes it,
      // so a rollback until then can start it again.
      ctx.phase('stopping', op.machineId, op.container);
      await ctx.client.stopContainer(op.machineId, op.container.id, op.graceMs);
      effects.push({ kind: 'container-stopped', machineId: op.machineId, container: op.container });
      return;
    default: {
      const unknown: never = op;
      throw new Error(`unknown operation ${JSON.stringify(unknown)}`);
    }
  }
}

async function createVolume(op: CreateVolumeOperation, ctx: OperationContext, effects: Effect[]): Promise<void> {
  ctx.phase('creating-volume', op.machineId, undefined, op.volume.name);
  // The plan holds secret driver options as hashes: Docker gets their values.
  await ctx.client.createVolume(op.machineId, openVolume(op.volume, ctx.secrets));
  effects.push({ kind: 'volume-created', machineId: op.machineId, volume: op.volume.name });
}

async function pull(ctx: OperationContext, machineId: string, image: string) {
  ctx.phase('pulling', machineId, undefined, image);
  await ctx.client.pullImage(machineId, image);
}

/**
 * Pulls (per the pull policy) and creates the new container of a run or replace operation ahead of
 * its turn, reporting no phase: nothing runs or stops, so it is safe while an earlier batch waits
 * for its health gate. Resolves to the created container; rejects with the pull's or create's
 * error. The caller passes the promise as OperationContext.prepared when the operation runs, and
 * removes the container if it never does.
 */
export function createAhead(op: RunOperation | ReplaceOperation, ctx: OperationContext): Promise<ContainerRef> {
  return prepare(op, { ...ctx, phase: () => undefined, prepared: undefined }, []);
}

/** Pulls per the pull policy and creates the container: everything before the cutover. */
async function prepare(op: RunOperation | ReplaceOperation, ctx: OperationContext, effects: Effect[]): Promise<ContainerRef> {
  const ahead = ctx.prepared ? await ctx.prepared : undefined;
  if (ahead) {
    ctx.phase('creating', op.machineId, ahead);
    effects.push({ kind: 'container-created', machineId: op.machineId, container: ahead });
    return ahead;
  }
  const spec = op.spec;
  const name = `${spec.name ?? 'service'}-${randomSuffix(ctx.random ?? Math.random)}`;
  const policy = spec.pull_policy ?? 'missing';
  const machine = ctx.names.machineName(op.machineId);
  const ref = spec.image_ref ?? spec.image;
  // An image pinned by its ID (no registry digest) exists only where it was built or loaded.
  const pullable = !ref.startsWith('sha256:');
  if (policy === 'always' && pullable) await pull(ctx, op.machineId, ref);
  ctx.phase('creating', op.machineId, { id: '', name });
  const create = () => ctx.client.createContainer({
    machineId: op.machineId, serviceId: op.serviceId, spec, name, ...(ctx.deployId ? { deployId: ctx.deployId } : {}), ...(ctx.secrets ? { secrets: ctx.secrets } : {}),
  });
  let created: { id: string; name: string };
  try {
    created = await create();
  } catch (err) {
    if (!isNoSuchImage(err)) throw err;
    if (!pullable) {
      throw new Error(`image ${spec.image} (${shortDigest(ref)}, the bytes the plan pinned) is not on ${machine} and has no registry digest to pull it by: load it there (docker save | docker load), then plan again`);
    }
    if (policy === 'never') {
      throw new Error(`image ${spec.image} is not on ${machine} and pull_policy is never: load the image there, or set pull_policy: missing`);
    }
    await pull(ctx, op.machineId, ref);
    ctx.phase('creating', op.machineId, { id: '', name });
    created = await create();
  }
  const container = { id: created.id, name: created.name };
  effects.push({ kind: 'container-created', machineId: op.machineId, container });
  return container;
}

/**
 * Starts the new container and waits for its health gate; resolves with a function that watches it
 * through the rest of its monitor period (see monitorAfterGate; `announce` false: without reporting
 * its phase), for the caller to run once it has done what follows the gate, or with undefined when
 * the gate took the whole period (no healthcheck, or a slow one).
 */
async function startAndGate(op: RunOperation | ReplaceOperation, container: ContainerRef, ctx: OperationContext, effects: Effect[]): Promise<((announce?: boolean) => Promise<void>) | undefined> {
  ctx.phase('starting', op.machineId, container);
  try {
    await ctx.client.startContainer(op.machineId, container.id);
  } catch (err) {
    throw new ContainerFailedError(`start container ${container.name} on ${ctx.names.machineName(op.machineId)}: ${causeOf(err)}`, op.machineId, container);
  }
  const startedAt = Date.now();
  effects.push({ kind: 'container-started', machineId: op.machineId, container });
  const machineName = ctx.names.machineName(op.machineId);
  const opts = {
    pollMs: ctx.pollMs,
    monitorMs: ctx.monitorMs,
    signal: ctx.signal,
    onPhase: (p: Phase, detail?: string) => ctx.phase(p, op.machineId, container, detail),
  };
  await waitUntilUp(ctx.client, op.machineId, machineName, container, op.spec, opts);
  if (Date.now() - startedAt >= monitorPeriodMs(op.spec, ctx.monitorMs)) return undefined;
  const signals = [ctx.signal, ctx.monitorSignal].filter((x): x is AbortSignal => x !== undefined);
  return (announce = true) => monitorAfterGate(ctx.client, op.machineId, machineName, container, op.spec, startedAt, {
    ...opts,
    onPhase: announce ? opts.onPhase : undefined,
    ...(signals.length ? { signal: AbortSignal.any(signals) } : {}),
  });
}

async function runContainer(op: RunOperation, ctx: OperationContext, effects: Effect[]): Promise<void> {
  const container = await prepare(op, ctx, effects);
  const monitor = await startAndGate(op, container, ctx, effects);
  if (!monitor) return;
  ctx.onGated?.();
  await monitor();
}

/**
 * start-first: the new container is created, started and healthy before the old one stops.
 * stop-first: the new container is pulled and created first, so the gap is only stop -> start; a
 * failed pull or create leaves the old container untouched and running.
 */
async function replaceContainer(op: ReplaceOperation, ctx: OperationContext, effects: Effect[]): Promise<void> {
  const stopOld = async () => {
    ctx.phase('stopping', op.machineId, op.old);
    await ctx.client.stopContainer(op.machineId, op.old.id, graceOf(op.spec));
    effects.push({ kind: 'container-stopped', machineId: op.machineId, container: op.old });
  };
  const container = await prepare(op, ctx, effects);
  if (op.order === 'start-first') {
    const monitor = await startAndGate(op, container, ctx, effects);
    ctx.onGated?.();
    // The new container is watched from its gate on, while the old one stops (which may take its
    // whole grace period); both end before the operation does, so an undo sees the stop's effect.
    // The watch is reported once the stop is over, so the stop is not the last phase shown.
    let watching = monitor !== undefined;
    const watch = monitor?.(false).finally(() => (watching = false));
    const stop = stopOld().then(() => {
      if (watching) ctx.phase('running', op.machineId, container, monitorPhaseDetail(monitorPeriodMs(op.spec, ctx.monitorMs)));
    });
    const [watched, stopped] = await Promise.allSettled([watch, stop]);
    if (watched.status === 'rejected') throw watched.reason;
    if (stopped.status === 'rejected') throw stopped.reason;
  } else {
    await stopOld();
    // Interrupted while the old container stopped: start it again rather than the new one.
    ctx.signal?.throwIfAborted();
    const monitor = await startAndGate(op, container, ctx, effects);
    if (!monitor) return;
    ctx.onGated?.();
    await monitor();
  }
}

function graceOf(spec: ServiceSpec): number {
  return spec.stop_grace_period ?? DEFAULT_STOP_GRACE_MS;
}

/**
 * Reverses effects, last first: a container this run started is stopped (and kept for inspection),
 * one it stopped is started again, limits it changed are set back. Volumes stay; removals cannot be
 * reversed (they only happen in the cleanup after success). The old containers started again are
 * waited for until they are back (confirmRestored): before the new container they were replaced by
 * is stopped (start-first), else at the end, unless `confirm` is false (then they come back as
 * `unconfirmed`, for the caller to confirm with others, all at once). Never throws: what could not
 * be undone, or did not come back, comes back in words.
 */
export async function undoEffects(effects: Effect[], ctx: Pick<OperationContext, 'client' | 'names' | 'phase'>, confirm = true): Promise<{ effects: Effect[]; failures: string[]; unconfirmed: Effect[] }> {
  const done: Effect[] = [];
  const failures: string[] = [];
  /** Old containers started again and not yet seen back. */
  let unconfirmed: Effect[] = [];
  const machine = (id: string) => ctx.names.machineName(id);
  for (const e of [...effects].reverse()) {
    try {
      switch (e.kind) {
        // A new container is stopped where it was started, so walking back a stop-first replace
        // stops the new container before the old one starts again (the new one may hold the old
        // one's host port). One created but never started has nothing to stop.
        case 'container-started': {
          // Walking back a start-first replace, the old container was started again first: the new
          // one stops only once the old one is back, and keeps running when it is not, so that an
          // undo never leaves fewer containers running than it found.
          const notBack = unconfirmed.length > 0 ? await confirmRestored(unconfirmed, ctx) : [];
          unconfirmed = [];
          if (notBack.length > 0) {
            failures.push(...notBack, `container ${e.container.name} on ${machine(e.machineId)} is kept running: the old container it replaced did not come back`);
            break;
          }
          ctx.phase('stopping', e.machineId, e.container, 'kept for inspection');
          await ctx.client.stopContainer(e.machineId, e.container.id, 1_000);
          done.push({ kind: 'container-stopped', machineId: e.machineId, container: e.container });
          break;
        }
        case 'container-started-again':
        case 'container-created':
          break;
        case 'container-stopped':
          ctx.phase('restarting-old', e.machineId, e.container);
          await ctx.client.startContainer(e.machineId, e.container.id);
          done.push({ kind: 'container-started-again', machineId: e.machineId, container: e.container });
          unconfirmed.push(done[done.length - 1]!);
          break;
        case 'limits-updated':
          await ctx.client.updateContainerResources(e.machineId, e.container.id, e.before, { name: '', image: '', resources: e.before } as ServiceSpec);
          done.push({ kind: 'limits-updated', machineId: e.machineId, container: e.container, before: e.after, after: e.before as ResourcesSpec });
          break;
        case 'volume-created':
        case 'container-removed':
          break;
      }
    } catch (err) {
      const what = 'container' in e ? `${e.kind === 'container-stopped' ? 'start' : e.kind === 'limits-updated' ? 'restore the limits of' : 'stop'} container ${e.container.name} on ${machine(e.machineId)}` : `undo ${e.kind}`;
      failures.push(`${what}: ${causeOf(err)}`);
    }
  }
  if (confirm && unconfirmed.length > 0) {
    failures.push(...(await confirmRestored(unconfirmed, ctx)));
    unconfirmed = [];
  }
  return { effects: done, failures, unconfirmed };
}

/**
 * Waits, all at once, until every old container that `effects` started again (its
 * container-started-again effects) is back: healthy, or running without a healthcheck (see
 * waitUntilRestored), so a rollback that ends says the service runs as it did, not merely that
 * Docker was asked to start it. Never throws: resolves to what did not come back, in words.
 */
export async function confirmRestored(effects: Effect[], ctx: Pick<OperationContext, 'client' | 'names'>): Promise<string[]> {
  const failures: string[] = [];
  await Promise.all(effects.map(async (e) => {
    if (e.kind !== 'container-started-again') return;
    try {
      await waitUntilRestored(ctx.client, e.machineId, ctx.names.machineName(e.machineId), e.container);
    } catch (err) {
      failures.push(messageOf(err));
    }
  }));
  return failures;
}
