// TUI benchmark (issue 9, item 4): the view at scale. `npm run bench -- tui`, or alone:
// `node --expose-gc --import tsx test/bench/tui.bench.tsx [--quick]`.
//
// The whole view (App, Controller, store) runs on a fake 120x40 terminal (fake-terminal.ts) with
// the render options the view uses (src/tui/render-options.ts), on a synthetic cluster state from
// the planner benchmark's generateCluster. Measured, at a small size (3 machines, 200 containers,
// a plan of 50 operations, the fewest that scroll on 40 rows: the baseline) and at the issue's size (100 machines, 10,000 containers,
// a plan of 1,000 operations):
// - first frame: from render() to the write that shows the SERVICES list (the cluster loaded);
//   its baseline is the first frame of a one-line <Text> on the same terminal;
// - keystroke to frame: from a key typed into stdin to the write of the frame that shows its
//   effect (selection moved; service opened; back to the cluster; plan scrolled), keys paced so
//   that each lands on a settled screen;
// - memory: the RSS of a fresh process showing the cluster view and then the plan, after GC,
//   against one that renders the baseline line.
// Uses no engine and writes nothing outside BENCHMARKS.md (its own section, full runs only).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KEYS, pause, terminalEnvironment, type FakeTty, type TerminalWrite } from './fake-terminal.js';
import { generateCluster } from './planner.bench.js';
import { benchOptions, bytes, machineLine, median, ms, publishSection, ratio } from './report.js';

terminalEnvironment();
const session = await import('./view-session.js');
const { mountView, baselineFrame, FixedStateClient, plannedDraft, VIEW_DRAWING } = session;
type ViewSession = import('./view-session.js').ViewSession;

/** The service the plan changes (generateCluster's planned service). */
const PLANNED = 'checkout';
const SIZES = {
  small: { machines: 3, containers: 200, operations: 50 },
  large: { machines: 100, containers: 10_000, operations: 1_000 },
} as const;
type SizeKey = keyof typeof SIZES;
/** The issue's targets. */
const KEY_TARGET_MS = 50;
const RSS_TARGET = 200 * 1024 * 1024;
const SEED = 9;

function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(`tui benchmark: ${message}`);
}

/** Waits until the terminal has had no write for `quietMs` (the last frame is out, the throttle idle). */
async function settle(stdout: FakeTty, quietMs = 80): Promise<void> {
  for (;;) {
    const idle = performance.now() - (stdout.writes.at(-1)?.at ?? 0);
    if (idle >= quietMs) return;
    await pause(quietMs - idle);
  }
}

/** Types `keys` on a settled screen and resolves with the time (ms) to the frame `accept` recognises. */
async function keystroke(view: ViewSession, keys: string, what: string, accept: (w: TerminalWrite) => boolean): Promise<number> {
  await settle(view.stdout);
  const frame = view.stdout.nextWrite(what, accept);
  const start = performance.now();
  view.stdin.type(keys);
  return (await frame).at - start;
}

const servicesFrame = (w: TerminalWrite) => w.text.includes('SERVICES');

interface SizeFigures {
  firstFrame: number[];
  down: number[];
  open: number[];
  back: number[];
  scroll: number[];
  services: number;
}

