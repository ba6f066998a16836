// The executor's branches over the in-memory cluster: batches, approvals by id, rollback, pause,
// canary, interrupts, cleanup, stale plans. What ends up running is checked in the memory cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPlan, type Application } from '../../src/execute/apply.js';
import { Deployment } from '../../src/execute/deployment.js';
import type { ApprovalRequest, DeployEvent, ExecutionResult } from '../../src/execute/events.js';
import type { ApprovalPolicy } from '../../src/execute/execution.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import type { RolloutOverrides } from '../../src/plan/rollout.js';
import { MemoryCluster } from '../support/memory-client.js';

const spec = (extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
  name: 'web', image: 'local/busybox:1', replicas: 3, command: ['sleep', '1000'], healthcheck: { test: ['CMD', 'true'] }, ...extra,
});
const v2 = (extra: Partial<ServiceSpec> = {}) => spec({ env: { VERSION: '2' }, ...extra });
const FAST: RolloutOverrides = { monitorMs: 5 };

interface Run {
  app: Application;
  events: DeployEvent[];
  result: Promise<ExecutionResult>;
}

/** Plans `s` on the cluster and applies it; `answer` decides each approval request. */
async function start(cluster: MemoryCluster, s: ServiceSpec, opts: { rollout?: RolloutOverrides; approval?: ApprovalPolicy; answer?: (r: ApprovalRequest, app: Application) => void; onEvent?: (e: DeployEvent) => void } = {}): Promise<Run> {
  const { plan, names } = await new Deployment(cluster, s, { rollout: { ...FAST, ...opts.rollout } }).plan();
  const events: DeployEvent[] = [];
  let app: Application | undefined;
  const queued: ApprovalRequest[] = [];
  app = applyPlan(plan, { client: cluster }, {
    names, approval: opts.approval ?? 'all', pollMs: 1,
    onEvent: (e) => {
      events.push(e);
      opts.onEvent?.(e);
      if (e.type !== 'approval-requested') return;
      if (app) setImmediate(() => opts.answer?.(e.request, app!));
      else queued.push(e.request);
    },
  });
  for (const r of queued) setImmediate(() => opts.answer?.(r, app!));
  return { app, events, result: app.result };
}

async function deployed(cluster: MemoryCluster, s: ServiceSpec, opts: Parameters<typeof start>[2] = {}): Promise<ExecutionResult> {
  return (await start(cluster, s, opts)).result;
}

const running = (cluster: MemoryCluster, name = 'web') => cluster.containersOf(name).filter((c) => c.state === 'running');
const versions = (cluster: MemoryCluster) => running(cluster).map((c) => c.spec.env?.VERSION ?? '1').sort();

test('a new service runs in batches of one; every event carries the run id, the time, and its operation id', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  // No monitor period: each unit ends at its gate, so the units end in batch order. (With one, a
  // unit is watched through it behind the next batch, and which ends first is up to the timers.)
  const r = await start(cluster, spec(), { rollout: { monitorMs: 0 } });
  const result = await r.result;
  assert.equal(result.outcome, 'done');
  assert.deepEqual(result.completed, ['o1', 'o2', 'o3']);
  assert.deepEqual(cluster.runningByMachine('web'), { m1: 1, m2: 1, m3: 1 });
  assert.ok(r.events.every((e) => e.runId === result.runId && !Number.isNaN(Date.parse(e.at))));
  assert.deepEqual(r.events.filter((e) => e.type === 'batch-started').length, 3);
  const done = r.events.filter((e) => e.type === 'operation-done');
  assert.deepEqual(done.map((e) => e.type === 'operation-done' && e.opId), ['o1', 'o2', 'o3']);
  for (const e of done) if (e.type === 'operation-done') assert.deepEqual(e.effects.map((x) => x.kind), ['container-created', 'container-started']);
  assert.deepEqual(result.journal.map((j) => `${j.opId}:${j.effect.kind}`), [
    'o1:container-created', 'o1:container-started', 'o2:container-created', 'o2:container-started', 'o3:container-created', 'o3:container-started',
  ]);
});

test('replaced containers are stopped and kept until the whole deploy succeeded, then removed by the cleanup', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  await deployed(cluster, spec());
  const stoppedDuring: number[] = [];
  cluster.beforeCall = (call) => {
    if (call.kind === 'remove') stoppedDuring.push(cluster.containersOf('web').filter((c) => c.state === 'exited').length);
  };
  const r = await start(cluster, v2(), { rollout: { parallelism: 3 } });
  const result = await r.result;
  assert.equal(result.outcome, 'done');
  assert.deepEqual(versions(cluster), ['2', '2', '2']);
  assert.equal(cluster.containersOf('web').length, 3, 'the old ones are gone');
  assert.deepEqual(stoppedDuring, [3, 3, 3], 'all three old containers were kept stopped until the cleanup removed them together');
  const cleanup = r.events.find((e) => e.type === 'cleanup');
  assert.ok(cleanup && cleanup.type === 'cleanup' && cleanup.removed.length === 3);
  assert.equal(r.events.filter((e) => e.type === 'batch-started').length, 1, 'parallelism 3: one batch');
});

