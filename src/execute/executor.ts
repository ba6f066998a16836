// Runs the very Plan that was shown: one top-level operation at a time, asking the approval hook
// before each, emitting events throughout, stopping at the first failure.
import type { NameResolver } from '../plan/operations.js';
import type { Plan } from '../plan/plan.js';
import type { Client } from './client.js';
import { ContainerFailedError, messageOf } from './errors.js';
import type { DeployEvent, ExecutionHooks, ExecutionResult, FailureDetail } from './events.js';
import { executeOperation } from './run-operation.js';

export interface ExecuteOptions extends ExecutionHooks {
  names: NameResolver;
  /** How many log lines of a failed container to attach. */
  logLines?: number;
  pollMs?: number;
  random?: () => number;
}

export async function executePlan(plan: Plan, client: Client, opts: ExecuteOptions): Promise<ExecutionResult> {
  const emit = (e: DeployEvent) => opts.onEvent?.(e);
  const total = plan.operations.length;
  const finish = (result: ExecutionResult) => {
    emit({ type: 'finished', ok: result.ok, completed: result.completed, total });
    return result;
  };
  for (let index = 0; index < total; index++) {
    const operation = plan.operations[index];
    if (opts.approve && (await opts.approve({ index, operation, total })) === 'stop') {
      emit({ type: 'stopped', index, reason: 'stopped before this operation' });
      return finish({ ok: false, completed: index, total, stoppedAt: index });
    }
    emit({ type: 'operation-started', index, operation });
    const started = Date.now();
    try {
      await executeOperation(operation, {
        client,
        names: opts.names,
        pollMs: opts.pollMs,
        random: opts.random,
        phase: (phase, machineId, container, detail) => emit({ type: 'phase', index, phase, machineId, container, detail }),
      });
      emit({ type: 'operation-done', index, elapsedMs: Date.now() - started });
    } catch (err) {
      const failure = await describeFailure(err, client, opts.logLines ?? 20);
      emit({ type: 'operation-failed', index, elapsedMs: Date.now() - started, failure });
      return finish({ ok: false, completed: index, total, failure: { ...failure, index } });
    }
  }
  return finish({ ok: true, completed: total, total });
}

async function describeFailure(err: unknown, client: Client, logLines: number): Promise<FailureDetail> {
  if (!(err instanceof ContainerFailedError)) return { message: messageOf(err) };
  const logs = await client.containerLogs(err.machineId, err.container.id, logLines).catch((e) => `(logs unavailable: ${messageOf(e)})`);
  return { message: err.message, machineId: err.machineId, container: err.container, logs };
}
