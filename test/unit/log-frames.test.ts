// Docker's logs body as records: frame headers, timestamps, partial messages, chunks cut anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogStreamDecoder } from '../../src/cluster/log-frames.js';
import type { LogRecord } from '../../src/execute/client.js';

const T1 = '2026-03-01T10:00:00.000000001Z';
const T2 = '2026-03-01T10:00:00.500000000Z';
const T3 = '2026-03-01T10:00:01.000000000Z';

/** One frame as Docker's stdcopy writes it: stream byte, three zeros, big-endian size, payload. */
function frame(stream: 1 | 2 | 3, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** Everything the decoder makes of `body` fed in the given chunk sizes (cycled), plus its end. */
function decode(body: Buffer, multiplexed: boolean, sizes: number[] = [body.length]): LogRecord[] {
  const decoder = new LogStreamDecoder(multiplexed);
  const out: LogRecord[] = [];
  for (let at = 0, i = 0; at < body.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length]!);
    out.push(...decoder.push(body.subarray(at, at + size)));
    at += size;
  }
  return [...out, ...decoder.end()];
}

const body = Buffer.concat([
  frame(1, `${T1} hello\n`),
  frame(2, `${T2} oops on stderr\n`),
  frame(1, `${T3} naïve ☃ done\n`),
]);
const expected: LogRecord[] = [
  { time: T1, stream: 'stdout', text: 'hello' },
  { time: T2, stream: 'stderr', text: 'oops on stderr' },
  { time: T3, stream: 'stdout', text: 'naïve ☃ done' },
];

test('multiplexed: each frame is one record with its stream and timestamp', () => {
  assert.deepEqual(decode(body, true), expected);
});

test('multiplexed: chunks cut inside headers, timestamps and multi-byte characters give the same records', () => {
  for (const sizes of [[1], [3], [7, 2], [9], [13, 1, 5]]) {
    assert.deepEqual(decode(body, true, sizes), expected, `chunk sizes ${sizes.join(',')}`);
  }
});

test('multiplexed: partial messages (no line feed, each with its own timestamp) join into one record at the first time', () => {
  const snowman = Buffer.from('☃', 'utf8');
  const parts = Buffer.concat([
    frame(1, Buffer.concat([Buffer.from(`${T1} start-`), snowman.subarray(0, 1)])),
    frame(2, `${T2} between\n`),
    frame(1, Buffer.concat([Buffer.from(`${T3} `), snowman.subarray(1), Buffer.from('-end\n')])),
  ]);
  assert.deepEqual(decode(parts, true, [5]), [
    { time: T2, stream: 'stderr', text: 'between' },
    { time: T1, stream: 'stdout', text: 'start-☃-end' },
  ]);
});

test('multiplexed: a record without its line feed at the end of the body is still a record; stream 3 (systemerr) reads as stderr', () => {
  const open = Buffer.concat([frame(3, `${T1} error from daemon\n`), frame(1, `${T2} no newline`)]);
  assert.deepEqual(decode(open, true), [
    { time: T1, stream: 'stderr', text: 'error from daemon' },
    { time: T2, stream: 'stdout', text: 'no newline' },
  ]);
});

test('multiplexed: control characters stay in the text (showing them safely is the terminal layer\'s job); one trailing \\r goes', () => {
  const noisy = frame(1, `${T1} a\tb\x1b[31mred\x07\r\n`);
  assert.deepEqual(decode(noisy, true), [{ time: T1, stream: 'stdout', text: 'a\tb\x1b[31mred\x07' }]);
});

test('raw (TTY): lines split at \\n, each with its own timestamp, \\r\\n line ends, all stdout, cut anywhere', () => {
  const raw = Buffer.from(`${T1} first\r\n${T2} second ☃\r\n${T3} last without newline`, 'utf8');
  const want: LogRecord[] = [
    { time: T1, stream: 'stdout', text: 'first' },
    { time: T2, stream: 'stdout', text: 'second ☃' },
    { time: T3, stream: 'stdout', text: 'last without newline' },
  ];
  for (const sizes of [[raw.length], [1], [4, 11]]) assert.deepEqual(decode(raw, false, sizes), want, `chunk sizes ${sizes.join(',')}`);
});

test('a frame whose payload does not start with a timestamp keeps its text and the last time seen', () => {
  const odd = Buffer.concat([frame(1, `${T1} one\n`), frame(1, 'no timestamp here\n')]);
  assert.deepEqual(decode(odd, true), [
    { time: T1, stream: 'stdout', text: 'one' },
    { time: T1, stream: 'stdout', text: 'no timestamp here' },
  ]);
});