test('a wide batch prints no listener-leak warning: 24 health waits at once on the run signal are the plan, not a leak', async () => {
  // Node warns (MaxListenersExceededWarning, on stderr: in front of the user) from the 11th
  // listener on one AbortSignal; each unit in flight waits on the run's signal.
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
    await deployed(cluster, spec({ replicas: 24 }), { rollout: { parallelism: 24 } });
    const result = await deployed(cluster, v2({ replicas: 24 }), { rollout: { parallelism: 24 } });
    assert.equal(result.outcome, 'done');
    await new Promise<void>((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    assert.deepEqual(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')), []);
  } finally {
    process.off('warning', onWarning);
  }
});

test('start-first never has fewer running than before; stop-first has at most parallelism down at once', async () => {
  for (const order of ['start-first', 'stop-first'] as const) {
    const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
    await deployed(cluster, spec({ replicas: 6 }));
    let least = Infinity;
    cluster.beforeCall = () => {
      least = Math.min(least, running(cluster).length);
    };
    const result = await deployed(cluster, v2({ replicas: 6, update: { order } }), { rollout: { parallelism: 2 } });
    assert.equal(result.outcome, 'done');
    assert.equal(least, order === 'start-first' ? 6 : 4, order);
  }
});

test('a failed health gate at replica 2 of 3 rolls back every machine: old ones run again, new ones stopped and kept, exit not done', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  await deployed(cluster, spec());
  const old = running(cluster).map((c) => c.id).sort();
  let started = 0;
  cluster.health = (c) => (c.spec.env?.VERSION === '2' && ++started === 2 ? 'unhealthy' : 'healthy');
  const r = await start(cluster, v2());
  const result = await r.result;
  assert.equal(result.outcome, 'rolled-back');
  assert.deepEqual(running(cluster).map((c) => c.id).sort(), old, 'exactly the old containers run again');
  const kept = cluster.containersOf('web').filter((c) => c.spec.env?.VERSION === '2');
  assert.equal(kept.length, 2, 'the first new one (rolled back) and the failed one are kept');
  assert.ok(kept.every((c) => c.state === 'exited'));
  assert.equal(result.failed.length, 1);
  assert.match(result.failure!.message, /is unhealthy/);
  assert.ok(result.failure!.logs?.includes('log of'), 'the failed container\'s logs come with the failure');
  const restored = result.restored!;
  assert.equal(restored.length, 1, 'only the machine with a completed replace had something to restore');
  assert.equal(restored[0]!.restarted.length, 1);
  assert.equal(restored[0]!.stopped.length, 1);
  assert.deepEqual(result.completed, []);
  assert.ok(r.events.some((e) => e.type === 'rollback-done'));
});

test('failure_action pause asks, by id, to resume, roll back or abort; each answer does what it says', async () => {
  for (const [answer, expected] of [['resume', 'failed'], ['rollback', 'rolled-back'], ['abort', 'aborted']] as const) {
    const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
    await deployed(cluster, spec());
    let n = 0;
    cluster.health = (c) => (c.spec.env?.VERSION === '2' && ++n === 1 ? 'unhealthy' : 'healthy');
    const asked: ApprovalRequest[] = [];
    const result = await deployed(cluster, v2({ update: { failure_action: 'pause' } }), {
      answer: (request, app) => {
        asked.push(request);
        app.answer(request.id, answer);
      },
    });
    assert.deepEqual(asked.map((a) => a.kind), ['paused'], answer);
    assert.equal(result.outcome, expected, answer);
    if (answer === 'resume') assert.deepEqual(versions(cluster), ['1', '2', '2'], 'the failed replica keeps its old container, the rest rolled on');
    if (answer === 'rollback') assert.deepEqual(versions(cluster), ['1', '1', '1']);
    if (answer === 'abort') {
      assert.deepEqual(versions(cluster), ['1', '1', '1'], 'the failure undid itself; nothing else ran');
      // What was left is said as it is: here the first unit failed, so nothing was replaced.
      assert.equal(result.reason, 'paused after a failed batch and left as it is: no container was replaced');
    }
  }
});

test('failure_action pause, aborted after a later batch: the reason counts the container changes that were done', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  await deployed(cluster, spec());
  let n = 0;
  cluster.health = (c) => (c.spec.env?.VERSION === '2' && ++n === 3 ? 'unhealthy' : 'healthy');
  const result = await deployed(cluster, v2({ update: { failure_action: 'pause' } }), { answer: (request, app) => app.answer(request.id, 'abort') });
  assert.equal(result.outcome, 'aborted');
  assert.deepEqual(versions(cluster), ['1', '2', '2']);
  assert.equal(result.reason, 'paused after a failed batch and left as it is: 2 container changes done (old containers stopped and kept, new ones running), the rest not started');
});

