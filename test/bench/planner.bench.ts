// Planner benchmark: `npm run bench` (node --import tsx test/bench/planner.bench.ts).
//
// Performance claims live here, never in a timed test. Every figure is a median of many runs and is
// reported as a ratio to a baseline measured in the same run on the same state: a JSON round trip
// of the whole cluster state (the cost of merely reading/copying what the planner looks at). The
// ratio 100-machine / 10-machine shows how each operation scales (linear would be ~10x).
// Writes BENCHMARKS.md at the repository root (overwritten) and prints the same table.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { ClusterState, ContainerState, MachineState, ServiceState } from '../../src/model/cluster.js';
import { findService } from '../../src/model/cluster.js';
import type { PortSpec, ServiceMode, ServiceSpec, VolumeSpec, MountSpec } from '../../src/model/spec.js';
import type { Plan } from '../../src/plan/plan.js';
import { formatPlan, nameResolver, planToJson } from '../../src/plan/plan.js';
import { planRolling } from '../../src/plan/rolling.js';

// ---------------------------------------------------------------------------------------------
// Deterministic generation

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)];
const hex = (rng: Rng, length: number) => {
  let s = '';
  while (s.length < length) s += Math.floor(rng() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, length);
};
const pad = (n: number, width = 3) => String(n).padStart(width, '0');
const MiB = 1024 * 1024;

const TEAMS = ['payments', 'search', 'identity', 'catalog', 'platform', 'growth', 'media', 'ops'] as const;
const WORDS = [
  'orders', 'billing', 'users', 'auth', 'search', 'index', 'feed', 'notify', 'mailer', 'images', 'thumbs', 'reports',
  'ledger', 'cart', 'pricing', 'stock', 'ship', 'reviews', 'chat', 'audit', 'events', 'sessions', 'tokens', 'geo',
] as const;
const DOMAIN = 'example.internal';

export const TARGET = 'checkout';
/** A second planned service whose size does not grow with the cluster: shows what the cluster alone costs. */
export const FIXED = 'cart';
const FIXED_COUNT = 10;
const SERVICES = 100;
const GLOBAL_SERVICES = 3;
const STATEFUL_SERVICES = 5;
const UNMANAGED_SHARE = 0.05;

interface ServicePlanEntry {
  name: string;
  mode: ServiceMode;
  count: number;
  hostPort?: number;
  stateful: boolean;
}

function serviceSpec(rng: Rng, index: number, entry: ServicePlanEntry): ServiceSpec {
  const { name, mode } = entry;
  const team = pick(rng, TEAMS);
  const ports: PortSpec[] = [{ mode: 'ingress', hostname: `${name}.${DOMAIN}`, container: 8080, protocol: 'http' }];
  if (entry.hostPort !== undefined) ports.push({ mode: 'host', host_ip: '0.0.0.0', published: entry.hostPort, container: 9100, protocol: 'tcp' });
  const volumes: VolumeSpec[] = [
    { name: 'config', type: 'bind', source: `/srv/${name}/config` },
    { name: 'scratch', type: 'tmpfs', size: 64 * MiB, mode: 0o1777 },
  ];
  const mounts: MountSpec[] = [
    { volume: 'config', path: '/etc/app', read_only: true },
    { volume: 'scratch', path: '/tmp' },
  ];
  if (entry.stateful) {
    volumes.push({ name: `${name}-data`, type: 'volume', driver: 'local', labels: { 'backup.schedule': 'daily' } });
    mounts.push({ volume: `${name}-data`, path: '/var/lib/app' });
  }
  return {
    name,
    mode,
    ...(mode === 'replicated' ? { replicas: entry.count } : {}),
    image: `registry.${DOMAIN}/${team}/${name}:1.${int(rng, 0, 40)}.${int(rng, 0, 9)}`,
    command: ['sh', '-c', `exec /app/bin/${name} --listen :8080 --metrics :9100`],
    env: {
      APP_ENV: 'production',
      LOG_LEVEL: pick(rng, ['info', 'warn', 'debug']),
      PORT: '8080',
      SERVICE_NAME: name,
      DATABASE_URL: `postgres://${name}:${hex(rng, 24)}@db-${int(rng, 1, 4)}.${DOMAIN}:5432/${name}`,
      REDIS_URL: `redis://cache-${int(rng, 1, 3)}.${DOMAIN}:6379/${int(rng, 0, 15)}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://otel-collector.${DOMAIN}:4318`,
      FEATURE_FLAGS: `new-ui=${rng() < 0.5},fast-path=${rng() < 0.5},beta-${index}=true`,
      SECRET_KEY_BASE: hex(rng, 64),
      HTTP_TIMEOUT_MS: String(int(rng, 1, 30) * 1000),
    },
    ports,
    volumes,
    mounts,
    healthcheck: {
      test: ['CMD-SHELL', 'wget -q -O- http://127.0.0.1:8080/healthz || exit 1'],
      interval: 10_000,
      timeout: 3_000,
      retries: 3,
      start_period: 15_000,
    },
    user: '10001:10001',
    pull_policy: 'missing',
    resources: { cpu: pick(rng, [0.25, 0.5, 1, 2]), memory: pick(rng, [256, 512, 1024]) * MiB },
    logging: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } },
    stop_grace_period: pick(rng, [10_000, 30_000]),
    update: { order: 'auto', monitor: 5_000 },
  };
}

