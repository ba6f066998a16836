// The elapsed time beside a running operation: never negative, 0.0s for a row started since the last tick.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { elapsed } from '../../src/tui/components/execute-screen.js';

it('a row started after the last tick reads 0.0s, not -0.0s or -0.4s', () => {
  assert.equal(elapsed({ startedAt: 10_000 }, 9_960), '0.0s');
  assert.equal(elapsed({ startedAt: 10_000 }, 9_600), '0.0s');
});

it('a running row counts from its start; a finished row shows its own elapsed time, clamped at 0', () => {
  assert.equal(elapsed({ startedAt: 10_000 }, 12_345), '2.3s');
  assert.equal(elapsed({ startedAt: 10_000, elapsedMs: 1_700 }, 99_999), '1.7s');
  assert.equal(elapsed({ elapsedMs: -3 }, 0), '0.0s');
  assert.equal(elapsed({ startedAt: 0 }, 500), '0.5s');
});

it('a row that has not started shows nothing', () => {
  assert.equal(elapsed({}, 12_345), '');
});