test('failure_action continue and max_failure_ratio: failures within the budget do not stop the rollout', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  await deployed(cluster, spec());
  let n = 0;
  cluster.health = (c) => (c.spec.env?.VERSION === '2' && ++n === 1 ? 'unhealthy' : 'healthy');
  const result = await deployed(cluster, v2({ update: { max_failure_ratio: 0.5 } }));
  assert.equal(result.outcome, 'failed', 'a failure happened, within budget');
  assert.deepEqual(versions(cluster), ['1', '2', '2']);
  assert.equal(result.completed.length, 2);
});

test('every failure comes with the result, in order, each naming its own container and carrying its logs', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  await deployed(cluster, spec());
  let n = 0;
  cluster.health = (c) => (c.spec.env?.VERSION === '2' && ++n <= 2 ? 'unhealthy' : 'healthy');
  const result = await deployed(cluster, v2({ update: { failure_action: 'continue', max_failure_ratio: 0.7 } }));
  assert.equal(result.outcome, 'failed');
  const failures = result.failures ?? [];
  assert.deepEqual(failures.map((f) => f.opId), result.failed);
  assert.equal(failures.length, 2);
  assert.deepEqual(failures[0], result.failure, 'the first is `failure`');
  assert.notEqual(failures[0]!.container?.id, failures[1]!.container?.id);
  for (const f of failures) {
    assert.match(f.message, new RegExp(`container ${f.container!.name} on ${f.machineId} is unhealthy`));
    assert.ok(f.logs?.includes(`log of ${f.container!.name}`), JSON.stringify(f.logs));
  }
});

test('canary: the first batch runs on one machine, then waits; promote rolls out the rest, rollback undoes it', async () => {
  for (const answer of ['promote', 'rollback', 'stop'] as const) {
    const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
    await deployed(cluster, spec());
    let seen: Record<string, number> = {};
    const result = await deployed(cluster, v2(), {
      rollout: { canary: true, parallelism: 2 },
      answer: (request, app) => {
        assert.equal(request.kind, 'canary');
        seen = Object.fromEntries(Object.entries(cluster.runningByMachine('web')));
        assert.equal(versions(cluster).filter((v) => v === '2').length, 1, 'one canary container');
        app.answer(request.id, answer);
      },
    });
    assert.ok(Object.keys(seen).length > 0);
    if (answer === 'promote') {
      assert.equal(result.outcome, 'done');
      assert.deepEqual(versions(cluster), ['2', '2', '2']);
    } else if (answer === 'rollback') {
      assert.equal(result.outcome, 'rolled-back');
      assert.deepEqual(versions(cluster), ['1', '1', '1']);
    } else {
      assert.equal(result.outcome, 'canary');
      assert.deepEqual(versions(cluster), ['1', '1', '2']);
    }
  }
});

test('approvals by id: each unit asks; approve-machine covers the rest of its machine; stop ends before the next', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  await deployed(cluster, spec({ replicas: 4 }));
  const asked: string[] = [];
  const result = await deployed(cluster, v2({ replicas: 4 }), {
    approval: 'each',
    answer: (request, app) => {
      assert.equal(request.kind, 'operation');
      if (request.kind !== 'operation') return;
      asked.push(`${request.unitId}@${request.machineId}`);
      app.answer(request.id, asked.length === 1 ? 'approve-machine' : asked.length === 2 ? 'approve' : 'stop');
    },
  });
  assert.equal(result.outcome, 'stopped');
  // o1 (m1, approve-machine), o2 (m2, approve), o3 (m1: covered), o4 (m2: stop)
  assert.deepEqual(asked, ['o1@m1', 'o2@m2', 'o4@m2']);
  // Each unit lets the next batch begin at its gate and is watched through the rest of its monitor
  // period meanwhile, so o2 may end after o3.
  assert.deepEqual([...result.completed].sort(), ['o1', 'o2', 'o3']);
  assert.deepEqual(versions(cluster), ['1', '2', '2', '2']);
});

test('an answer that does not fit its request is refused, naming the choices', async () => {
  const cluster = new MemoryCluster(['m1']);
  const r = await start(cluster, spec({ replicas: 1 }), {
    approval: 'each',
    answer: (request, app) => {
      assert.throws(() => app.answer(request.id, 'promote'), /promote does not answer a operation request; choose one of approve, approve-machine, approve-all, stop/);
      assert.throws(() => app.answer('a999', 'approve'), /no approval request a999 is waiting/);
      app.answer(request.id, 'approve');
    },
  });
  assert.equal((await r.result).outcome, 'done');
});

