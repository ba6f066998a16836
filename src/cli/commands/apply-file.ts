// `dockplan apply plan.json [--yes]`: runs a plan saved by `plan -o`, exactly as it was shown,
// through the one apply entry point; refused (exit 4), saying what changed, when the cluster is no
// longer what the plan saw.
import { changesSincePlan, staleReason } from '../../execute/stale-plan.js';
import { formatPlan, hasChanges } from '../../plan/plan.js';
import { readPlanFile, savedNames } from '../../store/plan-file.js';
import { EXIT } from '../exit-codes.js';
import { runPlanned, type RunContext, type RunFlags } from '../run-plan.js';

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
  return runPlanned({ plan, names }, ctx, flags, `apply ${file}`);
}
