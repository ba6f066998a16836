import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatSize, parseDuration, parseSize } from '../../src/model/units.js';

test('durations in ms, s, m and h are read as milliseconds', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2s'), 2000);
  assert.equal(parseDuration('1m'), 60_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('0s'), 0);
});

test('durations combine units from largest to smallest and allow fractions', () => {
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1h2m3s4ms'), 3_723_004);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('0.1s'), 100);
});

test('a bare number is a number of seconds, written as a number or a string', () => {
  assert.equal(parseDuration(30), 30_000);
  assert.equal(parseDuration(0.5), 500);
  assert.equal(parseDuration('10'), 10_000);
});

test('durations that are not durations are rejected', () => {
  for (const bad of ['', 'soon', '1x', '-1s', '1s1m', '1s1s', '1h30', '1.5ms', ' s', '1 s']) {
    assert.equal(parseDuration(bad), undefined, bad);
  }
  assert.equal(parseDuration(-1), undefined);
  assert.equal(parseDuration(0.0001), undefined);
});

test('durations are written back in the shortest exact form', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(500), '500ms');
  assert.equal(formatDuration(2000), '2s');
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(1500), '1s500ms');
  assert.equal(formatDuration(3_600_000), '1h');
  for (const ms of [0, 1, 999, 1000, 61_001, 3_723_004, 86_400_000]) assert.equal(parseDuration(formatDuration(ms)), ms);
});

test('sizes use binary units like Docker, in any case, with optional b or ib', () => {
  assert.equal(parseSize('100b'), 100);
  assert.equal(parseSize('512k'), 512 * 1024);
  assert.equal(parseSize('64M'), 64 * 1024 ** 2);
  assert.equal(parseSize('64mb'), 64 * 1024 ** 2);
  assert.equal(parseSize('1g'), 1024 ** 3);
  assert.equal(parseSize('1GiB'), 1024 ** 3);
  assert.equal(parseSize('2T'), 2 * 1024 ** 4);
  assert.equal(parseSize('1.5k'), 1536);
  assert.equal(parseSize('64 M'), 64 * 1024 ** 2);
});

test('a bare number is a number of bytes', () => {
  assert.equal(parseSize(1048576), 1048576);
  assert.equal(parseSize('4096'), 4096);
  assert.equal(parseSize(0), 0);
});

test('sizes that are not sizes are rejected', () => {
  for (const bad of ['', 'lots', '64x', '-1m', '1.5', '1.5b', 'm', '64MM']) assert.equal(parseSize(bad), undefined, bad);
  assert.equal(parseSize(1.5), undefined);
  assert.equal(parseSize(-1), undefined);
});

test('sizes are written back in the largest exact unit', () => {
  assert.equal(formatSize(64 * 1024 ** 2), '64M');
  assert.equal(formatSize(1024 ** 3), '1G');
  assert.equal(formatSize(512 * 1024), '512K');
  assert.equal(formatSize(1536), '1536b');
  assert.equal(formatSize(0), '0b');
  for (const n of [0, 1, 1023, 1024, 1536, 6 * 1024 ** 2, 3 * 1024 ** 4]) assert.equal(parseSize(formatSize(n)), n);
});