test('interrupt: the first stops (a health wait under way ends and its replace undoes itself); the second rolls back this run', async () => {
  for (const presses of [1, 2]) {
    const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
    await deployed(cluster, spec());
    let app: Application | undefined;
    let starts = 0;
    cluster.health = (c) => (c.spec.env?.VERSION === '2' && ++starts === 2 ? 'starting' : 'healthy');
    cluster.beforeCall = (call) => {
      // the second new container is waiting for health: interrupt then
      if (call.kind === 'inspect' && starts === 2 && app) {
        const a = app;
        app = undefined;
        for (let i = 0; i < presses; i++) a.interrupt();
      }
    };
    const r = await start(cluster, v2({ healthcheck: { test: ['CMD', 'true'], interval: 60_000, retries: 3 } }), { rollout: { monitorMs: 60_000 } });
    app = r.app;
    const result = await r.result;
    assert.equal(result.outcome, 'interrupted', `${presses}`);
    if (presses === 1) {
      assert.deepEqual(versions(cluster), ['1', '1', '2'], 'the first replace stays, the one under way undid itself, the third never started');
      assert.deepEqual(result.completed, ['o1']);
    } else {
      assert.deepEqual(versions(cluster), ['1', '1', '1'], 'everything this run changed is rolled back');
      assert.ok(result.restored);
      // In a project run the other services keep what they got: the reason names this one.
      const rollback = r.events.find((e) => e.type === 'rollback-started');
      assert.equal(rollback?.type === 'rollback-started' && rollback.reason, 'interrupted twice: every change this run made to web is rolled back');
    }
    assert.equal(running(cluster).length, 3, 'never fewer running than before');
  }
});

test('stop-first with a host port: every undo stops the new container before the old one starts again, so the port is free', async () => {
  const ported = (extra: Partial<ServiceSpec> = {}) => ({ ports: [{ mode: 'host' as const, published: 8080, container: 8080, protocol: 'tcp' as const }], ...extra });
  // a failed health gate at replica 2 of 3 (its own undo, then the fleet rollback of replica 1),
  // an interrupt pressed once and twice while replica 2 waits for health
  for (const how of ['unhealthy', 'interrupt once', 'interrupt twice'] as const) {
    const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
    await deployed(cluster, spec(ported()));
    const old = running(cluster).map((c) => c.id).sort();
    let app: Application | undefined;
    let starts = 0;
    cluster.health = (c) => (c.spec.env?.VERSION === '2' && ++starts === 2 ? (how === 'unhealthy' ? 'unhealthy' : 'starting') : 'healthy');
    cluster.beforeCall = (call) => {
      if (how !== 'unhealthy' && call.kind === 'inspect' && starts === 2 && app) {
        const a = app;
        app = undefined;
        for (let i = 0; i < (how === 'interrupt twice' ? 2 : 1); i++) a.interrupt();
      }
    };
    const r = await start(cluster, v2(ported({ healthcheck: { test: ['CMD', 'true'], interval: 60_000, retries: 3 } })), { rollout: { monitorMs: how === 'unhealthy' ? 5 : 60_000 } });
    app = r.app;
    const result = await r.result;
    assert.deepEqual(Object.keys(cluster.runningByMachine('web')).sort(), ['m1', 'm2', 'm3'], `${how}: every machine runs one container (${result.failure?.message ?? ''})`);
    if (how === 'interrupt once') {
      assert.equal(result.outcome, 'interrupted');
      assert.deepEqual(versions(cluster), ['1', '1', '2'], 'the first replace stays; the one under way undid itself');
    } else {
      assert.deepEqual(running(cluster).map((c) => c.id).sort(), old, `${how}: exactly the old containers run again`);
    }
    assert.ok(!JSON.stringify(r.events).includes('port is already allocated'), `${how}: no start was refused for the port`);
  }
});

test('an interrupt while the old container of a stop-first replace stops starts the old one again, never the new one', async () => {
  const cluster = new MemoryCluster(['m1']);
  await deployed(cluster, spec({ replicas: 1 }));
  const old = running(cluster)[0]!;
  let app: Application | undefined;
  cluster.beforeCall = (call) => {
    if (call.kind === 'stop' && call.containerId === old.id && app) {
      app.interrupt();
      app = undefined;
    }
  };
  const r = await start(cluster, v2({ replicas: 1, update: { order: 'stop-first' } }));
  app = r.app;
  const result = await r.result;
  assert.equal(result.outcome, 'interrupted');
  assert.equal(old.state, 'running', 'the old container runs again');
  const fresh = cluster.containersOf('web').find((c) => c.id !== old.id)!;
  assert.ok(!cluster.calls.some((c) => c.kind === 'start' && c.containerId === fresh.id), 'the new container was never started');
});

test('an undo that fails names the action once, then the engine\'s cause', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  await deployed(cluster, spec({ replicas: 2 }));
  let started = 0;
  cluster.health = (c) => (c.spec.env?.VERSION === '2' && ++started === 2 ? 'unhealthy' : 'healthy');
  // the engine of m1 stops answering stops once the rollback begins: the undo of m1 cannot stop its new container
  cluster.failWhen = (call) => (call.kind === 'stop' && call.machineId === 'm1' && started === 2
    ? Object.assign(new Error(`stop container ${call.name} on m1: connection refused`), { reason: 'connection refused' })
    : undefined);
  const result = await deployed(cluster, v2({ replicas: 2 }));
  const failures = result.restored!.flatMap((r) => r.failed);
  assert.equal(failures.length, 1, JSON.stringify(result.restored));
  assert.match(failures[0]!, /^stop container web-\w{4} on m1: connection refused$/);
});

