// Cold start of the built binary (dist/bin/dockplan.js), each run a new process: `dockplan --version`,
// `dockplan --help`, `dockplan plan --json` of a small spec against the test cluster, and the
// interactive view in a pseudo-terminal (until its first frame, and until the frame that shows the
// cluster's machines), against `node -e 0` started the same way in the same rounds. Also what each
// heavy import costs on its own (a process that imports only it, against the same baseline), and
// which modules each command loads (ink, react and dockerode must stay out of --version and --help).
//
// `npm run bench [-- --quick] cold-start`, or by hand under the cluster tests' lock:
//   flock /tmp/dockplan-cluster-tests.lock node --expose-gc --import tsx test/bench/cold-start.bench.ts [--quick]
// Builds first when dist/ is older than a source file. `--bin FILE` times another build of the
// binary (e.g. one of an earlier commit) and leaves dist/ alone. Plans only: the cluster is not changed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_DIR, clusterFile, skipReason } from '../cluster/harness.js';
import { benchOptions, machineLine, median, ms, publishSection, ratio } from './report.js';

const options = benchOptions();
/** Rounds of the command cases (each round runs every case once, in turn) and of the import cases. */
const ROUNDS = options.quick ? 1 : 5;
const IMPORT_ROUNDS = options.quick ? 1 : 3;
/** The view's frames must come within this; a view that never draws fails the benchmark. */
const VIEW_TIMEOUT_MS = 30_000;
/** The pseudo-terminal's size: what a person's terminal might be. */
const COLUMNS = 100;
const ROWS = 30;

const binArg = process.argv.indexOf('--bin');
const BIN = binArg > 0 && process.argv[binArg + 1] ? process.argv[binArg + 1]! : join(PROJECT_DIR, 'dist', 'bin', 'dockplan.js');
/** The dist/ folder of the binary timed: the build's own modules are found there. */
const DIST = dirname(dirname(BIN));

/** The newest modification time (ms) of the files under `dir` whose names end in one of `ends`. */
function newest(dir: string, ends: readonly string[]): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !ends.some((e) => entry.name.endsWith(e))) continue;
    latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/** Runs `npm run build` when the binary is missing or older than a source file of src/ or bin/ (or tsconfig.json, package.json). */
