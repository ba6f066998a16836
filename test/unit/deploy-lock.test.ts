// The cluster-wide deploy lock over the in-memory cluster: quorum, races, release, waiting, machines
// that are down, and a crashed run's lock cleared by hand. What is left on each machine is read back
// from the memory cluster's volumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPlan } from '../../src/execute/apply.js';
import type { MachineInfo } from '../../src/execute/client.js';
import { Deployment } from '../../src/execute/deployment.js';
import type { DeployEvent } from '../../src/execute/events.js';
import { ClusterDeployLock, LOCK_LABEL, lockLabels, lockVolumeName, type HeldLock, type LockClient, type LockHolder } from '../../src/execute/lock.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { MemoryCluster } from '../support/memory-client.js';
import { seededRandom } from '../support/seeded-random.js';

const holder = (runId: string, extra: Partial<LockHolder> = {}): LockHolder => ({
  owner: `op-${runId}@jump1`, since: `2026-01-01T00:00:0${runId.length % 10}Z`, runId, ...extra,
});

/** Which run's lock volume of `service` each machine carries: { m1: 'r1', m2: 'r1' }. */
function lockRuns(cluster: MemoryCluster, service = 'web'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, m] of cluster.machines) {
    const v = m.volumes.get(lockVolumeName(service));
    if (v) out[name] = v.labels[LOCK_LABEL.runId] ?? '(no run id)';
  }
  return out;
}

function isHeld(r: HeldLock | { heldBy: LockHolder }): r is HeldLock {
  return !('heldBy' in r);
}

/** Puts a lock volume of `service` for `h` on `machines` directly, as a run that crashed there would leave it. */
function leaveLock(cluster: MemoryCluster, h: LockHolder, machines: string[], service = 'web') {
  for (const name of machines) {
    cluster.machines.get(name)!.volumes.set(lockVolumeName(service), { driver: 'local', labels: lockLabels(service, h), options: {} });
  }
}

/**
 * The memory cluster seen by one contender: every marker call yields to the event loop a few times
 * first (so concurrent acquisitions interleave call by call), and the machines in `hidden` look
 * down to this contender only (a partial network view).
 */
function contenderView(cluster: MemoryCluster, random: () => number, hidden: string[] = []): LockClient {
  const turns = async () => {
    for (let i = Math.floor(random() * 4); i > 0; i--) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  return {
    listMachines: async (): Promise<MachineInfo[]> => {
      await turns();
      return (await cluster.listMachines()).map((m) => (hidden.includes(m.name) ? { ...m, status: 'down', downReason: 'no route to host' } : m));
    },
    claimVolume: async (machineId, name, labels) => {
      await turns();
      if (hidden.includes(machineId)) throw new Error(`claim volume ${name} on ${machineId}: no route to host`);
      return cluster.claimVolume(machineId, name, labels);
    },
    labelledVolumes: async (machineId, label) => {
      await turns();
      return cluster.labelledVolumes(machineId, label);
    },
    removeVolume: async (machineId, name) => {
      await turns();
      return cluster.removeVolume(machineId, name);
    },
  };
}

test('with every machine up, a run takes the lock on all of them, labelled with owner, message, start time, run id and service', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const lock = new ClusterDeployLock(cluster);
  const r = await lock.acquire('web', holder('r1', { message: 'hotfix 42' }));
  assert.ok(isHeld(r));
  assert.deepEqual(r.machines, ['m1', 'm2', 'm3']);
  assert.equal(r.warning, undefined);
  assert.deepEqual(lockRuns(cluster), { m1: 'r1', m2: 'r1', m3: 'r1' });
  assert.deepEqual(cluster.machines.get('m2')!.volumes.get('dockplan-lock-web')!.labels, {
    'dockplan.lock': 'true', 'dockplan.lock.service': 'web', 'dockplan.lock.owner': 'op-r1@jump1',
    'dockplan.lock.since': '2026-01-01T00:00:02Z', 'dockplan.lock.run-id': 'r1', 'dockplan.lock.message': 'hotfix 42',
  });
  await r.release();
  assert.deepEqual(lockRuns(cluster), {});
});

