/**
 * How an expert batch is cut over idle workers (services/expert/batch.ts): when, into which parts, and the merge;
 * and the thread counts of an expert's workers and of a lone call (services/expert/config.ts expertThreads).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatResults, partsFor, splitRanges } from '../../services/expert/batch';
import { expertThreads } from '../../services/expert/config';
import type { ExpertEntry } from '../../src/core/registry';
import type { ExpertRunResult } from '../../services/expert/runner';

function result(rows: number[], errors: (string | null)[]): ExpertRunResult {
  const t = 2; // values per row
  const tensor = (w: number) => ({ data: Float32Array.from(rows.flatMap((r) => Array.from({ length: w }, (_, k) => r * 10 + k))), dims: rows.length ? [rows.length, w] : [0] });
  return {
    features: tensor(t),
    pooled: tensor(1),
    decoded: rows.map((r) => ({ row: r })),
    itemErrors: errors.map((e) => (e === null ? null : { message: e, code: 3 })),
  };
}

describe('expert batch split', () => {
  it('splits only with several workers, several items, more than one idle worker and nothing waiting', () => {
    const pool = (size: number, idleCount: number, queued = 0) => ({ size, idleCount, queued });
    assert.equal(partsFor(pool(1, 1), 8), 1, 'one worker');
    assert.equal(partsFor(pool(2, 2), 1), 1, 'one item');
    assert.equal(partsFor(pool(2, 1), 8), 1, 'one idle worker');
    assert.equal(partsFor(pool(2, 2, 1), 8), 1, 'work is waiting');
    assert.equal(partsFor(pool(2, 2), 8), 2);
    assert.equal(partsFor(pool(4, 3), 8), 3);
    assert.equal(partsFor(pool(4, 4), 3), 3, 'never an empty part');
  });

  it('cuts n items into consecutive parts whose sizes differ by at most one', () => {
    assert.deepEqual(splitRanges(8, 2), [[0, 4], [4, 8]]);
    assert.deepEqual(splitRanges(7, 3), [[0, 3], [3, 5], [5, 7]]);
    assert.deepEqual(splitRanges(3, 3), [[0, 1], [1, 2], [2, 3]]);
    for (let n = 1; n <= 12; n++) {
      for (let p = 1; p <= n; p++) {
        const r = splitRanges(n, p);
        assert.equal(r.length, p);
        assert.equal(r[0]![0], 0);
        assert.equal(r[p - 1]![1], n);
        r.forEach(([a, b], k) => {
          assert.ok(b > a, `part ${k} of ${n}/${p} is empty`);
          if (k > 0) assert.equal(a, r[k - 1]![1]);
        });
        const sizes = r.map(([a, b]) => b - a);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
      }
    }
  });

  it('merges consecutive parts into the whole run: rows, decoded and per-item errors in order', () => {
    const merged = concatResults([result([0, 1], [null, null]), result([], ['bad image']), result([3], [null])]);
    assert.deepEqual(merged.features.dims, [3, 2]);
    assert.deepEqual(Array.from(merged.features.data), [0, 1, 10, 11, 30, 31]);
    assert.deepEqual(merged.pooled.dims, [3, 1]);
    assert.deepEqual(Array.from(merged.pooled.data), [0, 10, 30]);
    assert.deepEqual(merged.decoded, [{ row: 0 }, { row: 1 }, { row: 3 }]);
    assert.deepEqual(merged.itemErrors, [null, null, { message: 'bad image', code: 3 }, null]);
    // Every part failed: the empty tensors of a run without rows.
    const none = concatResults([result([], ['a']), result([], ['b'])]);
    assert.deepEqual(none.features.dims, [0]);
    assert.equal(none.itemErrors.length, 2);
    // One part: returned as it is.
    const one = result([5], [null]);
    assert.equal(concatResults([one]), one);
  });
});

describe('expert threads', () => {
  const entry = (e: Partial<ExpertEntry>): ExpertEntry => ({ provider: 'cpu', workers: 1, intraOpThreads: 1, ...e }) as ExpertEntry;

  it('workers × intraOpThreads stay within the CPUs; a lone call gets soloThreads, at most every CPU', () => {
    assert.deepEqual(expertThreads(entry({ workers: 2, intraOpThreads: 1, soloThreads: 2 }), {}, 2), { intraOpThreads: 1, soloThreads: 2 });
    assert.deepEqual(expertThreads(entry({ workers: 2, intraOpThreads: 1, soloThreads: 8 }), {}, 4), { intraOpThreads: 1, soloThreads: 4 });
    assert.deepEqual(expertThreads(entry({ workers: 2, intraOpThreads: 4 }), {}, 4), { intraOpThreads: 2, soloThreads: 2 }, 'capped: 2 × 2 ≤ 4');
    assert.deepEqual(expertThreads(entry({ workers: 2, intraOpThreads: 1, soloThreads: 2 }), {}, 1), { intraOpThreads: 1, soloThreads: 1 }, 'one CPU');
  });

  it('soloThreads is off when absent or not above intraOpThreads, and on WebGPU', () => {
    assert.deepEqual(expertThreads(entry({ intraOpThreads: 2 }), {}, 4), { intraOpThreads: 2, soloThreads: 2 });
    assert.deepEqual(expertThreads(entry({ intraOpThreads: 2, soloThreads: 1 }), {}, 4), { intraOpThreads: 2, soloThreads: 2 });
    assert.deepEqual(expertThreads(entry({ provider: 'webgpu', intraOpThreads: 1, soloThreads: 4 }), {}, 4), { intraOpThreads: 1, soloThreads: 1 });
  });

  it('the service options override the entry (workers, intraOpThreads, soloThreads)', () => {
    const e = entry({ workers: 2, intraOpThreads: 1, soloThreads: 2 });
    assert.deepEqual(expertThreads(e, { workers: 1, intraOpThreads: 4 }, 4), { intraOpThreads: 4, soloThreads: 4 });
    assert.deepEqual(expertThreads(e, { soloThreads: 1 }, 4), { intraOpThreads: 1, soloThreads: 1 });
  });
});
