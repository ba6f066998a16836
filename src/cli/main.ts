// The command line: parses arguments, opens the cluster, runs one command, returns an exit code.
import { Command, CommanderError } from 'commander';
import type { Client } from '../execute/client.js';
import { messageOf } from '../execute/errors.js';
import { deployCommand, planCommand, rmCommand, scaleCommand } from './commands/apply.js';
import { lsCommand } from './commands/ls.js';
import { machinesCommand } from './commands/machines.js';
import { UserError } from './user-error.js';

export const EXIT = { ok: 0, error: 1, changes: 2, noTerminal: 2 } as const;

async function openClient(clusterFile: string | undefined): Promise<Client> {
  const { DockerClient } = await import('../cluster/docker-client.js');
  return DockerClient.open(clusterFile);
}

type Action = (client: Client) => Promise<number>;

export async function runCli(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command();
  const withClient = async (action: Action) => {
    const client = await openClient(program.opts<{ cluster?: string }>().cluster);
    try {
      exitCode = await action(client);
    } finally {
      await client.close();
    }
  };

  program
    .name('dockplan')
    .description('Plan and execute deployments of containerised services across a cluster of Docker hosts.')
    .option('-c, --cluster <file>', 'cluster file (YAML); default $DOCKPLAN_CLUSTER, else the local Docker engine')
    .option('--readonly', 'interactive view only: every key that would change the cluster is off')
    .showHelpAfterError('(run dockplan --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program.command('machines').description('list the machines: up or down, engine version, containers')
    .option('--json', 'machine-readable output')
    .action((o) => withClient((c) => machinesCommand(c, o)));

  program.command('ls').description('list services and their containers on every machine')
    .option('--json', 'machine-readable output')
    .action((o) => withClient((c) => lsCommand(c, o)));

  program.command('plan').description('show what deploying a spec would change, without changing anything')
    .requiredOption('-f, --file <spec>', 'service spec file (YAML)')
    .option('--recreate', 'replace every container even when up to date')
    .option('--json', 'the plan as JSON')
    .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error')
    .option('--ignore-down', 'create elsewhere what a machine that is down may hold (it then runs twice when that machine returns)')
    .action((o) => withClient((c) => planCommand(c, o.file, o)));

  program.command('deploy').description('plan, confirm, and execute a spec')
    .requiredOption('-f, --file <spec>', 'service spec file (YAML)')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .option('--recreate', 'replace every container even when up to date')
    .option('--ignore-down', 'create elsewhere what a machine that is down may hold (it then runs twice when that machine returns)')
    .option('--json', 'NDJSON: the plan, then one line per event')
    .action((o) => withClient((c) => deployCommand(c, o.file, o)));

  program.command('scale').description('change the number of replicas of a replicated service')
    .argument('<service>').argument('<replicas>')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--ignore-down', 'create elsewhere what a machine that is down may hold (it then runs twice when that machine returns)')
    .option('--json', 'NDJSON: the plan, then one line per event')
    .action((service, replicas, o) => withClient((c) => scaleCommand(c, service, replicas, o)));

  program.command('rm').description('remove a service: its containers go, its named volumes stay')
    .argument('<service>')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'NDJSON: the plan, then one line per event')
    .action((service, o) => withClient((c) => rmCommand(c, service, o)));

  program.action(async () => {
    const o = program.opts<{ cluster?: string; readonly?: boolean }>();
    exitCode = await runInteractive(o.cluster, o.readonly === true);
  });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT.error;
    process.stderr.write(`error: ${messageOf(err)}\n`);
    if (process.env.DOCKPLAN_DEBUG && err instanceof Error && !(err instanceof UserError)) process.stderr.write(`${err.stack}\n`);
    return EXIT.error;
  }
}

async function runInteractive(clusterFile: string | undefined, readonly: boolean): Promise<number> {
  if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
    process.stderr.write(
      'dockplan: the interactive view needs a terminal.\n' +
        'Without one, use the plain commands: dockplan machines | ls | plan -f SPEC | deploy -f SPEC --yes (see dockplan --help)\n',
    );
    return EXIT.noTerminal;
  }
  // A CI variable in the environment makes Ink print only its last frame, for logs; here a person
  // is at a terminal, so the view must draw. Set before Ink is first loaded, which reads it once.
  if (process.env.CI !== undefined) process.env.CI = '0';
  const { runTui } = await import('../tui/run-tui.js');
  return runTui(clusterFile, { readonly });
}