test('a second run is refused with the holder (owner, since, run id, message) and leaves nothing behind', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const lock = new ClusterDeployLock(cluster);
  const first = await lock.acquire('web', holder('r1', { message: 'migrating' }));
  assert.ok(isHeld(first));
  const second = await lock.acquire('web', holder('r2'));
  assert.deepEqual(second, { heldBy: { owner: 'op-r1@jump1', since: '2026-01-01T00:00:02Z', runId: 'r1', message: 'migrating' } });
  assert.deepEqual(lockRuns(cluster), { m1: 'r1', m2: 'r1', m3: 'r1' });
  // Another service's lock is another volume.
  const other = await lock.acquire('api', holder('r3'));
  assert.ok(isHeld(other));
});

test('a holder met on a later machine: what the run took on earlier machines is given back', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  leaveLock(cluster, holder('r1'), ['m2']);
  const r = await new ClusterDeployLock(cluster).acquire('web', holder('r2'));
  assert.ok(!isHeld(r));
  assert.equal(r.heldBy.runId, 'r1');
  assert.deepEqual(lockRuns(cluster), { m2: 'r1' }, 'm1 was claimed by r2 and released again');
});

test('concurrent acquisitions: in every interleaving at most one run holds the lock with a majority, and with all machines visible exactly one does', async () => {
  for (let round = 0; round < 300; round++) {
    const random = seededRandom(round + 1);
    const cluster = new MemoryCluster(['m1', 'm2', 'm3', 'm4', 'm5']);
    const contenders = 2 + Math.floor(random() * 4);
    // From round 150 on, each contender may see some machines as down.
    const partial = round >= 150;
    const runs = Array.from({ length: contenders }, (_, i) => {
      const hidden = partial ? [...cluster.machines.keys()].filter(() => random() < 0.25) : [];
      const lock = new ClusterDeployLock(contenderView(cluster, random, hidden));
      return lock.acquire('web', holder(`r${i}`)).catch((err: Error) => ({ error: err.message }));
    });
    const results = await Promise.all(runs);
    const held = results.filter((r): r is HeldLock => !('heldBy' in r) && !('error' in r));
    const withMajority = held.filter((h) => h.warning === undefined);
    assert.ok(withMajority.length <= 1, `round ${round}: ${withMajority.length} runs hold a majority`);
    for (const h of withMajority) assert.ok(h.machines.length >= 3, `round ${round}: ${h.machines}`);
    if (!partial) {
      assert.equal(held.length, 1, `round ${round}: ${JSON.stringify(results)}`);
      const winner = held[0]!.holder.runId;
      for (const r of results) if ('heldBy' in r) assert.equal(r.heldBy.runId, winner, `round ${round}: a loser names the winner`);
      assert.deepEqual(lockRuns(cluster), { m1: winner, m2: winner, m3: winner, m4: winner, m5: winner }, `round ${round}: losers left nothing`);
    }
    // Every volume left belongs to a run that holds the lock.
    const holders = new Set(held.map((h) => h.holder.runId));
    for (const [m, run] of Object.entries(lockRuns(cluster))) assert.ok(holders.has(run), `round ${round}: ${m} keeps a volume of ${run}, which does not hold the lock`);
  }
});

test('release removes only the volumes carrying its own run id: a lock broken by hand and taken by another run stays', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const lock = new ClusterDeployLock(cluster);
  const a = await lock.acquire('web', holder('r1'));
  assert.ok(isHeld(a));
  await lock.breakLock('web');
  const b = await lock.acquire('web', holder('r2'));
  assert.ok(isHeld(b));
  await a.release();
  assert.deepEqual(lockRuns(cluster), { m1: 'r2', m2: 'r2', m3: 'r2' });
  await b.release();
  await b.release();
  assert.deepEqual(lockRuns(cluster), {});
});

