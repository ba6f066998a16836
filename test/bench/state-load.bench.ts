// Cluster state load: `npm run bench state-load` (node --expose-gc --import tsx test/bench/state-load.bench.ts).
//
// What it measures: `DockerClient.loadState()` of a whole cluster against the same call on each of
// its machines alone, in the same rounds, taking turns (the order rotates every round, so that the
// load on this shared machine weighs on every kind alike). A load that asks the machines one after
// another costs the sum of their times; a concurrent one costs the slowest machine's: the figure is
// median(cluster load) / median(slowest machine alone), target <= 1.2.
//
// Two clusters, both measured in every round:
//   direct:  the three test machines m1 m2 m3 through their own sockets;
//   latency: m1 direct, m2 and m3 behind test/support/latency-proxy.ts (20 ms and 100 ms added to
//            every HTTP request), each machine a different engine: one engine is never listed twice
//            (DockerClient would report the second address as down, sameEngineAs the first).
// Each load is timed twice over: by DockerClient, and as the same requests sent with node:http and
// nothing else (raw), which says what the engines themselves allow; this process's CPU per load and
// each engine's CPU per load (/proc of its dockerd) say where the time goes. The proxies count the
// HTTP requests and connections every load brings to m2 and m3, and record what was asked. Then the same rounds again with a few hundred stopped containers carrying
// dockplan's labels on m2 (created for the run, removed after it): a listing grows, the number of
// requests must not. `--quick`: both phases, fewer rounds and containers; writes nothing.
//
// Needs root and the test cluster (npm run cluster:up); run it under the cluster tests' lock.
// Leaves the cluster as it found it: every container it made is removed in a finally.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { DockerClient } from '../../src/cluster/docker-client.js';
import type { ClusterConfig } from '../../src/cluster/cluster-config.js';
import { LABEL, type ClusterState } from '../../src/model/cluster.js';
import { BUSYBOX, clusterAvailable, machine, NOT_RUNNING } from '../cluster/harness.js';
import { spawnLatencyProxies, type ProxyTraffic, type RunningProxies } from '../support/latency-proxy.js';
import { benchOptions, machineLine, median, ms, publishSection, ratio } from './report.js';

const options = benchOptions();
const ROUNDS = options.quick ? 2 : 21;
/** Stopped containers put on m2 for the second phase. */
const CROWD = options.quick ? 20 : 300;
const CROWD_PREFIX = 'dpb-state-load-';
/** Added delay per HTTP request of each proxied machine, in ms. */
const DELAYS: Record<string, number> = { m2: 20, m3: 100 };
const TARGET_RATIO = 1.2;
const MACHINES = ['m1', 'm2', 'm3'] as const;

/**
 * One load to time: a whole cluster or one of its machines alone, by DockerClient (`dockplan`) or
 * by the same three requests per machine sent with node:http and nothing else (`raw`: what the
 * engines themselves allow, the baseline for the client's own cost).
 */
interface LoadKind {
  cluster: 'direct' | 'latency';
  via: 'dockplan' | 'raw';
  /** The machine loaded alone, or undefined for the whole cluster. */
  alone?: string;
  load: () => Promise<ClusterState | undefined>;
  close: () => Promise<void>;
  times: number[];
  /** This process's CPU time (user + system) per load, in ms. */
  cpu: number[];
  /** Per proxied machine: requests and new connections of each load. */
  requests: Map<string, number[]>;
  connections: Map<string, number[]>;
}

function hostOf(cluster: 'direct' | 'latency', name: string, proxyDir: string): string {
  return cluster === 'latency' && DELAYS[name] !== undefined ? `unix://${join(proxyDir, `${name}.sock`)}` : machine(name).host;
}

/** The requests DockerClient.loadState sends each machine (see its probe), for the raw loads. */
const PROBE_PATHS = ['/info', '/containers/json?all=true', '/volumes'];

