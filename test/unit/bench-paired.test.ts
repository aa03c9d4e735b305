import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pairedMedianDifference } from '../../src/bench/common';

describe('bench statistics: paired differences', () => {
  it('takes the drift between rounds out of a difference of two paths', () => {
    // Round i: path a takes 50 + drift, path b takes the same plus 5 ms; the drift swings by ±20 ms.
    const drift = [0, 20, -15, 8, -20, 17, 3, -9, 12, -4, 19];
    const a = drift.map((d) => 50 + d);
    const b = a.map((x, i) => x + 5 + (i % 2 ? 0.5 : -0.5));
    assert.equal(pairedMedianDifference(a, b), 4.5); // six rounds at 4.5, five at 5.5
    assert.equal(pairedMedianDifference([1, 2], [3, 1]), 0.5);
  });

  it('refuses samples of different lengths', () => {
    assert.throws(() => pairedMedianDifference([1, 2, 3], [1, 2]), /differ in length: 3 vs 2/);
  });
});