test('--lock-wait: a waiting run is told who holds it once, then takes the lock as soon as it is released', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const lock = new ClusterDeployLock(cluster, { pollMs: 5 });
  const first = await lock.acquire('web', holder('r1'));
  assert.ok(isHeld(first));
  const waits: LockHolder[] = [];
  let released = false;
  const second = await lock.acquire('web', holder('r2'), {
    waitMs: 10_000,
    onWait: (h) => {
      waits.push(h);
      // Released only once the waiter has said whom it waits for: the wait is proven, not timed.
      if (!released) void first.release().then(() => (released = true));
    },
  });
  assert.ok(isHeld(second));
  assert.deepEqual(waits.map((h) => h.runId), ['r1']);
  assert.deepEqual(lockRuns(cluster), { m1: 'r2', m2: 'r2', m3: 'r2' });
});

test('--lock-wait that runs out answers with the holder, after at least the wait; an abort ends the wait early', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const lock = new ClusterDeployLock(cluster, { pollMs: 10 });
  assert.ok(isHeld(await lock.acquire('web', holder('r1'))));
  const began = Date.now();
  const r = await lock.acquire('web', holder('r2'), { waitMs: 60 });
  assert.ok(Date.now() - began >= 60, `gave up after ${Date.now() - began}ms`);
  assert.ok(!isHeld(r) && r.heldBy.runId === 'r1');

  const abort = new AbortController();
  const waiting = lock.acquire('web', holder('r3'), { waitMs: 60_000, signal: abort.signal, onWait: () => abort.abort() });
  const aborted = await waiting;
  assert.ok(Date.now() - began < 30_000, 'the abort ended the wait');
  assert.ok(!isHeld(aborted) && aborted.heldBy.runId === 'r1');
  assert.deepEqual(lockRuns(cluster), { m1: 'r1', m2: 'r1', m3: 'r1' });
});

test('machines down: a majority up is enough; fewer than a majority takes it on every machine up with a warning naming the others; none up throws', async () => {
  const five = new MemoryCluster(['m1', 'm2', 'm3', 'm4', 'm5']);
  five.setUp('m2', false);
  five.setUp('m4', false);
  const quorum = await new ClusterDeployLock(five).acquire('web', holder('r1'));
  assert.ok(isHeld(quorum));
  assert.deepEqual(quorum.machines, ['m1', 'm3', 'm5']);
  assert.equal(quorum.warning, undefined);

  const four = new MemoryCluster(['m1', 'm2', 'm3', 'm4']);
  four.setUp('m3', false);
  four.setUp('m4', false);
  const minority = await new ClusterDeployLock(four).acquire('web', holder('r2'));
  assert.ok(isHeld(minority));
  assert.deepEqual(minority.machines, ['m1', 'm2']);
  assert.match(minority.warning ?? '', /^the deploy lock of web is held on m1, m2 only, not on a majority of the 4 machines: m3 \(connection refused\), m4 \(connection refused\) did not answer/);

  const none = new MemoryCluster(['m1', 'm2']);
  none.setUp('m1', false);
  none.setUp('m2', false);
  await assert.rejects(new ClusterDeployLock(none).acquire('web', holder('r3')), /take the deploy lock of web: no machine answered \(m1: connection refused; m2: connection refused\)/);
});

test('a lock taken with a machine down still refuses a later run once that machine is back', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  cluster.setUp('m1', false);
  const lock = new ClusterDeployLock(cluster);
  assert.ok(isHeld(await lock.acquire('web', holder('r1'))));
  cluster.setUp('m1', true);
  const r = await lock.acquire('web', holder('r2'));
  assert.ok(!isHeld(r) && r.heldBy.runId === 'r1');
  assert.deepEqual(lockRuns(cluster), { m2: 'r1', m3: 'r1' });
});

