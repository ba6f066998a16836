// The identity check without Docker: engines are fake volume stores, and a machine is a handle to
// one of them. Two handles to one store are one engine, whatever ID they report.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import {
  EngineIdentityChecks,
  IDENTITY_MARKER_PREFIX,
  IDENTITY_PROBE_LABEL,
  ORPHAN_MARKER_AGE_MS,
  identityRound,
  type IdentityCandidate,
} from '../../src/cluster/engine-identity.js';

interface StoredVolume {
  labels: Record<string, string>;
  createdAt: string;
}

/** One engine's volumes, and every call made to it. */
class FakeEngine {
  readonly volumes = new Map<string, StoredVolume>();
  readonly calls: string[] = [];
  constructor(readonly label: string) {}

  markers(): string[] {
    return [...this.volumes.keys()].filter((n) => n.startsWith(IDENTITY_MARKER_PREFIX));
  }
}

type Failing = 'create' | 'list' | 'remove';

const httpError = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode, json: { message } });

/** A machine: a handle to an engine; `fail` makes that call fail through this handle only. */
function machine(name: string, engine: FakeEngine, fail: Failing[] = [], engineTime?: number): IdentityCandidate {
  const docker = {
    createVolume: async (opts: { Name: string; Labels?: Record<string, string> }) => {
      engine.calls.push(`create ${opts.Name}`);
      await Promise.resolve();
      if (fail.includes('create')) throw httpError(403, 'authorization denied by plugin');
      engine.volumes.set(opts.Name, { labels: opts.Labels ?? {}, createdAt: new Date().toISOString() });
      return {};
    },
    listVolumes: async (opts: { filters?: { label?: string[] } }) => {
      engine.calls.push('list');
      await Promise.resolve();
      if (fail.includes('list')) throw Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' });
      const wanted = opts.filters?.label ?? [];
      const Volumes = [...engine.volumes]
        .filter(([, v]) => wanted.every((l) => { const [k, val] = l.split('='); return v.labels[k!] === val; }))
        .map(([Name, v]) => ({ Name, Driver: 'local', Labels: v.labels, CreatedAt: v.createdAt }));
      return { Volumes, Warnings: null };
    },
    getVolume: (volumeName: string) => ({
      remove: async () => {
        engine.calls.push(`remove ${volumeName}`);
        await Promise.resolve();
        if (fail.includes('remove')) throw Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' });
        if (!engine.volumes.delete(volumeName)) throw httpError(404, `get ${volumeName}: no such volume`);
      },
    }),
  } as unknown as Docker;
  return { name, host: `unix:///run/${name}.sock`, docker, ...(engineTime !== undefined ? { engineTime } : {}) };
}

const verdictsOf = (found: Map<string, { kind: string }>) => [...found].map(([key, v]) => `${key.split('\u0000').slice(1).join('~')}:${v.kind}`);

