// plan / deploy of a compose project: read the compose file(s) into a project, plan every service
// (or the ones named, with what they depend on), show it, and run it through the project run.
import { readFile } from 'node:fs/promises';
import { ComposeError, isComposeFile, loadComposeProject, type ComposeProject } from '../../compose/project.js';
import type { DeploymentClient } from '../../execute/deployment.js';
import { planProject, projectInputOf } from '../../execute/project.js';
import { fileProblem } from '../../model/file-problem.js';
import { projectHasChanges, type ProjectPlan } from '../../plan/project-plan.js';
import { projectPlanOutput } from '../progress.js';
import { runProjectPlanned } from '../run-project.js';
import type { RunContext } from '../run-plan.js';
import { UserError } from '../user-error.js';
import type { DeployFlags, PlanFlags } from './deploy.js';

/**
 * Whether `files` (the -f values, in order) are a compose project rather than one dockplan spec:
 * no file (the compose file of the current folder is looked for), several files (compose merges
 * them), or one whose text is a compose file. Throws a UserError when a file cannot be read.
 */
export async function isComposeInput(files: readonly string[]): Promise<boolean> {
  if (files.length !== 1) return true;
  const file = files[0]!;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read spec file ${file}: ${fileProblem(err)}`);
  }
  return isComposeFile(file, text);
}

/** The compose project of `files` with `profiles` enabled, limited to `services` (and what they depend on); its problems as one UserError. */
export function readProject(files: readonly string[], services: readonly string[], profiles: readonly string[] = []): ComposeProject {
  try {
    return loadComposeProject({ files: [...files], cwd: process.cwd(), env: process.env, ...(services.length ? { services: [...services] } : {}), ...(profiles.length ? { profiles: [...profiles] } : {}) });
  } catch (err) {
    if (err instanceof ComposeError) throw new UserError(err.message);
    throw err;
  }
}

/** Plans every service of the project; a service that cannot be planned is a UserError naming it. */
async function projectPlanOf(client: DeploymentClient, project: ComposeProject, flags: PlanFlags): Promise<ProjectPlan> {
  return planProject(client, projectInputOf(project), { forceRecreate: flags.recreate, ignoreDown: flags.ignoreDown, ...(flags.rollout ? { rollout: flags.rollout } : {}) });
}

/** `plan -f compose.yaml [SERVICE...]`: the project plan as text or JSON; with --detailed-exitcode, 2 when it changes anything. */
export async function planProjectCommand(ctx: RunContext & { client: DeploymentClient }, files: readonly string[], services: readonly string[], flags: PlanFlags): Promise<number> {
  if (flags.output) throw new UserError('plan -o saves the plan of one service; a compose project is planned and deployed with deploy -f');
  const plan = await projectPlanOf(ctx.client, readProject(files, services, flags.profiles), flags);
  ctx.write(projectPlanOutput(plan, flags));
  return flags.detailedExitcode && projectHasChanges(plan) ? 2 : 0;
}

/** `deploy -f compose.yaml [SERVICE...]`. */
export async function deployProjectCommand(ctx: RunContext & { client: DeploymentClient }, files: readonly string[], services: readonly string[], flags: DeployFlags): Promise<number> {
  const plan = await projectPlanOf(ctx.client, readProject(files, services, flags.profiles), flags);
  return runProjectPlanned(plan, ctx, flags, `deploy ${files.map((f) => `-f ${f}`).join(' ')}${services.length ? ` ${services.join(' ')}` : ''}`);
}