/** The ended markers on each machine: { m1: ['r1'], ... }. */
function endedMarkers(cluster: MemoryCluster, service = 'web'): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, m] of cluster.machines) {
    const runs = [...m.volumes].filter(([v]) => v.startsWith(`${lockVolumeName(service)}.ended.`)).map(([, v]) => v.labels[LOCK_LABEL.ended] ?? '?');
    if (runs.length) out[name] = runs;
  }
  return out;
}

test('a run whose release cannot reach a machine says so, and leaves an ended marker where it could; the next run, once that machine is back, clears the leftover and takes the lock', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const lock = new ClusterDeployLock(cluster);
  const held = await lock.acquire('web', holder('r1'));
  assert.ok(isHeld(held));
  cluster.setUp('m3', false);
  await assert.rejects(held.release(), /^Error: release the deploy lock of web: m3: list volumes on m3: connection refused; its lock volume stays on m3, and the next run of web clears it once that machine answers \(or: dockplan lock release web\)$/);
  assert.deepEqual(lockRuns(cluster), { m3: 'r1' });
  assert.deepEqual(endedMarkers(cluster), { m1: ['r1'], m2: ['r1'] });
  // The marker is not a lock: it is not in the survey, and no volume listing shows it.
  assert.deepEqual((await lock.survey('web')).locks.map((l) => [l.holder.runId, l.machines]), []);
  cluster.setUp('m3', true);
  assert.deepEqual((await lock.survey('web')).locks.map((l) => [l.holder.runId, l.machines]), [['r1', ['m3']]]);

  const next = await lock.acquire('web', holder('r2'));
  assert.ok(isHeld(next), 'the leftover of a run that is over does not refuse the next one');
  assert.deepEqual(lockRuns(cluster), { m1: 'r2', m2: 'r2', m3: 'r2' });
  assert.deepEqual(endedMarkers(cluster), {}, 'holding every machine, the markers are cleared');
});

test('a leftover whose run left no marker (it was killed) still refuses; a leftover met with a machine still down keeps the marker', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const lock = new ClusterDeployLock(cluster);
  leaveLock(cluster, holder('r1'), ['m3']);
  const r = await lock.acquire('web', holder('r2'));
  assert.ok(!isHeld(r) && r.heldBy.runId === 'r1');
  assert.deepEqual(lockRuns(cluster), { m3: 'r1' });

  const four = new MemoryCluster(['m1', 'm2', 'm3', 'm4']);
  const lock4 = new ClusterDeployLock(four);
  const a = await lock4.acquire('web', holder('r1'));
  assert.ok(isHeld(a));
  four.setUp('m3', false);
  four.setUp('m4', false);
  await assert.rejects(a.release(), /stays on m3, m4/);
  four.setUp('m3', true);
  const b = await lock4.acquire('web', holder('r2'));
  assert.ok(isHeld(b));
  assert.deepEqual(lockRuns(four), { m1: 'r2', m2: 'r2', m3: 'r2', m4: 'r1' });
  assert.deepEqual(endedMarkers(four), { m1: ['r1'], m2: ['r1'] }, 'm4 may still hold a leftover of r1: its markers stay');
});