/** Splits `total` into `parts` positive integers with random weights (largest remainder: exact sum). */
function split(rng: Rng, total: number, parts: number): number[] {
  const weights = Array.from({ length: parts }, () => 0.2 + rng() * 1.6);
  const sum = weights.reduce((a, b) => a + b, 0);
  const raw = weights.map((w) => 1 + (w / sum) * (total - parts));
  const out = raw.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; left > 0; k++, left--) out[order[k % parts][1]]++;
  return out;
}

export interface GeneratedCluster {
  state: ClusterState;
  /** Containers of the planned service. */
  targetCount: number;
  managed: number;
  unmanaged: number;
}

/**
 * A cluster of `machineCount` up machines holding exactly `containerCount` containers: 5% unmanaged
 * (agents, build helpers, some exited), the rest over 100 services: the planned services
 * (`checkout`, containerCount/100 containers, and `cart`, always 10), 3 global services, 5
 * single-replica stateful services with a named volume, and 90 replicated services of random
 * sizes. Each service's containers are spread round-robin from a random machine, as the planner
 * itself spreads them.
 * Every managed container carries its own parsed copy of the stored spec (as a label read gives).
 */
export function generateCluster(machineCount: number, containerCount: number, seed: number): GeneratedCluster {
  const rng = prng(seed);
  const machines: MachineState[] = Array.from({ length: machineCount }, (_, i) => ({
    id: hex(rng, 64),
    name: `node-${pad(i + 1)}`,
    host: `tcp://10.0.${i >> 8}.${i & 255}:2376`,
    status: 'up',
    engineVersion: '27.3.1',
    containers: [],
    volumes: Array.from({ length: int(rng, 1, 4) }, () => ({ name: hex(rng, 64), driver: 'local' })),
  }));
  const base = Date.UTC(2026, 0, 1);
  const isoAt = (offsetMs: number) => new Date(base + offsetMs).toISOString();

  const unmanaged = Math.round(containerCount * UNMANAGED_SHARE);
  const targetCount = containerCount / SERVICES;
  const globalCount = GLOBAL_SERVICES * machineCount;
  const others = SERVICES - 2 - GLOBAL_SERVICES - STATEFUL_SERVICES;
  const rest = containerCount - unmanaged - targetCount - FIXED_COUNT - globalCount - STATEFUL_SERVICES;
  if (!Number.isInteger(targetCount) || rest < others) throw new Error(`cannot lay out ${containerCount} containers on ${machineCount} machines`);
  const sizes = split(rng, rest, others);

  const entries: ServicePlanEntry[] = [
    { name: TARGET, mode: 'replicated', count: targetCount, stateful: false },
    { name: FIXED, mode: 'replicated', count: FIXED_COUNT, stateful: false },
  ];
  const planned = (entry: ServicePlanEntry) => entry.name === TARGET || entry.name === FIXED;
  for (let g = 0; g < GLOBAL_SERVICES; g++) {
    entries.push({ name: `agent-${pick(rng, WORDS)}-${g}`, mode: 'global', count: machineCount, hostPort: 19000 + g, stateful: false });
  }
  for (let s = 0; s < STATEFUL_SERVICES; s++) entries.push({ name: `db-${pick(rng, WORDS)}-${s}`, mode: 'replicated', count: 1, stateful: true });
  sizes.forEach((count, i) => {
    const hostPort = count <= machineCount && rng() < 0.3 ? 20000 + i : undefined;
    entries.push({ name: `${pick(rng, WORDS)}-${pick(rng, WORDS)}-${pad(i)}`, mode: 'replicated', count, hostPort, stateful: false });
  });

  entries.forEach((entry, index) => {
    const spec = serviceSpec(rng, index, entry);
    const serviceId = hex(rng, 32);
    const specHash = hex(rng, 64);
    const offset = int(rng, 0, machineCount - 1);
    const deployedAt = int(rng, 0, 30 * 86_400_000);
    const hostPorts = (spec.ports ?? []).filter((p) => p.mode === 'host')
      .map((p) => ({ host_ip: p.host_ip ?? '0.0.0.0', published: p.published!, protocol: p.protocol as 'tcp' | 'udp' }));
    for (let j = 0; j < entry.count; j++) {
      const m = machines[(offset + j) % machineCount];
      if (entry.stateful) m.volumes.push({ name: `${entry.name}-data`, driver: 'local' });
      const id = hex(rng, 64);
      const created = deployedAt + j * 7_000 + int(rng, 0, 999);
      // The planned services' containers stay running; a few of the others have died.
      const exited = !planned(entry) && rng() < 0.01;
      const c: ContainerState = {
        id,
        name: `${entry.name}-${id.slice(0, 4)}`,
        machineId: m.id,
        image: spec.image,
        state: exited ? 'exited' : 'running',
        health: exited ? 'none' : 'healthy',
        ...(exited ? { exitCode: 137 } : {}),
        created: isoAt(created),
        startedAt: isoAt(created + 400),
        hostPorts: hostPorts.map((h) => ({ ...h })),
        service: { id: serviceId, name: entry.name, mode: entry.mode, spec: JSON.parse(JSON.stringify(spec)) as ServiceSpec, specHash },
      };
      // What observeService adds from inspect for the service being planned: the limits in force.
      if (planned(entry)) {
        c.resources = { ...spec.resources };
        c.restartCount = 0;
      }
      m.containers.push(c);
    }
  });

  const UNMANAGED = [
    { name: 'node-exporter', image: 'prom/node-exporter:v1.8.2', port: 9100 },
    { name: 'cadvisor', image: 'gcr.io/cadvisor/cadvisor:v0.49.1', port: 8081 },
    { name: 'buildkit', image: 'moby/buildkit:v0.16.0' },
    { name: 'debug-shell', image: 'busybox:1.36' },
  ] as const;
  for (let u = 0; u < unmanaged; u++) {
    const m = machines[u % machineCount];
    const kind = u < machineCount ? UNMANAGED[0] : pick(rng, UNMANAGED);
    const id = hex(rng, 64);
    const exited = kind.name === 'debug-shell' || (u >= machineCount && rng() < 0.2);
    const created = int(rng, 0, 30 * 86_400_000);
    const port = 'port' in kind && u < machineCount ? kind.port : undefined;
    m.containers.push({
      id,
      name: `${kind.name}-${id.slice(0, 6)}`,
      machineId: m.id,
      image: kind.image,
      state: exited ? 'exited' : 'running',
      health: 'none',
      ...(exited ? { exitCode: int(rng, 0, 2) } : {}),
      created: isoAt(created),
      startedAt: isoAt(created + 300),
      hostPorts: port !== undefined ? [{ host_ip: '0.0.0.0', published: port, protocol: 'tcp' }] : [],
    });
  }

  // Engines list containers newest first; keep a stable, realistic order.
  for (const m of machines) m.containers.sort((a, b) => b.created.localeCompare(a.created) || a.id.localeCompare(b.id));
  return { state: { domain: DOMAIN, machines }, targetCount, managed: containerCount - unmanaged, unmanaged };
}

