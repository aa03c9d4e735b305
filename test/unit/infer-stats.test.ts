/** ModelStats (Triton's statistics extension): stage arithmetic, exact uint64 totals, batch statistics. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeTimes, executionTimes, ModelStats, spanMs, type BatchTiming } from '../../src/core/infer-stats';

describe('ModelStats', () => {
  const timing: BatchTiming = { items: 3, dispatchedAt: 1000.5, startedAt: 1001.25, endedAt: 1011.25, doneAt: 1012 };

  it('splits a request into input, queue, infer and output that add up to its time', () => {
    // arrived 998, handed to the batcher 999.5, response ready 1013.
    const t = computeTimes(998, 999.5, 1013, timing);
    assert.deepEqual(t, { inputMs: 1.5 + 0.75, queueMs: 1, inferMs: 10, outputMs: 1.75 });
    assert.equal(t.inputMs + t.queueMs + t.inferMs + t.outputMs, 1013 - 998);
    assert.deepEqual(executionTimes(timing), { items: 3, inputMs: 0.75, inferMs: 10, outputMs: 0.75 });
  });

  it('never counts a negative span (a request that joined a run dispatched before it arrived)', () => {
    assert.equal(spanMs(5, 4), 0);
    assert.equal(computeTimes(1002, 1002, 1013, timing).queueMs, 0);
  });

  it('keeps exact nanosecond totals past 2^53 and reports them as uint64 strings', () => {
    const s = new ModelStats('m');
    const ms = 2 ** 40 / 1e6; // 2^40 ns, a whole number of nanoseconds
    for (let i = 0; i < 8193; i++) s.succeeded({ items: 1, totalMs: ms });
    const p = s.toProto();
    assert.equal(p.inference_stats?.success?.ns, (2n ** 40n * 8193n).toString()); // > 2^53: a Number would round it
    assert.equal(p.inference_stats?.success?.count, '8193');
    assert.equal(p.inference_count, '8193');
    assert.equal(p.inference_stats?.queue?.count, '0', 'no compute stages for requests without them (cache hits)');
  });

  it('counts executions by batch size, sorted, and cache hits and misses apart', () => {
    const s = new ModelStats('m', '1');
    s.executed({ items: 4, dispatchedAt: 0, startedAt: 1, endedAt: 3, doneAt: 6 }); // input 1, infer 2, output 3 ms
    s.executed({ items: 1, dispatchedAt: 0, startedAt: 1, endedAt: 2, doneAt: 3 });
    s.executed({ items: 4, dispatchedAt: 0, startedAt: 1, endedAt: 3, doneAt: 6 });
    s.succeeded({ items: 2, totalMs: 1, cache: { hit: true, ms: 0.25 } });
    s.succeeded({ items: 1, totalMs: 5, compute: { queueMs: 1, inputMs: 1, inferMs: 2, outputMs: 1 }, cache: { hit: false, ms: 0.5 } });
    s.failed(3);
    const p = s.toProto();
    assert.equal(p.execution_count, '3');
    assert.deepEqual(p.batch_stats?.map((b) => [b.batch_size, b.compute_infer?.count, b.compute_infer?.ns]), [[1, '1', '1000000'], [4, '2', '4000000']]);
    assert.deepEqual(p.inference_stats?.cache_hit, { count: '1', ns: '250000' });
    assert.deepEqual(p.inference_stats?.cache_miss, { count: '1', ns: '500000' });
    assert.deepEqual(p.inference_stats?.fail, { count: '1', ns: '3000000' });
    assert.equal(p.inference_stats?.compute_infer?.count, '1');
    assert.ok(Number(p.last_inference) > 0);
  });
});
