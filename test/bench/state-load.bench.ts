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
// The proxies count the HTTP requests and connections every load brings to m2 and m3, and record
// what was asked. Then the same rounds again with a few hundred stopped containers carrying
// dockplan's labels on m2 (created for the run, removed after it): a listing grows, the number of
// requests must not. `--quick`: both phases, fewer rounds and containers; writes nothing.
//
// Needs root and the test cluster (npm run cluster:up); run it under the cluster tests' lock.
// Leaves the cluster as it found it: every container it made is removed in a finally.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { DockerClient } from '../../src/cluster/docker-client.js';
import type { ClusterConfig } from '../../src/cluster/cluster-config.js';
import { LABEL, type ClusterState } from '../../src/model/cluster.js';
import { BUSYBOX, clusterAvailable, machine, NOT_RUNNING } from '../cluster/harness.js';
import { spawnLatencyProxies, type ProxyTraffic, type RunningProxies } from '../support/latency-proxy.js';
import { benchOptions, machineLine, median, ms, publishSection, ratio } from './report.js';

const options = benchOptions();
const ROUNDS = options.quick ? 4 : 25;
/** Stopped containers put on m2 for the second phase. */
const CROWD = options.quick ? 30 : 300;
const CROWD_PREFIX = 'dpb-state-load-';
/** Added delay per HTTP request of each proxied machine, in ms. */
const DELAYS: Record<string, number> = { m2: 20, m3: 100 };
const TARGET_RATIO = 1.2;
const MACHINES = ['m1', 'm2', 'm3'] as const;

/** One load to time: a client over a whole cluster, or over one of its machines alone. */
interface LoadKind {
  cluster: 'direct' | 'latency';
  /** The machine loaded alone, or undefined for the whole cluster. */
  alone?: string;
  client: DockerClient;
  times: number[];
  /** Per proxied machine: requests and new connections of each load. */
  requests: Map<string, number[]>;
  connections: Map<string, number[]>;
}

function hostOf(cluster: 'direct' | 'latency', name: string, proxyDir: string): string {
  return cluster === 'latency' && DELAYS[name] !== undefined ? `unix://${join(proxyDir, `${name}.sock`)}` : machine(name).host;
}

function kinds(proxyDir: string): LoadKind[] {
  const out: LoadKind[] = [];
  for (const cluster of ['direct', 'latency'] as const) {
    const config = (names: readonly string[]): ClusterConfig => ({ machines: names.map((name) => ({ name, host: hostOf(cluster, name, proxyDir) })) });
    for (const alone of [undefined, ...MACHINES]) {
      out.push({ cluster, ...(alone ? { alone } : {}), client: new DockerClient(config(alone ? [alone] : MACHINES)), times: [], requests: new Map(), connections: new Map() });
    }
  }
  return out;
}

function label(kind: LoadKind): string {
  const where = (name: string) => (kind.cluster === 'latency' && DELAYS[name] !== undefined ? `${name} (+${DELAYS[name]} ms)` : name);
  return kind.alone ? `${where(kind.alone)} alone` : `whole cluster: ${MACHINES.map(where).join(', ')}`;
}

/** Throws unless every machine of the load is up (a broken proxy or engine must not pass as fast). */
function checkUp(kind: LoadKind, state: ClusterState): void {
  const down = state.machines.filter((m) => m.status !== 'up');
  if (down.length) throw new Error(`${kind.cluster} ${label(kind)}: ${down.map((m) => `${m.name} is down (${m.downReason ?? 'no reason'})`).join('; ')}`);
}

/** One timed load of `kind`, with the proxies' traffic read before and after it (outside the timing). */
async function timedLoad(kind: LoadKind, proxies: RunningProxies, proxied: readonly string[]): Promise<ClusterState> {
  await proxies.traffic();
  const t0 = performance.now();
  const state = await kind.client.loadState();
  const elapsed = performance.now() - t0;
  const traffic = await proxies.traffic();
  checkUp(kind, state);
  kind.times.push(elapsed);
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

/** Runs `rounds` rounds of every kind, the order rotated each round; returns what a load asked of each proxied machine. */
async function measure(all: LoadKind[], proxies: RunningProxies, proxied: readonly string[], rounds: number): Promise<Map<string, string[]>> {
  for (const kind of all) {
    kind.times = [];
    kind.requests.clear();
    kind.connections.clear();
  }
  // A first load of each (connections opened, code warmed): not counted, but its requests are read.
  const asked = new Map<string, string[]>();
  for (const kind of all) {
    await proxies.traffic();
    checkUp(kind, await kind.client.loadState());
    const traffic = await proxies.traffic();
    if (kind.cluster === 'latency' && kind.alone === undefined) proxied.forEach((name, i) => asked.set(name, traffic[i]!.lines));
  }
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < all.length; k++) await timedLoad(all[(k + round) % all.length]!, proxies, proxied);
  }
  return asked;
}

interface PhaseFigures {
  title: string;
  rows: string[];
  ratios: { cluster: string; value: number }[];
  requestsPerLoad: Map<string, number[]>;
  asked: Map<string, string[]>;
}

