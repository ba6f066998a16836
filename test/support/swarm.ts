// Docker Swarm on the test cluster, for measuring dockplan against Docker's own orchestrator:
// `swarm init` on the first machine, `swarm join` of the others, replicated services made and
// updated through the Engine API, and a dissolve() that leaves the machines as they were found
// (services removed, every engine out of swarm mode, the containers, networks and image
// references Swarm left behind removed).
//
// The API shapes (ServiceSpec, UpdateConfig, the swarm init/join bodies) are Docker Engine API
// v1.41's; Swarm's update rules are moby/swarmkit's updater (manager/orchestrator/update).
import type Docker from 'dockerode';

/** A test machine as Swarm needs it: its engine and the address other machines reach it at. */
export interface SwarmMachine {
  name: string;
  docker: Docker;
  /** Its address on the cluster bridge, e.g. 10.213.0.11: Swarm's advertise address. */
  ip: string;
}

/** The label Swarm puts on every container of a service (its name). */
export const SWARM_SERVICE_LABEL = 'com.docker.swarm.service.name';

/** The networks swarm mode makes on an engine: `ingress` (overlay) and `docker_gwbridge`. */
const SWARM_NETWORKS = ['ingress', 'docker_gwbridge'];

/** What a benchmark service runs: the same container dockplan's spec describes. */
export interface SwarmServiceShape {
  name: string;
  /** Pinned by digest (`registry/busybox:1@sha256:...`), so no engine asks the registry again. */
  image: string;
  replicas: number;
  /** The command, e.g. ['sleep', '3600'] (Docker's Args: the image's entrypoint stays). */
  args: string[];
  env: Record<string, string>;
  /** Healthcheck command (CMD-SHELL, as `--health-cmd` makes it) and its interval (ms). */
  healthCmd: string;
  healthIntervalMs: number;
  /** UpdateConfig.Parallelism: tasks updated at once (Swarm's workers take the next slot as one frees). */
  parallelism: number;
  order: 'start-first' | 'stop-first';
}

/** Docker's ServiceSpec for the shape: `docker service create --init --health-cmd ... --update-delay 0s`. */
export function swarmServiceSpec(shape: SwarmServiceShape): Record<string, unknown> {
  return {
    Name: shape.name,
    Mode: { Replicated: { Replicas: shape.replicas } },
    TaskTemplate: {
      ContainerSpec: {
        Image: shape.image,
        Args: shape.args,
        Init: true,
        Env: Object.entries(shape.env).map(([k, v]) => `${k}=${v}`),
        HealthCheck: { Test: ['CMD-SHELL', shape.healthCmd], Interval: shape.healthIntervalMs * 1_000_000 },
      },
    },
    // Monitor left out: Swarm's default (5s) holds only the update's completion, not its slots.
    UpdateConfig: { Parallelism: shape.parallelism, Delay: 0, Order: shape.order, FailureAction: 'pause' },
  };
}

interface Snapshot {
  /** Every image reference (tags and repo digests) the engine held. */
  imageRefs: Set<string>;
  networks: Set<string>;
}

async function imageRefs(docker: Docker): Promise<Set<string>> {
  const images = await docker.listImages({ all: false });
  const refs = new Set<string>();
  for (const i of images) for (const r of [...(i.RepoTags ?? []), ...(i.RepoDigests ?? [])]) if (!r.startsWith('<none>')) refs.add(r);
  return refs;
}

async function snapshot(docker: Docker): Promise<Snapshot> {
  const [refs, networks] = await Promise.all([imageRefs(docker), docker.listNetworks()]);
  return { imageRefs: refs, networks: new Set(networks.map((n) => n.Name)) };
}

function messageOf(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  return (e.json?.message ?? e.message ?? String(err)).trim();
}

/**
 * A swarm of the test machines, the first one its only manager. Made by form(), ended by
 * dissolve(); every method throws with the machine and the engine's own message on failure.
 */
export class TestSwarm {
  private readonly services = new Set<string>();

  private constructor(
    readonly machines: readonly SwarmMachine[],
    private readonly before: Map<string, Snapshot>,
  ) {}

  /** The manager's engine: services are made and updated there. */
  get manager(): Docker {
    return this.machines[0]!.docker;
  }

