// `dockplan apply plan.json [--yes]`: runs a plan saved by `plan -o`, exactly as it was shown,
// through the one apply entry point; refused (exit 4), saying what changed, when the cluster is no
// longer what the plan saw.
import { readSavedPlanSecrets } from '../../execute/saved-plan-secrets.js';
import { changesSincePlan, staleReason } from '../../execute/stale-plan.js';
import type { ServiceSpec } from '../../model/spec.js';
import { formatPlan, hasChanges } from '../../plan/plan.js';
import { readPlanFile, savedNames } from '../../store/plan-file.js';
import { EXIT } from '../exit-codes.js';
import { runPlanned, type RunContext, type RunFlags } from '../run-plan.js';
import { readSpecFile } from '../spec-file.js';
import { UserError } from '../user-error.js';

/**
 * Applies the plan in `file`. The plan prints from the file alone; when a person would be asked to
 * confirm it, the cluster is checked first, so that no one confirms a plan that cannot run. Throws a
 * PlanFileError for a file that is not a usable plan (unknown format or version, edited).
 */
export async function applyFileCommand(ctx: RunContext, file: string, flags: RunFlags): Promise<number> {
  const saved = await readPlanFile(file);
  const { plan } = saved;
  const names = savedNames(saved);
  if (!flags.json) {
    const here = ctx.client.describe();
    if (!flags.quiet) ctx.write(`plan saved at ${saved.createdAt} on ${saved.cluster}${saved.cluster === here ? '' : ` (now on ${here})`}`);
    if (!flags.yes && hasChanges(plan)) {
      const changes = await changesSincePlan(ctx.client, plan);
      if (changes.length > 0) {
        if (!flags.quiet) ctx.write(formatPlan(plan, names));
        ctx.write(`refused: ${staleReason(plan, changes)}`);
        return EXIT.stale;
      }
    }
  }
  // The plan keeps its secrets as hashes: their values are read again (from the spec file it was
  // made from, and from what the service's containers run), each taken only if its hash is the planned one.
  let specProblem: string | undefined;
  const spec = saved.specFile ? await readSpecFile(saved.specFile).catch((err: Error): ServiceSpec | undefined => {
    specProblem = err.message.split('\n')[0];
    return undefined;
  }) : undefined;
  const missing = await readSavedPlanSecrets(ctx.client, plan, { ...(saved.secretKey ? { secretKey: saved.secretKey } : {}), ...(spec ? { spec } : {}) });
  if (missing.length > 0 && (await changesSincePlan(ctx.client, plan)).length === 0) {
    const why = !saved.specFile ? 'the plan names no spec file to read it from'
      : specProblem ?? `${saved.specFile} holds another value now`;
    throw new UserError(`cannot apply ${file}: plan files keep only a hash of each secret, and the value of ${missing.join(', ')} cannot be read again (${why}; no container of ${plan.serviceName} runs it): plan again (dockplan plan -f SPEC -o ${file})`);
  }
  return runPlanned({ plan, names }, ctx, flags, `apply ${file}`);
}
