// The answers a question on the terminal takes: a choice in full, or a start no other choice shares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickChoice, shortestPrefix } from '../../src/cli/confirm.js';

const PAUSED = ['resume', 'rollback', 'abort'] as const;
const CANARY = ['promote', 'rollback', 'stop'] as const;

test('the hint shows each choice by the shortest start no other choice shares', () => {
  assert.deepEqual(PAUSED.map((c) => shortestPrefix(c, PAUSED)), ['re', 'ro', 'a']);
  assert.deepEqual(CANARY.map((c) => shortestPrefix(c, CANARY)), ['p', 'r', 's']);
  assert.equal(shortestPrefix('go', ['go', 'gone']), 'go', 'a choice that starts another is shown whole');
});

test('an answer picks the one choice it starts; a shared start or an unknown word picks none', () => {
  assert.equal(pickChoice('re', PAUSED), 'resume');
  assert.equal(pickChoice('RO', PAUSED), 'rollback');
  assert.equal(pickChoice(' a ', PAUSED), 'abort');
  assert.equal(pickChoice('rollback', PAUSED), 'rollback');
  assert.equal(pickChoice('r', PAUSED), undefined, 'r is both resume and rollback: asked again');
  assert.equal(pickChoice('r', CANARY), 'rollback');
  assert.equal(pickChoice('', PAUSED), undefined);
  assert.equal(pickChoice('yes', PAUSED), undefined);
  assert.equal(pickChoice('go', ['go', 'gone']), 'go');
});
