// Synthetic cluster states for the benchmarks: deterministic (seeded), realistic in shape (specs
// with env, ports, mounts, healthchecks, limits; unmanaged and exited containers), of any size.
import type { ClusterState, ContainerState, MachineState } from '../../src/model/cluster.js';
import type { MountSpec, PortSpec, ServiceMode, ServiceSpec, VolumeSpec } from '../../src/model/spec.js';
import { seededRandom } from '../support/seeded-random.js';

type Rng = () => number;
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;
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
/** The cluster domain of every generated state. */
export const DOMAIN = 'example.internal';

/** The planned service of generateCluster: containerCount/100 containers. */
export const TARGET = 'checkout';
/** A second planned service of generateCluster whose size does not grow with the cluster. */
export const FIXED = 'cart';
const FIXED_COUNT = 10;
/** Services of a generated cluster besides the planned ones: 3 global, 5 stateful, the rest replicated. */
const BACKGROUND_SERVICES = 98;
const GLOBAL_SERVICES = 3;
const STATEFUL_SERVICES = 5;
const UNMANAGED_SHARE = 0.05;

/** A service whose containers a benchmark plans: its containers carry what an inspection adds. */
export interface PlannedService {
  name: string;
  mode: ServiceMode;
  /** Replicated: its replicas. Global: ignored (one container per machine). */
  replicas?: number;
  /** The compose project it belongs to (stored in its spec, as a project deploy writes it). */
  project?: string;
  /** Mounts a named volume of its own (the volume exists where its containers run). */
  stateful?: boolean;
}

/** What to generate. */
export interface ClusterShape {
  machines: number;
  /** Exactly this many containers in all (managed and unmanaged). */
  containers: number;
  seed: number;
  /** Services to plan: their containers carry what an inspection adds (limits in force, restart count). */
  planned: PlannedService[];
}

export interface GeneratedCluster {
  state: ClusterState;
  /** Containers of `checkout` (generateCluster only; 0 otherwise). */
  targetCount: number;
  managed: number;
  unmanaged: number;
  /** Containers per planned service, by name. */
  plannedCounts: Map<string, number>;
}

interface ServiceEntry {
  name: string;
  mode: ServiceMode;
  count: number;
  hostPort?: number;
  stateful: boolean;
  planned: boolean;
  project?: string;
}

function serviceSpec(rng: Rng, index: number, entry: ServiceEntry): ServiceSpec {
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
    ...(entry.project ? { project: entry.project } : {}),
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
  for (let k = 0; left > 0; k++, left--) out[order[k % parts]![1]]!++;
  return out;
}

/**
 * A cluster of `shape.machines` up machines holding exactly `shape.containers` containers: 5%
 * unmanaged (agents, build helpers, some exited); the planned services (every container running,
 * with its limits in force and restart count, as an inspection gives); then 98 background services: 3 global with a host port, 5 single-replica
 * stateful ones with a named volume, and the rest replicated with random sizes filling the count
 * (about 1% of their containers exited). Each service's containers are spread round-robin from a
 * random machine, as the planner itself spreads them; machines list containers newest first.
 * Throws when the planned services leave too little room for the background ones.
 */
