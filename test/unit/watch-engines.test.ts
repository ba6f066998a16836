// The watcher's rules without Docker: which events count, NDJSON split across chunks, the debounce
// window, down-once / retry / up, and a silent reconnect. Engines are fakes with PassThrough streams.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import type { WatchReason } from '../../src/execute/client.js';
import { IDENTITY_MARKER_PREFIX } from '../../src/cluster/engine-identity.js';
import { LineSplitter, interestingAction, watchEngines, type WatchTarget } from '../../src/cluster/watch.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class FakeEngine {
  up = true;
  connects = 0;
  readonly streams: PassThrough[] = [];
  constructor(readonly id: string) {}

  readonly docker = {
    modem: {
      dial: (opts: { path: string }, cb: (err: unknown, data?: unknown) => void) => {
        if (!this.up) return setImmediate(() => cb(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })));
        setImmediate(() => cb(null, opts.path === '/info' ? { ID: this.id } : 'OK'));
      },
    },
    getEvents: async () => {
      if (!this.up) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      this.connects++;
      const s = new PassThrough();
      this.streams.push(s);
      return s;
    },
  } as unknown as Docker;

  target(name: string): WatchTarget {
    return { name, docker: this.docker };
  }

  emit(event: object): void {
    this.streams.at(-1)!.write(`${JSON.stringify(event)}\n`);
  }

  crash(): void {
    this.up = false;
    for (const s of this.streams) s.destroy();
  }
}

function record(): { reasons: WatchReason[]; onChange: (r: WatchReason) => void } {
  const reasons: WatchReason[] = [];
  return { reasons, onChange: (r) => reasons.push(r) };
}

describe('which engine events count', () => {
  it('container start, die, destroy and health_status count; health_status drops its ": healthy"', () => {
    assert.equal(interestingAction('{"Type":"container","Action":"start"}'), 'start');
    assert.equal(interestingAction('{"Type":"container","Action":"die"}'), 'die');
    assert.equal(interestingAction('{"Type":"container","Action":"destroy"}'), 'destroy');
    assert.equal(interestingAction('{"Type":"container","Action":"health_status: healthy"}'), 'health_status');
  });

  it('exec, attach and resize of a container do not count', () => {
    assert.equal(interestingAction('{"Type":"container","Action":"exec_create: sh -c true"}'), undefined);
    assert.equal(interestingAction('{"Type":"container","Action":"attach"}'), undefined);
    assert.equal(interestingAction('{"Type":"container","Action":"resize"}'), undefined);
  });

  it('volume create and destroy count as "volume create" and "volume destroy"; mount does not', () => {
    assert.equal(interestingAction('{"Type":"volume","Action":"create"}'), 'volume create');
    assert.equal(interestingAction('{"Type":"volume","Action":"destroy"}'), 'volume destroy');
    assert.equal(interestingAction('{"Type":"volume","Action":"mount"}'), undefined);
  });

  it("an identity check's marker volume coming and going does not count; a volume named alike but not prefixed does", () => {
    const event = (action: string, id: string) => JSON.stringify({ Type: 'volume', Action: action, Actor: { ID: id, Attributes: { driver: 'local' } } });
    assert.equal(interestingAction(event('create', `${IDENTITY_MARKER_PREFIX}0a1b2c3d4e5f-0`)), undefined);
    assert.equal(interestingAction(event('destroy', `${IDENTITY_MARKER_PREFIX}0a1b2c3d4e5f-0`)), undefined);
    assert.equal(interestingAction(event('create', `data-${IDENTITY_MARKER_PREFIX}1`)), 'volume create');
    assert.equal(interestingAction(event('create', 'data')), 'volume create');
  });

  it('an old-style event with only "status" is a container event', () => {
    assert.equal(interestingAction('{"status":"start","id":"abc"}'), 'start');
  });

  it('a network event, a line that is not JSON and JSON without an action do not count', () => {
    assert.equal(interestingAction('{"Type":"network","Action":"connect"}'), undefined);
    assert.equal(interestingAction('not json'), undefined);
    assert.equal(interestingAction('null'), undefined);
    assert.equal(interestingAction('{"Type":"container"}'), undefined);
  });
});