// ---------------------------------------------------------------------------------------------
// Measurement

// A forced GC before each figure, so that garbage left by one figure is not collected during the
// next. `npm run bench` passes no --expose-gc, so the flag is set at run time; without it, no GC.
let collectGarbage: (() => void) | undefined;
try {
  v8.setFlagsFromString('--expose-gc');
  collectGarbage = vm.runInNewContext('gc') as () => void;
} catch {
  collectGarbage = undefined;
}

/** Results are stored here so that no call can be optimised away. */
let sink: unknown;
const LOAD_AT_START = os.loadavg();
const now = () => process.hrtime.bigint();
const msSince = (start: bigint) => Number(now() - start) / 1e6;

interface Measurement {
  /** Median per-call time, ms. */
  ms: number;
  samples: number;
  batch: number;
  /** Per-call times of each sample, ms. */
  all: number[];
}

interface MeasureOptions {
  warmupMs: number;
  /** A sample times `batch` calls, chosen so that a sample lasts at least this long (0: one call). */
  sampleMs: number;
  /** Per round: at least this many samples, then more until the round's budget is spent. */
  minSamples: number;
  budgetMs: number;
  /**
   * Per round, calls made and discarded after the forced GC and before sampling: the sweeping that
   * follows a collection (of the baseline's copies of the state, say) must not land on the next figure.
   */
  settleMs: number;
}