/** GET `path` from a unix socket with node:http; resolves to the parsed JSON body, rejects on a status other than 200. */
function rawGet(socketPath: string, agent: Agent, path: string): Promise<unknown> {
  return new Promise((done, fail) => {
    const req = request({ socketPath, path, agent, headers: { host: 'docker' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) fail(new Error(`GET ${path} on ${socketPath}: HTTP ${res.statusCode}`));
        else done(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      });
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end();
  });
}

function kinds(proxyDir: string): LoadKind[] {
  const out: LoadKind[] = [];
  for (const cluster of ['direct', 'latency'] as const) {
    const config = (names: readonly string[]): ClusterConfig => ({ machines: names.map((name) => ({ name, host: hostOf(cluster, name, proxyDir) })) });
    // One keep-alive agent per raw kind, as DockerClient keeps its connections.
    for (const alone of [undefined, ...MACHINES]) {
      const names = alone ? [alone] : MACHINES;
      const client = new DockerClient(config(names));
      const base = { cluster, ...(alone ? { alone } : {}), times: [], cpu: [], requests: new Map(), connections: new Map() };
      out.push({ ...base, via: 'dockplan', load: () => client.loadState(), close: () => client.close() });
      const agent = new Agent({ keepAlive: true });
      const sockets = names.map((name) => hostOf(cluster, name, proxyDir).slice('unix://'.length));
      out.push({
        ...base,
        requests: new Map(),
        connections: new Map(),
        via: 'raw',
        load: async () => {
          await Promise.all(sockets.flatMap((socket) => PROBE_PATHS.map((path) => rawGet(socket, agent, path))));
          return undefined;
        },
        close: async () => agent.destroy(),
      });
    }
  }
  return out;
}

function label(kind: LoadKind): string {
  const where = (name: string) => (kind.cluster === 'latency' && DELAYS[name] !== undefined ? `${name} (+${DELAYS[name]} ms)` : name);
  return kind.via === 'raw' ? `raw ${rawTarget(kind)}` : kind.alone ? `${where(kind.alone)} alone` : `whole cluster: ${MACHINES.map(where).join(', ')}`;
}

function rawTarget(kind: LoadKind): string {
  return kind.alone ?? 'whole cluster';
}

/** Throws unless every machine of the load is up (a broken proxy or engine must not pass as fast). */
function checkUp(kind: LoadKind, state: ClusterState | undefined): void {
  if (!state) return;
  const down = state.machines.filter((m) => m.status !== 'up');
  if (down.length) throw new Error(`${kind.cluster} ${label(kind)}: ${down.map((m) => `${m.name} is down (${m.downReason ?? 'no reason'})`).join('; ')}`);
}

/** One timed load of `kind`, with the proxies' traffic read before and after it (outside the timing). */
async function timedLoad(kind: LoadKind, proxies: RunningProxies, proxied: readonly string[]): Promise<ClusterState | undefined> {
  await proxies.traffic();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const state = await kind.load();
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const traffic = await proxies.traffic();
  checkUp(kind, state);
  kind.times.push(elapsed);
  kind.cpu.push((cpu.user + cpu.system) / 1000);
  proxied.forEach((name, i) => {
    const seen = traffic[i]!;
    const touched = kind.cluster === 'latency' && (kind.alone === undefined || kind.alone === name);
    if (!touched) {
      if (seen.requests !== 0) throw new Error(`${label(kind)} sent ${seen.requests} requests through ${name}'s proxy: ${seen.lines.join(', ')}`);
      return;
    }
    if (seen.requests === 0) throw new Error(`${label(kind)} loaded ${name} without a request through its proxy`);
    kind.requests.set(name, [...(kind.requests.get(name) ?? []), seen.requests]);
    kind.connections.set(name, [...(kind.connections.get(name) ?? []), seen.connections]);
  });
  return state;
}

/**
 * CPU time dockerd of `name` has used so far, in ms: its own and that of the processes it ran and
 * waited for (/proc/PID/stat utime, stime, cutime, cstime; clock ticks of 10 ms, Linux's USER_HZ).
 * The pid comes from the engine's pidfile next to its socket. Undefined when it cannot be read.
 */
function engineCpu(name: string): number | undefined {
  try {
    const socket = machine(name).socketPath;
    const pid = readFileSync(join(socket, '..', 'docker.pid'), 'utf8').trim();
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return [11, 12, 13, 14].reduce((total, i) => total + Number(fields[i]), 0) * 10;
  } catch {
    return undefined;
  }
}

/** Runs `rounds` rounds of every kind, the order rotated each round; returns what a load asked of each proxied machine. */
async function measure(all: LoadKind[], proxies: RunningProxies, proxied: readonly string[], rounds: number): Promise<{ asked: Map<string, string[]>; engineCpu: Map<string, number> }> {
  const cpuBefore = new Map(MACHINES.map((name) => [name, engineCpu(name)]));
  for (const kind of all) {
    kind.times = [];
    kind.cpu = [];
    kind.requests.clear();
    kind.connections.clear();
  }
  // A first load of each (connections opened, code warmed): not counted, but its requests are read.
  const asked = new Map<string, string[]>();
  for (const kind of all) {
    await proxies.traffic();
    checkUp(kind, await kind.load());
    const traffic = await proxies.traffic();
    if (kind.via === 'dockplan' && kind.cluster === 'latency' && kind.alone === undefined) proxied.forEach((name, i) => asked.set(name, traffic[i]!.lines));
  }
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < all.length; k++) await timedLoad(all[(k + round) % all.length]!, proxies, proxied);
  }
  // Every machine is loaded by the same number of kinds (whole and alone, both clusters, both ways).
  const loadsPerMachine = (rounds + 1) * all.filter((k) => k.alone === undefined || k.alone === MACHINES[0]).length;
  const engine = new Map<string, number>();
  for (const name of MACHINES) {
    const before = cpuBefore.get(name);
    const after = engineCpu(name);
    if (before !== undefined && after !== undefined) engine.set(name, (after - before) / loadsPerMachine);
  }
  return { asked, engineCpu: engine };
}

