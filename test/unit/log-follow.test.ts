// A service's merged logs over the in-memory cluster: scope errors, exact merge, tail and since,
// following new records and new containers, a machine going down and coming back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceLogs, type ServiceLogEntry, type ServiceLogOptions } from '../../src/execute/log-follow.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { MemoryCluster } from '../support/memory-client.js';

const spec: ServiceSpec = { name: 'web', image: 'local/busybox:1', replicas: 2, command: ['sleep', '1000'] };
const time = (s: number) => `2026-03-01T10:00:${String(s).padStart(2, '0')}.000000000Z`;

async function run(cluster: MemoryCluster, name: string, machineId: string): Promise<string> {
  const { id } = await cluster.createContainer({ machineId, serviceId: 'svc-web', spec, name });
  await cluster.startContainer(machineId, id);
  return id;
}

/** Two replicas, web-one on m1 and web-two on m2, that printed at interleaved seconds. */
async function twoReplicas() {
  const cluster = new MemoryCluster(['m1', 'm2', 'm3']);
  const one = await run(cluster, 'web-one', 'm1');
  const two = await run(cluster, 'web-two', 'm2');
  for (const s of [1, 4, 5]) cluster.printLog(one, `one at ${s}`, { time: time(s) });
  for (const s of [2, 3, 6]) cluster.printLog(two, `two at ${s}`, { time: time(s), stream: 'stderr' });
  return { cluster, one, two };
}

const line = (e: ServiceLogEntry) => (e.kind === 'record' ? `${e.machine} ${e.container} | ${e.record.text}` : `! ${e.text}`);

/** Reads to the end (no follow) and returns the lines. */
async function readAll(cluster: MemoryCluster, opts: Partial<ServiceLogOptions> = {}): Promise<string[]> {
  const logs = await ServiceLogs.open(cluster, { service: 'web', follow: false, tail: 'all', ...opts });
  const out: string[] = [];
  await logs.run((entries) => out.push(...entries.map(line)));
  return out;
}

/** Follows; `lines` grows as entries come; `until` waits for a line matching. */
async function follow(cluster: MemoryCluster, opts: Partial<ServiceLogOptions> = {}) {
  const logs = await ServiceLogs.open(cluster, { service: 'web', follow: true, tail: 'all', windowMs: 50, ...opts });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const controller = new AbortController();
  const done = logs.run((entries) => {
    lines.push(...entries.map(line));
    for (const w of [...waiters]) w();
  }, controller.signal);
  const until = (match: RegExp, timeoutMs = 2000) => new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!lines.some((l) => match.test(l))) return;
      waiters.delete(check);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => reject(new Error(`no line matched ${match} within ${timeoutMs} ms; lines:\n${lines.join('\n')}`)), timeoutMs);
    waiters.add(check);
    check();
  });
  return { lines, until, stop: async () => { controller.abort(); await done; } };
}

test('no follow: every replica\'s records merged in time order, prefixed with machine and container, then the read ends', async () => {
  const { cluster } = await twoReplicas();
  assert.deepEqual(await readAll(cluster), [
    'm1 web-one | one at 1', 'm2 web-two | two at 2', 'm2 web-two | two at 3', 'm1 web-one | one at 4', 'm1 web-one | one at 5', 'm2 web-two | two at 6',
  ]);
});

test('tail is per container, since is a time, machines narrow the scope', async () => {
  const { cluster } = await twoReplicas();
  assert.deepEqual(await readAll(cluster, { tail: 1 }), ['m1 web-one | one at 5', 'm2 web-two | two at 6']);
  assert.deepEqual(await readAll(cluster, { since: Date.parse(time(4)) }), ['m1 web-one | one at 4', 'm1 web-one | one at 5', 'm2 web-two | two at 6']);
  assert.deepEqual(await readAll(cluster, { machines: ['m2'] }), ['m2 web-two | two at 2', 'm2 web-two | two at 3', 'm2 web-two | two at 6']);
});