const FAST: MeasureOptions = { warmupMs: 300, sampleMs: 5, minSamples: 5, budgetMs: 100, settleMs: 30 };
/** For the baseline (hundreds of ms per call at 10k containers): one call per sample. */
const SLOW: MeasureOptions = { warmupMs: 300, sampleMs: 0, minSamples: 3, budgetMs: 250, settleMs: 0 };
/** Every figure is sampled in each round, in turn, so that load on the machine during the run falls on all of them alike. */
const ROUNDS = 6;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Warms fn up (JIT) and returns how many calls make one sample. */
function warmUp(fn: () => unknown, o: MeasureOptions): number {
  let calls = 0;
  const start = now();
  while (calls < 3 || msSince(start) < o.warmupMs) {
    sink = fn();
    calls++;
  }
  const perCall = msSince(start) / calls;
  return o.sampleMs === 0 ? 1 : Math.max(1, Math.ceil(o.sampleMs / Math.max(perCall, 1e-6)));
}

/** Per-call times (ms) of this round's samples. */
function sampleRound(fn: () => unknown, batch: number, o: MeasureOptions): number[] {
  const out: number[] = [];
  const start = now();
  while (out.length < o.minSamples || msSince(start) < o.budgetMs) {
    const t = now();
    for (let i = 0; i < batch; i++) sink = fn();
    out.push(msSince(t) / batch);
  }
  return out;
}

interface Task<K extends string> {
  key: K;
  fn: () => unknown;
  options: MeasureOptions;
}

/** Warms every task up, then samples them in turn for ROUNDS rounds; the figure is the median of all samples. */
function measureAll<K extends string>(tasks: Task<K>[]): Record<K, Measurement> {
  const batches = tasks.map((t) => {
    collectGarbage?.();
    return warmUp(t.fn, t.options);
  });
  const samples = tasks.map((): number[] => []);
  for (let round = 0; round < ROUNDS; round++) {
    tasks.forEach((t, i) => {
      collectGarbage?.();
      const settle = now();
      while (msSince(settle) < t.options.settleMs) sink = t.fn();
      samples[i].push(...sampleRound(t.fn, batches[i], t.options));
    });
  }
  return Object.fromEntries(tasks.map((t, i) => [t.key, { ms: median(samples[i]), samples: samples[i].length, batch: batches[i], all: samples[i] }])) as Record<K, Measurement>;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

const SIZES = [
  { key: 'small', label: '10 machines / 1k containers', machines: 10, containers: 1_000 },
  { key: 'large', label: '100 machines / 10k containers', machines: 100, containers: 10_000 },
] as const;

type RowKey = 'baseline' | 'replace' | 'unchanged' | 'scale' | 'fixed' | 'output' | 'find' | 'names' | 'map';

const ROWS: { key: RowKey; label: string }[] = [
  { key: 'baseline', label: 'baseline: JSON.parse(JSON.stringify(state))' },
  { key: 'replace', label: `plan \`${TARGET}\`: image change (every container replaced)` },
  { key: 'unchanged', label: `plan \`${TARGET}\`: unchanged (0 operations)` },
  { key: 'scale', label: `plan \`${TARGET}\`: scale-up to 2× replicas` },
  { key: 'fixed', label: `plan \`${FIXED}\` (${FIXED_COUNT} containers at both sizes): image change` },
  { key: 'output', label: `formatPlan + JSON.stringify(planToJson) of the \`${TARGET}\` image-change plan` },
  { key: 'find', label: 'findService(state, name): every plan starts with it' },
  { key: 'names', label: 'nameResolver(state): needed to render a plan' },
  { key: 'map', label: 'reference: new Map() of every container id → name' },
];

interface SizeResult {
  size: (typeof SIZES)[number];
  generated: GeneratedCluster;
  stateBytes: number;
  ops: { replace: number; unchanged: number; scale: number; fixed: number };
  rows: Record<RowKey, Measurement>;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`benchmark scenario is wrong: ${message}`);
}

