// Rollout throughput on the real test cluster, side by side with Docker Swarm, in one run.
//
// One service, 12 replicas over m1, m2 and m3 (6 with --quick): busybox `sleep` with init, a
// healthcheck `true` every 500ms, start-first. Each timed step is a change that replaces every
// replica (an env value bumped) at update parallelism 1, 3 and 6:
// - dockplan: the spec file read by the CLI's reader, planned (state load + plan) and applied
//   through the engine's one entry point (applyPlan, approval policy all) with the deploy lock and
//   a history file, as `dockplan deploy --yes` does, in this process; timed from the state load
//   until Docker's events show every new replica healthy and every old one stopped; the run's end
//   (the last replicas watched through their monitor period, 5s by default, then the old
//   containers removed) is reported beside;
// - Swarm: `swarm init` on m1, `join` of m2 and m3, the same container as a service; timed from the
//   update call until Docker's events show every new task's container healthy (Swarm counts a task
//   running only once it is healthy) and every old one stopped; UpdateStatus `completed` (which
//   Swarm sets one update-monitor period, 5s by default, after the last slot) is reported beside;
// - the docker-op bound: create + start + first healthy + stop + remove of one replica, done
//   directly with dockerode, P at a time spread over the machines; its median times the replica
//   count divided by P.
// Beside each timed rollout, the share of the machine's cores busy over it (every process), and
// once per round the share with the tool's service up and idle: its replicas' healthchecks alone.
// Rounds take turns (Swarm first, then dockplan first); each tool rolls out on a quiet cluster
// (the other's service removed). Figures are medians over the rounds. Needs root and the test
// cluster; takes the cluster tests' lock itself unless it already runs under it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { readSpecFile } from '../../src/cli/spec-file.js';
import { DockerClient } from '../../src/cluster/docker-client.js';
import { Deployment } from '../../src/execute/deployment.js';
import { ClusterDeployLock } from '../../src/execute/lock.js';
import { FileHistoryStore } from '../../src/store/history-file.js';
import { clusterFile, machines, registry, skipReason, SERVICE_NAME_LABEL, type Machine } from '../cluster/harness.js';
import { EngineEvents, watchRollout, type RolloutSeen } from '../support/rollout-events.js';
import { SWARM_SERVICE_LABEL, TestSwarm, type SwarmServiceShape } from '../support/swarm.js';
import { benchOptions, busyShare, cpuTimes, holdClusterLock, machineLine, median, ms, publishSection, ratio } from './report.js';

const options = benchOptions();
const REPLICAS = options.quick ? 6 : 12;
const PARALLELISMS = [1, 3, 6] as const;
/** Rounds of the full run: an even number, so each tool goes first as often as the other (rounds take turns). */
const ROUNDS = options.quick ? 1 : 4;
/**
 * The full run's budget (s, from taking the cluster lock): a round is not started when the last
 * one's length says it would end past it (the report says how many rounds ran). Teardown (the
 * swarm dissolved) takes about 10s more.
 */
const BUDGET_S = 480;
/** Replica lifecycles measured per parallelism and round for the bound (at least one wave of P). */
const BOUND_SAMPLES = options.quick ? 1 : 3;
const HEALTH_INTERVAL_MS = 500;
const HEALTH_CMD = 'true';
const ARGS = ['sleep', '3600'];
/** Label of the bound's own containers (and anything this benchmark makes), for the final sweep. */
const BENCH_LABEL = 'dockplan.bench';
/** A rollout that takes longer than this is broken, not slow. */
const ROLLOUT_TIMEOUT_MS = 120_000;
const TARGET_SWARM = 0.8;
/** How long the machine's CPU is read with a tool's service up and idle, before its timed updates (ms). */
const IDLE_SAMPLE_MS = options.quick ? 500 : 2_000;
const TARGET_BOUND = 1.3;

type Tool = 'dockplan' | 'swarm';