describe('one identity round', () => {
  it('two handles to one engine are the same engine; two engines are distinct; no marker is left on either', async () => {
    const e1 = new FakeEngine('e1');
    const e2 = new FakeEngine('e2');
    const found = await identityRound('ID', [machine('m1', e1), machine('m1-again', e1), machine('m2', e2)], 1_000);
    assert.deepEqual(verdictsOf(found), ['m1~m1-again:same', 'm1~m2:distinct', 'm1-again~m2:distinct']);
    assert.deepEqual(e1.markers(), []);
    assert.deepEqual(e2.markers(), []);
    assert.equal(e1.calls.filter((c) => c.startsWith('create')).length, 2, 'both handles to e1 made a marker');
  });

  it('every marker is labelled dockplan.identity-probe=true and named with the marker prefix', async () => {
    const e1 = new FakeEngine('e1');
    const seen: string[] = [];
    const m = machine('m1', e1);
    const create = (m.docker as unknown as { createVolume: (o: { Name: string; Labels: Record<string, string> }) => Promise<unknown> }).createVolume;
    (m.docker as unknown as { createVolume: typeof create }).createVolume = async (o) => {
      seen.push(`${o.Name} ${JSON.stringify(o.Labels)}`);
      return create(o);
    };
    await identityRound('ID', [m, machine('m2', new FakeEngine('e2'))], 1_000);
    assert.equal(seen.length, 1);
    assert.match(seen[0]!, new RegExp(`^${IDENTITY_MARKER_PREFIX}[0-9a-f]{12}-0 \\{"${IDENTITY_PROBE_LABEL.replace('.', '\\.')}":"true"\\}$`));
  });

  it('a list that fails on one side is decided by the other side', async () => {
    const e1 = new FakeEngine('e1');
    const found = await identityRound('ID', [machine('m1', e1), machine('m3', e1, ['list'])], 1_000);
    assert.deepEqual(verdictsOf(found), ['m1~m3:same']);
    assert.deepEqual(e1.markers(), []);
  });

  it('a create refused on one side is decided by the other side', async () => {
    const e1 = new FakeEngine('e1');
    const e2 = new FakeEngine('e2');
    const found = await identityRound('ID', [machine('m1', e1, ['create']), machine('m2', e2)], 1_000);
    assert.deepEqual(verdictsOf(found), ['m1~m2:distinct']);
    assert.deepEqual(e2.markers(), []);
  });

  it('when neither side can be checked the verdict is unknown, naming the failed step, and the markers still go', async () => {
    const e1 = new FakeEngine('e1');
    const found = await identityRound('ID', [machine('m1', e1, ['list']), machine('m2', e1, ['list'])], 1_000);
    const verdict = [...found.values()][0];
    assert.deepEqual(verdict, { kind: 'unknown', reason: 'list volumes on m2: connection reset by unix:///run/m2.sock' });
    assert.deepEqual(e1.markers(), []);
  });

  it('a marker its own machine cannot remove is removed through another machine that saw it', async () => {
    const e1 = new FakeEngine('e1');
    await identityRound('ID', [machine('m1', e1, ['remove']), machine('m1-again', e1)], 1_000);
    assert.deepEqual(e1.markers(), []);
  });

  it('a call that never answers fails the step after the deadline, and the round still ends', async () => {
    const e1 = new FakeEngine('e1');
    const hanging = machine('m2', new FakeEngine('e2'));
    (hanging.docker as unknown as { listVolumes: () => Promise<never> }).listVolumes = () => new Promise(() => {});
    const t0 = Date.now();
    const found = await identityRound('ID', [machine('m1', e1), hanging], 100);
    assert.ok(Date.now() - t0 < 1_000);
    assert.deepEqual(verdictsOf(found), ['m1~m2:distinct'], "m1's own list decides");
  });

  it('orphaned markers older than the limit by the engine clock are removed; a younger one of another check stays', async () => {
    const e1 = new FakeEngine('e1');
    const now = Date.parse('2026-01-01T12:00:00Z');
    const at = (ms: number) => new Date(ms).toISOString();
    e1.volumes.set(`${IDENTITY_MARKER_PREFIX}old-0`, { labels: { [IDENTITY_PROBE_LABEL]: 'true' }, createdAt: at(now - ORPHAN_MARKER_AGE_MS - 1_000) });
    e1.volumes.set(`${IDENTITY_MARKER_PREFIX}busy-0`, { labels: { [IDENTITY_PROBE_LABEL]: 'true' }, createdAt: at(now - 60_000) });
    e1.volumes.set('data', { labels: {}, createdAt: at(0) });
    await identityRound('ID', [machine('m1', e1, [], now), machine('m2', new FakeEngine('e2'), [], now)], 1_000);
    assert.deepEqual([...e1.volumes.keys()].sort(), ['data', `${IDENTITY_MARKER_PREFIX}busy-0`]);
  });
});