describe('splitting the event stream into lines', () => {
  it('a line split across chunks comes out whole once its newline arrives', () => {
    const s = new LineSplitter();
    assert.deepEqual(s.push('{"a":'), []);
    assert.deepEqual(s.push('1}\n{"b":2}\n{"c"'), ['{"a":1}', '{"b":2}']);
    assert.deepEqual(s.push(Buffer.from(':3}\n')), ['{"c":3}']);
  });

  it('a UTF-8 character split across two buffers is decoded intact', () => {
    const s = new LineSplitter();
    const bytes = Buffer.from('{"n":"é"}\n');
    const cut = bytes.indexOf(0xc3) + 1;
    assert.deepEqual(s.push(bytes.subarray(0, cut)), []);
    assert.deepEqual(s.push(bytes.subarray(cut)), ['{"n":"é"}']);
  });
});

describe('watchEngines with fake engines', () => {
  it('three events within the debounce window are reported once, as the last of them, with the machine name as id', async () => {
    const engine = new FakeEngine('ENGINE-A');
    const { reasons, onChange } = record();
    const stop = watchEngines([engine.target('a')], onChange, { debounceMs: 100, relistMs: 0 });
    try {
      await sleep(30);
      engine.emit({ Type: 'container', Action: 'create' });
      engine.emit({ Type: 'container', Action: 'exec_start: sh' });
      engine.emit({ Type: 'container', Action: 'start' });
      await sleep(20);
      assert.deepEqual(reasons, [], 'nothing before the window ends');
      await sleep(150);
      assert.deepEqual(reasons, [{ kind: 'event', machineId: 'a', action: 'start' }]);
    } finally {
      stop();
    }
  });

  it('two engines reporting one engine ID (clones) are watched apart, each under its machine name', async () => {
    const a = new FakeEngine('CLONE');
    const b = new FakeEngine('CLONE');
    const { reasons, onChange } = record();
    const stop = watchEngines([a.target('m1'), b.target('m2')], onChange, { debounceMs: 10, relistMs: 0, retryMs: 1_000 });
    try {
      await sleep(30);
      b.emit({ Type: 'container', Action: 'start' });
      await sleep(50);
      assert.deepEqual(reasons, [{ kind: 'event', machineId: 'm2', action: 'start' }]);
      a.crash();
      await sleep(50);
      assert.deepEqual(reasons.at(-1), { kind: 'machine-down', machineId: 'm1' });
      assert.equal(reasons.filter((r) => r.kind === 'machine-down').length, 1, 'm2 stays up');
    } finally {
      stop();
    }
  });

  it('an engine that answers at the start is not reported; only uninteresting events report nothing', async () => {
    const engine = new FakeEngine('ENGINE-A');
    const { reasons, onChange } = record();
    const stop = watchEngines([engine.target('a')], onChange, { debounceMs: 10, relistMs: 0 });
    try {
      await sleep(30);
      engine.emit({ Type: 'container', Action: 'exec_create: sh' });
      await sleep(50);
      assert.deepEqual(reasons, []);
    } finally {
      stop();
    }
  });

  it('an engine that crashes is reported down once, retried, and reported up when it answers again', async () => {
    const engine = new FakeEngine('ENGINE-A');
    const { reasons, onChange } = record();
    const stop = watchEngines([engine.target('a')], onChange, { debounceMs: 10, relistMs: 0, retryMs: 30 });
    try {
      await sleep(30);
      engine.crash();
      await sleep(200); // several retries fail meanwhile
      assert.deepEqual(reasons, [{ kind: 'machine-down', machineId: 'a' }]);
      engine.up = true;
      await sleep(100);
      assert.deepEqual(reasons, [{ kind: 'machine-down', machineId: 'a' }, { kind: 'machine-up', machineId: 'a' }]);
      engine.emit({ Type: 'volume', Action: 'create' });
      await sleep(50);
      assert.deepEqual(reasons.at(-1), { kind: 'event', machineId: 'a', action: 'volume create' });
    } finally {
      stop();
    }
  });

  it('a stream that ends while the engine still answers reconnects at once and reports a relist, not down', async () => {
    const engine = new FakeEngine('ENGINE-A');
    const { reasons, onChange } = record();
    const stop = watchEngines([engine.target('a')], onChange, { debounceMs: 10, relistMs: 0 });
    try {
      await sleep(30);
      engine.streams[0]!.end();
      await sleep(60);
      assert.equal(engine.connects, 2);
      assert.deepEqual(reasons, [{ kind: 'relist' }]);
    } finally {
      stop();
    }
  });

  it('an engine that keeps dropping its stream at once is reconnected at once the first time, then only every retryMs', async () => {
    const engine = new FakeEngine('ENGINE-A');
    const { onChange } = record();
    const stop = watchEngines([engine.target('a')], onChange, { debounceMs: 10, relistMs: 0, retryMs: 200 });
    try {
      await sleep(20);
      engine.streams.at(-1)!.end();
      await sleep(20);
      assert.equal(engine.connects, 2, 'the first drop reconnects at once');
      engine.streams.at(-1)!.end();
      await sleep(100);
      assert.equal(engine.connects, 2, 'a second quick drop waits');
      await sleep(150);
      assert.equal(engine.connects, 3, 'and reconnects after retryMs');
    } finally {
      stop();
    }
  });

  it('a machine that cannot be reached at the start is reported down once under its name', async () => {
    const engine = new FakeEngine('ENGINE-B');
    engine.up = false;
    const { reasons, onChange } = record();
    const noHandle: WatchTarget = { name: 'c' };
    const stop = watchEngines([engine.target('b'), noHandle], onChange, { debounceMs: 10, relistMs: 0, retryMs: 20 });
    try {
      await sleep(150);
      const byId = [...reasons].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
      assert.deepEqual(byId, [{ kind: 'machine-down', machineId: 'b' }, { kind: 'machine-down', machineId: 'c' }]);
    } finally {
      stop();
    }
  });

  it('two machines going down in one window are both reported; an event in that window is folded into them', async () => {
    const a = new FakeEngine('ENGINE-A');
    const b = new FakeEngine('ENGINE-B');
    const { reasons, onChange } = record();
    const stop = watchEngines([a.target('a'), b.target('b')], onChange, { debounceMs: 80, relistMs: 0, retryMs: 1_000 });
    try {
      await sleep(30);
      a.emit({ Type: 'container', Action: 'die' });
      a.crash();
      b.crash();
      await sleep(150);
      assert.deepEqual(reasons, [{ kind: 'machine-down', machineId: 'a' }, { kind: 'machine-down', machineId: 'b' }]);
    } finally {
      stop();
    }
  });

  it('relistMs reports a relist on a quiet cluster; after stop nothing more is reported', async () => {
    const engine = new FakeEngine('ENGINE-A');
    const { reasons, onChange } = record();
    const stop = watchEngines([engine.target('a')], onChange, { debounceMs: 5, relistMs: 40 });
    await sleep(130);
    stop();
    const n = reasons.length;
    assert.ok(n >= 2, `relists: ${n}`);
    assert.ok(reasons.every((r) => r.kind === 'relist'));
    engine.emit({ Type: 'container', Action: 'start' });
    await sleep(100);
    assert.equal(reasons.length, n);
    assert.ok(engine.streams.every((s) => s.destroyed), 'the stream was closed');
  });

  it('stop during a connect that never answers ends it at once, timer included', async () => {
    const hanging: WatchTarget = {
      name: 'h',
      docker: { modem: { dial: () => {} }, getEvents: () => new Promise(() => {}) } as unknown as Docker,
    };
    const before = process.getActiveResourcesInfo().filter((k) => k === 'Timeout').length;
    const stop = watchEngines([hanging], () => {}, { relistMs: 0, connectTimeoutMs: 60_000 });
    await sleep(10);
    assert.equal(process.getActiveResourcesInfo().filter((k) => k === 'Timeout').length, before + 1, 'the connect deadline runs');
    stop();
    await sleep(10);
    assert.equal(process.getActiveResourcesInfo().filter((k) => k === 'Timeout').length, before);
  });
});