interface PhaseFigures {
  title: string;
  rows: string[];
  /** Whole cluster ÷ slowest machine alone, by DockerClient and raw. */
  ratios: { cluster: string; value: number; raw: number }[];
  requestsPerLoad: Map<string, number[]>;
  asked: Map<string, string[]>;
  /** Each engine's CPU time per load of it, in ms (see engineCpu). */
  engineCpu: Map<string, number>;
}

function figures(title: string, all: LoadKind[], measured: { asked: Map<string, string[]>; engineCpu: Map<string, number> }, proxied: readonly string[]): PhaseFigures {
  const { asked, engineCpu } = measured;
  const rows: string[] = [];
  const ratios: { cluster: string; value: number; raw: number }[] = [];
  const requestsPerLoad = new Map<string, number[]>();
  for (const cluster of ['direct', 'latency'] as const) {
    const of = (via: LoadKind['via']) => {
      const mine = all.filter((k) => k.cluster === cluster && k.via === via);
      const singles = mine.filter((k) => k.alone !== undefined);
      return {
        whole: mine.find((k) => k.alone === undefined)!,
        singles,
        slowest: singles.reduce((a, b) => (median(b.times) > median(a.times) ? b : a)),
        sum: singles.reduce((total, k) => total + median(k.times), 0),
      };
    };
    const client = of('dockplan');
    const raw = of('raw');
    const vs = (set: ReturnType<typeof of>, kind: LoadKind) =>
      kind === set.whole ? `**${ratio(median(kind.times), median(set.slowest.times))}**` : kind === set.slowest ? '1.00× (slowest)' : ratio(median(kind.times), median(set.slowest.times));
    for (const kind of [...client.singles, client.whole]) {
      const twin = raw.singles.find((k) => k.alone === kind.alone) ?? raw.whole;
      const perMachine = proxied
        .filter((name) => kind.requests.has(name))
        .map((name) => `${name}: ${median(kind.requests.get(name)!)}, ${kind.connections.get(name)!.reduce((a, b) => a + b, 0)} new`);
      rows.push(`| ${cluster} | ${label(kind)} | ${ms(median(kind.times))} | ${vs(client, kind)} | ${ms(median(twin.times))} | ${vs(raw, twin)} | ${ms(median(kind.cpu))} / ${ms(median(twin.cpu))} | ${perMachine.join('; ') || '—'} |`);
      for (const name of proxied) {
        const counts = kind.requests.get(name);
        if (counts && kind === client.whole) requestsPerLoad.set(name, counts);
      }
    }
    rows.push(`| ${cluster} | sum of the machines alone (one after another) | ${ms(client.sum)} | ${ratio(client.sum, median(client.slowest.times))} | ${ms(raw.sum)} | ${ratio(raw.sum, median(raw.slowest.times))} | | |`);
    ratios.push({ cluster, value: median(client.whole.times) / median(client.slowest.times), raw: median(raw.whole.times) / median(raw.slowest.times) });
  }
  return { title, rows, ratios, requestsPerLoad, asked, engineCpu };
}

