// Merging containers' records by time: exact when every source has passed a time, never holding a
// record past the reorder window, late records out at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogReorder, logTimeNs } from '../../src/execute/log-merge.js';

const at = (ms: number) => BigInt(ms) * 1_000_000n;

test('logTimeNs: Docker\'s nine fraction digits, fewer digits and offsets all order by the real instant', () => {
  assert.equal(logTimeNs('2026-03-01T10:00:00.000000001Z'), BigInt(Date.UTC(2026, 2, 1, 10)) * 1_000_000n + 1n);
  assert.equal(logTimeNs('2026-03-01T10:00:00.5Z'), BigInt(Date.UTC(2026, 2, 1, 10)) * 1_000_000n + 500_000_000n);
  assert.equal(logTimeNs('2026-03-01T11:00:00.5+01:00'), logTimeNs('2026-03-01T10:00:00.500000000Z'));
  assert.equal(logTimeNs('2026-03-01T10:00:00Z'), BigInt(Date.UTC(2026, 2, 1, 10)) * 1_000_000n);
  assert.equal(logTimeNs('yesterday'), undefined);
  assert.equal(logTimeNs('2026-03-01 10:00:00Z'), undefined);
});

test('every source has passed a time: what is older goes out in time order, without waiting for the window', () => {
  const merge = new LogReorder<string>(200);
  merge.open('a');
  merge.open('b');
  merge.push('a', at(10), 'a10', 0);
  merge.push('a', at(30), 'a30', 0);
  assert.deepEqual(merge.release(0), [], 'b has sent nothing: it may still send something older');
  merge.push('b', at(20), 'b20', 1);
  assert.deepEqual(merge.release(1), ['a10', 'b20'], 'both passed 20');
  merge.push('b', at(40), 'b40', 2);
  assert.deepEqual(merge.release(2), ['a30'], 'a has passed only 30');
  assert.equal(merge.size, 1);
});

test('a quiet source holds nothing longer than the window; what goes out then is in time order', () => {
  const merge = new LogReorder<string>(200);
  merge.open('quiet');
  merge.push('busy', at(50), 'busy50', 1000);
  merge.push('busy', at(10), 'busy10', 1050);
  assert.deepEqual(merge.release(1199), []);
  assert.equal(merge.nextDeadline(), 1200, 'the first record arrived at 1000');
  assert.deepEqual(merge.release(1200), ['busy10', 'busy50'], 'the window of busy50 closed: it goes with everything older');
  merge.push('busy', at(60), 'busy60', 1300);
  assert.deepEqual(merge.release(1499), []);
  assert.deepEqual(merge.release(1500), ['busy60']);
  assert.equal(merge.nextDeadline(), undefined);
});

test('a record older than one already out (a source slower than the window) goes out at once, not never', () => {
  const merge = new LogReorder<string>(200);
  merge.open('fast');
  merge.open('slow');
  merge.push('fast', at(100), 'fast100', 0);
  assert.deepEqual(merge.release(200), ['fast100']);
  merge.push('slow', at(50), 'slow50', 250);
  merge.push('fast', at(300), 'fast300', 250);
  assert.deepEqual(merge.release(250), ['slow50'], 'both sources passed 50');
});

test('equal times keep the order they arrived in; a closed source stops holding the others back', () => {
  const merge = new LogReorder<string>(Infinity);
  merge.open('a');
  merge.open('b');
  merge.open('c');
  merge.push('a', at(5), 'a-first', 0);
  merge.push('b', at(5), 'b-second', 0);
  merge.push('a', at(7), 'a7', 0);
  assert.deepEqual(merge.release(10_000), [], 'c has sent nothing and the window is infinite');
  assert.equal(merge.nextDeadline(), undefined);
  merge.close('c');
  assert.deepEqual(merge.release(10_000), ['a-first', 'b-second']);
  merge.close('a');
  merge.close('b');
  assert.deepEqual(merge.release(10_000), ['a7'], 'no source open: everything goes');
});

test('exact merge (infinite window) of three interleaved sources gives one sequence in time order', () => {
  const merge = new LogReorder<number>(Infinity);
  const sources = ['m1', 'm2', 'm3'];
  for (const s of sources) merge.open(s);
  const out: number[] = [];
  // Source i sends the milliseconds i, i+3, i+6, ... in order; which source gets to send next
  // follows a fixed scrambled pattern, so one source runs ahead of the others for a while.
  const queues = sources.map((_, i) => Array.from({ length: 10 }, (_, k) => i + 3 * k));
  const pattern = [0, 0, 0, 2, 1, 2, 2, 0, 1, 1, 1, 1, 2];
  for (let step = 0; queues.some((q) => q.length > 0); step++) {
    const i = [0, 1, 2].map((d) => (pattern[step % pattern.length]! + d) % 3).find((j) => queues[j]!.length > 0)!;
    const ms = queues[i]!.shift()!;
    merge.push(sources[i]!, at(ms), ms, 0);
    out.push(...merge.release(0));
  }
  for (const s of sources) merge.close(s);
  out.push(...merge.release(0));
  assert.deepEqual(out, Array.from({ length: 30 }, (_, i) => i));
});

test('drain hands over everything held, oldest first', () => {
  const merge = new LogReorder<string>(200);
  merge.open('x');
  merge.push('y', at(2), 'y2', 0);
  merge.push('y', at(1), 'y1', 0);
  assert.deepEqual(merge.drain(), ['y1', 'y2']);
  assert.equal(merge.size, 0);
});