async function measureSize(key: SizeKey, rounds: number, keys: number): Promise<SizeFigures> {
  const size = SIZES[key];
  const { state } = generateCluster(size.machines, size.containers, SEED);
  const draft = plannedDraft(state, PLANNED, size.operations);
  const client = new FixedStateClient(state);
  const figures: SizeFigures = { firstFrame: [], down: [], open: [], back: [], scroll: [], services: 0 };
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    const view = mountView(client, VIEW_DRAWING);
    try {
      const first = await view.stdout.nextWrite('with the services listed', servicesFrame);
      figures.firstFrame.push(first.at - start);
      const shown = view.store.getState().cluster.state;
      check(shown === state, 'the view did not load the synthetic state');
      if (round > 0) continue;
      // Keystrokes are measured on the first mount only: one view, many keys.
      for (let i = 0; i < keys; i++) {
        const before = view.store.getState().cursor.services;
        figures.down.push(await keystroke(view, KEYS.down, 'with the selection moved', (w) => w.text.includes('> ')));
        check(view.store.getState().cursor.services === before + 1, `the selection did not move down (at ${before})`);
      }
      for (let i = 0; i < keys; i++) {
        figures.open.push(await keystroke(view, KEYS.enter, 'of the service', (w) => w.text.includes('CONTAINER')));
        check(view.store.getState().screen.kind === 'service', 'enter did not open the service');
        figures.back.push(await keystroke(view, KEYS.esc, 'of the cluster', (w) => w.text.includes('MACHINES')));
        check(view.store.getState().screen.kind === 'cluster', 'esc did not go back to the cluster');
      }
      view.store.dispatch({ type: 'navigate', screen: { kind: 'plan', draft, back: { kind: 'cluster' } } });
      await view.stdout.nextWrite('of the plan', (w) => w.text.includes('OPERATIONS'));
      for (let i = 0; i < keys; i++) {
        figures.scroll.push(await keystroke(view, KEYS.down, 'with the plan scrolled', (w) => w.text.includes('line(s) above')));
        check(view.store.getState().cursor.plan === i + 1, `the plan did not scroll (at ${view.store.getState().cursor.plan})`);
      }
      figures.services = new Set(state.machines.flatMap((m) => m.containers.flatMap((c) => (c.service ? [c.service.name] : [])))).size;
    } finally {
      await view.close();
    }
  }
  return figures;
}

// ---- memory: one fresh process per measurement --------------------------------------------------

type MemoryKind = 'baseline' | SizeKey;

/** In a child process: shows what `kind` asks, then prints {"rss":…,"heap":…} after GC. */
async function memoryChild(kind: MemoryKind): Promise<void> {
  if (kind === 'baseline') {
    await baselineFrame();
  } else {
    const size = SIZES[kind];
    const { state } = generateCluster(size.machines, size.containers, SEED);
    const draft = plannedDraft(state, PLANNED, size.operations);
    const view = mountView(new FixedStateClient(state), VIEW_DRAWING);
    await view.stdout.nextWrite('with the services listed', servicesFrame);
    view.store.dispatch({ type: 'navigate', screen: { kind: 'plan', draft, back: { kind: 'cluster' } } });
    await view.stdout.nextWrite('of the plan', (w) => w.text.includes('OPERATIONS'));
    view.store.dispatch({ type: 'navigate', screen: { kind: 'cluster' } });
    await view.stdout.nextWrite('of the cluster again', (w) => w.text.includes('MACHINES'));
    await settle(view.stdout);
    // Still mounted while measured: the view's memory is what it holds while shown.
    measureAndPrint();
    await view.close();
    return;
  }
  measureAndPrint();
}

function measureAndPrint(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  check(gc !== undefined, 'run with --expose-gc');
  gc();
  gc();
  const usage = process.memoryUsage();
  console.log(JSON.stringify({ rss: usage.rss, heap: usage.heapUsed }));
}