describe('identity checks of one client', () => {
  it('of three machines on two engines, the later machine on the first engine is the same as the first', async () => {
    const e1 = new FakeEngine('e1');
    const e2 = new FakeEngine('e2');
    const owners = await new EngineIdentityChecks(1_000).owners('ID', [machine('m1', e2), machine('m2', e1), machine('m3', e1)]);
    assert.deepEqual(Object.fromEntries(owners), { m1: { kind: 'own' }, m2: { kind: 'own' }, m3: { kind: 'same', sameAs: 'm2' } });
  });

  it('three names for one engine: the second and third are both the same as the first', async () => {
    const e1 = new FakeEngine('e1');
    const owners = await new EngineIdentityChecks(1_000).owners('ID', [machine('a', e1), machine('b', e1), machine('c', e1)]);
    assert.deepEqual(Object.fromEntries(owners), { a: { kind: 'own' }, b: { kind: 'same', sameAs: 'a' }, c: { kind: 'same', sameAs: 'a' } });
  });

  it('concurrent callers share one round, and a later call asks the engines nothing', async () => {
    const e1 = new FakeEngine('e1');
    const e2 = new FakeEngine('e2');
    const checks = new EngineIdentityChecks(1_000);
    const group = [machine('m1', e1), machine('m2', e2)];
    const all = await Promise.all([1, 2, 3, 4, 5].map(() => checks.owners('ID', group)));
    for (const owners of all) assert.deepEqual(Object.fromEntries(owners), { m1: { kind: 'own' }, m2: { kind: 'own' } });
    const calls = e1.calls.length + e2.calls.length;
    assert.equal(e1.calls.filter((c) => c.startsWith('create')).length + e2.calls.filter((c) => c.startsWith('create')).length, 2, 'one marker per machine');
    await checks.owners('ID', group);
    assert.equal(e1.calls.length + e2.calls.length, calls, 'the verdict is kept');
  });

  it('a new engine ID for the same pair is checked again', async () => {
    const e1 = new FakeEngine('e1');
    const e2 = new FakeEngine('e2');
    const checks = new EngineIdentityChecks(1_000);
    const group = [machine('m1', e1), machine('m2', e2)];
    await checks.owners('OLD', group);
    const calls = e1.calls.length;
    await checks.owners('NEW', group);
    assert.ok(e1.calls.length > calls);
  });

  it('a machine that could not be checked is unknown with the reason, and is checked again next time', async () => {
    const e1 = new FakeEngine('e1');
    const e2 = new FakeEngine('e2');
    const checks = new EngineIdentityChecks(1_000);
    const failing = [machine('m1', e1, ['create', 'list']), machine('m2', e2, ['create', 'list'])];
    const owners = await checks.owners('ID', failing);
    assert.deepEqual(owners.get('m1'), { kind: 'own' });
    const m2 = owners.get('m2');
    assert.ok(m2?.kind === 'unknown', JSON.stringify(m2));
    assert.equal(m2.other, 'm1');
    assert.match(m2.reason, /^create volume dockplan-identity-probe-[0-9a-f]{12}-0 on m1: authorization denied by plugin$/);
    await new Promise((r) => setImmediate(r));
    const healed = await checks.owners('ID', [machine('m1', e1), machine('m2', e2)]);
    assert.deepEqual(Object.fromEntries(healed), { m1: { kind: 'own' }, m2: { kind: 'own' } });
  });

  it('a machine that comes up later is checked for its own pairs only, and named after the first machine of its engine', async () => {
    const e1 = new FakeEngine('e1');
    const e2 = new FakeEngine('e2');
    const checks = new EngineIdentityChecks(1_000);
    await checks.owners('ID', [machine('m1', e1), machine('m2', e2)]);
    // m3 joins later (it was down before): only its pairs are checked
    const before = e1.calls.length + e2.calls.length;
    const owners = await checks.owners('ID', [machine('m1', e1), machine('m2', e2), machine('m3', e2)]);
    assert.deepEqual(owners.get('m3'), { kind: 'same', sameAs: 'm2' });
    assert.ok(e1.calls.length + e2.calls.length > before);
    assert.deepEqual([...e1.markers(), ...e2.markers()], []);
  });
});
