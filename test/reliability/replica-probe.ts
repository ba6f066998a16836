// Probing a service while it rolls: in rounds (every ~25 ms), what Docker reports (running and
// healthy replicas, their addresses) and one HTTP request to every replica address. A round in
// which no replica answered is what a load balancer would have seen as the service down. Replica
// addresses are either a machine's published host port (reached from this host) or a container's
// bridge address, reached through a forwarder running inside that machine's network namespace.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_DIR } from '../cluster/harness.js';
import type { DeployEvent } from '../../src/execute/events.js';
import type { PlanJson } from './dockplan-process.js';
import { CensusWatch, type CensusSample, type ServiceCensus } from './scenario.js';
import { shortId } from '../support/engine-helpers.js';

const FORWARDER_PROGRAM = join(PROJECT_DIR, 'test', 'reliability', 'forwarder-program.ts');

/** The network namespace of a test-cluster machine (scripts/cluster.sh names them dp-<machine>). */
export function machineNetns(machineName: string): string {
  return `/var/run/netns/dp-${machineName}`;
}

/** An HTTP forwarder inside one machine's network namespace (see forwarder-program.ts). */
export class NetnsForwarder {
  private constructor(readonly machine: string, readonly socketPath: string, private readonly child: ChildProcess) {}

  /** Starts the forwarder for the machine; resolves once it listens. Throws naming the namespace when it cannot start. */
  static async open(machineName: string, timeoutMs = 20_000): Promise<NetnsForwarder> {
    const netns = machineNetns(machineName);
    if (!existsSync(netns)) throw new Error(`network namespace ${netns} of ${machineName} does not exist: is the test cluster up (bash scripts/cluster.sh up)?`);
    const socketPath = join(tmpdir(), `dockplan-probe-${machineName}-${shortId()}.sock`);
    const child = spawn('nsenter', [`--net=${netns}`, process.execPath, '--import', 'tsx', FORWARDER_PROGRAM, socketPath, '1000'], {
      cwd: PROJECT_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the probe forwarder in ${netns} did not listen within ${timeoutMs} ms: ${stderr.trim()}`)), timeoutMs);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        if (d.includes('listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the probe forwarder in ${netns} exited with ${code}: ${stderr.trim()}`));
      });
    });
    return new NetnsForwarder(machineName, socketPath, child);
  }

  /** Stops the forwarder (the process this test started) and removes its socket file. */
  close(): void {
    this.child.kill('SIGTERM');
    rmSync(this.socketPath, { force: true });
  }
}

/** One replica address to probe. */
export interface ProbeTarget {
  /** Names the address in the figures: `m1 10.213.0.11:20080` or `m1 rel-web-x1y2`. */
  key: string;
  machine: string;
  host: string;
  port: number;
  /** Reach it from inside its machine; without it, from this host. */
  via?: NetnsForwarder;
}

export interface ProbeResult {
  key: string;
  machine: string;
  ok: boolean;
  /** The answer's body (trimmed) when ok. */
  body?: string;
  error?: string;
  /** No answer at all within the timeout (the connection hung), rather than refused or reset. */
  timedOut?: boolean;
}

/** One probe round: the answer of every address, and what Docker last reported. */
export interface ProbeRound {
  /** When the round started (ms since the epoch). */
  at: number;
  /** Running containers of the service, and those of them healthy, in the latest census. */
  running: number;
  healthy: number;
  results: ProbeResult[];
}

/** Sends `GET /` to the target; ok only for a 200 within timeoutMs. Never throws. */
export function probe(target: ProbeTarget, timeoutMs = 1000): Promise<ProbeResult> {
  const base = { key: target.key, machine: target.machine };
  return new Promise((resolve) => {
    const req = request(
      target.via
        ? { socketPath: target.via.socketPath, path: '/', headers: { 'x-probe-target': `${target.host}:${target.port}` }, agent: false, timeout: timeoutMs * 2 }
        : { host: target.host, port: target.port, path: '/', agent: false, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve(res.statusCode === 200 ? { ...base, ok: true, body: body.trim() } : { ...base, ok: false, error: `HTTP ${res.statusCode}: ${body.trim()}` }));
        res.on('error', (e) => resolve({ ...base, ok: false, error: e.message }));
      },
    );
    let timedOut = false;
    req.on('timeout', () => {
      timedOut = true;
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    });
    req.on('error', (e) => resolve({ ...base, ok: false, error: e.message, ...(timedOut ? { timedOut } : {}) }));
    req.end();
  });
}