test('stop-first prepares first: a failed create leaves the old container untouched and running', async () => {
  const cluster = new MemoryCluster(['m1']);
  await deployed(cluster, spec({ replicas: 1 }));
  const old = running(cluster)[0]!;
  cluster.failWhen = (call) => (call.kind === 'create' ? new Error('disk full') : undefined);
  const result = await deployed(cluster, v2({ replicas: 1, update: { order: 'stop-first' } }));
  assert.equal(result.outcome, 'rolled-back');
  assert.match(result.failure!.message, /disk full/);
  assert.equal(old.state, 'running');
  assert.ok(!cluster.calls.some((c) => c.kind === 'stop'), 'the old container was never stopped');
});

test('a machine that goes down mid-deploy: its operation fails naming it; the other machines follow failure_action', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  await deployed(cluster, spec());
  cluster.beforeCall = (call) => {
    if (call.kind === 'create' && call.machineId === 'm2') cluster.setUp('m2', false);
  };
  const result = await deployed(cluster, v2());
  assert.equal(result.outcome, 'rolled-back');
  assert.match(result.failure!.message, /m2: connection refused/);
  cluster.setUp('m2', true);
  assert.deepEqual(versions(cluster), ['1', '1', '1']);
});

test('a scale-down stops the surplus during the rollout and removes it in the cleanup', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  await deployed(cluster, spec());
  const r = await start(cluster, spec({ replicas: 1 }));
  assert.equal((await r.result).outcome, 'done');
  assert.equal(cluster.containersOf('web').length, 1);
  const kinds = cluster.calls.slice(-4).map((c) => c.kind);
  assert.deepEqual(kinds, ['stop', 'stop', 'remove', 'remove']);
});

test('an in-place update is undone by a rollback: the limits go back', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  await deployed(cluster, spec({ replicas: 2, resources: { memory: 64 << 20 } }));
  cluster.failWhen = (call) => (call.kind === 'update' && call.machineId === 'm2' ? new Error('cgroup refused') : undefined);
  const result = await deployed(cluster, spec({ replicas: 2, resources: { memory: 128 << 20 } }));
  assert.equal(result.outcome, 'rolled-back');
  assert.deepEqual(running(cluster).map((c) => c.resources.memory), [64 << 20, 64 << 20]);
});

test('a plan made before the cluster changed is refused, saying what changed, and runs nothing', async () => {
  const cluster = new MemoryCluster(['m1', 'm2']);
  await deployed(cluster, spec({ replicas: 2 }));
  const { plan, names } = await new Deployment(cluster, v2({ replicas: 2 }), { rollout: FAST }).plan();
  cluster.setUp('m2', false);
  const calls = cluster.calls.length;
  const result = await applyPlan(plan, { client: cluster }, { names, approval: 'all' }).result;
  assert.equal(result.outcome, 'stale');
  assert.match(result.reason!, /machine m2 was up, now down/);
  assert.equal(cluster.calls.filter((c) => c.kind !== 'inspect').length, calls - cluster.calls.slice(0, calls).filter((c) => c.kind === 'inspect').length, 'nothing but reads');
});

test('every container a run creates carries the run id as dockplan.deploy.id', async () => {
  const cluster = new MemoryCluster(['m1']);
  const result = await deployed(cluster, spec({ replicas: 1 }));
  assert.equal(cluster.containersOf('web')[0]!.labels['dockplan.deploy.id'], result.runId);
});

test('an engine error that quotes a password is masked in the failure and in every event', async () => {
  const cluster = new MemoryCluster(['m1']);
  cluster.failWhen = (call) => (call.kind === 'create' ? new Error('error while mounting volume /data: username=svc,password=hunter2: invalid argument') : undefined);
  const r = await start(cluster, spec({ replicas: 1 }));
  const result = await r.result;
  assert.match(result.failure!.message, /password=••••••: invalid argument/);
  assert.doesNotMatch(JSON.stringify(r.events) + JSON.stringify(result), /hunter2/);
});

// ---- work ahead: the next batch's containers are created while a batch waits at its health gates

const createdNames = (cluster: MemoryCluster) => cluster.calls.filter((c) => c.kind === 'create').map((c) => c.name);

test('while a batch waits at its health gate, the next batch\'s container is already created; all are used, none left over', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  assert.equal((await deployed(cluster, spec())).outcome, 'done');
  cluster.calls.length = 0;
  const result = await deployed(cluster, v2());
  assert.equal(result.outcome, 'done');
  // Batch 1 is create, start, (healthy), stop of the old one; the create of batch 2 comes before that stop.
  const kinds = cluster.calls.filter((c) => c.kind === 'create' || c.kind === 'stop').map((c) => c.kind);
  assert.deepEqual(kinds.slice(0, 3), ['create', 'create', 'stop'], `calls: ${kinds.join(', ')}`);
  assert.equal(createdNames(cluster).length, 3, 'one container per replica, each used once');
  assert.deepEqual(versions(cluster), ['2', '2', '2']);
  assert.equal(cluster.containersOf('web').filter((c) => c.state === 'created').length, 0);
});