function buildIfStale(): void {
  let built = 0;
  try {
    built = statSync(BIN).mtimeMs;
  } catch {
    // No build yet.
  }
  const sources = Math.max(
    newest(join(PROJECT_DIR, 'src'), ['.ts', '.tsx']),
    newest(join(PROJECT_DIR, 'bin'), ['.ts']),
    statSync(join(PROJECT_DIR, 'tsconfig.json')).mtimeMs,
    statSync(join(PROJECT_DIR, 'package.json')).mtimeMs,
  );
  if (built >= sources) return;
  console.log('dist/ is older than the sources: npm run build');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: PROJECT_DIR, stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status ?? build.signal}): the benchmark times the built binary`);
}

/** One finished process: its wall time from spawn to exit (ms), exit code and output. */
interface Run {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node ARGS` to its end, timed from spawn to exit; throws when it exits non-zero. */
function timedNode(args: readonly string[], env: NodeJS.ProcessEnv = {}): Run {
  const t0 = performance.now();
  const run = spawnSync(process.execPath, args, { cwd: PROJECT_DIR, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const elapsed = performance.now() - t0;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status ?? run.signal}: ${run.stderr.trim() || run.stdout.trim()}`);
  return { ms: elapsed, code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Terminal output as text: escape sequences (CSI, OSC, two-byte ESC) and carriage returns removed. */
function screenText(raw: string): string {
  return raw
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '')
    .replace(/\x1b[@-Z\\-_]/g, '')
    .replace(/\r/g, '');
}

/** What a run in the pseudo-terminal saw: when the first text appeared and when `ready` matched (ms from spawn). */
interface PtyRun {
  firstText: number;
  ready: number;
}

/**
 * Runs `command` (a shell command line) in a new pseudo-terminal of COLUMNS x ROWS (util-linux
 * `script`), timing from spawn to the first visible text on it and to the moment its text matches
 * `ready`; then types `quit` (when given) and waits for the exit, which must be 0. Everything is
 * timed from output events; a run that does not get there within VIEW_TIMEOUT_MS is killed and throws
 * with the screen text so far.
 */
function timedPty(command: string, ready: RegExp, quit: string | undefined, env: NodeJS.ProcessEnv = {}): Promise<PtyRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('script', ['-qfec', `stty cols ${COLUMNS} rows ${ROWS} && exec ${command}`, '/dev/null'], {
      cwd: PROJECT_DIR,
      env: { ...process.env, TERM: 'xterm-256color', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let raw = '';
    let firstText: number | undefined;
    let readyAt: number | undefined;
    let failure: Error | undefined;
    const timer = setTimeout(() => {
      failure = new Error(`${command}: no ${ready} on the terminal within ${VIEW_TIMEOUT_MS} ms; it showed:\n${screenText(raw).slice(-2000)}`);
      child.kill('SIGKILL');
    }, VIEW_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      const at = performance.now() - t0;
      raw += chunk.toString('utf8');
      if (readyAt !== undefined) return;
      const text = screenText(raw);
      if (firstText === undefined && /\S/.test(text)) firstText = at;
      if (ready.test(text)) {
        readyAt = at;
        if (quit !== undefined) child.stdin.write(quit);
      }
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not start script (util-linux) for a pseudo-terminal: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      child.stdin.destroy();
      if (failure) return reject(failure);
      if (firstText === undefined || readyAt === undefined) return reject(new Error(`${command} ended (exit ${code ?? signal}) before showing ${ready}; it showed:\n${screenText(raw).slice(-2000)}${stderr}`));
      if (code !== 0) return reject(new Error(`${command} exited ${code ?? signal} after quitting; it showed:\n${screenText(raw).slice(-2000)}${stderr}`));
      resolve({ firstText, ready: readyAt });
    });
  });
}

/** The modules a run loaded: the build's own (files under dist/) and the packages (by name). */
interface Loaded {
  own: number;
  packages: string[];
}

/**
 * A loader (registered with --import) that records every module a process loads into the file
 * named by $DOCKPLAN_BENCH_LOADED: ES modules as the load hook sees them, CommonJS ones from
 * require's cache when the process exits.
 */
function writeLoaderFiles(dir: string): string {
  const hooks = join(dir, 'loaded-hooks.mjs');
  writeFileSync(hooks, [
    "import { appendFileSync } from 'node:fs';",
    'export async function load(url, context, next) {',
    "  if (url.startsWith('file:')) appendFileSync(process.env.DOCKPLAN_BENCH_LOADED, url + '\\n');",
    '  return next(url, context);',
    '}',
  ].join('\n'));
  const register = join(dir, 'loaded-register.mjs');
  writeFileSync(register, [
    "import { appendFileSync } from 'node:fs';",
    "import { createRequire, register } from 'node:module';",
    "import { pathToFileURL } from 'node:url';",
    `register(${JSON.stringify(pathToFileURL(hooks).href)});`,
    'const cache = createRequire(import.meta.url).cache;',
    "process.on('exit', () => appendFileSync(process.env.DOCKPLAN_BENCH_LOADED, Object.keys(cache).map((f) => pathToFileURL(f).href + '\\n').join('')));",
  ].join('\n'));
  return register;
}

/** Runs the binary once with the loader and sorts out what it loaded. */
function loadedBy(register: string, dir: string, args: readonly string[], env: NodeJS.ProcessEnv): Loaded {
  const list = join(dir, `loaded-${args[0]!.replace(/\W/g, '')}.txt`);
  writeFileSync(list, '');
  timedNode(['--import', pathToFileURL(register).href, BIN, ...args], { ...env, DOCKPLAN_BENCH_LOADED: list });
  const files = new Set(readFileSync(list, 'utf8').split('\n').filter(Boolean));
  const distUrl = pathToFileURL(DIST).href + '/';
  const packages = new Set<string>();
  let own = 0;
  for (const url of files) {
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
    if (pkg) packages.add(pkg);
    else if (url.startsWith(distUrl)) own++;
  }
  return { own, packages: [...packages].sort() };
}

/** es-toolkit/compat's ES module entry as ink resolves it: ink's own copy, else the hoisted one. */
function inkCompat(): string {
  const [own, hoisted] = [join(PROJECT_DIR, 'node_modules', 'ink', 'node_modules'), join(PROJECT_DIR, 'node_modules')].map((base) => join(base, 'es-toolkit', 'dist', 'compat', 'index.mjs'));
  return pathToFileURL(existsSync(own!) ? own! : hoisted!).href;
}

/** The heavy imports, each timed alone in a process of its own: what it adds to a start. */
const IMPORTS: Array<{ label: string; specifier: () => string; why: string }> = [
  { label: 'commander', specifier: () => 'commander', why: 'the command line (every start)' },
  { label: 'string-width', specifier: () => 'string-width', why: 'display widths (the commands\' output; every start outside a UTF-8 locale)' },
  { label: 'chalk', specifier: () => 'chalk', why: 'colours (every command)' },
  { label: 'yaml', specifier: () => 'yaml', why: 'spec, compose and config files (every command)' },
  { label: 'dockerode', specifier: () => 'dockerode', why: 'the engine client (commands that reach the cluster)' },
  { label: 'react', specifier: () => 'react', why: 'the view' },
  { label: 'ink', specifier: () => 'ink', why: 'the view (with react and yoga)' },
  { label: 'es-toolkit/compat', specifier: inkCompat, why: 'ink imports its throttle from here, which loads all of es-toolkit/compat' },
  { label: 'dist/src/cli/main.js', specifier: () => pathToFileURL(join(DIST, 'src', 'cli', 'main.js')).href, why: 'the command line as every start builds it' },
  { label: 'dist/src/cli/commands/deploy.js', specifier: () => pathToFileURL(join(DIST, 'src', 'cli', 'commands', 'deploy.js')).href, why: 'plan and deploy: spec reading, planner, output' },
  { label: 'dist/src/cluster/docker-client.js', specifier: () => pathToFileURL(join(DIST, 'src', 'cluster', 'docker-client.js')).href, why: 'the Docker client (dockerode, ssh, TLS)' },
  { label: 'dist/src/tui/run-tui.js', specifier: () => pathToFileURL(join(DIST, 'src', 'tui', 'run-tui.js')).href, why: 'the interactive view' },
];

/** A small replicated service that no test deploys: plan shows it as new, and nothing is changed. */
function smallSpec(name: string): string {
  return [`name: ${name}`, 'image: local/busybox:1', 'replicas: 2', 'command: ["sleep", "3600"]', 'init: true', ''].join('\n');
}

async function main(): Promise<void> {
  const reason = skipReason();
  if (reason !== undefined) {
    console.log(`cold-start bench skipped: ${reason}`);
    return;
  }
  const started = performance.now();
  if (binArg < 0) buildIfStale();
  const dir = mkdtempSync(join(tmpdir(), 'dpb-cold-'));
  try {
    const cluster = clusterFile();
    // A UTF-8 locale, as a person's terminal has (outside one, every start also loads the ASCII conversion).
    const locale = { LANG: 'C.UTF-8', LC_ALL: '', LC_CTYPE: '' };
    const env = { ...locale, DOCKPLAN_CLUSTER: cluster, NO_COLOR: '1' };
    const service = `dpbench-cold-${process.pid}`;
    const spec = join(dir, `${service}.yaml`);
    writeFileSync(spec, smallSpec(service));
    const version = (JSON.parse(readFileSync(join(PROJECT_DIR, 'package.json'), 'utf8')) as { version: string }).version;
    const machineCount = (readFileSync(cluster, 'utf8').match(/^\s*-\s*name:/gm) ?? []).length;
    const clusterShown = new RegExp(`MACHINES\\s*\\(${machineCount} of ${machineCount} up\\)`);

    // What each command loads (one untimed run each, with the loader).
    const register = writeLoaderFiles(dir);
    const loaded = {
      version: loadedBy(register, dir, ['--version'], env),
      help: loadedBy(register, dir, ['--help'], env),
      plan: loadedBy(register, dir, ['plan', '--json', '-f', spec], env),
    };
    for (const [command, what] of [['--version', loaded.version], ['--help', loaded.help]] as const) {
      const heavy = what.packages.filter((p) => ['ink', 'react', 'dockerode', 'yaml', '@grpc/grpc-js'].includes(p));
      if (heavy.length) throw new Error(`dockplan ${command} loads ${heavy.join(', ')}: they belong to the commands that need them`);
    }
    const viewOnly = loaded.plan.packages.filter((p) => ['ink', 'react'].includes(p));
    if (viewOnly.length) throw new Error(`dockplan plan --json loads ${viewOnly.join(', ')}: they belong to the interactive view`);
    if (!loaded.plan.packages.includes('dockerode')) throw new Error('dockplan plan --json did not load dockerode: the loader missed what it loads');

    // The commands, every case once per round, in turn, so that the machine's other load weighs on all alike.
    const samples: Record<'base' | 'version' | 'help' | 'plan' | 'ptyBase' | 'firstFrame' | 'clusterFrame', number[]> = {
      base: [], version: [], help: [], plan: [], ptyBase: [], firstFrame: [], clusterFrame: [],
    };
    for (let round = 0; round < ROUNDS; round++) {
      samples.base.push(timedNode(['-e', '0']).ms);
      const v = timedNode([BIN, '--version'], env);
      if (v.stdout.trim() !== version) throw new Error(`dockplan --version printed ${JSON.stringify(v.stdout)}, not package.json's ${version}`);
      samples.version.push(v.ms);
      const h = timedNode([BIN, '--help'], env);
      if (!/Usage: dockplan/.test(h.stdout) || !/\bplan\b/.test(h.stdout)) throw new Error(`dockplan --help printed no usage:\n${h.stdout}`);
      samples.help.push(h.ms);
      const p = timedNode([BIN, 'plan', '--json', '-f', spec], env);
      const plan = JSON.parse(p.stdout) as { schema?: string; service?: { name?: string }; action?: string };
      if (plan.schema !== 'dockplan.plan/v1' || plan.service?.name !== service || plan.action !== 'create') {
        throw new Error(`dockplan plan --json of ${service} gave no plan creating it:\n${p.stdout.slice(0, 500)}`);
      }
      samples.plan.push(p.ms);
      const pty = await timedPty(`${JSON.stringify(process.execPath)} -e "process.stdout.write('ready')"`, /ready/, undefined);
      samples.ptyBase.push(pty.ready);
      const view = await timedPty(`${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}`, clusterShown, 'q', { ...locale, DOCKPLAN_CLUSTER: cluster });
      samples.firstFrame.push(view.firstText);
      samples.clusterFrame.push(view.ready);
    }

    // Each import alone, against `node -e 0` in the same rounds.
    const importSamples = new Map<string, number[]>(IMPORTS.map((i) => [i.label, []]));
    const importBase: number[] = [];
    const importList = options.quick ? IMPORTS.filter((i) => ['commander', 'dist/src/cli/main.js'].includes(i.label)) : IMPORTS;
    for (let round = 0; round < IMPORT_ROUNDS; round++) {
      importBase.push(timedNode(['-e', '0']).ms);
      for (const i of importList) importSamples.get(i.label)!.push(timedNode(['--input-type=module', '-e', `await import(${JSON.stringify(i.specifier())})`]).ms);
    }

    const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<keyof typeof samples, number>;
    const baseImports = median(importBase);
    const over = (value: number, base: number) => `+${ms(Math.max(0, value - base))}`;
    const packagesText = (l: Loaded) => (l.packages.length ? l.packages.map((p) => `\`${p}\``).join(', ') : 'none');
    const binShown = binArg > 0 ? `\`${BIN}\`` : '`dist/bin/dockplan.js`';

    const lines = [
      '## Cold start',
      '',
      `Generated by \`npm run bench\` (test/bench/cold-start.bench.ts). Every run is a new process of the`,
      `built binary (${binShown}), timed from spawn to exit: \`dockplan --version\`, \`dockplan --help\`, and`,
      '`dockplan plan --json -f SPEC` (SPEC: a new service of 2 busybox replicas; nothing is changed) against the',
      `test cluster (${machineCount} machines, local Docker engine sockets), in a UTF-8 locale. The view runs in a new ${COLUMNS}×${ROWS}`,
      'pseudo-terminal (util-linux `script`), timed from spawn to its first visible text (the first frame)',
      `and to the frame listing the machines (\`MACHINES (${machineCount} of ${machineCount} up)\`: the cluster's state loaded and drawn),`,
      'from the terminal\'s output as it arrives; then `q` quits it. The baseline is `node -e 0` started the',
      'same way, and for the view `node` writing one word into the same kind of pseudo-terminal. Each case',
      `ran once per round, in turn, ${ROUNDS} rounds; medians.`,
      '',
      '| run | median | vs its baseline | over the baseline |',
      '|---|---|---|---|',
      `| \`node -e 0\` (baseline) | ${ms(m.base)} | 1.00× | — |`,
      `| \`dockplan --version\` | ${ms(m.version)} | ${ratio(m.version, m.base)} | ${over(m.version, m.base)} |`,
      `| \`dockplan --help\` | ${ms(m.help)} | ${ratio(m.help, m.base)} | ${over(m.help, m.base)} |`,
      `| \`dockplan plan --json\` (small spec, ${machineCount} machines) | ${ms(m.plan)} | ${ratio(m.plan, m.base)} | ${over(m.plan, m.base)} |`,
      `| \`node\` writing a word in a pseudo-terminal (view baseline) | ${ms(m.ptyBase)} | 1.00× | — |`,
      `| the view: first frame | ${ms(m.firstFrame)} | ${ratio(m.firstFrame, m.ptyBase)} | ${over(m.firstFrame, m.ptyBase)} |`,
      `| the view: the machines listed | ${ms(m.clusterFrame)} | ${ratio(m.clusterFrame, m.ptyBase)} | ${over(m.clusterFrame, m.ptyBase)} |`,
      '',
      '**What each command loads** (one run each with a module loader recording every file; "ours" are',
      'the build\'s own modules, the packages are named by what was entered, not their own dependencies):',
      '',
      '| command | our modules | packages |',
      '|---|---|---|',
      `| \`--version\` | ${loaded.version.own} | ${packagesText(loaded.version)} |`,
      `| \`--help\` | ${loaded.help.own} | ${packagesText(loaded.help)} |`,
      `| \`plan --json\` | ${loaded.plan.own} | ${packagesText(loaded.plan)} |`,
      '',
      '`--version` and `--help` load neither ink, react nor dockerode (nor yaml): the benchmark fails if they do.',
      'Each command\'s module is imported when that command runs, dockerode when a client is opened,',
      'and ink and react only for the view, while the client loads.',
      '',
      `**What each import costs**: a new process that imports only it, against \`node -e 0\` in the same rounds (${IMPORT_ROUNDS} rounds; medians).`,
      'The build\'s own modules count everything they import.',
      '',
      '| import | median process | over `node -e 0` | loaded for |',
      '|---|---|---|---|',
      `| nothing (\`node -e 0\`) | ${ms(baseImports)} | — | — |`,
      ...importList.map((i) => {
        const value = median(importSamples.get(i.label)!);
        return `| \`${i.label}\` | ${ms(value)} | ${over(value, baseImports)} | ${i.why} |`;
      }),
      '',
      'Target (issue 9, item 6): cold start against `node -e 0`, ink and dockerode loaded only where needed.',
      `Met for what loads: \`--version\` and \`--help\` load ${loaded.version.own} and ${loaded.help.own} of our modules`,
      `and ${packagesText(loaded.version)}, ${ratio(m.version, m.base)} and ${ratio(m.help, m.base)} the baseline's time. \`plan --json\` has to load`,
      'dockerode, whose own start-up loads @grpc/grpc-js and protobufjs (for BuildKit sessions, unused here) at',
      'every require: that, the planner and yaml are most of its cost over the baseline, with the state load itself.',
      '',
      `${machineLine()}; whole cold-start bench: ${((performance.now() - started) / 1000).toFixed(1)} s.`,
    ];
    publishSection('cold-start', lines.join('\n'), options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
