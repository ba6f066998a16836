// `dockplan rollback SERVICE [--to DEPLOY_ID]`: plans a deployment of an earlier deploy's spec (from
// the history on this machine; its image pin kept) and runs it like any other plan.
import type { DeploymentClient } from '../../execute/deployment.js';
import { observeService } from '../../execute/observe.js';
import { rollbackOrigin, rollbackSpec, rollbackTarget, secretsGoneError } from '../../execute/rollback.js';
import { SecretValueUnknownError } from '../../plan/secret-seal.js';
import { OUTCOME_WORDS } from '../../execute/run-text.js';
import { currentSpecOf } from '../../plan/current-spec.js';
import type { RunContext } from '../run-plan.js';
import { UserError } from '../user-error.js';
import { deploySpec, type DeployFlags } from './deploy.js';
import { shortTime } from './history.js';

/** Rolls `name` back (see the file comment); the exit code is runPlanned's. Throws a UserError or RollbackError saying why it cannot. */
export async function rollbackCommand(ctx: RunContext & { client: DeploymentClient }, name: string, flags: DeployFlags & { to?: string }): Promise<number> {
  if (!ctx.history) throw new UserError('no deploy history is kept here, so there is nothing to roll back to');
  const [records, { state, service }] = await Promise.all([ctx.history.list(name), observeService(ctx.client, name)]);
  const target = rollbackTarget(records, name, service, flags.to);
  const spec = rollbackSpec(target, service ? currentSpecOf(service, state) : undefined, service?.containers ?? []);
  if (!flags.json && !flags.quiet) {
    ctx.write(`rolling ${name} back to ${target.deployId} (${target.origin ?? 'origin not recorded'}, by ${target.who} at ${shortTime(target.startedAt)}; image ${target.spec.image_ref ?? target.spec.image})`);
    if (target.outcome !== 'done') ctx.write(`note: that deploy ended ${OUTCOME_WORDS[target.outcome] ?? target.outcome}`);
  }
  try {
    return await deploySpec(ctx, spec, flags, rollbackOrigin(target.deployId));
  } catch (err) {
    // A container that ran the value went away between the check and the plan.
    if (err instanceof SecretValueUnknownError) throw secretsGoneError(target.deployId, name, err.paths);
    throw err;
  }
}
