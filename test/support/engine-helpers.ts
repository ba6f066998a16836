// Shared helpers for the engine's end-to-end tests (test/cluster/engine-*.test.ts): deploy through
// the engine, then look at what really runs on each machine through Docker (dockerode).
//
// The cluster is shared: every service these tests make is named `e2e-<tag>-<4 chars>` and every
// volume `dpt-e2e-<tag>-<4 chars>`; an Engine removes exactly those (by label
// dockplan.service.name, by volume name) when the test file is done. Never cleanCluster().
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DockerClient } from '../../src/cluster/docker-client.js';
import { demuxLogs } from '../../src/cluster/container-state.js';
import { Deployment, type DeploymentOptions } from '../../src/execute/deployment.js';
import type { Application } from '../../src/execute/apply.js';
import type { ApprovalDecision, ApprovalRequest, DeployEvent, ExecutionResult, Phase } from '../../src/execute/events.js';
import { Execution, type ApprovalPolicy } from '../../src/execute/execution.js';
import { findService } from '../../src/model/cluster.js';
import { formatSpecError, parseSpec } from '../../src/model/parse-spec.js';
import type { ServiceMode, ServiceSpec } from '../../src/model/spec.js';
import type { NameResolver, PlannedOperation } from '../../src/plan/operations.js';
import type { Plan } from '../../src/plan/plan.js';
import { assemblePlan, nameResolver } from '../../src/plan/plan.js';
import { clusterFile, machine, machineUp, machines, SERVICE_NAME_LABEL, waitFor } from '../cluster/harness.js';

export const ALL_MACHINES = ['m1', 'm2', 'm3'] as const;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Four random chars of [a-z0-9]. */
export function shortId(): string {
  return [...randomBytes(4)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** Parses a spec file text that must be valid. */
export function specOf(text: string): ServiceSpec {
  const { spec, errors } = parseSpec(text, 'e2e.yaml');
  assert.deepEqual(errors.map(formatSpecError), [], `the test spec must be valid:\n${text}`);
  assert.ok(spec);
  return spec;
}

/** Lines joined into a spec file text. */
export function yaml(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** A container as Docker shows it (inspect), with the fields these tests look at. */
export interface Seen {
  machine: string;
  id: string;
  name: string;
  /** running, exited, created, restarting, ... */
  status: string;
  running: boolean;
  /** Docker's health status; undefined without a healthcheck. */
  health?: string;
  startedAt: string;
  restartCount: number;
  exitCode: number;
  image: string;
  env: string[];
  labels: Record<string, string>;
  memory: number;
  nanoCpus: number;
  init: boolean;
  mounts: { Type?: string; Name?: string; Destination: string }[];
  portBindings: Record<string, { HostIp: string; HostPort: string }[] | null>;
  healthLog: { ExitCode: number }[];
}

interface Inspect {
  Id: string;
  Name: string;
  RestartCount?: number;
  State: { Status: string; Running: boolean; StartedAt: string; ExitCode: number; Health?: { Status: string; Log?: { ExitCode: number }[] } };
  Config: { Image: string; Env?: string[] | null; Labels?: Record<string, string> | null };
  HostConfig: { Memory?: number; NanoCpus?: number; Init?: boolean | null; PortBindings?: Seen['portBindings'] | null };
  Mounts?: Seen['mounts'];
}

/** One container through Docker; undefined when it no longer exists. */
export async function inspect(machineName: string, id: string): Promise<Seen | undefined> {
  let c: Inspect;
  try {
    c = (await machine(machineName).docker.getContainer(id).inspect()) as unknown as Inspect;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
  return {
    machine: machineName,
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    status: c.State.Status,
    running: c.State.Running,
    health: c.State.Health?.Status,
    startedAt: c.State.StartedAt,
    restartCount: c.RestartCount ?? 0,
    exitCode: c.State.ExitCode,
    image: c.Config.Image,
    env: c.Config.Env ?? [],
    labels: c.Config.Labels ?? {},
    memory: c.HostConfig.Memory ?? 0,
    nanoCpus: c.HostConfig.NanoCpus ?? 0,
    init: c.HostConfig.Init === true,
    mounts: c.Mounts ?? [],
    portBindings: c.HostConfig.PortBindings ?? {},
    healthLog: c.State.Health?.Log ?? [],
  };
}

/** Every container (stopped ones too) of the service on the given machines, through Docker. */
export async function containersOfService(service: string, on: readonly string[] = ALL_MACHINES): Promise<Seen[]> {
  const lists = await Promise.all(on.map(async (m) => {
    const listed = await machine(m).docker.listContainers({ all: true, filters: { label: [`${SERVICE_NAME_LABEL}=${service}`] } });
    const seen = await Promise.all(listed.map((c) => inspect(m, c.Id)));
    return seen.filter((s): s is Seen => s !== undefined);
  }));
  return lists.flat().sort((a, b) => a.machine.localeCompare(b.machine) || a.startedAt.localeCompare(b.startedAt));
}

/** Running containers of the service per machine name: { m1: 1, m3: 1 }. */
export function countByMachine(list: Seen[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of list) out[c.machine] = (out[c.machine] ?? 0) + 1;
  return out;
}

/** The last log lines of a container, stdout and stderr as text. */
export async function logsOf(machineName: string, id: string): Promise<string> {
  const buf = (await machine(machineName).docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  return demuxLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)));
}

/** Runs a command in a running container and returns its output. */
export async function execIn(machineName: string, id: string, cmd: string[]): Promise<string> {
  const exec = await machine(machineName).docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (d: Buffer) => chunks.push(Buffer.from(d)));
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
    stream.on('error', reject);
  });
  return demuxLogs(Buffer.concat(chunks));
}