test('a crashed run\'s lock: the survey shows who holds it where, breaking it by hand clears it, and the next run gets it', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const lock = new ClusterDeployLock(cluster);
  const crashed = holder('r1', { message: 'db migration' });
  assert.ok(isHeld(await lock.acquire('web', crashed)));
  leaveLock(cluster, holder('r9'), ['m3'], 'api');
  cluster.setUp('m2', false);

  const survey = await lock.survey();
  assert.deepEqual(survey, {
    locks: [
      { service: 'api', holder: holder('r9'), machines: ['m3'], majority: false },
      { service: 'web', holder: crashed, machines: ['m1', 'm3'], majority: true },
    ],
    unreachable: [{ machineId: 'm2', reason: 'connection refused' }],
    machineCount: 3,
  });
  assert.deepEqual((await lock.survey('api')).locks.map((l) => l.service), ['api']);
  cluster.setUp('m2', true);

  assert.ok(!isHeld(await lock.acquire('web', holder('r2'))));
  // Only the run the operator saw: a lock another run took since is kept.
  const kept = await lock.breakLock('web', { runIds: ['r0'] });
  assert.deepEqual(kept.removed, []);
  assert.deepEqual(kept.kept.map((l) => [l.holder.runId, l.machines]), [['r1', ['m1', 'm2', 'm3']]]);
  const broken = await lock.breakLock('web', { runIds: ['r1'] });
  assert.deepEqual(broken.removed, [{ service: 'web', holder: crashed, machines: ['m1', 'm2', 'm3'], majority: true }]);
  assert.deepEqual(broken.unreachable, []);
  assert.deepEqual(lockRuns(cluster), {});
  assert.deepEqual(lockRuns(cluster, 'api'), { m3: 'r9' }, 'another service\'s lock is untouched');
  assert.ok(isHeld(await lock.acquire('web', holder('r2'))));
});

// ---- through the apply entry point ----------------------------------------------------------

const spec: ServiceSpec = { name: 'web', image: 'local/busybox:1', replicas: 3, command: ['sleep', '1000'] };

test('two applies of one service at once: exactly one runs, the other is refused naming the holder, and no lock is left', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const lock = new ClusterDeployLock(cluster);
  const planned = await Promise.all([1, 2].map(() => new Deployment(cluster, spec, { rollout: { monitorMs: 5 } }).plan()));
  const apps = planned.map(({ plan, names }, i) => applyPlan(plan, { client: cluster, lock }, { names, approval: 'all', pollMs: 1, who: `op${i}@host${i}`, message: `run ${i}` }));
  const results = await Promise.all(apps.map((a) => a.result));
  assert.deepEqual(results.map((r) => r.outcome).sort(), ['done', 'locked']);
  const winner = results.findIndex((r) => r.outcome === 'done');
  const loser = results[1 - winner]!;
  assert.match(loser.reason ?? '', new RegExp(`^the deploy lock of web is held by op${winner}@host${winner} since \\S+ \\(run ${apps[winner]!.runId}, "run ${winner}"\\)`));
  assert.equal(cluster.containersOf('web').length, 3, 'only one run created containers');
  assert.deepEqual(lockRuns(cluster), {}, 'the winner released the lock');
});

test('an apply waiting for the lock emits lock-waiting, then runs once the holder releases it; interrupted while waiting it ends interrupted', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const lock = new ClusterDeployLock(cluster, { pollMs: 5 });
  const other = await lock.acquire('web', holder('r1'));
  assert.ok(isHeld(other));
  const { plan, names } = await new Deployment(cluster, spec, { rollout: { monitorMs: 5 } }).plan();
  const events: DeployEvent[] = [];
  const app = applyPlan(plan, { client: cluster, lock }, {
    names, approval: 'all', pollMs: 1, lockWaitMs: 10_000,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'lock-waiting') void other.release();
    },
  });
  const result = await app.result;
  assert.equal(result.outcome, 'done');
  assert.deepEqual(events.filter((e) => e.type.startsWith('lock-')).map((e) => e.type), ['lock-waiting', 'lock-acquired']);
  const waiting = events.find((e) => e.type === 'lock-waiting');
  assert.ok(waiting?.type === 'lock-waiting' && waiting.holder.startsWith('op-r1@jump1 since 2026-01-01T00:00:02Z (run r1)'));

  const blocker = await lock.acquire('web', holder('r2'));
  assert.ok(isHeld(blocker));
  const again = await new Deployment(cluster, { ...spec, env: { V: '2' } }, { rollout: { monitorMs: 5 } }).plan();
  const waiter = applyPlan(again.plan, { client: cluster, lock }, {
    names: again.names, approval: 'all', pollMs: 1, lockWaitMs: 60_000,
    onEvent: (e) => e.type === 'lock-waiting' && waiter.interrupt(),
  });
  const interrupted = await waiter.result;
  assert.equal(interrupted.outcome, 'interrupted');
  assert.equal(interrupted.reason, 'interrupted while waiting for the deploy lock');
  assert.deepEqual(lockRuns(cluster), { m1: 'r2', m2: 'r2', m3: 'r2' });
});