test('a container created ahead for a batch that never runs (the rollout rolled back) is removed', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  assert.equal((await deployed(cluster, spec())).outcome, 'done');
  cluster.health = (c) => (c.spec.env?.VERSION === '2' ? 'unhealthy' : 'healthy');
  cluster.calls.length = 0;
  const result = await deployed(cluster, v2({ update: { failure_action: 'rollback' } }));
  assert.equal(result.outcome, 'rolled-back');
  assert.equal(createdNames(cluster).length, 2, 'batch 1 and the one made ahead for batch 2');
  const ahead = createdNames(cluster)[1]!;
  assert.ok(cluster.calls.some((c) => c.kind === 'remove' && c.name === ahead), 'the unused container is removed');
  assert.equal(cluster.containersOf('web').filter((c) => c.state === 'created').length, 0);
  assert.deepEqual(versions(cluster), ['1', '1', '1']);
});

test('step by step (approval each), nothing is created for a unit before it is approved', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  assert.equal((await deployed(cluster, spec())).outcome, 'done');
  cluster.calls.length = 0;
  const createsAtRequest: number[] = [];
  const result = await deployed(cluster, v2(), {
    approval: 'each',
    answer: (r, app) => {
      createsAtRequest.push(createdNames(cluster).length);
      app.answer(r.id, 'approve');
    },
  });
  assert.equal(result.outcome, 'done');
  assert.deepEqual(createsAtRequest, [0, 1, 2]);
});

// ---- start-first: the next batch begins while the old containers of the last one stop

// Without the early start the run waits for a stop that waits for that start: the timeout fails it.
test('start-first: once a new container is healthy the next batch begins while the old one is still stopping', { timeout: 10_000 }, async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  assert.equal((await deployed(cluster, spec())).outcome, 'done');
  const oldIds = new Set(running(cluster).map((c) => c.id));
  cluster.calls.length = 0;
  // Every stop of an old container hangs until the run has started all three new ones.
  let releaseStops: () => void = () => undefined;
  const stopsMayEnd = new Promise<void>((resolve) => (releaseStops = resolve));
  cluster.beforeCall = async (call) => {
    if (call.kind === 'start' && cluster.calls.filter((c) => c.kind === 'start').length === 3) releaseStops();
    if (call.kind === 'stop' && oldIds.has(call.containerId)) await stopsMayEnd;
  };
  const result = await deployed(cluster, v2({ update: { order: 'start-first' } }));
  assert.equal(result.outcome, 'done');
  const order = cluster.calls.filter((c) => c.kind === 'start' || c.kind === 'stop').map((c) => c.kind);
  assert.deepEqual(order.slice(0, 4), ['start', 'stop', 'start', 'stop'], `the second start did not wait for the first stop: ${order.join(', ')}`);
  assert.deepEqual(versions(cluster), ['2', '2', '2']);
  assert.equal(cluster.containersOf('web').length, 3, 'every old container stopped and then removed by the cleanup');
});

test('start-first: an old container that fails to stop behind the next batch still counts as a failure and rolls the run back', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  assert.equal((await deployed(cluster, spec())).outcome, 'done');
  const firstOld = running(cluster).find((c) => c.machineId === 'm1')!.id;
  let failed = false;
  cluster.failWhen = (call) => {
    if (call.kind === 'stop' && call.containerId === firstOld && !failed) {
      failed = true;
      return new Error('stop refused by the engine');
    }
    return undefined;
  };
  const result = await deployed(cluster, v2({ update: { order: 'start-first', failure_action: 'rollback' } }));
  assert.equal(result.outcome, 'rolled-back');
  assert.match(result.failure?.message ?? '', /stop refused by the engine/);
  assert.deepEqual(versions(cluster), ['1', '1', '1'], 'every replica back on the old spec');
  assert.equal(running(cluster).length, 3);
});

// The timeout: the rollback must not wait for the other new containers' monitor periods (60s).
test('with a healthcheck, a new container that crashes after turning healthy, within its monitor period, fails its unit and rolls the run back', { timeout: 20_000 }, async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const checked = { healthcheck: { test: ['CMD-SHELL', 'true'], interval: 500 } };
  await deployed(cluster, spec(checked));
  const old = running(cluster).map((c) => c.id).sort();
  // The first new container crashes once it is watched past its gate (phase running, after healthy).
  let crashed: string | undefined;
  const r = await start(cluster, v2(checked), {
    rollout: { monitorMs: 60_000 },
    onEvent: (e) => {
      if (crashed || e.type !== 'phase' || e.phase !== 'running' || !e.container?.id) return;
      const id = (crashed = e.container.id);
      setImmediate(() => cluster.exitContainer(id, 3));
    },
  });
  const result = await r.result;
  assert.ok(crashed, 'a new container was watched after its gate');
  assert.equal(result.outcome, 'rolled-back');
  assert.match(result.failure!.message, /exited with code 3 within its monitor period/);
  assert.deepEqual(running(cluster).map((c) => c.id).sort(), old, 'exactly the old containers run again');
  assert.ok(!r.events.some((e) => e.type === 'cleanup'), 'no old container was removed');
  // The gate opened at healthy: the next batch began before the crash was seen.
  const healthyAt = r.events.findIndex((e) => e.type === 'phase' && e.phase === 'healthy');
  const nextBatchAt = r.events.findIndex((e) => e.type === 'batch-started' && e.batch === 2);
  assert.ok(healthyAt >= 0 && nextBatchAt > healthyAt, 'batch 2 began once batch 1 was healthy');
});