function runSize(size: (typeof SIZES)[number], seed: number): SizeResult {
  const generated = generateCluster(size.machines, size.containers, seed);
  const { state, targetCount } = generated;
  const service: ServiceState | undefined = findService(state, TARGET);
  const fixed: ServiceState | undefined = findService(state, FIXED);
  check(service !== undefined && service.containers.length === targetCount, `${TARGET} has ${service?.containers.length} containers, expected ${targetCount}`);
  check(fixed !== undefined && fixed.containers.length === FIXED_COUNT, `${FIXED} has ${fixed?.containers.length} containers, expected ${FIXED_COUNT}`);
  // Desired specs come from a spec file: fresh objects, equal to (or changed from) the stored one.
  const stored = service.containers[0].service!.spec!;
  const newImage = (spec: ServiceSpec): ServiceSpec => ({ ...structuredClone(spec), image: spec.image.replace(/:[^:]+$/, ':2.0.0') });
  const unchangedSpec: ServiceSpec = structuredClone(stored);
  const imageSpec = newImage(stored);
  const scaleSpec: ServiceSpec = { ...structuredClone(stored), replicas: targetCount * 2 };
  const fixedSpec = newImage(fixed.containers[0].service!.spec!);
  const names = nameResolver(state);
  const ids = state.machines.flatMap((m) => m.containers.map((c) => [c.id, c.name] as const));

  const plan = (spec: ServiceSpec): Plan => planRolling(state, service, service.id, spec);
  const planFixed = (): Plan => planRolling(state, fixed, fixed.id, fixedSpec);
  const kinds = (p: Plan) => p.operations.map((o) => o.kind);
  const only = (p: Plan, kind: string, count: number) => kinds(p).length === count && kinds(p).every((k) => k === kind);
  const replacePlan = plan(imageSpec);
  const unchangedPlan = plan(unchangedSpec);
  const scalePlan = plan(scaleSpec);
  const fixedPlan = planFixed();
  check(unchangedPlan.operations.length === 0, `unchanged plan has ${unchangedPlan.operations.length} operations`);
  check(only(replacePlan, 'replace', targetCount), `image change plan is ${kinds(replacePlan).join(',')}`);
  check(only(scalePlan, 'run', targetCount), `scale-up plan is ${kinds(scalePlan).join(',')}`);
  check(only(fixedPlan, 'replace', FIXED_COUNT), `${FIXED} plan is ${kinds(fixedPlan).join(',')}`);
  const stateBytes = Buffer.byteLength(JSON.stringify(state));

  const rows = measureAll<RowKey>([
    { key: 'baseline', fn: () => JSON.parse(JSON.stringify(state)) as unknown, options: SLOW },
    { key: 'replace', fn: () => plan(imageSpec), options: FAST },
    { key: 'unchanged', fn: () => plan(unchangedSpec), options: FAST },
    { key: 'scale', fn: () => plan(scaleSpec), options: FAST },
    { key: 'fixed', fn: planFixed, options: FAST },
    { key: 'output', fn: () => formatPlan(replacePlan, names).length + JSON.stringify(planToJson(replacePlan, names)).length, options: FAST },
    { key: 'find', fn: () => findService(state, TARGET), options: FAST },
    { key: 'names', fn: () => nameResolver(state), options: FAST },
    { key: 'map', fn: () => new Map(ids), options: FAST },
  ]);
  return {
    size,
    generated,
    stateBytes,
    ops: { replace: replacePlan.operations.length, unchanged: unchangedPlan.operations.length, scale: scalePlan.operations.length, fixed: fixedPlan.operations.length },
    rows,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms >= 0.01 ? ms.toFixed(3) : ms.toFixed(4));
const fmtRatio = (r: number) => (r >= 10 ? r.toFixed(1) : r >= 1 ? r.toFixed(2) : r >= 0.01 ? r.toFixed(3) : r.toFixed(4));
const fmtMiB = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

function table(small: SizeResult, large: SizeResult): string {
  const header = [
    '| operation | 10 m / 1k c: ms | × baseline | 100 m / 10k c: ms | × baseline | 100 m ÷ 10 m |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  const lines = ROWS.map(({ key, label }) => {
    const s = small.rows[key];
    const l = large.rows[key];
    return `| ${label} | ${fmtMs(s.ms)} | ${fmtRatio(s.ms / small.rows.baseline.ms)} | ${fmtMs(l.ms)} | ${fmtRatio(l.ms / large.rows.baseline.ms)} | ${fmtRatio(l.ms / s.ms)}× |`;
  });
  return [...header, ...lines].join('\n');
}