/** What a round probes: the addresses, from a census of the service. */
export type TargetsOf = (census: ServiceCensus) => ProbeTarget[];

/** The machines' published host port: one fixed address per machine (`ip:port`). */
export function hostPortTargets(machines: { name: string; ip: string }[], port: number): TargetsOf {
  const targets = machines.map((m) => ({ key: `${m.name} ${m.ip}:${port}`, machine: m.name, host: m.ip, port }));
  return () => targets;
}

/**
 * The healthy running replicas' bridge addresses (port `port`), as Docker reports them now, each
 * reached from inside its machine: what a load balancer that follows Docker would route to.
 */
export function containerTargets(forwarders: NetnsForwarder[], port: number): TargetsOf {
  const via = new Map(forwarders.map((f) => [f.machine, f]));
  return (census) => census.replicas
    .filter((r) => r.healthy && r.ip !== '' && via.has(r.machine))
    .map((r) => ({ key: `${r.machine} ${r.name}`, machine: r.machine, host: r.ip, port, via: via.get(r.machine)! }));
}

/**
 * Probe rounds of one service until stopped (see the file comment). Docker is asked by a
 * CensusWatch of its own, since a list call waits while the engine starts or stops a container
 * and must not slow the probes down; each round probes the addresses of the latest census.
 */
export class ProbeRun {
  readonly rounds: ProbeRound[] = [];
  private watch?: CensusWatch;
  private stopped = false;
  private loop?: Promise<void>;
  private listeners: ((round: ProbeRound) => void)[] = [];

  constructor(
    private readonly service: string,
    private readonly targetsOf: TargetsOf,
    /** The least time between two round starts (ms). */
    private readonly intervalMs = 25,
  ) {}

  /** Every census taken while probing. */
  get census(): CensusSample[] {
    return this.watch?.samples ?? [];
  }

  /** Starts the census and the rounds; resolves after the first round. */
  async start(): Promise<this> {
    this.watch = await CensusWatch.start(this.service, this.intervalMs);
    const first = new Promise<ProbeRound>((resolve) => this.listeners.push(resolve));
    this.loop = this.probeLoop(this.watch);
    await first;
    return this;
  }

  /** Stops starting rounds and waits for the answers of those under way; returns every round, in start order. */
  async stop(): Promise<ProbeRound[]> {
    this.stopped = true;
    await Promise.all([this.loop, this.watch?.stop()]);
    return this.rounds;
  }

  /** Resolves with the first round from now on that matches; rejects after timeoutMs, naming `what`. */
  until(match: (round: ProbeRound) => boolean, what: string, timeoutMs = 30_000): Promise<ProbeRound> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== listener);
        const last = this.rounds.at(-1);
        reject(new Error(`no probe round showed ${what} within ${timeoutMs} ms; last round: ${JSON.stringify(last)}`));
      }, timeoutMs);
      const listener = (round: ProbeRound) => {
        if (!match(round)) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
        resolve(round);
      };
      this.listeners.push(listener);
    });
  }

  /**
   * A round starts every intervalMs whether or not the earlier ones have their answers: a request
   * that hangs (a port whose container is not listening yet can swallow the connection) must not
   * stop the other addresses from being probed. Rounds are recorded as their answers complete.
   */
  private async probeLoop(watch: CensusWatch): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    while (!this.stopped) {
      const at = Date.now();
      const census = watch.latest;
      const running = census.replicas.filter((r) => r.running);
      const round = Promise.all(this.targetsOf(census).map((t) => probe(t))).then((results) => {
        const done: ProbeRound = { at, running: running.length, healthy: running.filter((r) => r.healthy).length, results };
        this.rounds.push(done);
        for (const l of [...this.listeners]) l(done);
      });
      inFlight.add(round);
      void round.finally(() => inFlight.delete(round));
      await pace(at, this.intervalMs);
    }
    await Promise.all(inFlight);
    this.rounds.sort((a, b) => a.at - b.at);
  }
}