test('with a healthcheck, a run ends only once every new container has been watched through its monitor period', async () => {
  const cluster = new MemoryCluster(['m1']);
  const checked = { healthcheck: { test: ['CMD-SHELL', 'true'], interval: 500 } };
  await deployed(cluster, spec(checked));
  const t0 = Date.now();
  const r = await start(cluster, v2(checked), { rollout: { monitorMs: 300 } });
  const result = await r.result;
  assert.equal(result.outcome, 'done');
  const done = r.events.find((e) => e.type === 'operation-done');
  const healthy = r.events.find((e) => e.type === 'phase' && e.phase === 'healthy');
  assert.ok(done && healthy);
  assert.ok(Date.parse(done.at) - Date.parse(healthy.at) >= 250, `operation-done came ${Date.parse(done.at) - Date.parse(healthy.at)} ms after healthy, not after the monitor period`);
  assert.ok(Date.now() - t0 >= 300);
});

test('start-first: a new container that crashes while its old one takes long to stop is still caught by its monitor period', async () => {
  const cluster = new MemoryCluster(['m1']);
  const checked = { replicas: 1, healthcheck: { test: ['CMD-SHELL', 'true'], interval: 500 } };
  await deployed(cluster, spec(checked));
  const [old] = running(cluster);
  // The old container's stop takes longer than the whole monitor period (a long grace period), and
  // the new container crashes meanwhile.
  cluster.beforeCall = async (call) => {
    if (call.kind !== 'stop' || call.containerId !== old!.id) return;
    const fresh = cluster.containersOf('web').find((c) => c.spec.env?.VERSION === '2' && c.state === 'running');
    if (fresh) cluster.exitContainer(fresh.id, 3);
    await new Promise((resolve) => setTimeout(resolve, 500));
  };
  const result = await deployed(cluster, v2({ ...checked, update: { order: 'start-first' } }), { rollout: { monitorMs: 300 } });
  assert.equal(result.outcome, 'rolled-back');
  assert.match(result.failure?.message ?? '', /exited with code 3 within its monitor period/);
  assert.deepEqual(running(cluster).map((c) => c.id), [old!.id], 'the old container runs again');
});

test('a unit of the last batch that fails in its monitor period: pause asks before the cleanup; continue never removes the old container it started again', async () => {
  for (const action of ['pause', 'continue'] as const) {
    const cluster = new MemoryCluster(['m1']);
    const checked = { replicas: 2, healthcheck: { test: ['CMD-SHELL', 'true'], interval: 500 } };
    await deployed(cluster, spec(checked));
    const old = running(cluster).map((c) => c.id);
    // The second (last) new container crashes once it is watched past its gate.
    let watched = 0;
    const r = await start(cluster, v2({ ...checked, update: { parallelism: 1, failure_action: action, max_failure_ratio: 0 } }), {
      rollout: { monitorMs: 1_000 },
      answer: (request, app) => app.answer(request.id, 'abort'),
      onEvent: (e) => {
        if (e.type !== 'phase' || e.phase !== 'running' || !e.container?.id) return;
        const id = e.container.id;
        if (++watched === 2) setImmediate(() => cluster.exitContainer(id, 3));
      },
    });
    const result = await r.result;
    const asked = r.events.filter((e) => e.type === 'approval-requested');
    const running2 = running(cluster).map((c) => c.id);
    if (action === 'pause') {
      assert.equal(result.outcome, 'aborted', JSON.stringify(result));
      assert.equal(asked.length, 1, 'the pause question was asked');
    } else {
      assert.equal(result.outcome, 'failed');
      assert.equal(asked.length, 0);
    }
    assert.equal(running2.length, 2, `${action}: two replicas run (the first new one, and the old one the failed unit started again)`);
    assert.ok(old.some((id) => running2.includes(id)), `${action}: the old container started again was not removed by the cleanup`);
  }
});