test('an apply whose lock cannot be released everywhere says so in an event and in its result', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const { plan, names } = await new Deployment(cluster, { ...spec, replicas: 1 }, { rollout: { monitorMs: 5 } }).plan();
  const events: DeployEvent[] = [];
  cluster.beforeCall = (call) => {
    // The machine goes down once the run is under way: its lock volume there cannot be removed.
    if (call.kind === 'start') cluster.setUp('m3', false);
  };
  const result = await applyPlan(plan, { client: cluster, lock: new ClusterDeployLock(cluster) }, { names, approval: 'all', pollMs: 1, onEvent: (e) => events.push(e) }).result;
  assert.equal(result.outcome, 'done');
  const left = events.at(-1);
  assert.ok(left?.type === 'lock-release-failed', JSON.stringify(left));
  assert.match(left.reason, /^release the deploy lock of web: m3: .*its lock volume stays on m3/);
  assert.ok(result.reason?.endsWith(left.reason), result.reason);
});

test('an apply that takes the lock without a majority says so in its lock-acquired event', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  cluster.setUp('m2', false);
  cluster.setUp('m3', false);
  const { plan, names } = await new Deployment(cluster, { ...spec, replicas: 1 }, { rollout: { monitorMs: 5 }, ignoreDown: true }).plan();
  const events: DeployEvent[] = [];
  const result = await applyPlan(plan, { client: cluster, lock: new ClusterDeployLock(cluster) }, { names, approval: 'all', pollMs: 1, onEvent: (e) => events.push(e) }).result;
  assert.equal(result.outcome, 'done', result.reason);
  const acquired = events.find((e) => e.type === 'lock-acquired');
  assert.ok(acquired?.type === 'lock-acquired');
  assert.match(acquired.warning ?? '', /held on m1 only, not on a majority of the 3 machines: m2 \(connection refused\), m3 \(connection refused\) did not answer/);
});

test('the lock is taken before the stale check: a plan outdated by the run that holds the lock is refused as locked, naming it; once released, as stale', async () => {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const lock = new ClusterDeployLock(cluster);
  const outdated = await new Deployment(cluster, spec, { rollout: { monitorMs: 5 } }).plan();
  // Another run changes the service and still holds its lock.
  const other = await lock.acquire('web', holder('r1'));
  assert.ok(isHeld(other));
  const first = await new Deployment(cluster, { ...spec, replicas: 1 }, { rollout: { monitorMs: 5 } }).plan();
  assert.equal((await applyPlan(first.plan, { client: cluster }, { names: first.names, approval: 'all', pollMs: 1 }).result).outcome, 'done');

  const locked = await applyPlan(outdated.plan, { client: cluster, lock }, { names: outdated.names, approval: 'all', pollMs: 1 }).result;
  assert.equal(locked.outcome, 'locked');
  assert.match(locked.reason ?? '', /held by op-r1@jump1 since \S+ \(run r1\)/);
  await other.release();
  const stale = await applyPlan(outdated.plan, { client: cluster, lock }, { names: outdated.names, approval: 'all', pollMs: 1 }).result;
  assert.equal(stale.outcome, 'stale');
  assert.deepEqual(lockRuns(cluster), {}, 'the stale run gave its lock back');
});
