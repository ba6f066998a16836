// `dockplan rollback SERVICE [--to DEPLOY_ID]`: plans a deployment of an earlier deploy's spec (from
// the history on this machine; its image pin kept) and runs it like any other plan.
import type { DeploymentClient } from '../../execute/deployment.js';
import { observeService } from '../../execute/observe.js';
import { RollbackError, rollbackOrigin, rollbackSpec, rollbackTarget } from '../../execute/rollback.js';
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
  const spec = rollbackSpec(target, service ? currentSpecOf(service, state) : undefined);
  if (!flags.json && !flags.quiet) {
    ctx.write(`rolling ${name} back to ${target.deployId} (${target.origin ?? 'origin not recorded'}, by ${target.who} at ${shortTime(target.startedAt)}; image ${target.spec.image_ref ?? target.spec.image})`);
    if (target.outcome !== 'done') ctx.write(`note: that deploy ended ${OUTCOME_WORDS[target.outcome] ?? target.outcome}`);
  }
  try {
    return await deploySpec(ctx, spec, flags, rollbackOrigin(target.deployId));
  } catch (err) {
    if (!(err instanceof SecretValueUnknownError)) throw err;
    // The history keeps hashes: the old value comes back only while a container still runs it.
    throw new RollbackError(
      `cannot roll back to ${target.deployId}: the history keeps only a hash of each secret, and no container of ${name} runs the value of ${err.paths.join(', ')} that deploy had any more. ` +
        'Deploy that version from its spec file instead (dockplan deploy -f SPEC)',
    );
  }
}