/** Runs a memory process for `kind` and resolves with what it measured. */
function measureMemory(kind: MemoryKind): Promise<{ rss: number; heap: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), `--memory-child=${kind}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as { rss: number; heap: number });
      else reject(new Error(`tui benchmark: the ${kind} memory process failed (exit ${code}): ${err.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

// ---- the report ----------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = benchOptions();
  const rounds = options.quick ? 2 : 7;
  const keys = options.quick ? 4 : 20;
  const memoryRuns = options.quick ? 1 : 3;
  const baseline: number[] = [];
  for (let i = 0; i < rounds + 1; i++) baseline.push(await baselineFrame());
  baseline.shift(); // the first pays for loading ink's modules
  const figures = {} as Record<SizeKey, SizeFigures>;
  for (const key of Object.keys(SIZES) as SizeKey[]) figures[key] = await measureSize(key, rounds, keys);
  // The memory processes run side by side, after the timings (they would slow them): RSS is each
  // process's own. --quick measures the large size only.
  const kinds: MemoryKind[] = options.quick ? ['large'] : ['baseline', 'small', 'large'];
  const measured = await Promise.all(kinds.map(async (kind) => {
    const runs: { rss: number; heap: number }[] = [];
    for (let i = 0; i < memoryRuns; i++) runs.push(await measureMemory(kind));
    return [kind, { rss: median(runs.map((r) => r.rss)), heap: median(runs.map((r) => r.heap)) }] as const;
  }));
  const memory = Object.fromEntries(measured) as Partial<Record<MemoryKind, { rss: number; heap: number }>>;
  const small = memory.small;
  const none = memory.baseline;
  const base = median(baseline);
  const worst = (list: number[]) => Math.max(...list);
  const keyRows: [string, keyof SizeFigures][] = [
    ['move the selection (↓ on the cluster view)', 'down'],
    ['open a service (enter)', 'open'],
    ['back to the cluster view (esc)', 'back'],
    ['scroll the plan (↓)', 'scroll'],
  ];
  const large = figures.large;
  const keyMedians = keyRows.map(([, k]) => median(large[k] as number[]));
  const keysMet = keyMedians.every((m) => m < KEY_TARGET_MS);
  const rssMet = memory.large!.rss < RSS_TARGET;
  const s = SIZES.small;
  const l = SIZES.large;
  const md = `## TUI at scale (first frame, keystroke to frame, memory)

The whole view (App, Controller and store, as \`dockplan\` runs them) on a fake 120x40 TTY with the
render options the view uses (src/tui/render-options.ts), on a synthetic cluster state
(generateCluster of the planner benchmark: about 100 services, 5% unmanaged containers). Small:
${s.machines} machines, ${s.containers} containers, a plan of ${s.operations} operations; large (the issue's size): ${l.machines}
machines, ${l.containers.toLocaleString('en')} containers (${large.services} services), a plan of ${l.operations.toLocaleString('en')} operations (image changed, replicas
set: ${PLANNED}'s replicas replaced, the rest run). **First frame**: from Ink's render() to the write
that shows the SERVICES list (the cluster loaded through the Client); baseline: the first frame of a
one-line \`<Text>\` on the same terminal. **Keystroke to frame**: from a key written to stdin to the
write of the frame that shows its effect, each key typed on a settled screen (no frame for 80 ms).
**Memory**: the RSS of a fresh Node process (tsx loaded) showing the large cluster view after it
has shown the plan, after GC, against one that rendered only the baseline line.

| measure | small | large | large / small | large / baseline |
|---|---:|---:|---:|---:|
| first frame (baseline ${ms(base)}) | ${ms(median(figures.small.firstFrame))} | ${ms(median(large.firstFrame))} | ${ratio(median(large.firstFrame), median(figures.small.firstFrame))} | ${ratio(median(large.firstFrame), base)} |
${keyRows.map(([label, k], i) => `| ${label}: median (max) | ${ms(median(figures.small[k] as number[]))} (${ms(worst(figures.small[k] as number[]))}) | ${ms(keyMedians[i]!)} (${ms(worst(large[k] as number[]))}) | ${ratio(keyMedians[i]!, median(figures.small[k] as number[]))} | |`).join('\n')}
| RSS (baseline ${none ? bytes(none.rss) : '-'}) | ${small ? bytes(small.rss) : '-'} | ${bytes(memory.large!.rss)} | ${small ? ratio(memory.large!.rss, small.rss) : '-'} | ${none ? ratio(memory.large!.rss, none.rss) : '-'} |
| JS heap used (baseline ${none ? bytes(none.heap) : '-'}) | ${small ? bytes(small.heap) : '-'} | ${bytes(memory.large!.heap)} | ${small ? ratio(memory.large!.heap, small.heap) : '-'} | ${none ? ratio(memory.large!.heap, none.heap) : '-'} |

Targets (issue 9): keystroke to frame under ${KEY_TARGET_MS} ms at the large size: **${keysMet ? 'met' : 'not met'}** (medians ${keyMedians.map((m) => ms(m)).join(', ')});
RSS under 200 MiB at 10,000 containers: **${rssMet ? 'met' : 'not met'}** (${bytes(memory.large!.rss)}, of which the process with
nothing shown takes ${none ? bytes(none.rss) : '(not measured)'}: Node, tsx and the view's modules).

Rounds: first frame median of ${rounds} mounts per size (baseline: ${rounds}); ${keys} keys of each kind per
size; memory median of ${memoryRuns} process${memoryRuns === 1 ? '' : 'es'} per kind.
${options.quick ? '\n(--quick: fewer rounds and keys)\n' : ''}
${machineLine()}
`;
  publishSection('tui', md, options);
}

const child = process.argv.find((a) => a.startsWith('--memory-child='));
try {
  if (child) await memoryChild(child.slice('--memory-child='.length) as MemoryKind);
  else await main();
  process.exit(0);
} catch (err) {
  console.error(err instanceof Error ? err.stack ?? err.message : String(err));
  process.exit(1);
}