/** One timed rollout of one tool at one parallelism. */
interface Sample {
  tool: Tool;
  parallelism: number;
  round: number;
  /**
   * The headline: from the start (dockplan: its state load; Swarm: the update call) until Docker's
   * events show every new replica healthy and every old one stopped (seen.convergedMs).
   */
  totalMs: number;
  /** From the same start, when Docker's events showed every new replica healthy and every old one stopped. */
  seen: RolloutSeen;
  /** dockplan: state load + plan. */
  planMs?: number;
  /** dockplan: from the state load until the run ended (the last replicas' monitor period and the cleanup included). */
  endMs?: number;
  /** Swarm: the update call until UpdateStatus `completed`. */
  completedMs?: number;
  /** The share (0 to 1) of the machine's cores busy over the timed span (every process: engines, healthchecks, this one). */
  cpuBusy: number;
}

// ---- the shared service shape -------------------------------------------------------------------

/** The dockplan spec file of the benchmark service: the same container as the Swarm service. */
function specText(name: string, image: string, version: number, parallelism: number): string {
  return [
    `name: ${name}`,
    `image: ${image}`,
    `replicas: ${REPLICAS}`,
    `command: [${ARGS.map((a) => JSON.stringify(a)).join(', ')}]`,
    'env:',
    `  VERSION: "${version}"`,
    'init: true',
    'healthcheck:',
    `  test: ["CMD-SHELL", "${HEALTH_CMD}"]`,
    `  interval: ${HEALTH_INTERVAL_MS}ms`,
    'placement:',
    '  machines: [m1, m2, m3]',
    'update:',
    `  parallelism: ${parallelism}`,
    '  order: start-first',
    '',
  ].join('\n');
}

function swarmShape(name: string, image: string, version: number, parallelism: number): SwarmServiceShape {
  return { name, image, replicas: REPLICAS, args: ARGS, env: { VERSION: String(version) }, healthCmd: HEALTH_CMD, healthIntervalMs: HEALTH_INTERVAL_MS, parallelism, order: 'start-first' };
}

// ---- dockplan -----------------------------------------------------------------------------------

class DockplanSide {
  private version = 0;
  private readonly dir: string;

  constructor(
    private readonly client: DockerClient,
    private readonly events: EngineEvents,
    private readonly cluster: readonly Machine[],
    private readonly image: string,
    readonly name: string,
    dir: string,
  ) {
    this.dir = dir;
  }

  private async deploy(parallelism: number, timed: boolean, round: number): Promise<Sample | undefined> {
    this.version += 1;
    const file = join(this.dir, `${this.name}.yaml`);
    writeFileSync(file, specText(this.name, this.image, this.version, parallelism));
    const spec = await readSpecFile(file);
    const old = new Set((await Promise.all(this.cluster.map((m) => m.docker.listContainers({
      filters: JSON.stringify({ label: [`${SERVICE_NAME_LABEL}=${this.name}`] }),
    })))).flat().map((c) => c.Id));
    const lock = new ClusterDeployLock(this.client);
    const history = new FileHistoryStore({ dir: this.dir, cluster: this.client.describe() });
    const since = performance.now();
    const cpuAtStart = cpuTimes();
    let cpuBusy = 0;
    const seen = watchRollout(this.events, {
      member: (a) => a[SERVICE_NAME_LABEL] === this.name, old, replicas: REPLICAS, since, timeoutMs: ROLLOUT_TIMEOUT_MS,
    }).then((r) => {
      cpuBusy = busyShare(cpuAtStart, cpuTimes());
      return r;
    });
    const deployment = new Deployment(this.client, spec);
    const { plan } = await deployment.plan();
    const planned = performance.now();
    const kinds = plan.operations.map((o) => o.kind);
    const expected = old.size === 0 ? 'run' : 'replace';
    if (kinds.length !== REPLICAS || kinds.some((k) => k !== expected)) {
      throw new Error(`dockplan planned ${kinds.join(', ') || 'nothing'} for ${this.name}; expected ${REPLICAS} × ${expected}`);
    }
    const app = await deployment.run({ lock, history }, { approval: 'all' });
    const result = await app.result;
    const end = performance.now();
    if (result.outcome !== 'done') {
      throw new Error(`dockplan's rollout of ${this.name} ended ${result.outcome}: ${result.failure?.message ?? result.reason ?? 'no reason given'}`);
    }
    const rollout = await seen;
    await this.checkRunning();
    if (!timed) return undefined;
    return { tool: 'dockplan', parallelism, round, totalMs: rollout.convergedMs, seen: rollout, cpuBusy, planMs: planned - since, endMs: end - since };
  }

