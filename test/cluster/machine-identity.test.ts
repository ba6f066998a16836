// Machine identity on the real cluster when engines share an engine ID. The three engines are
// restarted with one shared identity key (scripts/cluster.sh rekey shared), so they report one ID
// like VMs cloned from one image: they must still be three machines, and a deploy must spread over
// them. One engine listed twice under two host strings must still be caught and named, and the
// identity check must leave no marker volume behind. The engines get their own keys back at the
// end, also when a test failed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DockerClient } from '../../src/cluster/docker-client.js';
import { IDENTITY_MARKER_PREFIX, IDENTITY_PROBE_LABEL } from '../../src/cluster/engine-identity.js';
import type { WatchReason } from '../../src/execute/client.js';
import { ALL_MACHINES, Engine, containersOfService, countByMachine, specOf, waitAllMachinesUp, yaml } from '../support/engine-helpers.js';
import { clusterFile, machine, machines, rekeyCluster, skipReason, waitFor } from './harness.js';

const skip = skipReason();

/** The engine IDs docker info reports, per machine name. */
async function engineIds(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const m of machines()) out[m.name] = ((await m.docker.info()) as { ID: string }).ID;
  return out;
}

/** Now, as Docker's events API takes it: seconds since the epoch (a fraction is allowed). */
const eventTime = () => Date.now() / 1000;

/** Names of the marker volumes created (or destroyed) on a machine's engine since `since`. */
async function markerEvents(machineName: string, since: number, action: 'create' | 'destroy'): Promise<string[]> {
  const stream = await machine(machineName).docker.getEvents({ since, until: eventTime(), filters: { type: ['volume'], event: [action] } });
  let text = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) text += chunk.toString();
  return text.split('\n').filter(Boolean)
    .map((line) => (JSON.parse(line) as { Actor?: { ID?: string } }).Actor?.ID ?? '')
    .filter((name) => name.startsWith(IDENTITY_MARKER_PREFIX));
}

/** Marker volumes that exist now, on every machine. */
async function markersLeft(): Promise<string[]> {
  const lists = await Promise.all(machines().map(async (m) => {
    const byLabel = await m.docker.listVolumes({ filters: { label: [`${IDENTITY_PROBE_LABEL}=true`] } });
    const byName = await m.docker.listVolumes({ filters: { name: [IDENTITY_MARKER_PREFIX] } });
    return [...(byLabel.Volumes ?? []), ...(byName.Volumes ?? [])].map((v) => `${m.name}:${v.Name}`);
  }));
  return [...new Set(lists.flat())];
}

