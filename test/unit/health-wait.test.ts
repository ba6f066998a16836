// The health wait's decisions over a scripted sequence of inspections and a fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerState } from '../../src/model/cluster.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { ContainerFailedError } from '../../src/execute/errors.js';
import { healthDeadlineMs, monitorAfterGate, waitUntilRestored, waitUntilUp } from '../../src/execute/health.js';

const REF = { id: 'c1', name: 'web-ab12' };

/** Each poll advances the clock by 500ms and returns the next scripted state (the last repeats). */
function scripted(states: Partial<ContainerState>[]) {
  let now = 0;
  let i = 0;
  const phases: string[] = [];
  return {
    phases,
    client: {
      inspectContainer: async (): Promise<ContainerState> => ({
        id: 'c1', name: 'web-ab12', machineId: 'm1', image: 'i', state: 'running', health: 'none', created: '', hostPorts: [],
        ...states[Math.min(i++, states.length - 1)],
      }),
    },
    opts: { now: () => now, sleep: async (ms: number) => void (now += ms), pollMs: 500, onPhase: (p: string) => phases.push(p) },
  };
}

const spec = (s: Partial<ServiceSpec> = {}): ServiceSpec => ({ name: 'web', image: 'i', update: { monitor: 2000 }, ...s });

test('with a healthcheck, healthy ends the wait before the monitor period', async () => {
  const s = scripted([{ health: 'starting' }, { health: 'healthy' }]);
  await waitUntilUp(s.client, 'm1', 'm1', REF, spec(), s.opts);
  assert.deepEqual(s.phases, ['health-starting', 'healthy']);
});

test('unhealthy past the monitor period fails saying unhealthy', async () => {
  const s = scripted([{ health: 'starting' }, { health: 'unhealthy' }]);
  await assert.rejects(waitUntilUp(s.client, 'm1', 'm1', REF, spec(), s.opts), (e: unknown) => {
    assert.ok(e instanceof ContainerFailedError);
    assert.match(e.message, /^container web-ab12 on m1 is unhealthy/);
    assert.deepEqual(e.container, REF);
    return true;
  });
});

test('unhealthy that recovers within the monitor period is accepted', async () => {
  const s = scripted([{ health: 'unhealthy' }, { health: 'unhealthy' }, { health: 'healthy' }]);
  await waitUntilUp(s.client, 'm1', 'm1', REF, spec(), s.opts);
  assert.deepEqual(s.phases, ['unhealthy', 'healthy']);
});

test('without a healthcheck, running for the whole monitor period is up', async () => {
  const s = scripted([{ health: 'none' }]);
  await waitUntilUp(s.client, 'm1', 'm1', REF, spec(), s.opts);
  assert.deepEqual(s.phases, ['running']);
});

test('a restart during the monitor period fails with the exit code', async () => {
  const s = scripted([{ health: 'none' }, { state: 'running', restartCount: 1, exitCode: 3 }]);
  await assert.rejects(waitUntilUp(s.client, 'm1', 'm1', REF, spec(), s.opts),
    /container web-ab12 on m1 is restarting: it exited with code 3 and was restarted 1 time/);
});

test('an exited container fails at once with its exit code', async () => {
  const s = scripted([{ state: 'exited', exitCode: 137 }]);
  await assert.rejects(waitUntilUp(s.client, 'm1', 'm1', REF, spec(), s.opts), (e: unknown) =>
    e instanceof ContainerFailedError && e.exitCode === 137 && /exited with code 137/.test(e.message));
});

test('a healthcheck that stays starting past its own deadline fails saying so', async () => {
  const hc = { test: ['CMD', 'true'], interval: 1000, timeout: 1000, retries: 1 };
  assert.equal(healthDeadlineMs(spec({ healthcheck: hc })), 4000);
  const s = scripted([{ health: 'starting' }]);
  await assert.rejects(waitUntilUp(s.client, 'm1', 'm1', REF, spec({ healthcheck: hc }), s.opts), /is still starting: not healthy after 4s/);
});

test('a healthcheck probe\'s exec events do not wake the wait; its health_status event does', async () => {
  let healthy = false;
  let inspections = 0;
  let emit: (action: string) => void = () => undefined;
  const client = {
    inspectContainer: async (): Promise<ContainerState> => {
      inspections++;
      return { id: 'c1', name: 'web-ab12', machineId: 'm1', image: 'i', state: 'running', health: healthy ? 'healthy' : 'starting', created: '', hostPorts: [] };
    },
    watchContainer: (_m: string, _c: string, onEvent: (action: string) => void) => {
      emit = onEvent;
      return () => undefined;
    },
  };
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  // No poll comes within the test: only events wake the wait.
  const waiting = waitUntilUp(client, 'm1', 'm1', REF, spec(), { fallbackPollMs: 60_000 });
  await tick();
  assert.equal(inspections, 1);
  for (const action of ['exec_create', 'exec_start', 'exec_die']) {
    emit(action);
    await tick();
  }
  assert.equal(inspections, 1, 'an exec event made the wait inspect the container again');
  healthy = true;
  emit('health_status');
  await waiting;
  assert.equal(inspections, 2);
});

// ---- after the gate: the rest of the monitor period ----------------------------------------------