function figures(title: string, all: LoadKind[], asked: Map<string, string[]>, proxied: readonly string[]): PhaseFigures {
  const rows: string[] = [];
  const ratios: { cluster: string; value: number }[] = [];
  const requestsPerLoad = new Map<string, number[]>();
  for (const cluster of ['direct', 'latency'] as const) {
    const mine = all.filter((k) => k.cluster === cluster);
    const whole = mine.find((k) => k.alone === undefined)!;
    const singles = mine.filter((k) => k.alone !== undefined);
    const slowest = singles.reduce((a, b) => (median(b.times) > median(a.times) ? b : a));
    const sum = singles.reduce((total, k) => total + median(k.times), 0);
    for (const kind of [...singles, whole]) {
      const perMachine = proxied
        .filter((name) => kind.requests.has(name))
        .map((name) => `${name}: ${median(kind.requests.get(name)!)} req, ${kind.connections.get(name)!.reduce((a, b) => a + b, 0)} new conn.`);
      const vsSlowest = kind === whole ? `**${ratio(median(whole.times), median(slowest.times))}**` : kind === slowest ? '1.00× (slowest)' : ratio(median(kind.times), median(slowest.times));
      rows.push(`| ${cluster} | ${label(kind)} | ${ms(median(kind.times))} | ${vsSlowest} | ${perMachine.join('; ') || '—'} |`);
      for (const name of proxied) {
        const counts = kind.requests.get(name);
        if (counts && kind === whole) requestsPerLoad.set(name, counts);
      }
    }
    rows.push(`| ${cluster} | sum of the machines alone (what loading one after another would cost) | ${ms(sum)} | ${ratio(sum, median(slowest.times))} | |`);
    ratios.push({ cluster, value: median(whole.times) / median(slowest.times) });
  }
  return { title, rows, ratios, requestsPerLoad, asked };
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

function section(phases: PhaseFigures[], crowdOn: string, baseContainers: Record<string, number>, seconds: number): string {
  const [plain] = phases;
  const allRatios = phases.flatMap((p) => p.ratios.map((r) => ({ ...r, phase: p.title })));
  const worst = allRatios.reduce((a, b) => (b.value > a.value ? b : a));
  const met = allRatios.every((r) => r.value <= TARGET_RATIO);
  const asked = [...plain!.asked].map(([name, lines]) => `${name}: ${lines.map((l) => `\`${l}\``).join(', ')}`).join('; ');
  const lines = [
    '## Cluster state load',
    '',
    'Generated by test/bench/state-load.bench.ts. A load is `DockerClient.loadState()`: every machine',
    'of the cluster file probed at once, each asked for its engine (`/info`: engine ID, version, log',
    'driver), all its containers (one listing, `/containers/json?all=true`, no inspect per container)',
    'and its volumes (`/volumes`), the three requests of a machine at once. Two clusters: *direct*, the',
    'three test machines through their own sockets; *latency*, m1 direct and m2 and m3 behind a proxy',
    'of the benchmark\'s own (test/support/latency-proxy.ts, in a process of its own) that holds every',
    `HTTP request ${DELAYS.m2} ms (m2) and ${DELAYS.m3} ms (m3) before passing it to the engine's socket and`,
    'counts the requests and connections it forwards. Each cluster is loaded whole and each of its',
    'machines alone (a client over that one machine), taking turns in every round with the order',
    'rotating; the baseline is the slowest machine loaded alone in the same run. Requests and new',
    'connections per load are counted at the proxies (m1 has none), per load after a first load that',
    'opens the connections and is not timed.',
    '',
    `A load asks of a machine: ${asked}.`,
    '',
  ];
  for (const phase of phases) {
    lines.push(`### ${phase.title}`, '', '| cluster | load | median | ÷ slowest machine alone | requests per load, new connections over all loads |', '|---|---|---|---|---|', ...phase.rows, '');
  }
  const requestLine = phases
    .map((p) => `${p.title}: ${[...p.requestsPerLoad].map(([name, counts]) => `${name} ${Math.min(...counts)}–${Math.max(...counts)}`).join(', ')}`)
    .join('; ');
  lines.push(
    `Requests per machine per whole-cluster load (min–max over the rounds): ${requestLine}.`,
    '',
    `Target (issue 9): whole-cluster load ÷ slowest machine alone <= ${TARGET_RATIO}. ${met ? '**Met**' : '**Not met**'}: the worst ratio is`,
    `${worst.value.toFixed(3)}× (${worst.cluster}, ${worst.phase.toLowerCase()}).${met ? '' : ' See the rows above for which load is slower than its slowest machine.'}`,
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
    const through = await all.find((k) => k.cluster === 'latency' && k.alone === 'm2')!.client.loadState();
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
    await Promise.all(all.map((k) => k.client.close()));
    await proxies?.close();
    await clearCrowd(m2);
    rmSync(proxyDir, { recursive: true, force: true });
  }
}

await main();
