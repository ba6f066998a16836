// Terminal bytes benchmark (issue 9, item 5): what the view writes to its terminal, i.e. what an
// SSH link carries. `npm run bench -- terminal-bytes`, or alone:
// `node --expose-gc --import tsx test/bench/terminal-bytes.bench.tsx [--quick]`.
//
// The whole view (App, Controller, store) on a fake 120x40 TTY (fake-terminal.ts) that counts the
// bytes written, on the in-memory client (test/support/memory-client.ts: three machines m1 m2 m3,
// no engine), with the engine's calls paced like a real engine's so that a rollout takes seconds.
// Each scenario runs twice on a fresh cluster: drawn with Ink's defaults before the view chose its
// own (every frame erased and written whole, at most 30 a second: the baseline, "a full redraw per
// frame") and with the view's render options (src/tui/render-options.ts). Scenarios:
// - idle: the cluster view, loaded, nothing changing, for a while;
// - Docker events: the same, with a Docker event that changes nothing shown (the view reloads the
//   cluster on every event) twice a second;
// - a key: the selection moved one service down;
// - following logs: the logs pane of one container, which prints 20 lines a second;
// - a rollout: a change that replaces all 12 replicas of a service over 3 machines (start-first,
//   3 at a time, healthcheck), from the plan screen's apply to the run's end, every operation
//   approved at once ('a').
// Writes nothing outside BENCHMARKS.md (its own section, full runs only).
import { KEYS, pause, terminalEnvironment, type FakeTty } from './fake-terminal.js';
import { benchOptions, bytes, machineLine, median, publishSection, ratio } from './report.js';

terminalEnvironment();
const { mountView, VIEW_DRAWING, WHOLE_FRAME_OPTIONS } = await import('./view-session.js');
const { MemoryCluster } = await import('../support/memory-client.js');
const { Deployment } = await import('../../src/execute/deployment.js');
type ViewSession = import('./view-session.js').ViewSession;
type Cluster = InstanceType<typeof MemoryCluster>;
type ServiceSpec = import('../../src/model/spec.js').ServiceSpec;

const REPLICAS = 12;
const SMALL_SERVICES = 10;
const LOG_LINES_PER_SECOND = 20;
const EVENTS_PER_SECOND = 2;
/** How long each engine call takes (ms), about what the test cluster's engines take for busybox. */
const CALL_MS: Record<string, number> = { create: 40, start: 60, stop: 120, remove: 30, inspect: 5, pull: 0, update: 20, logs: 5, 'create-volume': 10 };
/** From a container's start to its first healthy check (ms): a 500 ms healthcheck interval. */
const HEALTHY_AFTER_MS = 500;
/** Ink's synchronised-update brackets: written around each frame, not frames themselves. */
const BRACKETS = new Set(['\x1b[?2026h', '\x1b[?2026l']);
/** The engine's pace: 1 on a full run; --quick runs the same calls faster (its figures are not kept). */
let pace = 1;

function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(`terminal-bytes benchmark: ${message}`);
}

const web: ServiceSpec = {
  name: 'web', image: 'local/busybox:1', replicas: REPLICAS, command: ['sleep', '3600'], init: true,
  healthcheck: { test: ['CMD', 'true'], interval: 500 },
  update: { order: 'start-first', parallelism: 3, monitor: 0 },
};

/** A memory cluster with `web` (12 replicas) and ten one-replica services, then paced like an engine. */
async function cluster(): Promise<Cluster> {
  const c = new MemoryCluster(['m1', 'm2', 'm3']);
  const specs: ServiceSpec[] = [web, ...Array.from({ length: SMALL_SERVICES }, (_, i) => ({ name: `svc-${String(i + 1).padStart(2, '0')}`, image: 'local/busybox:1', command: ['sleep', '3600'], update: { monitor: 0 } }))];
  for (const spec of specs) {
    const run = await new Deployment(c, spec).run();
    const result = await run.result;
    check(result.outcome === 'done', `setting up ${spec.name}: ${result.outcome} ${result.failure?.message ?? ''}`);
  }
  // From here on each call takes as long as an engine's, and health comes a while after a start.
  c.health = () => 'starting';
  c.beforeCall = async (call) => {
    await pause((CALL_MS[call.kind] ?? 0) * pace);
    if (call.kind === 'start') setTimeout(() => c.setHealth(call.containerId, 'healthy'), HEALTHY_AFTER_MS * pace);
  };
  return c;
}