/** Rows whose work grows with both the cluster and the planned service: linear is ~10×. */
const PLAN_ROWS: RowKey[] = ['replace', 'unchanged', 'scale', 'output'];
/**
 * Above this 100/10 ratio a figure is called super-linear: twice linear (~10×), because figures of
 * a few ms move by a third from run to run on a shared machine; an O(n²) term would show ~100×.
 */
const SUPERLINEAR = 20;

function conclusion(small: SizeResult, large: SizeResult): string {
  const l = large.rows;
  const ratio = (k: RowKey) => l[k].ms / l.baseline.ms;
  const growth = (k: RowKey) => l[k].ms / small.rows[k].ms;
  const labelOf = (k: RowKey) => ROWS.find((r) => r.key === k)!.label;
  const paragraphs: string[] = [];
  paragraphs.push(
    `Planning an image change of one service (${large.generated.targetCount} containers replaced) in the ` +
    `100-machine / 10k-container cluster takes ${fmtMs(l.replace.ms)} ms, ${fmtRatio(ratio('replace'))}× a JSON copy of the state ` +
    `(${fmtMs(l.baseline.ms)} ms for ${fmtMiB(large.stateBytes)}); an unchanged service takes ${fmtMs(l.unchanged.ms)} ms ` +
    `(${fmtRatio(ratio('unchanged'))}×), a scale-up ${fmtMs(l.scale.ms)} ms (${fmtRatio(ratio('scale'))}×), and rendering the plan ` +
    `${fmtMs(l.output.ms)} ms (${fmtRatio(ratio('output'))}×).`,
  );
  const grown = PLAN_ROWS.map((k) => ({ k, g: growth(k) }));
  const lo = Math.min(...grown.map((x) => x.g));
  const hi = Math.max(...grown.map((x) => x.g));
  const superlinear = grown.filter((x) => x.g > SUPERLINEAR);
  const share = (r: SizeResult, k: RowKey) => r.rows[k].ms / r.rows.baseline.ms;
  paragraphs.push(
    `From 10 to 100 machines (1k to 10k containers; \`${TARGET}\` from ${small.generated.targetCount} to ${large.generated.targetCount} containers) ` +
    `these figures grow ${fmtRatio(lo)}×–${fmtRatio(hi)}× (linear would be ~10×) and the JSON copy ${fmtRatio(growth('baseline'))}×; ` +
    `measured against that copy, the image-change plan goes from ${fmtRatio(share(small, 'replace'))}× to ${fmtRatio(share(large, 'replace'))}×. ` +
    (superlinear.length === 0
      ? `No plan figure grows more than ${SUPERLINEAR}× (twice linear), the threshold this benchmark calls super-linear.`
      : `Super-linear (above ${SUPERLINEAR}×, twice linear): ${superlinear.map((x) => `${labelOf(x.k)} (${fmtRatio(x.g)}×)`).join(', ')}.`),
  );
  paragraphs.push(
    `Planning \`${FIXED}\`, whose own work (${FIXED_COUNT} containers) does not grow, goes from ${fmtMs(small.rows.fixed.ms)} ms to ` +
    `${fmtMs(l.fixed.ms)} ms (${fmtRatio(growth('fixed'))}×): that is the part of every plan that scales with the cluster rather than with the service.`,
  );
  if (growth('names') > SUPERLINEAR) {
    paragraphs.push(
      `nameResolver grows ${fmtRatio(growth('names'))}× and a bare Map of the same ${large.size.containers} ids ${fmtRatio(growth('map'))}× in this run` +
      (growth('map') >= growth('names') / 2
        ? `: the growth is V8's Map at that size, not nameResolver's single pass over the containers.`
        : `: nameResolver grows faster than the Map it builds.`),
    );
  }
  return paragraphs.join('\n\n');
}

