import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseImageReference } from '../../src/model/image-ref.js';

const digest = `sha256:${'ab'.repeat(32)}`;

test('an image reference splits into registry, path, tag and digest', () => {
  assert.deepEqual(parseImageReference(`ghcr.io/org/app:1.2@${digest}`), { domain: 'ghcr.io', path: 'org/app', tag: '1.2', digest });
  assert.deepEqual(parseImageReference('localhost:5000/busybox'), { domain: 'localhost:5000', path: 'busybox' });
  assert.deepEqual(parseImageReference('local/busybox:1'), { path: 'local/busybox', tag: '1' });
  assert.deepEqual(parseImageReference('busybox'), { path: 'busybox' });
});

test('the first component is a registry only with a dot, a port or localhost', () => {
  assert.deepEqual(parseImageReference('localhost/app'), { domain: 'localhost', path: 'app' });
  assert.deepEqual(parseImageReference('org/app'), { path: 'org/app' });
  assert.deepEqual(parseImageReference('10.213.0.1:5000/app:2'), { domain: '10.213.0.1:5000', path: 'app', tag: '2' });
});

test('separators inside path components follow Docker grammar', () => {
  for (const ok of ['a.b', 'a_b', 'a__b', 'a-b', 'a---b']) assert.ok(!('error' in parseImageReference(ok)), ok);
  for (const bad of ['a..b', 'a___b', '-ab', 'ab-', '_ab', 'a.']) assert.ok('error' in parseImageReference(bad), bad);
});

test('bad tags, digests, whitespace and empty parts are refused', () => {
  assert.ok('error' in parseImageReference('app:'));
  assert.ok('error' in parseImageReference(`app:${'x'.repeat(129)}`));
  assert.ok('error' in parseImageReference('app@sha256:ABC'));
  assert.ok('error' in parseImageReference('app@md5:abc'));
  assert.ok('error' in parseImageReference('my app'));
  assert.ok('error' in parseImageReference('/app'));
  assert.ok('error' in parseImageReference(''));
  assert.ok('error' in parseImageReference(`${'a'.repeat(256)}`));
});
