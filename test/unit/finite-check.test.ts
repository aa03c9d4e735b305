/** The fast NaN/±Infinity checks (finite-check.ts): onnxruntime's ReduceSum decides, the exact scan locates. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { findNonFinite, findNonFiniteHalf, MIN_ELEMENTS } from '../../src/core/finite-check';
import { float32ToHalf } from '../../src/core/fp16';

const HALF_BITS = { nan: 0x7e00, inf: 0x7c00, negInf: 0xfc00, max: 0x7bff } as const;

/** Lengths on both sides of the JavaScript/onnxruntime threshold, including one that is not a multiple of 16. */
const LENGTHS = [1, 37, MIN_ELEMENTS - 1, MIN_ELEMENTS, 3 * 640 * 640 + 5];

function finiteData(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32) * 8 - 4;
  }
  return a;
}

describe('findNonFinite (float32)', () => {
  it('returns -1 for finite data at every length', async () => {
    for (const n of [0, ...LENGTHS]) assert.equal(await findNonFinite(finiteData(n, n)), -1, `length ${n}`);
  });

  it('finds the first NaN or ±Infinity wherever it is, in plain arrays and in offset views', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(...LENGTHS),
      fc.nat(),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
      fc.boolean(),
      async (n, at, bad, asView) => {
        const pad = asView ? 3 : 0; // a view that starts 3 elements into its buffer, as a message's bytes may
        const whole = finiteData(n + pad, at);
        const a = new Float32Array(whole.buffer, pad * 4, n);
        const i = at % n;
        a[i] = bad;
        if (i + 1 < n) a[n - 1] = Number.NaN; // a later bad value must not be reported first
        if (pad > 0) whole[0] = Number.NaN; // nor one before the view
        assert.equal(await findNonFinite(a), i);
      },
    ), { numRuns: 40 });
  });

  it('+Infinity and -Infinity together (a NaN sum) are found too', async () => {
    const a = finiteData(MIN_ELEMENTS * 2, 7);
    a[1000] = Number.POSITIVE_INFINITY;
    a[5000] = Number.NEGATIVE_INFINITY;
    assert.equal(await findNonFinite(a), 1000);
  });

  it('huge finite values whose sum overflows are still finite (the exact scan decides)', async () => {
    assert.equal(await findNonFinite(new Float32Array(MIN_ELEMENTS * 2).fill(3.4e38)), -1);
  });
});

describe('findNonFiniteHalf (FP16 bits)', () => {
  it('returns -1 for finite data, even where a sum of halves would overflow 65504', async () => {
    for (const n of [0, ...LENGTHS]) assert.equal(await findNonFiniteHalf(float32ToHalf(finiteData(n, n))), -1, `length ${n}`);
    assert.equal(await findNonFiniteHalf(new Uint16Array(MIN_ELEMENTS * 2).fill(HALF_BITS.max)), -1);
  });

  it('finds the first NaN or ±Infinity wherever it is', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(...LENGTHS),
      fc.nat(),
      fc.constantFrom(HALF_BITS.nan, HALF_BITS.inf, HALF_BITS.negInf),
      async (n, at, bad) => {
        const bits = float32ToHalf(finiteData(n, at));
        const i = at % n;
        bits[i] = bad;
        if (i + 1 < n) bits[n - 1] = HALF_BITS.nan;
        assert.equal(await findNonFiniteHalf(bits), i);
      },
    ), { numRuns: 40 });
  });
});