test('an unknown service or machine is refused, saying what the cluster has', async () => {
  const { cluster } = await twoReplicas();
  await assert.rejects(ServiceLogs.open(cluster, { service: 'wbe', follow: false, tail: 'all' }), /^LogScopeError: no service named wbe on the machines that are up; did you mean "web"\?$/);
  await assert.rejects(ServiceLogs.open(cluster, { service: 'web', machines: ['m9'], follow: false, tail: 'all' }), /no machine named m9 in the cluster; did you mean "m1"\? \(machines: m1, m2, m3\)/);
  await assert.rejects(ServiceLogs.open(cluster, { service: 'web', machines: ['m3'], follow: false, tail: 'all' }), /web has no containers on m3 \(it runs on m1, m2\)/);
  cluster.setUp('m1', false);
  cluster.setUp('m2', false);
  await assert.rejects(ServiceLogs.open(cluster, { service: 'web', follow: false, tail: 'all' }), /no service named web on the machines that are up; m1, m2 are down: containers there cannot be seen/);
});

test('no follow with a machine down: the others\' records, and a notice naming the machine', async () => {
  const { cluster } = await twoReplicas();
  cluster.setUp('m2', false);
  assert.deepEqual(await readAll(cluster), [
    'm1 web-one | one at 1', 'm1 web-one | one at 4', 'm1 web-one | one at 5', '! m2 is down (connection refused): its containers\' logs cannot be read now',
  ]);
});

test('follow: new records come as they are printed; a container started meanwhile is picked up; stop ends the read', async () => {
  const { cluster, one } = await twoReplicas();
  const f = await follow(cluster, { tail: 1 });
  await f.until(/two at 6/);
  assert.deepEqual(f.lines, ['m1 web-one | one at 5', 'm2 web-two | two at 6']);
  cluster.printLog(one, 'one later');
  await f.until(/one later/);
  const three = await run(cluster, 'web-three', 'm3');
  cluster.printLog(three, 'three is new');
  cluster.notifyWatch({ kind: 'event', machineId: 'm3', action: 'start' });
  await f.until(/m3 web-three \| three is new/);
  await f.stop();
  cluster.printLog(one, 'after stop');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(!f.lines.some((l) => l.includes('after stop')), f.lines.join('\n'));
});

test('follow: a machine going down is a notice, not an error; when it is back its container is read again without repeating a record', async () => {
  const { cluster, two } = await twoReplicas();
  const f = await follow(cluster);
  await f.until(/two at 6/);
  cluster.setUp('m2', false);
  await f.until(/! m2 is down \(connection refused\): its containers' logs cannot be read until it is back/);
  cluster.setUp('m2', true);
  cluster.printLog(two, 'two after the outage');
  cluster.notifyWatch({ kind: 'machine-up', machineId: 'm2' });
  await f.until(/two after the outage/);
  await f.stop();
  assert.ok(f.lines.includes('! m2 is back: its containers\' logs follow again'), f.lines.join('\n'));
  assert.equal(f.lines.filter((l) => l === 'm2 web-two | two at 6').length, 1, `a record came twice:\n${f.lines.join('\n')}`);
});

test('follow: records of two containers printed out of step come out in time order within the window', async () => {
  const { cluster, one, two } = await twoReplicas();
  const f = await follow(cluster, { since: Date.parse(time(20)), windowMs: 300 });
  // two's record is older but is printed (arrives) after one's.
  cluster.printLog(one, 'newer', { time: time(21) });
  cluster.printLog(two, 'older', { time: time(20) });
  await f.until(/newer/);
  await f.stop();
  assert.deepEqual(f.lines, ['m2 web-two | older', 'm1 web-one | newer']);
});

test('one container: only its records, and no other container is picked up', async () => {
  const { cluster, two } = await twoReplicas();
  const f = await follow(cluster, { containerId: two });
  await f.until(/two at 6/);
  const three = await run(cluster, 'web-three', 'm3');
  cluster.printLog(three, 'three is new');
  cluster.printLog(two, 'two again');
  cluster.notifyWatch({ kind: 'event', machineId: 'm3', action: 'start' });
  await f.until(/two again/);
  await f.stop();
  assert.deepEqual(f.lines, ['m2 web-two | two at 2', 'm2 web-two | two at 3', 'm2 web-two | two at 6', 'm2 web-two | two again']);
});