/** Frames and bytes written between two moments. */
interface Span {
  bytes: number;
  frames: number;
  ms: number;
}

function span(stdout: FakeTty, from: number, to = performance.now()): Span {
  const writes = stdout.writes.filter((w) => w.at >= from && w.at <= to);
  return { bytes: writes.reduce((n, w) => n + w.bytes, 0), frames: writes.filter((w) => !BRACKETS.has(w.text)).length, ms: to - from };
}

async function settle(stdout: FakeTty, quietMs = 100): Promise<void> {
  for (;;) {
    const idle = performance.now() - (stdout.writes.at(-1)?.at ?? 0);
    if (idle >= quietMs) return;
    await pause(quietMs - idle);
  }
}

type Options = typeof VIEW_DRAWING | typeof WHOLE_FRAME_OPTIONS;
type ScenarioKey = 'idle' | 'events' | 'key' | 'logs' | 'rollout';

/** Mounts the view on a fresh cluster and waits until the cluster view is drawn and still. */
async function loadedView(options: Options): Promise<{ view: ViewSession; cluster: Cluster }> {
  const c = await cluster();
  const view = mountView(c, options);
  await view.stdout.nextWrite('of the cluster view', (w) => w.text.includes('SERVICES'));
  await settle(view.stdout);
  return { view, cluster: c };
}

const scenarios: Record<ScenarioKey, (options: Options, seconds: number) => Promise<Span>> = {
  async idle(options, seconds) {
    const { view } = await loadedView(options);
    try {
      const from = performance.now();
      await pause(seconds * 1000);
      return span(view.stdout, from);
    } finally {
      await view.close();
    }
  },

  async events(options, seconds) {
    const { view, cluster: c } = await loadedView(options);
    try {
      const from = performance.now();
      const loads = Math.max(1, Math.round(seconds * EVENTS_PER_SECOND));
      for (let i = 0; i < loads; i++) {
        c.notifyWatch({ kind: 'event', machineId: 'm1', action: 'exec_start' });
        await pause(1000 / EVENTS_PER_SECOND);
      }
      await settle(view.stdout);
      check(view.store.getState().cluster.refreshing === false, 'the view is still refreshing');
      return span(view.stdout, from);
    } finally {
      await view.close();
    }
  },

  async key(options) {
    const { view } = await loadedView(options);
    try {
      const from = performance.now();
      const frame = view.stdout.nextWrite('with the selection moved', (w) => w.text.includes('> '));
      view.stdin.type(KEYS.down);
      await frame;
      await settle(view.stdout);
      check(view.store.getState().cursor.services === 1, 'the selection did not move');
      return span(view.stdout, from);
    } finally {
      await view.close();
    }
  },

  async logs(options, seconds) {
    const { view, cluster: c } = await loadedView(options);
    try {
      const service = view.store.getState().cluster.state?.machines.flatMap((m) => m.containers).find((x) => x.service?.name === 'web')?.service;
      check(service !== undefined, 'web is not in the loaded state');
      // Every replica has printed a screenful already: the pane is full and scrolls from the first new line.
      const line = (i: number) => `GET /api/orders/${1000 + i} 200 ${(i * 7) % 90} ms user=${(i * 131) % 997} trace=${(i * 2654435761 >>> 0).toString(16)}`;
      for (const replica of c.containersOf('web')) for (let i = -60; i < 0; i++) c.printLog(replica.id, line(i));
      view.controller.navigate({ kind: 'service', serviceId: service.id });
      await view.stdout.nextWrite('of the service', (w) => w.text.includes('CONTAINER'));
      await settle(view.stdout);
      view.controller.openLogs(true, 'container');
      await view.stdout.nextWrite('of the logs pane', (w) => w.text.includes('LOGS'));
      await settle(view.stdout);
      const container = view.store.getState().logs?.scope;
      check(container?.kind === 'container', 'the logs pane does not show one container');
      check((view.store.getState().logs?.lines.length ?? 0) >= 60, 'the pane did not read what the container printed');
      const from = performance.now();
      const lines = Math.round(seconds * LOG_LINES_PER_SECOND);
      // On a schedule (a line every 50 ms from the start), so that a late timer on a busy machine
      // makes a burst, as a busy container does, not a slower container.
      for (let i = 1; i <= lines; i++) {
        const due = from + ((i - 1) * 1000) / LOG_LINES_PER_SECOND;
        if (due > performance.now()) await pause(due - performance.now());
        c.printLog(container.containerId, line(i));
      }
      const last = `/api/orders/${1000 + lines} `;
      if (!view.store.getState().logs?.lines.some((l) => l.kind === 'record' && l.text.includes(last))) {
        await view.stdout.nextWrite('with the last log line', (w) => w.text.includes(last));
      }
      await settle(view.stdout);
      return span(view.stdout, from);
    } finally {
      await view.close();
    }
  },

  async rollout(options) {
    const { view, cluster: c } = await loadedView(options);
    try {
      const service = c.containersOf('web')[0];
      check(service !== undefined, 'web has no containers');
      const serviceId = view.store.getState().cluster.state!.machines.flatMap((m) => m.containers).find((x) => x.name === service.name)!.service!.id;
      view.controller.navigate({ kind: 'service', serviceId });
      const error = view.controller.quickEdit(serviceId, 'env', 'RELEASE=2');
      check(error === undefined, `the edit was refused: ${error}`);
      await view.stdout.nextWrite('of the plan', (w) => w.text.includes('OPERATIONS'));
      const draft = view.store.getState().screen;
      check(draft.kind === 'plan' && draft.draft.plan?.operations.length === REPLICAS, `the plan does not replace ${REPLICAS} replicas`);
      await settle(view.stdout);
      const from = performance.now();
      let approved = false;
      const finished = new Promise<void>((resolve) => {
        const stop = view.store.subscribe(() => {
          const ex = view.store.getState().execution;
          // The first question is answered with 'a' (approve all), as a person would, once.
          if (ex?.pending.length && !approved) {
            approved = true;
            setImmediate(() => view.stdin.type('a'));
          }
          if (ex?.outcome) {
            stop();
            resolve();
          }
        });
      });
      view.stdin.type('y');
      await finished;
      const outcome = view.store.getState().execution?.outcome;
      check(outcome?.outcome === 'done' && outcome.completed === REPLICAS, `the rollout ended ${outcome?.outcome} after ${outcome?.completed} operations`);
      const to = performance.now();
      check(c.containersOf('web').every((x) => x.spec.env?.RELEASE === '2'), 'a replica was not replaced');
      await settle(view.stdout);
      return span(view.stdout, from, to);
    } finally {
      await view.close();
    }
  },
};

