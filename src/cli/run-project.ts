// The plain face of a project (compose) deployment: show the project plan, ask once for the whole
// project, apply it through the engine's project run, print each service's progress (every line
// of several services says whose it is), and return one exit code.
import { applyProject } from '../execute/project.js';
import { projectHasChanges, type ProjectPlan, type ProjectSection } from '../plan/project-plan.js';
import { confirmOrRefuse, confirmRisky } from './confirm.js';
import { EXIT, exitCodeOf } from './exit-codes.js';
import { projectRunOutput } from './progress.js';
import { decide, explain, Questions, supervise, type RunContext, type RunFlags } from './run-plan.js';

/**
 * Runs a project plan: shows it (text, or an NDJSON `plan` line with `--json`), asks once (naming
 * the project, its services and the cluster; a risky plan has the project name typed back), then
 * applies it and returns the exit code of the first service that did not finish (see exitCodeOf),
 * 0 when all did or nothing was to do. `origin` says where the plan came from, for the history.
 */
export async function runProjectPlanned(plan: ProjectPlan, ctx: RunContext, flags: RunFlags, origin: string): Promise<number> {
  const out = ctx.write;
  const output = projectRunOutput(plan, flags, out);
  output.showPlan();
  if (!projectHasChanges(plan)) return EXIT.ok;
  const risks = plan.sections.flatMap((s) => s.plan.risks.map((r) => `${s.key}: ${r.setting}: ${r.why}`));
  const changing = plan.sections.filter((s) => s.plan.operations.length > 0).map((s) => s.key);
  if (risks.length > 0) {
    if (!(await confirmRisky(plan.project, risks, flags, 'project'))) {
      out('the name did not match: nothing changed');
      return EXIT.error;
    }
  } else if (!(await confirmOrRefuse(`Deploy project ${plan.project} (${changing.join(', ')}) on ${ctx.client.describe()}?`, flags))) {
    out('nothing changed');
    return EXIT.error;
  }

  const questions = new Questions();
  /** The section whose events came last: the one a question is about. */
  let current: ProjectSection = plan.sections[0]!;
  const app = applyProject(plan, { client: ctx.client, ...(ctx.lock ? { lock: ctx.lock } : {}), ...(ctx.history ? { history: ctx.history } : {}) }, {
    approval: 'all',
    origin,
    runId: output.runId,
    ...(flags.lockWaitMs !== undefined ? { lockWaitMs: flags.lockWaitMs } : {}),
    ...(flags.message ? { message: flags.message } : {}),
    onEvent: (e) => {
      current = plan.sections.find((s) => s.key === e.service) ?? current;
      output.event(e);
      if (e.type === 'approval-requested') questions.push(e.request);
    },
  });
  const result = await supervise(app, questions, (request, signal) => decide(request, current.plan.serviceName, current.names, flags, signal));
  if (output.explains) {
    for (const s of result.services) {
      const section = plan.sections.find((x) => x.key === s.key)!;
      if (s.result) explain(s.result, { plan: section.plan, names: section.names }, out);
    }
  }
  output.finish(result);
  return exitCodeOf(result.outcome);
}