/** Waits out the rest of a period that started at `since`: a request rate, not a wait for an event. */
function pace(since: number, periodMs: number): Promise<void> {
  const wait = periodMs - (Date.now() - since);
  return wait > 0 ? new Promise((r) => setTimeout(r, wait)) : Promise.resolve();
}

/** Requests to one address (or to every address of one machine) and its longest outage. */
export interface AddressFigures {
  key: string;
  sent: number;
  failed: number;
  /** Of the failed, those that got no answer at all within the timeout (the others were refused or reset). */
  timedOut: number;
  /** Longest time from a failed request to the next answered one there (ms); 0 when none failed. */
  longestOutageMs: number;
}

/** What a probe run measured. */
export interface ProbeFigures {
  rounds: number;
  sent: number;
  failed: number;
  /** Rounds in which no address answered: the service was down for a load balancer. */
  serviceFailedRounds: number;
  perAddress: AddressFigures[];
  /** Per machine: a round fails there when none of its addresses answered (none probed counts as failed). */
  perMachine: AddressFigures[];
  /** The fewest addresses that answered in one round. */
  minAnswered: number;
  /** The rounds in which that few answered, in words (time, then each address's answer or error). */
  weakestRounds: string[];
  /** How many times Docker was asked, and the fewest running (and running healthy) containers it reported. */
  censusSamples: number;
  minRunning: number;
  minHealthy: number;
  /** The answers' bodies (the served VERSION), counted. */
  answers: Record<string, number>;
}

function longestOutage(points: { at: number; ok: boolean }[], end: number): number {
  let longest = 0;
  let since: number | undefined;
  for (const p of points) {
    if (!p.ok) since ??= p.at;
    else if (since !== undefined) {
      longest = Math.max(longest, p.at - since);
      since = undefined;
    }
  }
  if (since !== undefined) longest = Math.max(longest, end - since);
  return longest;
}

/** The figures of a probe run over the given machines. */
export function probeFigures(run: { rounds: ProbeRound[]; census: CensusSample[] }, machines: readonly string[]): ProbeFigures {
  const rounds = [...run.rounds].sort((a, b) => a.at - b.at);
  const { census } = run;
  const end = rounds.at(-1)?.at ?? 0;
  const byKey = new Map<string, { at: number; ok: boolean; timedOut: boolean }[]>();
  const answers: Record<string, number> = {};
  for (const round of rounds) {
    for (const r of round.results) {
      const list = byKey.get(r.key) ?? [];
      list.push({ at: round.at, ok: r.ok, timedOut: r.timedOut === true });
      byKey.set(r.key, list);
      if (r.ok && r.body !== undefined) answers[r.body] = (answers[r.body] ?? 0) + 1;
    }
  }
  const perAddress = [...byKey].map(([key, points]) => ({
    key, sent: points.length, failed: points.filter((p) => !p.ok).length, timedOut: points.filter((p) => p.timedOut).length, longestOutageMs: longestOutage(points, end),
  })).sort((a, b) => a.key.localeCompare(b.key));
  const perMachine = machines.map((m) => {
    const points = rounds.map((round) => ({ at: round.at, ok: round.results.some((r) => r.machine === m && r.ok) }));
    const mine = rounds.flatMap((round) => round.results.filter((r) => r.machine === m));
    return {
      key: m, sent: mine.length, failed: mine.filter((r) => !r.ok).length, timedOut: mine.filter((r) => r.timedOut).length, longestOutageMs: longestOutage(points, end),
    };
  });
  const all = rounds.flatMap((r) => r.results);
  const min = (values: number[]) => (values.length ? Math.min(...values) : 0);
  const answered = (r: ProbeRound) => r.results.filter((x) => x.ok).length;
  const minAnswered = min(rounds.map(answered));
  const start = rounds[0]?.at ?? 0;
  const weakestRounds = rounds.filter((r) => answered(r) === minAnswered).slice(0, 5)
    .map((r) => `+${r.at - start} ms: ${r.results.map((x) => `${x.key} ${x.ok ? x.body : x.error}`).join('; ')}`);
  return {
    rounds: rounds.length,
    sent: all.length,
    failed: all.filter((r) => !r.ok).length,
    serviceFailedRounds: rounds.filter((r) => !r.results.some((x) => x.ok)).length,
    perAddress,
    perMachine,
    minAnswered,
    weakestRounds,
    censusSamples: census.length,
    minRunning: min(census.map((c) => c.running)),
    minHealthy: min(census.map((c) => c.healthy)),
    answers,
  };
}

