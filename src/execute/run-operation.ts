// Execute for every operation kind: one exhaustive switch over the plan's data.
import type { ServiceSpec } from '../model/spec.js';
import { DEFAULT_STOP_GRACE_MS } from '../model/spec.js';
import type { ContainerRef, NameResolver, Operation, ReplaceOperation, RunOperation } from '../plan/operations.js';
import { randomSuffix } from '../plan/service-name.js';
import type { Client } from './client.js';
import { ContainerFailedError, isNoSuchImage, messageOf } from './errors.js';
import type { Phase } from './events.js';
import { waitUntilUp } from './health.js';
import { shortDigest } from './image-resolver.js';

export interface OperationContext {
  client: Client;
  names: NameResolver;
  /** Reports what the operation is doing now, for the container it is doing it to. */
  phase: (phase: Phase, machineId: string, container?: ContainerRef, detail?: string) => void;
  random?: () => number;
  pollMs?: number;
}

export async function executeOperation(op: Operation, ctx: OperationContext): Promise<void> {
  switch (op.kind) {
    case 'create-volume':
      ctx.phase('creating-volume', op.machineId, undefined, op.volume.name);
      await ctx.client.createVolume(op.machineId, op.volume);
      return;
    case 'run':
      await runContainer(op, ctx);
      return;
    case 'replace':
      await replaceContainer(op, ctx);
      return;
    case 'update':
      ctx.phase('updating', op.machineId, op.container);
      await ctx.client.updateContainerResources(op.machineId, op.container.id, op.spec.resources ?? {}, op.spec);
      return;
    case 'stop':
      ctx.phase('stopping', op.machineId, op.container);
      await ctx.client.stopContainer(op.machineId, op.container.id, op.graceMs);
      return;
    case 'remove':
      ctx.phase('stopping', op.machineId, op.container);
      await ctx.client.stopContainer(op.machineId, op.container.id, op.graceMs);
      ctx.phase('removing', op.machineId, op.container);
      await ctx.client.removeContainer(op.machineId, op.container.id);
      return;
    case 'sequence':
      for (const inner of op.operations) await executeOperation(inner, ctx);
      return;
    default: {
      const unknown: never = op;
      throw new Error(`unknown operation ${JSON.stringify(unknown)}`);
    }
  }
}

async function pull(ctx: OperationContext, machineId: string, image: string) {
  ctx.phase('pulling', machineId, undefined, image);
  await ctx.client.pullImage(machineId, image);
}

async function createWithPullPolicy(ctx: OperationContext, machineId: string, serviceId: string, spec: ServiceSpec, name: string) {
  const policy = spec.pull_policy ?? 'missing';
  const machine = ctx.names.machineName(machineId);
  const ref = spec.image_ref ?? spec.image;
  // An image pinned by its ID (no registry digest) exists only where it was built or loaded.
  const pullable = !ref.startsWith('sha256:');
  if (policy === 'always' && pullable) await pull(ctx, machineId, ref);
  ctx.phase('creating', machineId, { id: '', name });
  try {
    return await ctx.client.createContainer({ machineId, serviceId, spec, name });
  } catch (err) {
    if (!isNoSuchImage(err)) throw err;
    if (!pullable) {
      throw new Error(`image ${spec.image} (${shortDigest(ref)}, the bytes the plan pinned) is not on ${machine} and has no registry digest to pull it by: load it there (docker save | docker load), then plan again`);
    }
    if (policy === 'never') {
      throw new Error(`image ${spec.image} is not on ${machine} and pull_policy is never: load the image there, or set pull_policy: missing`);
    }
    await pull(ctx, machineId, ref);
    ctx.phase('creating', machineId, { id: '', name });
    return ctx.client.createContainer({ machineId, serviceId, spec, name });
  }
}

/** Creates, starts and waits for a new container; a failed one is stopped and KEPT for inspection. */
async function runContainer(op: RunOperation | ReplaceOperation, ctx: OperationContext): Promise<ContainerRef> {
  const name = `${op.spec.name ?? 'service'}-${randomSuffix(ctx.random ?? Math.random)}`;
  const created = await createWithPullPolicy(ctx, op.machineId, op.serviceId, op.spec, name);
  const ref: ContainerRef = { id: created.id, name: created.name };
  try {
    ctx.phase('starting', op.machineId, ref);
    await ctx.client.startContainer(op.machineId, ref.id);
    await waitUntilUp(ctx.client, op.machineId, ctx.names.machineName(op.machineId), ref, op.spec, {
      pollMs: ctx.pollMs,
      onPhase: (p, detail) => ctx.phase(p, op.machineId, ref, detail),
    });
    return ref;
  } catch (err) {
    await ctx.client.stopContainer(op.machineId, ref.id, 1_000).catch(() => undefined);
    if (err instanceof ContainerFailedError) throw err;
    throw new ContainerFailedError(`start container ${ref.name} on ${ctx.names.machineName(op.machineId)}: ${messageOf(err)}`, op.machineId, ref);
  }
}

async function replaceContainer(op: ReplaceOperation, ctx: OperationContext): Promise<void> {
  const stopOld = async () => {
    ctx.phase('stopping', op.machineId, op.old);
    await ctx.client.stopContainer(op.machineId, op.old.id, graceOf(op));
  };
  if (op.order === 'start-first') {
    await runContainer(op, ctx);
    await stopOld();
  } else {
    await stopOld();
    try {
      await runContainer(op, ctx);
    } catch (err) {
      ctx.phase('restarting-old', op.machineId, op.old);
      await ctx.client.startContainer(op.machineId, op.old.id).catch((e) => {
        throw new Error(`${messageOf(err)}; and starting the old container ${op.old.name} again failed: ${messageOf(e)}`);
      });
      if (err instanceof ContainerFailedError) {
        throw new ContainerFailedError(`${err.message}; the old container ${op.old.name} was started again`, err.machineId, err.container, err.exitCode);
      }
      throw err;
    }
  }
  ctx.phase('removing', op.machineId, op.old);
  await ctx.client.removeContainer(op.machineId, op.old.id);
}

function graceOf(op: ReplaceOperation): number {
  return op.spec.stop_grace_period ?? DEFAULT_STOP_GRACE_MS;
}
