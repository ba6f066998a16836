// The state-load benchmark's proxy counts requests and delays each from its first byte: its framing
// of a client's bytes into HTTP/1.1 requests must hold however the bytes are cut into chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestFramer } from '../support/latency-proxy.js';

const GET_INFO = 'GET /v1.41/info HTTP/1.1\r\nHost: docker\r\n\r\n';
const POST_VOLUME = 'POST /volumes/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{"Name":"dpt-a"}';
const PUT_CHUNKED = 'PUT /containers/x/archive HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n4;ext=1\r\n\r\n\r\n\r\n0\r\nX-Trailer: y\r\n\r\n';
const ATTACH = 'POST /containers/x/attach?stream=1 HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n';

/** Feeds `text` in chunks of the given sizes (cycled); returns the request lines and the bytes of each request as the framer cut them. */
function frame(text: string, sizes: number[]): { lines: string[]; requests: string[] } {
  const framer = new RequestFramer();
  const body = Buffer.from(text, 'latin1');
  const lines: string[] = [];
  const requests: string[] = [];
  for (let at = 0, i = 0; at < body.length; i++) {
    const size = sizes[i % sizes.length]!;
    const out = framer.push(body.subarray(at, at + size));
    lines.push(...out.lines);
    for (const part of out.parts) {
      if (part.starts || requests.length === 0) requests.push('');
      requests[requests.length - 1] += part.data.toString('latin1');
    }
    at += size;
  }
  return { lines, requests };
}

for (const sizes of [[100_000], [1], [7, 3], [13]]) {
  test(`requests on one connection are told apart by their framing, in chunks of ${sizes.join(', ')} bytes`, () => {
    const { lines, requests } = frame(GET_INFO + POST_VOLUME + PUT_CHUNKED + GET_INFO, sizes);
    assert.deepEqual(lines, ['GET /v1.41/info', 'POST /volumes/create', 'PUT /containers/x/archive', 'GET /v1.41/info']);
    assert.deepEqual(requests, [GET_INFO, POST_VOLUME, PUT_CHUNKED, GET_INFO]);
  });
}

test('after an upgrade the bytes pass unparsed: a request line inside the stream is not a request', () => {
  const { lines, requests } = frame(`${ATTACH}${GET_INFO}raw bytes`, [5]);
  assert.deepEqual(lines, ['POST /containers/x/attach?stream=1']);
  assert.deepEqual(requests, [`${ATTACH}${GET_INFO}raw bytes`]);
});

test('passThrough (a 101 answer or a hijacked stream) stops the framing too', () => {
  const framer = new RequestFramer();
  assert.equal(framer.push(Buffer.from(GET_INFO)).lines.length, 1);
  framer.passThrough();
  const after = framer.push(Buffer.from(GET_INFO));
  assert.deepEqual(after.lines, []);
  assert.deepEqual(after.parts.map((p) => p.starts), [false]);
});