/** Whether the named volume exists on the machine; its labels when it does. */
export async function volumeOn(machineName: string, name: string): Promise<Record<string, string> | undefined> {
  try {
    const v = await machine(machineName).docker.getVolume(name).inspect();
    return (v.Labels ?? {}) as Record<string, string>;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

/** Waits until every machine of the cluster answers (another test may have powered one off). */
export async function waitAllMachinesUp(timeoutMs = 90_000): Promise<void> {
  await waitFor(async () => (await Promise.all(machines().map((m) => machineUp(m.name)))).every(Boolean), timeoutMs, 500);
}

/** The phase events of a run, flattened: who did what, in order. */
export interface PhaseStep {
  phase: Phase;
  machine: string;
  containerId?: string;
  containerName?: string;
  detail?: string;
}

/** How a test takes part in a run: its answers to approval requests, and every event. */
export interface DeployHooks {
  /** The decision for each request; without it everything is approved (a canary promoted, a pause rolled back). */
  answer?: (request: ApprovalRequest) => ApprovalDecision;
  approval?: ApprovalPolicy;
  onEvent?: (event: DeployEvent) => void;
}

export interface Deployed {
  plan: Plan;
  names: NameResolver;
  result: ExecutionResult;
  events: DeployEvent[];
  steps: PhaseStep[];
  /** Wall time of run() alone. */
  runMs: number;
}

/** Index of the first step matching, -1 when none. */
export function stepIndex(steps: PhaseStep[], phase: Phase, containerId?: string): number {
  return steps.findIndex((s) => s.phase === phase && (containerId === undefined || s.containerId === containerId));
}

/**
 * One DockerClient for a test file plus the names it made: `service(tag)` / `volume(tag)` make unique
 * names and remember them, `cleanup()` removes only those.
 */
export class Engine {
  readonly services = new Set<string>();
  readonly volumes = new Set<string>();
  private ids = new Map<string, string>();

  private constructor(readonly client: DockerClient) {}

  static async open(): Promise<Engine> {
    await waitAllMachinesUp();
    const engine = new Engine(await DockerClient.open(clusterFile()));
    for (const m of await engine.client.listMachines()) engine.ids.set(m.name, m.id);
    return engine;
  }

  /** A unique service name `e2e-<tag>-xxxx`, removed by cleanup(). */
  service(tag: string): string {
    const name = `e2e-${tag}-${shortId()}`;
    this.services.add(name);
    return name;
  }

  /** A unique volume name `dpt-e2e-<tag>-xxxx`, removed by cleanup(). */
  volume(tag: string): string {
    const name = `dpt-e2e-${tag}-${shortId()}`;
    this.volumes.add(name);
    return name;
  }

  /** The machine id of a machine name (ids are the cluster file's names). */
  machineId(name: string): string {
    const id = this.ids.get(name);
    assert.ok(id, `machine ${name} should be in the cluster file`);
    return id;
  }

  machineName(id: string): string {
    for (const [name, mid] of this.ids) if (mid === id) return name;
    return id;
  }

  /**
   * Plans and runs one deployment through the engine's entry point, recording its events. Approval
   * requests go to `hooks.answer` (approving everything without it). Does not assert success.
   */
  async deploy(spec: ServiceSpec, hooks: DeployHooks = {}, options: DeploymentOptions = {}): Promise<Deployed> {
    const deployment = new Deployment(this.client, spec, options);
    const { plan, names } = await deployment.plan();
    const events: DeployEvent[] = [];
    const started = Date.now();
    let app: Application | undefined;
    const waiting: ApprovalRequest[] = [];
    const answer = (request: ApprovalRequest) => {
      const decision = hooks.answer ? hooks.answer(request) : request.kind === 'canary' ? 'promote' : request.kind === 'paused' ? 'rollback' : 'approve';
      app!.answer(request.id, decision);
    };
    app = await deployment.run({}, {
      approval: hooks.approval ?? (hooks.answer ? 'each' : 'all'),
      pollMs: 100,
      onEvent: (e) => {
        events.push(e);
        hooks.onEvent?.(e);
        if (e.type === 'approval-requested') {
          if (app) setImmediate(() => answer(e.request));
          else waiting.push(e.request);
        }
      },
    });
    for (const r of waiting) setImmediate(() => answer(r));
    const result = await app.result;
    return { plan, names, result, events, steps: this.steps(events, names), runMs: Date.now() - started };
  }

  /** Plans a deployment without running it. */
  async deployment(spec: ServiceSpec, options: DeploymentOptions = {}): Promise<{ plan: Plan; names: NameResolver }> {
    return new Deployment(this.client, spec, options).plan();
  }

  /** Like deploy(), and the run must succeed. */
  async deployOk(spec: ServiceSpec, hooks: DeployHooks = {}): Promise<Deployed> {
    const d = await this.deploy(spec, hooks);
    assert.equal(d.result.outcome, 'done', `deploy of ${spec.name} failed: ${JSON.stringify(d.result.failure ?? d.result.reason)}`);
    return d;
  }

  /** Executes a hand-made plan of the given operations (for operations the planner rarely makes). */
  async execute(operations: PlannedOperation[], spec: ServiceSpec, serviceId = 'e2e-manual'): Promise<Deployed> {
    const state = await this.client.loadState();
    const names = nameResolver(state);
    const plan = assemblePlan({
      serviceId, serviceName: spec.name ?? '', mode: spec.mode ?? 'replicated', isNew: false, action: 'update',
      spec, changes: [], operations, unseen: [], warnings: [],
    }, state, findService(state, spec.name ?? ''), { parallelism: 1, monitorMs: spec.update?.monitor ?? 5_000 });
    const events: DeployEvent[] = [];
    const started = Date.now();
    const result = await new Execution(plan, this.client, { names, approval: 'all', pollMs: 100, onEvent: (e) => events.push(e) }).run();
    return { plan, names, result, events, steps: this.steps(events, names), runMs: Date.now() - started };
  }

  /** The service's id and mode as the engine sees them now. */
  async serviceState(name: string): Promise<{ id: string; mode: ServiceMode; containers: number } | undefined> {
    const state = await this.client.loadState();
    const s = findService(state, name);
    return s && { id: s.id, mode: s.mode, containers: s.containers.length };
  }

  private steps(events: DeployEvent[], names: NameResolver): PhaseStep[] {
    return events.flatMap((e): PhaseStep[] => e.type === 'phase'
      ? [{ phase: e.phase, machine: names.machineName(e.machineId), containerId: e.container?.id || undefined, containerName: e.container?.name, detail: e.detail }]
      : []);
  }

  /** Removes this file's containers (by service name label) and volumes, on every machine that is up. */
  async cleanup(): Promise<void> {
    await Promise.all(machines().map(async (m) => {
      if (!(await machineUp(m.name))) return;
      for (const service of this.services) {
        const list = await m.docker.listContainers({ all: true, filters: { label: [`${SERVICE_NAME_LABEL}=${service}`] } }).catch(() => []);
        await Promise.all(list.map((c) => m.docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
      }
      for (const volume of this.volumes) await m.docker.getVolume(volume).remove({ force: true }).catch(() => undefined);
    }));
    await this.client.close();
  }
}