export function generateClusterWith(shape: ClusterShape): GeneratedCluster {
  const { machines: machineCount, containers: containerCount } = shape;
  const rng = seededRandom(shape.seed);
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
  const entries: ServiceEntry[] = shape.planned.map((p) => ({
    name: p.name,
    mode: p.mode,
    count: p.mode === 'global' ? machineCount : p.replicas ?? 1,
    stateful: p.stateful ?? false,
    planned: true,
    ...(p.project ? { project: p.project } : {}),
  }));
  const plannedTotal = entries.reduce((n, e) => n + e.count, 0);
  const globalCount = GLOBAL_SERVICES * machineCount;
  const others = BACKGROUND_SERVICES - GLOBAL_SERVICES - STATEFUL_SERVICES;
  const rest = containerCount - unmanaged - plannedTotal - globalCount - STATEFUL_SERVICES;
  if (rest < others) {
    throw new Error(`cannot lay out ${containerCount} containers on ${machineCount} machines: the planned services take ${plannedTotal}`);
  }
  const sizes = split(rng, rest, others);
  for (let g = 0; g < GLOBAL_SERVICES; g++) {
    entries.push({ name: `agent-${pick(rng, WORDS)}-${g}`, mode: 'global', count: machineCount, hostPort: 19000 + g, stateful: false, planned: false });
  }
  for (let s = 0; s < STATEFUL_SERVICES; s++) entries.push({ name: `db-${pick(rng, WORDS)}-${s}`, mode: 'replicated', count: 1, stateful: true, planned: false });
  sizes.forEach((count, i) => {
    const hostPort = count <= machineCount && rng() < 0.3 ? 20000 + i : undefined;
    entries.push({ name: `${pick(rng, WORDS)}-${pick(rng, WORDS)}-${pad(i)}`, mode: 'replicated', count, hostPort, stateful: false, planned: false });
  });

  const plannedCounts = new Map<string, number>();
  entries.forEach((entry, index) => {
    const spec = serviceSpec(rng, index, entry);
    const serviceId = hex(rng, 32);
    const specHash = hex(rng, 64);
    const offset = int(rng, 0, machineCount - 1);
    const deployedAt = int(rng, 0, 30 * 86_400_000);
    const hostPorts = (spec.ports ?? []).filter((p) => p.mode === 'host')
      .map((p) => ({ host_ip: p.host_ip ?? '0.0.0.0', published: p.published!, protocol: p.protocol as 'tcp' | 'udp' }));
    // The state loader (src/cluster/docker-client.ts loadState) parses each distinct spec label
    // text once per load: the containers of a service, which carry one label, share one parsed
    // spec object (a JSON copy, as parsing the label gives). Nothing else is shared.
    const parsed = JSON.parse(JSON.stringify(spec)) as ServiceSpec;
    if (entry.planned) plannedCounts.set(entry.name, entry.count);
    for (let j = 0; j < entry.count; j++) {
      const m = machines[(offset + j) % machineCount]!;
      if (entry.stateful && !m.volumes.some((v) => v.name === `${entry.name}-data`)) m.volumes.push({ name: `${entry.name}-data`, driver: 'local' });
      const id = hex(rng, 64);
      const created = deployedAt + j * 7_000 + int(rng, 0, 999);
      // The planned services' containers stay running; a few of the others have died.
      const exited = !entry.planned && rng() < 0.01;
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
        service: { id: serviceId, name: entry.name, mode: entry.mode, spec: parsed, specHash },
      };
      // What observeService adds from inspect for the service being planned: the limits in force.
      if (entry.planned) {
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
    const m = machines[u % machineCount]!;
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
  return { state: { domain: DOMAIN, machines }, targetCount: 0, managed: containerCount - unmanaged, unmanaged, plannedCounts };
}

/**
 * A cluster of `machineCount` up machines holding exactly `containerCount` containers (see
 * generateClusterWith): the planned services are `checkout` (containerCount/100 containers) and
 * `cart` (always 10). The containers of a service share one parsed spec, as a state load gives.
 * Throws when containerCount is not a multiple of 100 or too small for the machines.
 */
export function generateCluster(machineCount: number, containerCount: number, seed: number): GeneratedCluster {
  const targetCount = containerCount / 100;
  if (!Number.isInteger(targetCount)) throw new Error(`cannot lay out ${containerCount} containers: not a multiple of 100`);
  const generated = generateClusterWith({
    machines: machineCount,
    containers: containerCount,
    seed,
    planned: [
      { name: TARGET, mode: 'replicated', replicas: targetCount },
      { name: FIXED, mode: 'replicated', replicas: FIXED_COUNT },
    ],
  });
  return { ...generated, targetCount };
}