test('after a healthy gate, the rest of the monitor period is watched: still up at its end passes', async () => {
  const s = scripted([{ health: 'healthy' }]);
  let inspections = 0;
  const client = { inspectContainer: async () => (inspections++, s.client.inspectContainer()) };
  await monitorAfterGate(client, 'm1', 'm1', REF, spec(), 0, s.opts);
  assert.ok(inspections >= 2, 'looked again until the period was over');
  assert.deepEqual(s.phases, ['running']);
});

test('a container that exits within its monitor period after a healthy gate fails, saying when', async () => {
  const s = scripted([{ health: 'healthy' }, { state: 'exited', exitCode: 3, health: 'none' }]);
  await assert.rejects(monitorAfterGate(s.client, 'm1', 'm1', REF, spec(), 0, s.opts), (e: unknown) =>
    e instanceof ContainerFailedError && e.exitCode === 3 && /^container web-ab12 on m1 exited with code 3 within its monitor period \(2s\)/.test(e.message));
});

test('a container that turns unhealthy within its monitor period after a healthy gate fails', async () => {
  const s = scripted([{ health: 'healthy' }, { health: 'unhealthy' }]);
  await assert.rejects(monitorAfterGate(s.client, 'm1', 'm1', REF, spec(), 0, s.opts), /turned unhealthy within its monitor period/);
});

test('a monitor period already over at the gate is not watched; an abort ends the watch without an error', async () => {
  const s = scripted([{ state: 'exited', exitCode: 1 }]);
  await monitorAfterGate(s.client, 'm1', 'm1', REF, spec(), -5000, s.opts);
  assert.deepEqual(s.phases, [], 'nothing was looked at');
  const aborted = new AbortController();
  aborted.abort(new Error('interrupted'));
  await monitorAfterGate(s.client, 'm1', 'm1', REF, spec(), 0, { ...s.opts, signal: aborted.signal });
});

test('an old container started again is back once healthy; without a healthcheck, once it has run its monitor period', async () => {
  const healthy = scripted([{ health: 'starting' }, { health: 'starting' }, { health: 'healthy' }]);
  let polls = 0;
  const counted = { inspectContainer: async () => (polls++, healthy.client.inspectContainer()) };
  await waitUntilRestored(counted, 'm1', 'm1', REF, healthy.opts);
  assert.equal(polls, 3);
  // No healthcheck: running through the monitor period (5s without a label: the fake clock says
  // so), and restarts from before do not count.
  let now = 0;
  const plain = scripted([{ health: 'none', restartCount: 4 }]);
  await waitUntilRestored(plain.client, 'm1', 'm1', REF, { ...plain.opts, now: () => now, sleep: async (ms: number) => void (now += ms) });
  assert.equal(now, 5000);
});

test('an old container started again that exits, restarts or turns unhealthy fails at once, saying when', async () => {
  const exited = scripted([{ health: 'starting' }, { state: 'exited', exitCode: 2 }]);
  await assert.rejects(waitUntilRestored(exited.client, 'm1', 'm1', REF, exited.opts),
    (e: unknown) => e instanceof ContainerFailedError && e.exitCode === 2 && /^container web-ab12 on m1 exited with code 2 0\.5s after it was started again$/.test(e.message));
  // Without a healthcheck, a crash within the monitor period: Docker restarted it.
  const crashed = scripted([{ health: 'none', restartCount: 1 }, { health: 'none' }, { state: 'running', health: 'none', restartCount: 2, exitCode: 3 }]);
  await assert.rejects(waitUntilRestored(crashed.client, 'm1', 'm1', REF, crashed.opts), /web-ab12 on m1 is restarting 1s after it was started again: it exited with code 3/);
  const restarting = scripted([{ state: 'restarting', restartCount: 3, exitCode: 1 }]);
  await assert.rejects(waitUntilRestored(restarting.client, 'm1', 'm1', REF, restarting.opts), /web-ab12 on m1 is restarting 0s after it was started again: it exited with code 1/);
  // Docker says unhealthy only after the healthcheck's retries: no need to wait longer.
  const unhealthy = scripted([{ health: 'starting' }, { health: 'starting' }, { health: 'unhealthy' }]);
  await assert.rejects(waitUntilRestored(unhealthy.client, 'm1', 'm1', REF, unhealthy.opts), /web-ab12 on m1 is unhealthy 1s after it was started again: its healthcheck failed/);
});

test('an old container started again that stays starting fails at its own healthcheck deadline', async () => {
  const hc = { test: ['CMD', 'true'], interval: 1000, timeout: 1000, retries: 1 };
  const label = { id: 's1', name: 'web', mode: 'replicated' as const, spec: spec({ healthcheck: hc }) };
  const s = scripted([{ health: 'starting', service: label }]);
  const started = Date.now();
  await assert.rejects(waitUntilRestored(s.client, 'm1', 'm1', REF, s.opts), /web-ab12 on m1 is still starting 4s after it was started again: not healthy/);
  assert.equal(healthDeadlineMs(spec({ healthcheck: hc }), 0), 4000);
  assert.ok(Date.now() - started < 1000, 'the fake clock, not real time, reached the deadline');
});