/** A replace as the run's events timed it. */
export interface ReplaceTiming {
  opId: string;
  machine: string;
  order: string;
  /** From the stop of the old container to the new one healthy (ms): the replica's gap with
   * stop-first; negative with start-first, where it is the overlap of old and new. */
  stopToHealthyMs: number;
}

/** The stop -> healthy time of every replace of the run, from its `phase` events. */
export function replaceTimings(plan: PlanJson, events: DeployEvent[]): ReplaceTiming[] {
  return plan.operations.filter((op) => op.type === 'replace').flatMap((op): ReplaceTiming[] => {
    const stop = events.find((e) => e.type === 'phase' && e.opId === op.id && e.phase === 'stopping' && e.container?.id === op.container?.id);
    const healthy = events.find((e) => e.type === 'phase' && e.opId === op.id && e.phase === 'healthy');
    if (!stop || !healthy) return [];
    return [{ opId: op.id, machine: op.machine.name, order: op.order ?? '?', stopToHealthyMs: Date.parse(healthy.at) - Date.parse(stop.at) }];
  });
}

/**
 * Requests that got no answer at all although they were sent after their machine's new replica
 * was reported healthy, and how long after the latest of them was sent (ms): the health gate,
 * which Docker runs inside the container, does not prove that the way in from outside is ready.
 */
export function unansweredAfterHealthy(rounds: ProbeRound[], events: DeployEvent[]): { count: number; latestMs: number } {
  const healthyAt = new Map<string, number>();
  for (const e of events) if (e.type === 'phase' && e.phase === 'healthy') healthyAt.set(e.machineId, Date.parse(e.at));
  let count = 0;
  let latestMs = 0;
  for (const round of rounds) {
    for (const r of round.results) {
      const healthy = healthyAt.get(r.machine);
      if (!r.timedOut || healthy === undefined || round.at < healthy) continue;
      count++;
      latestMs = Math.max(latestMs, round.at - healthy);
    }
  }
  return { count, latestMs };
}

/** The figures as diagnostic lines. */
export function figureLines(label: string, f: ProbeFigures, timings: ReplaceTiming[]): string[] {
  return [
    `${label}: ${f.rounds} probe rounds, ${f.sent} requests, ${f.failed} failed; failed as a service (no replica answered): ${f.serviceFailedRounds} rounds`,
    `${label}: fewest replicas answering in a round ${f.minAnswered}; Docker asked ${f.censusSamples} times: fewest running ${f.minRunning}, running healthy ${f.minHealthy}`,
    ...f.perMachine.map((m) => `${label}: ${m.key}: ${m.sent} requests, ${m.failed} failed (${m.timedOut} with no answer in 1 s), longest outage ${m.longestOutageMs} ms`),
    ...f.perAddress.map((a) => `${label}:   address ${a.key}: ${a.sent} sent, ${a.failed} failed (${a.timedOut} with no answer in 1 s)`),
    ...timings.map((t) => `${label}: ${t.machine} (${t.opId}, ${t.order}): stop of the old -> new healthy ${t.stopToHealthyMs} ms`),
    `${label}: answers ${JSON.stringify(f.answers)}`,
  ];
}
