// ClusterWatch over the real engines: container and volume events, a machine going down and coming
// back, the periodic relist, and a stop that leaves nothing running.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { DockerClient } from '../../src/cluster/docker-client.js';
import type { WatchReason } from '../../src/execute/client.js';
import { BUSYBOX, PROJECT_DIR, clusterFile, machine, machineUp, skipReason, startMachine, stopMachine, waitFor } from './harness.js';

const skip = skipReason();
const testName = (what: string) => `dpt-watch-${what}-${randomBytes(2).toString('hex')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every reason the watch reported, with the time it arrived. */
class Recorder {
  readonly seen: { at: number; reason: WatchReason }[] = [];
  readonly onChange = (reason: WatchReason) => {
    this.seen.push({ at: Date.now(), reason });
  };

  /** Waits for a reason matching `match` that arrived at or after `since`; returns its arrival time. */
  async next(match: (r: WatchReason) => boolean, since: number, timeoutMs: number): Promise<number> {
    const hit = await waitFor(() => this.seen.find((s) => s.at >= since && match(s.reason)), timeoutMs, 20);
    return hit.at;
  }

  count(match: (r: WatchReason) => boolean, since = 0): number {
    return this.seen.filter((s) => s.at >= since && match(s.reason)).length;
  }
}

/** A reason is about a machine by its id, which is its name in the cluster file. */
const eventOn = (machineId: string, actions: string[]) => (r: WatchReason) =>
  r.kind === 'event' && r.machineId === machineId && actions.includes(r.action);

/** The kinds of handles keeping the event loop alive, counted. */
function activeHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

describe('ClusterWatch on the real cluster', { skip }, () => {
  let client: DockerClient;
  const containers: { machine: string; id: string }[] = [];
  const volumes: { machine: string; name: string }[] = [];

  before(async () => {
    client = await DockerClient.open(clusterFile());
    await client.listMachines();
  });

  after(async () => {
    for (const c of containers) await machine(c.machine).docker.getContainer(c.id).remove({ force: true, v: true }).catch(() => {});
    for (const v of volumes) await machine(v.machine).docker.getVolume(v.name).remove({ force: true }).catch(() => {});
    await client?.close();
  });

  it('starting and stopping a container on m2 each report an event of m2 within 2 s', async () => {
    const m2 = 'm2';
    const rec = new Recorder();
    const stop = client.watch(rec.onChange);
    try {
      await sleep(500); // the streams are open
      const docker = machine('m2').docker;
      const container = await docker.createContainer({ name: testName('ctr'), Image: BUSYBOX, Cmd: ['sleep', '1000'] });
      containers.push({ machine: 'm2', id: container.id });

      const startedAt = Date.now();
      await container.start();
      const startSeen = await rec.next(eventOn(m2, ['start']), startedAt, 2_000);
      assert.ok(startSeen - startedAt < 2_000, `start reported after ${startSeen - startedAt} ms`);

      const stoppedAt = Date.now();
      await container.stop({ t: 0 });
      const stopSeen = await rec.next(eventOn(m2, ['kill', 'die', 'stop']), stoppedAt, 2_000);
      assert.ok(stopSeen - stoppedAt < 2_000, `stop reported after ${stopSeen - stoppedAt} ms`);

      const removedAt = Date.now();
      await container.remove({ force: true });
      await rec.next(eventOn(m2, ['destroy']), removedAt, 2_000);

      const other = rec.seen.filter((s) => s.reason.kind === 'event' && s.reason.machineId !== m2);
      assert.deepEqual(other, [], 'no other machine reported a change');
    } finally {
      stop();
    }
  });

  it('a burst of changes within the debounce window is reported once', async () => {
    const m2 = 'm2';
    const rec = new Recorder();
    // The window is wide enough for a busy engine to get through the whole burst inside it.
    const stop = client.watch(rec.onChange, { debounceMs: 4_000 });
    try {
      await sleep(500);
      const docker = machine('m2').docker;
      const since = Date.now();
      const container = await docker.createContainer({ name: testName('burst'), Image: BUSYBOX, Cmd: ['sleep', '1000'] });
      containers.push({ machine: 'm2', id: container.id });
      await container.start();
      await container.remove({ force: true });
      assert.ok(Date.now() - since < 3_500, `the engine took ${Date.now() - since} ms for the burst itself, longer than the window`);
      // create, start, kill, die, destroy: five engine events, one report at the window's end
      await rec.next(eventOn(m2, ['create', 'start', 'kill', 'die', 'destroy']), since, 8_000);
      // Room for a late event to show up as a second report.
      await sleep(1_000);
      assert.equal(rec.count((r) => r.kind === 'event', since), 1, JSON.stringify(rec.seen));
    } finally {
      stop();
    }
  });

  it('creating and removing a named volume on m1 report volume events', async () => {
    const m1 = 'm1';
    const rec = new Recorder();
    const stop = client.watch(rec.onChange);
    try {
      await sleep(500);
      const docker = machine('m1').docker;
      const name = testName('vol');
      volumes.push({ machine: 'm1', name });
      const createdAt = Date.now();
      await docker.createVolume({ Name: name });
      await rec.next(eventOn(m1, ['volume create']), createdAt, 2_000);
      const removedAt = Date.now();
      await docker.getVolume(name).remove();
      await rec.next(eventOn(m1, ['volume destroy']), removedAt, 2_000);
    } finally {
      stop();
    }
  });

  it('a quiet cluster still reports a relist every relistMs', async () => {
    const rec = new Recorder();
    const since = Date.now();
    const stop = client.watch(rec.onChange, { relistMs: 300 });
    try {
      await rec.next((r) => r.kind === 'relist', since, 2_000);
      await sleep(1_000);
      assert.ok(rec.count((r) => r.kind === 'relist') >= 3, `relists: ${rec.count((r) => r.kind === 'relist')}`);
    } finally {
      stop();
    }
  });

  it('stopping m3 reports machine-down for m3 once, starting it reports machine-up', async () => {
    const m3 = 'm3';
    const rec = new Recorder();
    const stop = client.watch(rec.onChange);
    try {
      await sleep(500);
      assert.equal(rec.count((r) => r.kind === 'machine-down' || r.kind === 'machine-up'), 0, 'all machines up: no transition at the start');

      const stoppedAt = Date.now();
      await stopMachine('m3');
      await rec.next((r) => r.kind === 'machine-down' && r.machineId === m3, stoppedAt, 5_000);
      await sleep(7_000); // at least two retries while m3 stays down
      assert.equal(rec.count((r) => r.kind === 'machine-down'), 1, JSON.stringify(rec.seen.map((s) => s.reason)));

      const startedAt = Date.now();
      await startMachine('m3');
      await rec.next((r) => r.kind === 'machine-up' && r.machineId === m3, startedAt, 10_000);
      assert.equal(rec.count((r) => r.kind === 'machine-up'), 1);

      // the stream is open again: m3's changes are reported
      const volume = testName('back');
      volumes.push({ machine: 'm3', name: volume });
      const createdAt = Date.now();
      await machine('m3').docker.createVolume({ Name: volume });
      await rec.next(eventOn(m3, ['volume create']), createdAt, 2_000);
    } finally {
      stop();
      if (!(await machineUp('m3'))) await startMachine('m3');
    }
  });

  it('stop() ends every stream and timer: no handle is left in this process', async () => {
    await sleep(200);
    const baseline = activeHandles();
    const rec = new Recorder();
    const stop = client.watch(rec.onChange, { relistMs: 200 });
    await rec.next((r) => r.kind === 'relist', 0, 2_000);
    assert.ok((activeHandles().get('PipeWrap') ?? 0) >= 3, 'three event streams were open');
    stop();
    stop(); // a second stop is harmless
    const stoppedAt = Date.now();
    await waitFor(() => {
      const now = activeHandles();
      return [...now].every(([kind, n]) => n <= (baseline.get(kind) ?? 0));
    }, 2_000, 20).catch(() => {
      assert.fail(`handles left after stop: ${JSON.stringify([...activeHandles()])}, before: ${JSON.stringify([...baseline])}`);
    });
    await sleep(500);
    assert.equal(rec.count(() => true, stoppedAt), 0, 'nothing is reported after stop');
  });

  it('a process that watches and then stops exits on its own', async () => {
    const url = (p: string) => pathToFileURL(join(PROJECT_DIR, p)).href;
    const script = [
      `const { DockerClient } = await import(${JSON.stringify(url('src/cluster/docker-client.ts'))});`,
      `const client = await DockerClient.open(${JSON.stringify(clusterFile())});`,
      `let n = 0;`,
      `const stop = client.watch(() => { n++; }, { relistMs: 100 });`,
      `await new Promise((r) => setTimeout(r, 1000));`,
      `stop();`,
      `await client.close();`,
      `console.log('reasons', n);`,
    ].join('\n');
    const started = Date.now();
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: PROJECT_DIR, timeout: 20_000 }, (err, out, errOut) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout: out, stderr: errOut }),
      );
      child.stdin?.end();
    });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^reasons [1-9]\d*$/m);
    assert.ok(Date.now() - started < 15_000, `the process took ${Date.now() - started} ms to exit`);
  });
});
