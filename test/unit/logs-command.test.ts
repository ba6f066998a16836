// `dockplan logs` over the in-memory cluster: the line format, control characters, --grep,
// --timestamps, notices on their own channel, the flag parsers, and how the command ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { grepOption, logsCommand, sinceOption, tailOption, type LogsFlags, type LogsIO } from '../../src/cli/commands/logs.js';
import type { ServiceSpec } from '../../src/model/spec.js';
import { MemoryCluster } from '../support/memory-client.js';

const spec: ServiceSpec = { name: 'web', image: 'local/busybox:1', replicas: 2, command: ['sleep', '1000'] };
const time = (s: number) => `2026-03-01T10:00:${String(s).padStart(2, '0')}.000000000Z`;

async function cluster() {
  const c = new MemoryCluster(['m1', 'm22']);
  const ids: string[] = [];
  for (const [machineId, name] of [['m1', 'web-a'], ['m22', 'web-long1']] as const) {
    const { id } = await c.createContainer({ machineId, serviceId: 'svc-web', spec, name });
    await c.startContainer(machineId, id);
    ids.push(id);
  }
  c.printLog(ids[0]!, 'GET / 200', { time: time(1) });
  c.printLog(ids[1]!, '\x1b[31mred\x1b[0m\tand\x07bell', { time: time(2) });
  c.printLog(ids[0]!, 'GET /missing 404', { time: time(3), stream: 'stderr' });
  return { c, ids };
}

/** Collects what the command writes; `end` is what EPIPE or a signal would call. */
function capture() {
  const out = { lines: [] as string[], notices: [] as string[], end: undefined as ((code: number) => void) | undefined };
  const io: LogsIO = {
    line: (t) => void out.lines.push(t),
    notice: (t) => void out.notices.push(t),
    onEnd: (end) => {
      out.end = end;
      return () => (out.end = undefined);
    },
  };
  return { out, io };
}

async function logs(c: MemoryCluster, flags: LogsFlags = {}) {
  const { out, io } = capture();
  const code = await logsCommand(c, 'web', flags, io);
  return { code, ...out };
}

test('each line: machine and container padded to the widest, a bar, the text with control characters neutralised', async () => {
  const { c } = await cluster();
  const r = await logs(c);
  assert.equal(r.code, 0);
  assert.deepEqual(r.lines, [
    'm1  web-a     | GET / 200',
    'm22 web-long1 | red     and^Gbell',
    'm1  web-a     | GET /missing 404',
  ]);
  assert.deepEqual(r.notices, []);
});

test('--grep matches the text as shown; --timestamps puts each record\'s time after the bar', async () => {
  const { c } = await cluster();
  assert.deepEqual((await logs(c, { grep: /^GET .* \d{3}$/ })).lines, ['m1  web-a     | GET / 200', 'm1  web-a     | GET /missing 404']);
  assert.deepEqual((await logs(c, { grep: /red +and/ })).lines, ['m22 web-long1 | red     and^Gbell']);
  assert.deepEqual((await logs(c, { tail: 1, timestamps: true, machine: ['m1'] })).lines, [`m1 web-a | ${time(3)} GET /missing 404`]);
});

test('a machine that is down is a notice on its own channel, the other machines\' lines as usual', async () => {
  const { c } = await cluster();
  c.setUp('m22', false);
  const r = await logs(c);
  assert.deepEqual(r.lines, ['m1 web-a | GET / 200', 'm1 web-a | GET /missing 404']);
  assert.deepEqual(r.notices, ["m22 is down (connection refused): its containers' logs cannot be read now"]);
});

test('following ends with 130 on an interrupt and 0 when the reader goes away, writing nothing after that', async () => {
  const { c, ids } = await cluster();
  for (const [ending, want] of [[130, 130], [0, 0]] as const) {
    const { out, io } = capture();
    const done = logsCommand(c, 'web', { follow: true, tail: 0 }, io);
    while (!out.end) await new Promise((resolve) => setImmediate(resolve));
    out.end(ending);
    assert.equal(await done, want);
    c.printLog(ids[0]!, 'after the end');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(!out.lines.some((l) => l.includes('after the end')), out.lines.join('\n'));
  }
});

test('flag parsers: since as a duration back or an RFC 3339 time, tail as a count or all, grep as a regular expression', () => {
  const now = Date.UTC(2026, 2, 1, 12);
  assert.equal(sinceOption('10m', now), now - 600_000);
  assert.equal(sinceOption('1h30m', now), now - 5_400_000);
  assert.equal(sinceOption('2026-03-01T10:00:00Z', now), Date.UTC(2026, 2, 1, 10));
  assert.equal(sinceOption('2026-03-01T11:00:00.250+01:00', now), Date.UTC(2026, 2, 1, 10) + 250);
  for (const bad of ['10', 'yesterday', '2026-03-01', '-5m']) assert.throws(() => sinceOption(bad, now), InvalidArgumentError, bad);
  assert.equal(tailOption('0'), 0);
  assert.equal(tailOption('all'), 'all');
  assert.throws(() => tailOption('-1'), /expected a number of lines \(0 or more\) or all/);
  assert.ok(grepOption('a.c').test('abc'));
  assert.throws(() => grepOption('('), /not a regular expression: /);
});