/** Creates `count` stopped containers on m2 with dockplan's labels (a parsed spec each), 8 at a time. */
async function crowd(docker: Docker, count: number): Promise<void> {
  let next = 0;
  const spec = { name: 'crowd', image: BUSYBOX, mode: 'replicated', replicas: count, command: ['sleep', '3600'], env: { LEVEL: 'info' } };
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < count) {
      const i = next++;
      await docker.createContainer({
        name: `${CROWD_PREFIX}${i}`,
        Image: BUSYBOX,
        Cmd: ['sleep', '3600'],
        Labels: {
          [LABEL.managed]: 'true',
          [LABEL.serviceId]: 'bench-crowd',
          [LABEL.serviceName]: 'crowd',
          [LABEL.serviceMode]: 'replicated',
          [LABEL.spec]: JSON.stringify(spec),
          [LABEL.specHash]: 'bench',
        },
      });
    }
  }));
}

/** Removes every container this benchmark made on m2 (also ones a killed earlier run left). */
async function clearCrowd(docker: Docker): Promise<void> {
  const left = await docker.listContainers({ all: true, filters: { name: [CROWD_PREFIX] } });
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < left.length) {
      const c = left[next++]!;
      if (c.Names.some((n) => n.startsWith(`/${CROWD_PREFIX}`))) await docker.getContainer(c.Id).remove({ force: true });
    }
  }));
}

/** The verdict on the target for one cluster over all phases, in words computed from the figures. */
function verdict(cluster: 'direct' | 'latency', phases: PhaseFigures[]): string {
  const mine = phases.map((p) => p.ratios.find((r) => r.cluster === cluster)!);
  const list = (pick: (r: PhaseFigures['ratios'][number]) => number) => mine.map((r) => `${pick(r).toFixed(2)}×`).join(' and ');
  const head = `*${cluster}*: ${list((r) => r.value)} (phases in order; the same requests without dockplan: ${list((r) => r.raw)})`;
  if (mine.every((r) => r.value <= TARGET_RATIO)) return `${head}: **met**.`;
  // Where dockplan is more than a fifth slower than the engines allow, the client's share is named.
  const clientShare = phases.filter((_, i) => mine[i]!.value > mine[i]!.raw * TARGET_RATIO).map((p) => p.title.toLowerCase());
  const added = clientShare.length ? ` DockerClient adds to it beyond the raw requests (${clientShare.join('; ')}).` : ' DockerClient adds little to it.';
  if (mine.every((r) => r.raw > TARGET_RATIO)) {
    const cpu = phases[0]!.engineCpu;
    const engines = [...cpu].map(([name, value]) => `${name} ${ms(value)}`).join(', ');
    return `${head}: **not met**; the engines asked without dockplan miss it too. They run on this machine's ${cpus().length} cores, shared with the client and everything else, and each load costs each engine CPU time (dockerd and the processes it waits for; per load of it: ${engines || 'not readable'}), so three engines asked at once wait for each other; on machines of their own they would not.${added}`;
  }
  return `${head}: **not met**, and the engines alone do better: the difference is the client's.`;
}