async function main(): Promise<void> {
  const options = benchOptions();
  const rounds = options.quick ? 1 : 3;
  const seconds = options.quick ? 0.5 : 2.5;
  pace = options.quick ? 0.3 : 1;
  const keys: ScenarioKey[] = ['idle', 'events', 'key', 'logs', 'rollout'];
  const results = {} as Record<ScenarioKey, { whole: Span[]; view: Span[] }>;
  for (const key of keys) {
    results[key] = { whole: [], view: [] };
    for (let r = 0; r < rounds; r++) {
      // Taking turns, so that a noisy moment falls on both.
      const started = performance.now();
      results[key].whole.push(await scenarios[key](WHOLE_FRAME_OPTIONS, seconds));
      results[key].view.push(await scenarios[key](VIEW_DRAWING, seconds));
      console.error(`terminal-bytes: ${key}, round ${r + 1} of ${rounds}, both ways: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  }
  const perSecond = (s: Span) => (s.bytes * 1000) / s.ms;
  const med = (spans: Span[], f: (s: Span) => number) => median(spans.map(f));
  const rows: { label: string; unit: 'rate' | 'total'; key: ScenarioKey }[] = [
    { label: 'idle on the cluster view', unit: 'rate', key: 'idle' },
    { label: `Docker events that change nothing shown (${EVENTS_PER_SECOND}/s)`, unit: 'rate', key: 'events' },
    { label: 'one key (selection moved)', unit: 'total', key: 'key' },
    { label: `following logs (${LOG_LINES_PER_SECOND} lines/s)`, unit: 'rate', key: 'logs' },
    { label: `${REPLICAS}-replica rollout`, unit: 'rate', key: 'rollout' },
  ];
  const cell = (spans: Span[], unit: 'rate' | 'total') => (unit === 'rate' ? `${bytes(med(spans, perSecond))}/s` : bytes(med(spans, (s) => s.bytes)));
  const value = (spans: Span[], unit: 'rate' | 'total') => (unit === 'rate' ? med(spans, perSecond) : med(spans, (s) => s.bytes));
  const table = rows.map(({ label, unit, key }) => {
    const { whole, view } = results[key];
    const w = value(whole, unit);
    const v = value(view, unit);
    return `| ${label} | ${cell(whole, unit)} | ${cell(view, unit)} | ${w === 0 ? (v === 0 ? 'both 0' : 'n/a') : ratio(v, w)} | ${med(whole, (s) => s.frames)} / ${med(view, (s) => s.frames)} |`;
  });
  const idle = value(results.idle.view, 'rate');
  const rollout = results.rollout.view;
  const v = VIEW_DRAWING;
  const md = `## Terminal bytes (what an SSH link carries)

The whole view (App, Controller and store, as \`dockplan\` runs them) on a fake 120x40 TTY that
counts every byte written to stdout, on the in-memory client (test/support/memory-client.ts: three
machines, a service \`web\` of ${REPLICAS} replicas and ${SMALL_SERVICES} one-replica services, no engine), its calls paced like
an engine's (create ${CALL_MS.create} ms, start ${CALL_MS.start} ms, stop ${CALL_MS.stop} ms, remove ${CALL_MS.remove} ms; healthy ${HEALTHY_AFTER_MS} ms after a start). Each
scenario is run drawn two ways, taking turns on a fresh cluster: **whole frames**, Ink's defaults
before the view chose its own (every frame erases the last one and is written whole, at most 30 a
second: the baseline, a full redraw per frame) and **the view**, as runTui draws it: its render
options (src/tui/render-options.ts: incrementalRendering ${v.incrementalRendering}, maxFps ${v.maxFps}) and its writes through
src/tui/row-diff.ts${v.rowDiff ? ', which writes only the rows of a frame that changed' : ''}. Idle, events and logs
run for ${seconds} s; the rollout (a change of env that replaces all ${REPLICAS} replicas, start-first, 3 at a
time, healthcheck; every operation approved with \`a\`) is measured from the apply key to the end
of the run (median ${(med(rollout, (s) => s.ms) / 1000).toFixed(1)} s). Frames count the writes of a frame (Ink's synchronised-update
brackets around them not counted).

| scenario | whole frames | the view | the view / whole | frames (whole / view) |
|---|---:|---:|---:|---:|
${table.join('\n')}

Target (issue 9): about 0 bytes a second while idle on the cluster view: **${idle === 0 ? 'met' : idle < 16 ? 'met (under 16 B/s)' : 'not met'}** (${bytes(idle)}/s: nothing
redraws an idle screen, no clock and no spinner once the cluster is loaded). A frame that changes
costs only its changed rows (row-diff.ts; Ink's own incremental rendering is off: its line diff
starts one row low after a frame that ends in a newline, see render-options.ts). A scrolling logs
pane changes every one of its rows, so there the saving is the rows around it (title, list,
footer). The issue cites 4-10x fewer bytes for incremental rendering: ${Math.round(1 / (value(results.key.view, 'total') / value(results.key.whole, 'total')) * 10) / 10}x for a key,
${Math.round(1 / (value(results.rollout.view, 'rate') / value(results.rollout.whole, 'rate')) * 10) / 10}x during the rollout, ${Math.round(1 / (value(results.logs.view, 'rate') / value(results.logs.whole, 'rate')) * 10) / 10}x following logs. Besides, the view draws nothing when nothing shown
changed (idle, engine events, log lines gathered into one frame per 100 ms) and at most ${v.maxFps}
frames a second.

Rounds: median of ${rounds} run${rounds === 1 ? '' : 's'} of each scenario each way.
${options.quick ? '\n(--quick: shorter and fewer runs)\n' : ''}
${machineLine()}
`;
  publishSection('terminal-bytes', md, options);
}

try {
  await main();
  process.exit(0);
} catch (err) {
  console.error(err instanceof Error ? err.stack ?? err.message : String(err));
  process.exit(1);
}