test('a rollback ends only once the old containers it started again are healthy', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  await deployed(cluster, spec());
  const old = running(cluster);
  const order: string[] = [];
  // Started again, an old container's healthcheck is starting until this test turns it healthy, on
  // the Docker event of its start.
  for (const c of old) {
    cluster.watchContainer(c.machineId, c.id, (action) => {
      if (action === 'start') setImmediate(() => { order.push(`healthy ${c.name}`); cluster.setHealth(c.id, 'healthy'); });
    });
  }
  let started = 0;
  cluster.health = (c) => (c.spec.env?.VERSION !== '2' ? 'starting' : ++started === 2 ? 'unhealthy' : 'healthy');
  // stop-first: the failed unit (m2) starts its own old container again too.
  const r = await start(cluster, v2({ update: { order: 'stop-first' } }), { onEvent: (e) => order.push(e.type === 'operation-failed' ? `failed ${e.opId}` : e.type) });
  const result = await r.result;
  assert.equal(result.outcome, 'rolled-back');
  assert.deepEqual(result.restored!.flatMap((m) => m.failed), []);
  assert.deepEqual(running(cluster).map((c) => c.id).sort(), old.map((c) => c.id).sort());
  const [first, second] = [old.find((c) => c.machineId === 'm1')!, old.find((c) => c.machineId === 'm2')!];
  // The failed unit (m2) reports after its old container is back, the rollback (m1) ends after.
  assert.ok(order.indexOf(`healthy ${second.name}`) >= 0 && order.indexOf(`healthy ${second.name}`) < order.indexOf('failed o2'), order.join(', '));
  assert.ok(order.indexOf(`healthy ${first.name}`) >= 0 && order.indexOf(`healthy ${first.name}`) < order.indexOf('rollback-done'), order.join(', '));
});

test('an old container that does not come back after a rollback is reported as not restored', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  await deployed(cluster, spec());
  let started = 0;
  // The old containers crash when started again; the second new one is unhealthy.
  cluster.health = (c) => (c.spec.env?.VERSION !== '2' ? 'crash' : ++started === 2 ? 'unhealthy' : 'healthy');
  const result = await deployed(cluster, v2({ update: { order: 'stop-first' } }));
  // Not `rolled-back`: the service does not run as it did.
  assert.equal(result.outcome, 'failed');
  const failed = result.restored!.flatMap((m) => m.failed);
  assert.equal(failed.length, 1, JSON.stringify(result.restored));
  assert.match(failed[0]!, /^container web-\w+ on m1 exited with code 1 [\d.]+s after it was started again$/);
  assert.match(result.failure!.message, /and undoing it failed: container web-\w+ on m2 exited with code 1 [\d.]+s after it was started again/);
  assert.match(result.reason ?? '', /^rolled back, but not everything came back: container web-\w+ on m2 exited .*; container web-\w+ on m1 exited/);
});

test('start-first: an undo stops the new container only once the old one is back, and keeps it running when the old one does not come back', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  await deployed(cluster, spec());
  let started = 0;
  cluster.health = (c) => (c.spec.env?.VERSION !== '2' ? 'crash' : ++started === 2 ? 'unhealthy' : 'healthy');
  const result = await deployed(cluster, v2());
  assert.equal(result.outcome, 'failed');
  assert.deepEqual(cluster.runningByMachine('web'), { m1: 1, m2: 1, m3: 1 }, 'no machine has fewer running than before');
  const m1 = running(cluster).find((c) => c.machineId === 'm1')!;
  assert.equal(m1.spec.env?.VERSION, '2', 'the new container on m1 runs on: its old one crashed when started again');
  const failed = result.restored!.flatMap((m) => m.failed);
  assert.match(failed.join('; '), new RegExp(`container ${m1.name} on m1 is kept running: the old container it replaced did not come back`));
  assert.equal(result.restored!.flatMap((m) => m.stopped).length, 0, 'no new container was stopped');
});

test('an interrupt during the stale check, before the run begins, ends it with nothing run', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  await deployed(cluster, spec());
  const { plan, names } = await new Deployment(cluster, v2(), { rollout: FAST }).plan();
  let app: Application | undefined;
  const changing: string[] = [];
  cluster.beforeCall = (call) => {
    if (call.kind === 'inspect' && app) app.interrupt();
    if (call.kind !== 'inspect') changing.push(call.kind);
  };
  app = applyPlan(plan, { client: cluster }, { names, approval: 'all', pollMs: 1 });
  const result = await app.result;
  assert.equal(result.outcome, 'interrupted');
  assert.equal(result.reason, 'interrupted before anything ran');
  assert.deepEqual(changing, [], 'no container was created, started or stopped');
  assert.deepEqual(versions(cluster), ['1', '1', '1']);
});

test('an interrupt at the pause question declines it: the run ends interrupted (exit 130), left as it is', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  await deployed(cluster, spec());
  let n = 0;
  cluster.health = (c) => (c.spec.env?.VERSION === '2' && ++n === 2 ? 'unhealthy' : 'healthy');
  const result = await deployed(cluster, v2({ update: { failure_action: 'pause' } }), { answer: (request, app) => request.kind === 'paused' && app.interrupt() });
  assert.equal(result.outcome, 'interrupted');
  assert.equal(result.reason, 'interrupted at the pause after a failed batch, left as it is: 1 container change done (old containers stopped and kept, new ones running), the rest not started');
  assert.deepEqual(versions(cluster), ['1', '1', '2']);
});