describe('machine identity when engines share an engine ID (real engines)', { skip }, () => {
  let own: Record<string, string>;
  let shared: string;
  let engine: Engine | undefined;
  let dir: string;

  before(async () => {
    await rekeyCluster('own'); // a run that died half-way may have left the shared key in place
    await waitAllMachinesUp();
    own = await engineIds();
    assert.equal(new Set(Object.values(own)).size, 3, `with their own keys the engines report three IDs: ${JSON.stringify(own)}`);
    dir = mkdtempSync(join(tmpdir(), 'dpt-identity-'));
  });

  after(async () => {
    try {
      await engine?.cleanup();
    } finally {
      await rekeyCluster('own');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with one shared key the engines report one engine ID, and the client still sees three machines, all up', async () => {
    await rekeyCluster('shared');
    await waitAllMachinesUp();
    const ids = await engineIds();
    shared = ids.m1!;
    assert.deepEqual(ids, { m1: shared, m2: shared, m3: shared });
    assert.ok(!Object.values(own).includes(shared), 'the shared key is none of the engines\' own');

    const since = eventTime();
    const client = await DockerClient.open(clusterFile());
    try {
      // many callers at once, as a view does: one identity check between them
      const [lists, states] = await Promise.all([
        Promise.all([1, 2, 3].map(() => client.listMachines())),
        Promise.all([1, 2, 3].map(() => client.loadState())),
      ]);
      for (const list of lists) {
        assert.deepEqual(list.map((m) => [m.id, m.status, m.downReason ?? '', m.engineId]), ALL_MACHINES.map((n) => [n, 'up', '', shared]));
      }
      for (const state of states) {
        assert.deepEqual(state.machines.map((m) => [m.id, m.status, m.engineId]), ALL_MACHINES.map((n) => [n, 'up', shared]));
        for (const m of state.machines) {
          assert.ok(m.volumes.every((v) => !v.name.startsWith(IDENTITY_MARKER_PREFIX)), `${m.name} lists no marker volume`);
        }
      }
      await client.listMachines();
      const created = (await Promise.all(ALL_MACHINES.map((m) => markerEvents(m, since, 'create')))).map((names) => names.length);
      assert.deepEqual(created, [1, 1, 1], 'one marker per machine: one check for the client\'s life');
      assert.deepEqual(await markersLeft(), []);
    } finally {
      await client.close();
    }
  });

  it('a 3-replica service deployed across the three clones runs one container on each machine', async () => {
    engine = await Engine.open();
    const name = engine.service('clones');
    const d = await engine.deployOk(specOf(yaml(
      `name: ${name}`,
      'image: local/busybox:1',
      'replicas: 3',
      'command: ["sh", "-c", "exec sleep 3600"]',
      'init: true',
      'stop_grace_period: 2s',
      'update:',
      '  monitor: 1s',
    )));
    assert.deepEqual(d.plan.operations.map((o) => o.kind), ['run', 'run', 'run']);
    assert.deepEqual(d.plan.unseen, [], 'no machine is left out');
    const all = await containersOfService(name);
    assert.deepEqual(countByMachine(all), { m1: 1, m2: 1, m3: 1 });
    assert.ok(all.every((c) => c.running), JSON.stringify(all.map((c) => c.status)));
    const state = await engine.client.loadState();
    for (const c of all) {
      const seen = state.machines.find((m) => m.id === c.machine)?.containers.find((x) => x.id === c.id);
      assert.ok(seen, `the client sees ${c.name} on ${c.machine}`);
    }
  });

  it('the same engine listed twice under two host strings is caught and named, whichever comes first; no marker is left', async () => {
    const alias = join(dir, 'docker.sock');
    symlinkSync(machine('m1').socketPath, alias);
    const since = eventTime();
    const later = new DockerClient({ machines: [
      { name: 'm1', host: machine('m1').host },
      { name: 'm2', host: machine('m2').host },
      { name: 'm1-again', host: `unix://${alias}` },
      { name: 'm3', host: machine('m3').host },
    ] });
    const list = await later.listMachines();
    assert.deepEqual(list.map((m) => [m.name, m.status, m.engineId]), [['m1', 'up', shared], ['m2', 'up', shared], ['m1-again', 'down', shared], ['m3', 'up', shared]]);
    assert.equal(list[2]!.downReason, `m1-again reaches the same engine as m1 (engine ID ${shared}): list each engine once in the cluster file`);

    const first = new DockerClient({ machines: [
      { name: 'alias', host: `unix://${alias}` },
      { name: 'm1', host: machine('m1').host },
    ] });
    const [a, m1] = await first.listMachines();
    assert.equal(a!.status, 'up');
    assert.equal(m1!.status, 'down');
    assert.equal(m1!.downReason, `m1 reaches the same engine as alias (engine ID ${shared}): list each engine once in the cluster file`);

    const created = await markerEvents('m1', since, 'create');
    const destroyed = await markerEvents('m1', since, 'destroy');
    assert.ok(created.length >= 2, `markers were made on m1's engine: ${created.join(', ')}`);
    assert.deepEqual([...destroyed].sort(), [...created].sort(), 'every marker made was removed');
    assert.deepEqual(await markersLeft(), []);
  });

  it('a watching view is not told about the identity check\'s marker volumes, only about real changes', async () => {
    const watching = await DockerClient.open(clusterFile());
    const reasons: WatchReason[] = [];
    const stop = watching.watch((r) => reasons.push(r), { debounceMs: 50, relistMs: 0 });
    const probe = `dpt-identity-${Date.now().toString(36)}`;
    try {
      // the watch is live once a real change on m1 is reported
      await machine('m1').docker.createVolume({ Name: probe });
      await waitFor(() => reasons.some((r) => r.kind === 'event' && r.machineId === 'm1' && r.action === 'volume create'), 5_000, 20);
      reasons.length = 0;
      const since = eventTime();
      const other = await DockerClient.open(clusterFile()); // a fresh client: a fresh identity check
      await other.listMachines();
      await other.close();
      const made = (await Promise.all(ALL_MACHINES.map((m) => markerEvents(m, since, 'create')))).flat();
      assert.equal(made.length, 3, 'the check made its markers');
      await machine('m2').docker.createVolume({ Name: probe });
      await waitFor(() => reasons.some((r) => r.kind === 'event' && r.machineId === 'm2'), 5_000, 20);
      assert.deepEqual(reasons, [{ kind: 'event', machineId: 'm2', action: 'volume create' }], 'the markers on m1..m3 were not reported');
    } finally {
      stop();
      for (const m of ['m1', 'm2']) await machine(m).docker.getVolume(probe).remove().catch(() => undefined);
    }
  });

  it('back on their own keys the engines report their own IDs again', async () => {
    await rekeyCluster('own');
    await waitAllMachinesUp();
    assert.deepEqual(await engineIds(), own);
    const client = await DockerClient.open(clusterFile());
    const list = await client.listMachines();
    assert.deepEqual(list.map((m) => [m.id, m.status, m.engineId]), ALL_MACHINES.map((n) => [n, 'up', own[n]]));
  });
});