function report(small: SizeResult, large: SizeResult, totalMs: number): string {
  const cpus = os.cpus();
  const describe = (r: SizeResult) =>
    `${r.size.label}: ${r.generated.managed} managed containers in 100 services + ${r.generated.unmanaged} unmanaged; ` +
    `state JSON ${fmtMiB(r.stateBytes)}; \`${TARGET}\` has ${r.generated.targetCount} containers ` +
    `(plans: image change ${r.ops.replace} operations, unchanged ${r.ops.unchanged}, scale-up ${r.ops.scale}), ` +
    `\`${FIXED}\` ${FIXED_COUNT} (image change ${r.ops.fixed} operations)`;
  const samples = (r: SizeResult) => ROWS.map(({ key }) => `${key} ${r.rows[key].samples}×${r.rows[key].batch}`).join(', ');
  return `# Benchmarks

Generated by \`npm run bench\` (test/bench/planner.bench.ts); this file is overwritten on every run.
Do not edit the figures by hand.

## What is measured

The pure planner (\`planRolling\`) of one service over a generated cluster state, at two sizes.
States are deterministic (seeded PRNG): every machine up; 5% of containers unmanaged (agents, build
helpers, some exited); the rest in 100 services (the two planned ones, 3 global, 5 single-replica
with a named volume, the others replicated with random sizes, about 1% of their containers exited),
spread round-robin over the machines. Every managed container carries labels with its own parsed
copy of a realistic stored spec: image, command, 10 env keys, ingress and sometimes host ports,
bind/tmpfs (and named) mounts, healthcheck, limits, logging, update settings.

- ${describe(small)}
- ${describe(large)}

Per size: \`${TARGET}\` (1% of the containers) gets a desired spec that changes its image (every
container replaced), is unchanged (zero operations), or doubles its replicas (scale-up); then the
image-change plan is rendered as text and as the \`--json\` contract. \`${FIXED}\` has the same
size in both clusters, so its row shows what the size of the cluster alone costs a plan.
\`findService\` and \`nameResolver\` are shown because every plan and every rendering needs them,
with a bare Map of the same ids as their reference. Each figure is the median of many samples after
a warm-up, timed with \`process.hrtime.bigint()\`; fast operations are timed in batches of calls
lasting at least 5 ms. All figures of a size, the baseline included, are sampled in turn over
${ROUNDS} rounds, so that other load on the machine during the run weighs on all of them alike.
The service passed to \`planRolling\` is found beforehand (\`findService\` has its own row).

**Baseline** (same run, same state): \`JSON.parse(JSON.stringify(state))\`, the cost of merely
reading and copying what the planner looks at. "× baseline" is each figure divided by the baseline
of its size; "100 m ÷ 10 m" is the large figure divided by the small one (linear growth would be
~10×, since the cluster and \`${TARGET}\` both grow 10×).

## Machine

- Node ${process.version} (V8 ${process.versions.v8}) on ${os.platform()} ${os.arch()}
- CPU: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} cores
- Date: ${new Date().toISOString()}; load average at the start: ${LOAD_AT_START.map((x) => x.toFixed(2)).join(', ')} (1, 5, 15 min); forced GC between figures: ${collectGarbage ? 'yes' : 'no'}
- Whole benchmark run: ${(totalMs / 1000).toFixed(1)} s; samples×batch per figure:
  small: ${samples(small)}; large: ${samples(large)}

## Results

${table(small, large)}

## Conclusion

${conclusion(small, large)}
`;
}

function main() {
  const start = now();
  const [small, large] = SIZES.map((size, i) => {
    process.stdout.write(`measuring ${size.label}...\n`);
    return runSize(size, 0x5eed + i);
  });
  const totalMs = msSince(start);
  const text = report(small, large, totalMs);
  const target = new URL('../../BENCHMARKS.md', import.meta.url);
  writeFileSync(target, text);
  process.stdout.write(`\n${table(small, large)}\n\n${conclusion(small, large)}\n\nwrote ${target.pathname} (${(totalMs / 1000).toFixed(1)} s)\n`);
}

// Runs when executed (npm run bench); importing the module (e.g. to profile the generator) does not.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
