// The command line, and the composition root: it parses arguments, builds the Docker client (and
// the lock and the history it runs with), hands them to one command or to the interactive view,
// and returns an exit code. Nothing else builds a client.
//
// Start-up cost: `dockplan --version` and `--help` load commander and a handful of small modules;
// each command's module (and what it needs: yaml, the planner, chalk) is imported when that command
// runs, dockerode when a client is opened, and ink and react only for the interactive view.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Client } from '../execute/client.js';
import { messageOf } from '../execute/errors.js';
import type { FailureAction } from '../model/spec.js';
import { parseDuration } from '../model/units.js';
import { maskText, useSecretPolicy } from '../plan/secrets.js';
import { printable } from '../model/printable.js';
import { closest } from '../model/did-you-mean.js';
import type { RolloutOverrides } from '../plan/rollout.js';
import type { FileHistoryStore } from '../store/history-file.js';
import type { DeployFlags } from './commands/deploy.js';
import { grepOption, machineOption, sinceOption, tailOption } from './commands/logs-options.js';
import { EXIT } from './exit-codes.js';
import { Interrupted, leaveInterruptsToTheView } from './interrupt-notice.js';
import type { RunContext } from './run-plan.js';
import { UserError } from './user-error.js';

export { EXIT } from './exit-codes.js';

async function openClient(clusterFile: string | undefined): Promise<Client> {
  const { DockerClient } = await import('../cluster/docker-client.js');
  return DockerClient.open(clusterFile);
}

type Action = (ctx: RunContext & { client: Client }) => Promise<number>;

/** The deploy history on this machine ($XDG_STATE_HOME/dockplan), its records naming this cluster. */
async function openHistory(client: Client): Promise<FileHistoryStore> {
  const { FileHistoryStore } = await import('../store/history-file.js');
  return new FileHistoryStore({ cluster: client.describe() });
}

/** The cluster-wide deploy lock runs take through this client (execute/lock.ts). */
async function openLock(client: Client) {
  const { ClusterDeployLock } = await import('../execute/lock.js');
  return new ClusterDeployLock(client);
}

/**
 * dockplan's version: the `version` of the package.json of the dockplan package this module is part
 * of, found by walking up from this file (src/cli in the sources, dist/src/cli when built). Returns
 * `unknown` when there is none.
 */
function packageVersion(): string {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'dockplan' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No readable package.json here: look further up.
    }
    if (new URL('..', dir).href === dir.href) return 'unknown';
  }
}

const write = (line: string) => process.stdout.write(`${line}\n`);

const FILE_HELP = 'service spec or compose file (YAML); repeat -f to merge compose files; none: compose.yaml (or compose.yml, docker-compose.yaml, docker-compose.yml) here';