  /**
   * Puts the machines in swarm mode: `swarm init --advertise-addr <first ip>` on the first,
   * `swarm join` with the worker token on the others; resolves once the manager lists every node
   * ready. Refuses when a machine is already in a swarm (it is not ours to change), and dissolves
   * what it made when a step fails.
   */
  static async form(machines: readonly SwarmMachine[], timeoutMs = 30_000): Promise<TestSwarm> {
    if (machines.length === 0) throw new Error('a swarm needs at least one machine');
    const infos = await Promise.all(machines.map((m) => m.docker.info() as Promise<{ Swarm?: { LocalNodeState?: string } }>));
    const busy = machines.filter((_, i) => (infos[i]!.Swarm?.LocalNodeState ?? 'inactive') !== 'inactive').map((m) => m.name);
    if (busy.length) {
      throw new Error(`${busy.join(', ')} ${busy.length === 1 ? 'is' : 'are'} already in swarm mode; leave it first: docker -H <machine socket> swarm leave --force`);
    }
    const before = new Map(await Promise.all(machines.map(async (m) => [m.name, await snapshot(m.docker)] as const)));
    const swarm = new TestSwarm(machines, before);
    try {
      const [first, ...others] = machines;
      await first!.docker.swarmInit({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: first!.ip }).catch((err: unknown) => {
        throw new Error(`swarm init on ${first!.name}: ${messageOf(err)}`);
      });
      const inspect = (await first!.docker.swarmInspect()) as { JoinTokens: { Worker: string } };
      await Promise.all(others.map((m) => m.docker.swarmJoin({
        ListenAddr: '0.0.0.0:2377', AdvertiseAddr: m.ip, RemoteAddrs: [`${first!.ip}:2377`], JoinToken: inspect.JoinTokens.Worker,
      }).catch((err: unknown) => {
        throw new Error(`swarm join of ${m.name} to ${first!.name}: ${messageOf(err)}`);
      })));
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const nodes = (await swarm.manager.listNodes()) as Array<{ Status?: { State?: string } }>;
        const ready = nodes.filter((n) => n.Status?.State === 'ready').length;
        if (ready === machines.length) break;
        if (Date.now() > deadline) throw new Error(`the swarm has ${ready} of ${machines.length} nodes ready after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } catch (err) {
      await swarm.dissolve().catch(() => undefined);
      throw err;
    }
    return swarm;
  }

  /** Creates a service (`docker service create`); resolves with its id once the manager has it. */
  async createService(shape: SwarmServiceShape): Promise<string> {
    this.services.add(shape.name);
    try {
      const created = (await this.manager.createService(swarmServiceSpec(shape) as never)) as unknown as { id?: string; ID?: string };
      return created.id ?? created.ID ?? shape.name;
    } catch (err) {
      throw new Error(`create swarm service ${shape.name} on ${this.machines[0]!.name}: ${messageOf(err)}`);
    }
  }

  /**
   * The update call itself (`docker service update --detach`): reads the service's current
   * version, then sends `shape` as its new spec. Resolves when the manager accepted it; the
   * rollout goes on in Swarm.
   */
  async updateService(shape: SwarmServiceShape, read?: { version: number }): Promise<void> {
    const version = read?.version ?? (await this.serviceVersion(shape.name));
    try {
      await this.manager.getService(shape.name).update({ version, ...swarmServiceSpec(shape) });
    } catch (err) {
      throw new Error(`update swarm service ${shape.name}: ${messageOf(err)}`);
    }
  }

  /** The service's spec version (what an update must name). */
  async serviceVersion(name: string): Promise<number> {
    const inspected = (await this.manager.getService(name).inspect()) as { Version: { Index: number } };
    return inspected.Version.Index;
  }

  /** The service's UpdateStatus.State (`updating`, `completed`, `paused`, ...), undefined before any update. */
  async updateState(name: string): Promise<string | undefined> {
    const inspected = (await this.manager.getService(name).inspect()) as { UpdateStatus?: { State?: string } };
    return inspected.UpdateStatus?.State;
  }

  /**
   * The service's tasks Swarm wants running, each with its state and env: what `docker service ps
   * --filter desired-state=running` shows.
   */
  async runningTasks(name: string): Promise<Array<{ state: string; env: string[]; node: string }>> {
    const tasks = (await this.manager.listTasks({ filters: { service: [name], 'desired-state': ['running'] } })) as Array<{
      Status?: { State?: string };
      NodeID?: string;
      Spec?: { ContainerSpec?: { Env?: string[] } };
    }>;
    return tasks.map((t) => ({ state: t.Status?.State ?? '', env: t.Spec?.ContainerSpec?.Env ?? [], node: t.NodeID ?? '' }));
  }

  /** The service's containers (stopped ones too) per machine: their ids. */
  async containersOf(name: string, state?: 'running'): Promise<Map<string, string[]>> {
    const lists = await Promise.all(this.machines.map(async (m) => {
      const list = await m.docker.listContainers({
        all: state === undefined,
        filters: JSON.stringify({ label: [`${SWARM_SERVICE_LABEL}=${name}`] }),
      });
      return [m.name, list.map((c) => c.Id)] as const;
    }));
    return new Map(lists);
  }

  /** The service's containers as lines `machine name state (status)`, running ones first: for error messages. */
  async describeContainers(name: string): Promise<string[]> {
    const lists = await Promise.all(this.machines.map(async (m) => {
      const list = await m.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${SWARM_SERVICE_LABEL}=${name}`] }) });
      return list.map((c) => ({ running: c.State === 'running', line: `${m.name} ${(c.Names[0] ?? c.Id).replace(/^\//, '')} ${c.State} (${c.Status})` }));
    }));
    return lists.flat().sort((a, b) => Number(b.running) - Number(a.running)).map((c) => c.line);
  }

  /** Removes the service (`docker service rm`) and resolves once no machine holds a container of it. */
  async removeService(name: string, timeoutMs = 60_000): Promise<void> {
    try {
      await this.manager.getService(name).remove();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw new Error(`remove swarm service ${name}: ${messageOf(err)}`);
    }
    this.services.delete(name);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = [...(await this.containersOf(name)).values()].flat().length;
      if (left === 0) return;
      if (Date.now() > deadline) throw new Error(`swarm service ${name} removed, but ${left} of its containers are still there after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Leaves the machines as form() found them: removes this swarm's services, `swarm leave --force`
   * on every machine (workers first), then, per machine, force-removes any container Swarm left,
   * the `ingress` and `docker_gwbridge` networks that were not there before, and the image
   * references (tags, repo digests) the swarm's pulls added. Tries every step; rejects at the end
   * listing each step that failed, with its machine.
   */
  async dissolve(): Promise<void> {
    const problems: string[] = [];
    for (const name of [...this.services]) {
      await this.removeService(name).catch((err: unknown) => problems.push(messageOf(err)));
    }
    const leave = (m: SwarmMachine) => m.docker.swarmLeave({ force: true }).catch((err: unknown) => {
      const state = messageOf(err);
      if (!/not part of a swarm/i.test(state)) problems.push(`swarm leave on ${m.name}: ${state}`);
    });
    // The workers together, then the manager.
    await Promise.all(this.machines.slice(1).map(leave));
    await leave(this.machines[0]!);
    await Promise.all(this.machines.map(async (m) => {
      const before = this.before.get(m.name);
      if (!before) return;
      const stray = await m.docker.listContainers({ all: true, filters: { label: [SWARM_SERVICE_LABEL] } }).catch(() => []);
      for (const c of stray) {
        await m.docker.getContainer(c.Id).remove({ force: true, v: true }).catch((err: unknown) => problems.push(`remove container ${c.Id.slice(0, 12)} on ${m.name}: ${messageOf(err)}`));
      }
      const networks = await m.docker.listNetworks().catch(() => []);
      for (const n of networks) {
        if (!SWARM_NETWORKS.includes(n.Name) || before.networks.has(n.Name)) continue;
        await m.docker.getNetwork(n.Id).remove().catch((err: unknown) => {
          if ((err as { statusCode?: number }).statusCode !== 404) problems.push(`remove network ${n.Name} on ${m.name}: ${messageOf(err)}`);
        });
      }
      const refs = await imageRefs(m.docker).catch(() => new Set<string>());
      for (const ref of refs) {
        if (before.imageRefs.has(ref)) continue;
        // With another reference left this only untags; a ref that was the image's only one removes the image.
        await m.docker.getImage(ref).remove({ noprune: false }).catch((err: unknown) => {
          if ((err as { statusCode?: number }).statusCode !== 404) problems.push(`remove image reference ${ref} on ${m.name}: ${messageOf(err)}`);
        });
      }
    }));
    if (problems.length) throw new Error(`the swarm could not be fully undone:\n  ${problems.join('\n  ')}`);
  }
}