function section(phases: PhaseFigures[], crowdOn: string, baseContainers: Record<string, number>, seconds: number): string {
  const [plain] = phases;
  const asked = [...plain!.asked].map(([name, lines]) => `${name}: ${lines.map((l) => `\`${l}\``).join(', ')}`).join('; ');
  const lines = [
    '## Cluster state load',
    '',
    'Generated by test/bench/state-load.bench.ts. A load is `DockerClient.loadState()`: every machine',
    'of the cluster file probed at once, each asked for its engine (`/info`: engine ID, version, log',
    'driver), all its containers (one listing, no inspect per container) and its volumes, the three',
    'requests of a machine at once. Two clusters: *direct*, the three test machines through their own',
    'sockets; *latency*, m1 direct and m2 and m3 behind a proxy of the benchmark\'s own',
    `(test/support/latency-proxy.ts, in a process of its own) that holds every HTTP request ${DELAYS.m2} ms (m2)`,
    `and ${DELAYS.m3} ms (m3) before passing it to the engine's socket and counts the requests and connections it`,
    'forwards (each machine a different engine: one engine is never listed twice). Each cluster is',
    'loaded whole and each of its machines alone (a client over that one machine), all kinds taking',
    'turns in every round, the order rotating; the baseline is the slowest machine loaded alone in the',
    'same run. *raw*: the same three requests per machine sent with node:http and nothing else (a',
    'keep-alive agent, the JSON parsed), the same way whole and alone: what the engines themselves',
    'allow. Client CPU is this process\'s user + system time during a load. Requests and new',
    'connections are counted at the proxies (m1 has none) for every load; a first load of each kind',
    'opens the connections and is not timed.',
    '',
    `A load asks of a machine: ${asked}.`,
    '',
  ];
  for (const phase of phases) {
    lines.push(
      `### ${phase.title}`,
      '',
      '| cluster | load | loadState median | ÷ slowest alone | raw median | raw ÷ slowest raw alone | client CPU per load, loadState / raw | requests per load, new connections (all loads) |',
      '|---|---|---|---|---|---|---|---|',
      ...phase.rows,
      '',
    );
  }
  const requestLine = phases
    .map((p) => `${p.title.toLowerCase()}: ${[...p.requestsPerLoad].map(([name, counts]) => `${name} ${Math.min(...counts)}–${Math.max(...counts)}`).join(', ')}`)
    .join('; ');
  lines.push(
    `Requests per machine per whole-cluster load (min–max over the rounds), ${requestLine}: a listing of`,
    `${CROWD} more containers costs no extra request.`,
    '',
    `Target (issue 9): whole-cluster load ÷ slowest machine alone <= ${TARGET_RATIO}.`,
    '',
    `- ${verdict('latency', phases)}`,
    `- ${verdict('direct', phases)}`,
    '',
    `The test machines held ${MACHINES.map((m) => `${m} ${baseContainers[m]}`).join(', ')} containers of their own; the second phase adds ${CROWD} stopped`,
    `containers with dockplan's labels on ${crowdOn}. Medians of ${ROUNDS} rounds per phase, every kind of load once per round.`,
    '',
    `${machineLine()}; whole state-load bench: ${seconds.toFixed(1)} s.`,
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (!clusterAvailable()) {
    // CI brings the cluster up before the benchmarks; a missing one is a broken run there.
    if (process.env.CI) throw new Error(`state-load bench: ${NOT_RUNNING}`);
    console.log(`state-load bench skipped: ${NOT_RUNNING}`);
    return;
  }
  const started = performance.now();
  const proxyDir = mkdtempSync(join(tmpdir(), 'dpb-state-'));
  const proxied = Object.keys(DELAYS);
  const m2 = machine('m2').docker;
  let proxies: RunningProxies | undefined;
  let all: LoadKind[] = [];
  try {
    await clearCrowd(m2);
    const baseContainers = Object.fromEntries(await Promise.all(MACHINES.map(async (m) => [m, (await machine(m).docker.listContainers({ all: true })).length] as const)));
    proxies = await spawnLatencyProxies(proxied.map((name) => ({ listen: join(proxyDir, `${name}.sock`), target: machine(name).socketPath, delayMs: DELAYS[name]! })));
    all = kinds(proxyDir);
    const phases: PhaseFigures[] = [];
    phases.push(figures('As the machines are', all, await measure(all, proxies, proxied, ROUNDS), proxied));

    await crowd(m2, CROWD);
    // The proxied m2 must show the crowd as the direct one does: the proxy changes timing, not answers.
    const through = (await all.find((k) => k.via === 'dockplan' && k.cluster === 'latency' && k.alone === 'm2')!.load())!;
    const seen = through.machines[0]!.containers.filter((c) => c.name.startsWith(CROWD_PREFIX) && c.service?.spec?.name === 'crowd').length;
    if (seen !== CROWD) throw new Error(`m2 through its proxy shows ${seen} of the ${CROWD} crowd containers with a parsed spec`);
    await proxies.traffic();
    phases.push(figures(`With ${CROWD} more containers on m2`, all, await measure(all, proxies, proxied, ROUNDS), proxied));
    for (const phase of phases) {
      for (const [name, counts] of phase.requestsPerLoad) {
        const first = phases[0]!.requestsPerLoad.get(name)!;
        if (Math.max(...counts) > Math.max(...first)) throw new Error(`${phase.title}: a load asked ${Math.max(...counts)} requests of ${name}, more than the ${Math.max(...first)} it asked with fewer containers`);
      }
    }
    publishSection('state-load', section(phases, 'm2', baseContainers, (performance.now() - started) / 1000), options);
  } finally {
    await Promise.all(all.map((k) => k.close()));
    await proxies?.close();
    await clearCrowd(m2);
    rmSync(proxyDir, { recursive: true, force: true });
  }
}

await main();