/** `-f a -f b`: every file, in order. */
function collectFiles(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A duration option (`2s`, `500ms`, `1m30s`) in ms. */
function durationOption(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration like 500ms, 2s, 1m or 1m30s');
  return ms;
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number of 1 or more');
  return Number(value);
}

function ratio(value: string): number {
  const n = Number(value);
  if (!/^\d*\.?\d+$/.test(value) || n > 1) throw new InvalidArgumentError('expected a fraction from 0 to 1, like 0.25');
  return n;
}

/** The rollout flags every mutating command (and plan) accepts; they beat the spec's update block. */
function withRolloutFlags(cmd: Command): Command {
  return cmd
    .option('--parallelism <n>', 'containers updated at once (update.parallelism)', positiveInteger)
    .option('--delay <duration>', 'wait between batches (update.delay)', durationOption)
    .option('--monitor <duration>', 'how long a new container must stay up and healthy (update.monitor)', durationOption)
    .addOption(new Option('--failure-action <action>', 'what a failed batch leads to (update.failure_action)').choices(['rollback', 'pause', 'continue']))
    .option('--max-failure-ratio <ratio>', 'failures tolerated before the failure action, 0..1 (update.max_failure_ratio)', ratio)
    .option('--canary', 'run the first batch on one machine, then wait to be promoted or rolled back');
}

interface RolloutFlagValues {
  parallelism?: number;
  delay?: number;
  monitor?: number;
  failureAction?: FailureAction;
  maxFailureRatio?: number;
  canary?: boolean;
}

function rolloutOf(o: RolloutFlagValues): RolloutOverrides {
  const r: RolloutOverrides = {};
  if (o.parallelism !== undefined) r.parallelism = o.parallelism;
  if (o.delay !== undefined) r.delayMs = o.delay;
  if (o.monitor !== undefined) r.monitorMs = o.monitor;
  if (o.failureAction !== undefined) r.failureAction = o.failureAction;
  if (o.maxFailureRatio !== undefined) r.maxFailureRatio = o.maxFailureRatio;
  if (o.canary) r.canary = true;
  return r;
}

/** The options of a mutating command: confirmation, lock, risk, plus the rollout flags. */
function withRunFlags(cmd: Command): Command {
  return withApplyFlags(withRolloutFlags(cmd));
}

/** Confirmation, lock and risk: what running any plan accepts (a saved plan's rollout is fixed). */
function withApplyFlags(cmd: Command): Command {
  return cmd
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .option('--allow-risky', 'with --yes: go ahead with a risky plan (privileged, the Docker socket, removing a service, ...)')
    .option('--lock-wait <duration>', 'wait this long for the service\'s deploy lock instead of refusing at once', durationOption)
    .option('-m, --message <text>', 'what this run is for, shown to whoever the lock refuses meanwhile')
    .option('--json', 'NDJSON: the plan, then one line per event');
}

type RunFlagValues = RolloutFlagValues & OutputFlagValues & { profile?: string[] } & { yes?: boolean; allowRisky?: boolean; lockWait?: number; message?: string; json?: boolean; recreate?: boolean; ignoreDown?: boolean };

/** The global output flags as every command receives them (see the preAction hook in runCli). */
interface OutputFlagValues {
  quiet?: boolean;
  colour?: boolean;
  showSecrets?: boolean;
}

function deployFlags(o: RunFlagValues): DeployFlags {
  return {
    yes: o.yes, json: o.json, quiet: o.quiet, colour: o.colour, showSecrets: o.showSecrets, allowRisky: o.allowRisky, recreate: o.recreate, ignoreDown: o.ignoreDown,
    rollout: rolloutOf(o),
    ...(o.lockWait !== undefined ? { lockWaitMs: o.lockWait } : {}),
    ...(o.message ? { message: o.message } : {}),
    ...(o.profile?.length ? { profiles: o.profile } : {}),
  };
}

export async function runCli(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command();
  const withClient = async (action: Action) => {
    const client = await openClient(program.opts<{ cluster?: string }>().cluster);
    try {
      exitCode = await action({ client, write, history: await openHistory(client), lock: await openLock(client) });
    } finally {
      await client.close();
    }
  };

  program
    .name('dockplan')
    .description('Plan and execute deployments of containerised services across a cluster of Docker hosts.')
    .version(packageVersion(), '-V, --version', 'print dockplan\'s version')
    .option('-c, --cluster <file>', 'cluster file (YAML); default $DOCKPLAN_CLUSTER, else the local Docker engine')
    .option('--readonly', 'interactive view only: every key that would change the cluster is off')
    .option('--compose <file>', 'interactive view only: a compose project to plan (P: all its services, d: one of them); repeat to merge files', collectFiles, [])
    .option('--no-color', 'no colours, in the commands and the view (as NO_COLOR=1); FORCE_COLOR=1 colours output that is not a terminal')
    .option('-q, --quiet', 'plan, deploy, scale, rm, apply, rollback: print only errors (on stderr) and the final one-line result')
    .option('--show-secrets', 'show secret values where they are masked by default: plans (text, JSON), history --json, the view')
    .showHelpAfterError('(run dockplan --help for usage)')
    // `dockplan help deploy` as `dockplan deploy --help`; the root's own action (the view) would
    // otherwise take `help` for an argument.
    .helpCommand('help [command]', 'show the help of a command')
    // Words the root does not know reach its action, which names them (see below), instead of
    // commander's "too many arguments".
    .allowExcessArguments(true)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program.command('machines').description('list the machines: up or down, engine version, containers')
    .option('--json', 'machine-readable output')
    .action((o) => withClient(async (ctx) => (await import('./commands/machines.js')).machinesCommand(ctx.client, o)));

  program.command('ls').description('list services and their containers on every machine')
    .option('--json', 'machine-readable output')
    .action((o) => withClient(async (ctx) => (await import('./commands/ls.js')).lsCommand(ctx.client, o)));

  program.command('logs').description('every replica\'s logs merged by time, each line prefixed with machine and container')
    .argument('<service>')
    .option('-f, --follow', 'keep following: new lines, containers that start meanwhile, machines going down and back (Ctrl-C ends)')
    .option('--machine <name>', 'only the containers on this machine (repeatable)', machineOption)
    .option('--since <when>', 'only lines since a duration ago (10m, 1h30m) or an RFC 3339 time', (v) => sinceOption(v))
    .option('--tail <n>', 'the last N lines of each container (or all)', tailOption)
    .option('--grep <regex>', 'only lines matching this regular expression', grepOption)
    .option('-t, --timestamps', 'show each line\'s time')
    .action((service, o) => withClient(async (ctx) => (await import('./commands/logs.js')).logsCommand(ctx.client, service, o)));

  withRolloutFlags(program.command('plan').description('show what deploying a spec (or a compose project) would change, without changing anything'))
    .argument('[services...]', 'compose services to plan (with what they depend on); all by default')
    .option('-f, --file <file>', FILE_HELP, collectFiles, [])
    .option('--profile <name>', 'compose: enable this profile too (repeatable; also COMPOSE_PROFILES)', collectFiles, [])
    .option('--recreate', 'replace every container even when up to date')
    .option('--ignore-down', 'create elsewhere what a machine that is down may hold (it then runs twice when that machine returns)')
    .option('--json', 'the plan as JSON')
    .option('-o, --output <file>', 'also save the plan to this file (mode 0600: it holds the spec) for dockplan apply')
    .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error')
    .action((services: string[], o) => withClient(async (ctx) => {
      const flags = { ...deployFlags(o), detailedExitcode: o.detailedExitcode, output: o.output };
      const { isComposeInput, planProjectCommand } = await import('./commands/project.js');
      if (await isComposeInput(o.file)) return planProjectCommand(ctx, o.file, services, flags);
      const { planCommand } = await import('./commands/deploy.js');
      if (services.length) throw new UserError(`plan: ${o.file[0]} is a service spec, not a compose file: it takes no service names (${services.join(' ')})`);
      return (await planCommand(ctx, o.file[0], flags)).code;
    }));

  withRunFlags(program.command('deploy').description('plan, confirm, and execute a spec (or a compose project)'))
    .argument('[services...]', 'compose services to deploy (with what they depend on); all by default')
    .option('-f, --file <file>', FILE_HELP, collectFiles, [])
    .option('--profile <name>', 'compose: enable this profile too (repeatable; also COMPOSE_PROFILES)', collectFiles, [])
    .option('--recreate', 'replace every container even when up to date')
    .option('--ignore-down', 'create elsewhere what a machine that is down may hold (it then runs twice when that machine returns)')
    .action((services: string[], o) => withClient(async (ctx) => {
      const { isComposeInput, deployProjectCommand } = await import('./commands/project.js');
      if (await isComposeInput(o.file)) return deployProjectCommand(ctx, o.file, services, deployFlags(o));
      const { deployCommand } = await import('./commands/deploy.js');
      if (services.length) throw new UserError(`deploy: ${o.file[0]} is a service spec, not a compose file: it takes no service names (${services.join(' ')})`);
      return deployCommand(ctx, o.file[0], deployFlags(o));
    }));

  withRunFlags(program.command('scale').description('change the number of replicas of a replicated service'))
    .argument('<service>').argument('<replicas>')
    .option('--ignore-down', 'create elsewhere what a machine that is down may hold (it then runs twice when that machine returns)')
    .action((service, replicas, o) => withClient(async (ctx) => (await import('./commands/deploy.js')).scaleCommand(ctx, service, replicas, deployFlags(o))));

  withRunFlags(program.command('rm').description('remove a service: its containers go, its named volumes stay'))
    .argument('<service>')
    .action((service, o) => withClient(async (ctx) => (await import('./commands/deploy.js')).rmCommand(ctx, service, deployFlags(o))));

  withApplyFlags(program.command('apply').description('run a plan saved by plan -o, as it was shown; refused (exit 4) when the cluster changed since'))
    .argument('<planfile>')
    .action((file, o) => withClient(async (ctx) => (await import('./commands/apply-file.js')).applyFileCommand(ctx, file, deployFlags(o))));

  withRunFlags(program.command('rollback').description('deploy an earlier deploy\'s spec again (its image pinned): the last successful one before what runs now, or --to'))
    .argument('<service>')
    .option('--to <deploy-id>', 'the deploy to go back to (see dockplan history SERVICE)')
    .action((service, o) => withClient(async (ctx) => (await import('./commands/rollback.js')).rollbackCommand(ctx, service, { ...deployFlags(o), to: o.to })));

  program.command('history').description('the deploys of a service recorded on this machine, newest first, marking what runs now')
    .argument('<service>')
    .option('--json', 'machine-readable output')
    .action((service, o) => withClient(async (ctx) => (await import('./commands/history.js')).historyCommand(ctx, service, o)));

  const lock = program.command('lock').description('the deploy lock of a service: who holds it, and releasing the lock of a run that crashed');
  lock.command('status').description('who holds the deploy lock (of SERVICE, or of every service), on which machines, since when')
    .argument('[service]')
    .option('--json', 'machine-readable output')
    .action((service, o) => withClient(async (ctx) => (await import('./commands/lock.js')).lockStatusCommand(ctx, service, o)));
  lock.command('release').description('remove the deploy lock of SERVICE on every machine that answers (for a run that crashed)')
    .argument('<service>')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .action((service, o) => withClient(async (ctx) => (await import('./commands/lock.js')).lockReleaseCommand(ctx, service, o)));

  // Colour and quiet are decided once, before any command or the view runs, and reach the command
  // as its own options (deployFlags reads them); chalk's level is set here, before Ink is loaded.
  program.hook('preAction', async (_program, command) => {
    const { applyViewColour, decideColour } = await import('../terminal/colour.js');
    const global = program.opts<{ color?: boolean; quiet?: boolean }>();
    const stdout = decideColour({ env: process.env, noColorFlag: global.color === false, stream: process.stdout });
    applyViewColour(stdout);
    command.setOptionValue('quiet', global.quiet === true);
    command.setOptionValue('showSecrets', program.opts<{ showSecrets?: boolean }>().showSecrets === true);
    command.setOptionValue('colour', stdout.hues && command.opts<{ json?: boolean }>().json !== true);
  });

  // What counts as secret is read once, from the configuration file, before anything is shown.
  program.hook('preAction', async () => {
    const { readConfig } = await import('../store/config-file.js');
    useSecretPolicy((await readConfig()).secrets);
  });

  program.action(async () => {
    const [word] = program.args;
    if (word !== undefined) {
      const commands = program.commands.map((c) => c.name());
      const near = closest(word, commands);
      throw new UserError(`unknown command '${word}'${near ? ` (did you mean ${near}?)` : ''}: the commands are ${commands.join(', ')}; dockplan with no command opens the interactive view`);
    }
    const o = program.opts<{ cluster?: string; readonly?: boolean; compose: string[]; showSecrets?: boolean }>();
    exitCode = await runInteractive(o.cluster, o.readonly === true, o.compose, o.showSecrets === true);
  });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT.error;
    if (err instanceof Interrupted) {
      process.stderr.write(`\ndockplan: ${err.message}\n`);
      return err.exitCode;
    }
    // A spec's own errors are shown as they are (their hints say KEY=VALUE); an engine's are masked.
    const message = err instanceof UserError ? messageOf(err) : maskText(messageOf(err));
    const { decideColour, paletteOf } = await import('../terminal/colour.js');
    const stderr = decideColour({ env: process.env, noColorFlag: program.opts<{ color?: boolean }>().color === false, stream: process.stderr });
    process.stderr.write(`${paletteOf(stderr.hues).bad('error:')} ${printable(message)}\n`);
    if (process.env.DOCKPLAN_DEBUG && err instanceof Error && !(err instanceof UserError)) process.stderr.write(`${maskText(err.stack ?? '')}\n`);
    return EXIT.error;
  }
}