  /** The first deploy of a round (not timed). */
  async create(): Promise<void> {
    await this.deploy(REPLICAS, false, -1);
  }

  /** One timed change that replaces every replica at `parallelism`. */
  update(parallelism: number, round: number, _awaitCompleted?: boolean): Promise<Sample> {
    return this.deploy(parallelism, true, round) as Promise<Sample>;
  }

  /** Every replica runs the current version, and nothing else of the service is left. */
  private async checkRunning(): Promise<void> {
    const all = (await Promise.all(this.cluster.map((m) => m.docker.listContainers({
      all: true, filters: JSON.stringify({ label: [`${SERVICE_NAME_LABEL}=${this.name}`] }),
    })))).flat();
    const running = all.filter((c) => c.State === 'running');
    if (all.length !== REPLICAS || running.length !== REPLICAS) {
      throw new Error(`after dockplan's rollout of ${this.name}: ${running.length} running of ${all.length} containers; expected ${REPLICAS} running and nothing else`);
    }
  }

  /** Removes the service's containers (not timed). */
  async remove(): Promise<void> {
    this.version = 0;
    await Promise.all(this.cluster.map(async (m) => {
      const list = await m.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${SERVICE_NAME_LABEL}=${this.name}`] }) });
      await Promise.all(list.map((c) => m.docker.getContainer(c.Id).remove({ force: true, v: true })));
    }));
  }
}

// ---- Swarm --------------------------------------------------------------------------------------

class SwarmSide {
  private version = 0;

  constructor(
    private readonly swarm: TestSwarm,
    private readonly events: EngineEvents,
    private readonly image: string,
    readonly name: string,
  ) {}

  private member = (a: Record<string, string>) => a[SWARM_SERVICE_LABEL] === this.name;

  /** The first deploy of a round (not timed): resolves once every replica is healthy. */
  async create(): Promise<void> {
    this.version = 1;
    const seen = watchRollout(this.events, { member: this.member, old: new Set(), replicas: REPLICAS, since: performance.now(), timeoutMs: ROLLOUT_TIMEOUT_MS });
    await this.swarm.createService(swarmShape(this.name, this.image, this.version, REPLICAS));
    await seen;
  }

  /**
   * One timed update that replaces every task at `parallelism`. With `awaitCompleted`, also waits
   * for UpdateStatus `completed` (one monitor period, 5s, after the last slot); without it the
   * next update or the removal cancels that wait in Swarm, which changes nothing already measured.
   */
  async update(parallelism: number, round: number, awaitCompleted: boolean): Promise<Sample> {
    this.version += 1;
    const shape = swarmShape(this.name, this.image, this.version, parallelism);
    const old = await this.settled();
    const version = await this.swarm.serviceVersion(this.name);
    // Swarm says `completed` in a service event (updatestate.new) once its monitor period is over.
    const completed = awaitCompleted && this.events.next(
      (e) => e.type === 'service' && e.attributes.name === this.name && (e.attributes['updatestate.new'] ?? '').toLowerCase() === 'completed',
      `swarm service ${this.name} never reported its update completed`, ROLLOUT_TIMEOUT_MS,
    );
    if (completed) completed.catch(() => undefined);
    const since = performance.now();
    const cpuAtStart = cpuTimes();
    const seen = watchRollout(this.events, { member: this.member, old, replicas: REPLICAS, since, timeoutMs: ROLLOUT_TIMEOUT_MS });
    await this.swarm.updateService(shape, { version });
    const rollout = await seen;
    const cpuBusy = busyShare(cpuAtStart, cpuTimes());
    const done = completed ? await completed : undefined;
    const tasks = await this.swarm.runningTasks(this.name);
    const current = tasks.filter((t) => t.state === 'running' && t.env.includes(`VERSION=${this.version}`));
    if (tasks.length !== REPLICAS || current.length !== REPLICAS) {
      throw new Error(`after Swarm's update of ${this.name}: ${current.length} of ${tasks.length} tasks run version ${this.version}; expected ${REPLICAS}`);
    }
    return { tool: 'swarm', parallelism, round, totalMs: rollout.convergedMs, seen: rollout, cpuBusy, ...(done ? { completedMs: done.at - since } : {}) };
  }

  /**
   * The ids of the service's running containers once there are exactly REPLICAS of them: an old
   * container whose `die` ended the last rollout is listed as running for a moment more. Throws
   * naming every container when the count does not settle within 30s.
   */
  private async settled(): Promise<Set<string>> {
    const deadline = performance.now() + 30_000;
    for (;;) {
      const running = new Set([...(await this.swarm.containersOf(this.name, 'running')).values()].flat());
      if (running.size === REPLICAS) return running;
      if (performance.now() > deadline) {
        const seen = await this.swarm.describeContainers(this.name);
        throw new Error(`swarm service ${this.name} runs ${running.size} containers, not ${REPLICAS}, 30s after its last rollout converged:\n  ${seen.join('\n  ')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async remove(): Promise<void> {
    await this.swarm.removeService(this.name);
  }
}

// ---- the docker-op bound ------------------------------------------------------------------------

/**
 * One replica's whole life done directly: create, start, first `health_status: healthy` event,
 * stop, remove. Resolves with its duration (ms).
 */
async function replicaLifecycle(events: EngineEvents, m: Machine, image: string, name: string): Promise<number> {
  const t0 = performance.now();
  const container = await m.docker.createContainer({
    name,
    Image: image,
    Cmd: ARGS,
    Env: ['VERSION=bound'],
    Labels: { [BENCH_LABEL]: 'rollout' },
    Healthcheck: { Test: ['CMD-SHELL', HEALTH_CMD], Interval: HEALTH_INTERVAL_MS * 1_000_000 },
    HostConfig: { Init: true },
  });
  const healthy = events.next((e) => e.id === container.id && e.action === 'health_status: healthy', `container ${name} on ${m.name} never became healthy`, 30_000);
  await container.start();
  await healthy;
  await container.stop();
  await container.remove({ v: true });
  return performance.now() - t0;
}

/** `count` replica lifecycles, `parallelism` at a time, replica k on machine k mod n. */
async function measureBound(events: EngineEvents, cluster: readonly Machine[], image: string, parallelism: number, count: number, tag: string): Promise<number[]> {
  const durations: number[] = [];
  let next = 0;
  const worker = async () => {
    for (let k = next++; k < count; k = next++) {
      durations.push(await replicaLifecycle(events, cluster[k % cluster.length]!, image, `bench-bound-${tag}-${parallelism}-${k}`));
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, count) }, worker));
  return durations;
}

// ---- the run ------------------------------------------------------------------------------------

function shortId(): string {
  return Math.random().toString(36).slice(2, 6);
}

/** The registry digest of the image the cluster script pushed (asked of the registry through m1's engine). */
async function pinnedImage(docker: Docker): Promise<string> {
  const image = `${registry()}/busybox:1`;
  const info = (await docker.getImage(image).distribution()) as { Descriptor?: { digest?: string } };
  const digest = info.Descriptor?.digest;
  if (!digest) throw new Error(`the registry ${registry()} gave no digest for ${image}: is the test cluster up (scripts/cluster.sh status)?`);
  return `${image}@${digest}`;
}

async function sweep(cluster: readonly Machine[], names: string[]): Promise<void> {
  await Promise.all(cluster.map(async (m) => {
    const labels = [`${BENCH_LABEL}`, ...names.map((n) => `${SERVICE_NAME_LABEL}=${n}`)];
    for (const label of labels) {
      const list = await m.docker.listContainers({ all: true, filters: { label: [label] } }).catch(() => []);
      await Promise.all(list.map((c) => m.docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
    }
  }));
}

async function main(): Promise<void> {
  const skip = skipReason();
  if (skip) {
    console.log(`rollout bench skipped: ${skip}`);
    return;
  }
  await holdClusterLock();
  const started = performance.now();
  const cluster = machines();
  const sources = cluster.map((m) => ({ name: m.name, docker: m.docker, ip: m.ip }));
  const image = await pinnedImage(cluster[0]!.docker);
  const dir = mkdtempSync(join(tmpdir(), 'dpb-rollout-'));
  const events = await EngineEvents.open(sources);
  const tag = shortId();
  const dockplanName = `bench-dp-${tag}`;
  const swarmName = `bench-sw-${tag}`;
  let swarm: TestSwarm | undefined;
  let client: DockerClient | undefined;
  const samples: Sample[] = [];
  const bound = new Map<number, number[]>(PARALLELISMS.map((p) => [p, []]));
  /** Per tool, the machine's busy share with its service up and idle (healthchecks only), once per round. */
  const idleBusy: Record<Tool, number[]> = { dockplan: [], swarm: [] };
  let swarmFormMs = 0;
  let roundsRun = 0;
  let failure: unknown;
  try {
    const t0 = performance.now();
    swarm = await TestSwarm.form(sources);
    swarmFormMs = performance.now() - t0;
    console.log(`swarm formed on ${cluster.map((m) => m.name).join(', ')} in ${ms(swarmFormMs)}; image ${image}`);
    client = await DockerClient.open(clusterFile());
    const dockplan = new DockplanSide(client, events, cluster, image, dockplanName, dir);
    const swarmSide = new SwarmSide(swarm, events, image, swarmName);
    let roundStarted = performance.now();
    for (let round = 0; round < ROUNDS; round++) {
      const elapsed = (performance.now() - started) / 1000;
      // The last round's length, less its idle waits for UpdateStatus (later rounds skip them).
      const idle = samples.filter((x) => x.round === round - 1 && x.completedMs !== undefined).reduce((sum, x) => sum + x.completedMs! - x.totalMs, 0);
      const last = (performance.now() - roundStarted - idle) / 1000;
      if (round > 0 && elapsed + last > BUDGET_S) {
        console.log(`round ${round + 1} not started: ${elapsed.toFixed(0)} s gone and the last round took ${last.toFixed(0)} s (budget ${BUDGET_S} s)`);
        break;
      }
      roundStarted = performance.now();
      roundsRun = round + 1;
      const order: Tool[] = round % 2 === 0 ? ['swarm', 'dockplan'] : ['dockplan', 'swarm'];
      for (const tool of order) {
        const side = tool === 'swarm' ? swarmSide : dockplan;
        await side.create();
        const idleFrom = cpuTimes();
        await new Promise((resolve) => setTimeout(resolve, IDLE_SAMPLE_MS));
        idleBusy[tool].push(busyShare(idleFrom, cpuTimes()));
        for (const p of PARALLELISMS) {
          // Swarm's UpdateStatus completion is waited for in the first round only: it is its last
          // slot plus the monitor period, idle time that would otherwise cost 5s per update.
          // --quick waits for it once (the last parallelism), to keep the path.
          const s = await side.update(p, round, round === 0 && (!options.quick || p === PARALLELISMS[PARALLELISMS.length - 1]));
          samples.push(s);
          const extra = s.tool === 'swarm'
            ? (s.completedMs !== undefined ? `; UpdateStatus completed at ${ms(s.completedMs)}` : '')
            : `; plan ${ms(s.planMs!)}, run ended at ${ms(s.endMs!)}`;
          console.log(`round ${round + 1} ${tool.padEnd(8)} P=${p}: ${ms(s.totalMs)} (events: converged ${ms(s.seen.convergedMs)}, last healthy ${ms(s.seen.lastHealthyMs)}${extra}; CPU ${percent(s.cpuBusy)} busy)`);
        }
        if (tool === 'dockplan') {
          // The bound is measured beside the service's replicas, as a rollout runs: their
          // healthchecks (an exec each, every 500ms) weigh on the engines during a rollout too.
          for (const p of PARALLELISMS) {
            const d = await measureBound(events, cluster, image, p, Math.max(p, BOUND_SAMPLES), `${tag}-${round}`);
            bound.get(p)!.push(...d);
            console.log(`round ${round + 1} bound    P=${p}: replica lifecycle median ${ms(median(d))} over ${d.length}`);
          }
        }
        await side.remove();
      }
    }
  } catch (err) {
    failure = err;
  } finally {
    const problems: string[] = [];
    await sweep(cluster, [dockplanName]).catch((err: unknown) => problems.push(`removing the benchmark's containers: ${(err as Error).message}`));
    await swarm?.dissolve().catch((err: unknown) => problems.push((err as Error).message));
    events.close();
    await client?.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    if (problems.length && !failure) failure = new Error(problems.join('\n'));
    else if (problems.length) console.error(problems.join('\n'));
  }
  if (failure) throw failure;
  publishSection('rollout', report(samples, bound, idleBusy, swarmFormMs, roundsRun, (performance.now() - started) / 1000), options);
}

/** The median UpdateStatus completion of the samples that waited for it, or a dash. */
function completedText(samples: Sample[]): string {
  const waited = samples.flatMap((s) => (s.completedMs === undefined ? [] : [s.completedMs]));
  return waited.length ? ms(median(waited)) : '—';
}

/** 0.734 -> `73%`. */
function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function report(samples: Sample[], bound: Map<number, number[]>, idleBusy: Record<Tool, number[]>, swarmFormMs: number, rounds: number, seconds: number): string {
  const of = (tool: Tool, p: number) => samples.filter((s) => s.tool === tool && s.parallelism === p);
  const rows: string[] = [];
  const detail: string[] = [];
  const verdicts: string[] = [];
  for (const p of PARALLELISMS) {
    const dp = of('dockplan', p);
    const sw = of('swarm', p);
    const dpMs = median(dp.map((s) => s.totalMs));
    const swMs = median(sw.map((s) => s.totalMs));
    const lifecycle = median(bound.get(p)!);
    const boundMs = (lifecycle * REPLICAS) / p;
    const vsSwarm = dpMs / swMs;
    const vsBound = dpMs / boundMs;
    rows.push(`| ${p} | ${ms(dpMs)} | ${ms(swMs)} | ${ratio(dpMs, swMs)} ${vsSwarm <= TARGET_SWARM ? '(met)' : '(not met)'} | ${ms(boundMs)} | ${ratio(dpMs, boundMs)} ${vsBound <= TARGET_BOUND ? '(met)' : '(not met)'} |`);
    detail.push(`| ${p} | ${ms(median(dp.map((s) => s.planMs!)))} | ${ms(median(dp.map((s) => s.endMs!)))} | ${completedText(sw)} | ${ms(lifecycle)} (${bound.get(p)!.length}) | ${percent(median(dp.map((s) => s.cpuBusy)))} / ${percent(median(sw.map((s) => s.cpuBusy)))} |`);
    if (vsSwarm > TARGET_SWARM) verdicts.push(`P=${p}: dockplan/Swarm ${vsSwarm.toFixed(2)} > ${TARGET_SWARM}`);
    if (vsBound > TARGET_BOUND) verdicts.push(`P=${p}: dockplan/bound ${vsBound.toFixed(2)} > ${TARGET_BOUND}`);
  }
  return [
    '## Rollout throughput, side by side with Docker Swarm',
    '',
    `Generated by \`npm run bench\` (test/bench/rollout.bench.ts) on the test cluster (three dockerd`,
    `machines m1, m2, m3 on one host). One service of ${REPLICAS} replicas over the three machines: busybox`,
    '`sleep 3600` with init, healthcheck `true` (CMD-SHELL) every 500ms, start-first, update delay 0.',
    'Each timed step is an env value bumped, which replaces every replica, at update parallelism P.',
    '',
    '- **dockplan**: the spec file read as the CLI reads it, planned and applied through the engine\'s one',
    '  entry point (`applyPlan`, approval policy all, the deploy lock and a history file: what',
    '  `dockplan deploy --yes` does, minus starting a process), in the benchmark\'s process. Timed from the',
    '  state load until Docker\'s events show every new replica `healthy` and no old one running, as Swarm is.',
    '  Like Swarm, dockplan then watches the last replicas through their monitor period (5s by default: a',
    '  replica that crashes in it fails the deploy, which rolls back) and only then removes the old',
    '  containers and ends: that moment is in the second table, beside Swarm\'s UpdateStatus `completed`.',
    `- **Swarm**: \`swarm init --advertise-addr ${'10.213.0.11'}\` on m1, \`swarm join\` of m2 and m3 (formed in`,
    `  ${ms(swarmFormMs)}), the same container as a service (\`--init --health-cmd true --health-interval`,
    '  500ms --update-order start-first --update-parallelism P --update-delay 0s`), the image pinned by',
    '  its digest in the local registry so no engine waits on a pull. Timed from the update call (the',
    '  Engine API, as `--detach` makes it) until Docker\'s events show every new task\'s container',
    '  `healthy` (Swarm reports a task running only once healthy, and its updater moves to the next',
    '  slot then) and no other container of the service running (each old one has had its `die`).',
    '  Swarm sets UpdateStatus `completed` one update-monitor period (5s by default) after its last',
    '  slot; that moment (first round only: the wait is idle time) is in the second table.',
    '- **bound**: create + start + first `healthy` event + stop + remove of one replica, run directly',
    '  with dockerode, P at a time spread over the machines, beside the dockplan service\'s running',
    '  replicas (as in a rollout: their healthchecks, an exec every 500ms each, load the engines);',
    '  the median, times the replica count, divided by P: what the Docker operations alone take.',
    '',
    `Medians of ${rounds} round${rounds === 1 ? '' : 's'}${rounds < ROUNDS ? ` (of ${ROUNDS}: the next would have ended past the ${BUDGET_S} s budget)` : ''}; rounds take turns (Swarm first, then dockplan first), each`,
    'tool rolling out on a quiet cluster (the other\'s service removed); the first deploy of each round',
    'is not timed. Ratios are of the medians. Targets: dockplan ≤ 0.8× Swarm and ≤ 1.3× the bound.',
    '',
    '| P | dockplan | Swarm | dockplan/Swarm (≤ 0.8) | bound | dockplan/bound (≤ 1.3) |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    '| P | dockplan: state load + plan | dockplan: run ended | Swarm: UpdateStatus completed | replica lifecycle (samples) | CPU busy: dockplan / Swarm |',
    '|---|---|---|---|---|---|',
    ...detail,
    '',
    `CPU busy is the share of the machine's ${cpus().length} cores in use over a timed rollout, by every process (the engines, the`,
    'replicas\' healthchecks, this benchmark). With a tool\'s service up and idle, before its updates (its replicas\'',
    `healthchecks alone), it is ${percent(median(idleBusy.dockplan))} (dockplan's service) and ${percent(median(idleBusy.swarm))} (Swarm's): a rollout's own work gets what is left.`,
    '',
    verdicts.length ? `Targets not met: ${verdicts.join('; ')}.` : 'Every target is met.',
    '',
    `${machineLine()}; whole rollout bench: ${seconds.toFixed(0)} s.`,
  ].join('\n');
}

await main();