async function runInteractive(clusterFile: string | undefined, readonly: boolean, projectFiles: string[], showSecrets: boolean): Promise<number> {
  if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
    process.stderr.write(
      'dockplan: the interactive view needs a terminal.\n' +
        'Without one, use the plain commands: dockplan machines | ls | plan -f SPEC | deploy -f SPEC --yes (see dockplan --help)\n',
    );
    return EXIT.noTerminal;
  }
  leaveInterruptsToTheView();
  // A CI variable in the environment makes Ink print only its last frame, for logs; here a person
  // is at a terminal, so the view must draw. Set before Ink is first loaded, which reads it once.
  if (process.env.CI !== undefined) process.env.CI = '0';
  // React's production build for the view (see src/tui/render-options.ts), chosen before any of
  // the view's modules loads: React and its reconciler must read the same NODE_ENV.
  process.env.NODE_ENV ??= 'production';
  // The view's modules (ink, react) load while the client's (dockerode) do: both before the first frame.
  const view = import('../tui/run-tui.js');
  // Awaited below; when opening the client fails first, that error is the one to show.
  view.catch(() => undefined);
  const client = await openClient(clusterFile);
  try {
    const { runTui } = await view;
    return await runTui(client, { readonly, showSecrets, deps: { history: await openHistory(client), lock: await openLock(client) }, ...(projectFiles.length ? { projectFiles } : {}) });
  } finally {
    await client.close();
  }
}
