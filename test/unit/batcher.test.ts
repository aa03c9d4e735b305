/** DynamicBatcher with real timers: batch forming, delays, idle flush, concurrency, backpressure, abort, errors, drain. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { DynamicBatcher, type BatcherOptions } from '../../src/core/batcher';
import { CancelledError, InvalidArgumentError, ResourceExhaustedError } from '../../src/core/errors';

interface Req {
  id: string;
  n: number;
}

interface Call {
  requests: Req[];
  at: number;
  resolve: (results: (string | Error)[]) => void;
  reject: (err: unknown) => void;
}

/** A batcher whose execute calls are held until the test settles them. */
function harness(opts: Partial<BatcherOptions<Req, string>> = {}) {
  const calls: Call[] = [];
  const batcher = new DynamicBatcher<Req, string>({
    maxBatchSize: 4,
    maxQueueDelayMs: 2000,
    maxQueueSize: 100,
    concurrency: 1,
    sizeOf: (r) => r.n,
    execute: (requests) => new Promise<(string | Error)[]>((resolve, reject) => {
      calls.push({ requests, at: performance.now(), resolve, reject });
    }),
    ...opts,
  });
  /** Completes call i with every request's id (or what `map` returns). */
  const complete = (i: number, map: (r: Req) => string | Error = (r) => `done:${r.id}`): void => {
    const c = calls[i];
    assert.ok(c, `no execute call #${i}`);
    c.resolve(c.requests.map(map));
  };
  const ids = (i: number): string[] => (calls[i]?.requests ?? []).map((r) => r.id);
  return { batcher, calls, complete, ids };
}

const req = (id: string, n = 1): Req => ({ id, n });

/** Waits until `cond` holds (polling the event loop), or fails after `ms`. */
async function until(cond: () => boolean, ms = 1000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) assert.fail('condition not met in time');
    await sleep(1);
  }
}

/** Lets pending promise callbacks and immediates run. */
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('DynamicBatcher', () => {
  it('flushes at once when nothing is in flight (no delay)', async () => {
    const h = harness({ maxQueueDelayMs: 2000 });
    const p = h.batcher.submit(req('a'));
    assert.equal(h.calls.length, 1, 'execute runs synchronously inside submit');
    assert.deepEqual(h.ids(0), ['a']);
    assert.equal(h.batcher.running, 1);
    h.complete(0);
    assert.equal(await p, 'done:a');
    await tick();
    assert.equal(h.batcher.running, 0);
  });

  it('forms batches of at most maxBatchSize items (not requests), in FIFO order', async () => {
    const stats: { requests: number; items: number }[] = [];
    const hb = harness({ maxBatchSize: 4, onBatch: (s) => stats.push({ requests: s.requests, items: s.items }) });
    const ps = [hb.batcher.submit(req('blocker'))];
    // Queued behind the blocker: 2+2 = 4 items, then 1+3 = 4 items, then 2.
    for (const [id, n] of [['a', 2], ['b', 2], ['c', 1], ['d', 3], ['e', 2]] as const) ps.push(hb.batcher.submit(req(id, n)));
    assert.equal(hb.batcher.depth, 10);
    hb.complete(0);
    await until(() => hb.calls.length === 2);
    assert.deepEqual(hb.ids(1), ['a', 'b']);
    hb.complete(1);
    await until(() => hb.calls.length === 3);
    assert.deepEqual(hb.ids(2), ['c', 'd']);
    hb.complete(2);
    // 'e' (2 items) is neither full nor old: it still goes at once because nothing is in flight.
    await until(() => hb.calls.length === 4);
    assert.deepEqual(hb.ids(3), ['e']);
    hb.complete(3);
    assert.deepEqual(await Promise.all(ps), ['done:blocker', 'done:a', 'done:b', 'done:c', 'done:d', 'done:e']);
    assert.deepEqual(stats, [
      { requests: 1, items: 1 },
      { requests: 2, items: 4 },
      { requests: 2, items: 4 },
      { requests: 1, items: 2 },
    ]);
    assert.equal(hb.batcher.depth, 0);
  });

  it('a request that does not fit waits for the next batch rather than splitting', async () => {
    const h = harness({ maxBatchSize: 4 });
    const ps = [h.batcher.submit(req('blocker')), h.batcher.submit(req('a', 3)), h.batcher.submit(req('b', 2)), h.batcher.submit(req('c', 1))];
    h.complete(0);
    await until(() => h.calls.length === 2);
    assert.deepEqual(h.ids(1), ['a'], 'b (2 items) would overflow 3+2 > 4; FIFO keeps c behind it');
    h.complete(1);
    await until(() => h.calls.length === 3);
    assert.deepEqual(h.ids(2), ['b', 'c']);
    h.complete(2);
    await Promise.all(ps);
  });

  it('flushes a partial batch once the oldest request has waited maxQueueDelayMs', async () => {
    const delay = 40;
    const h = harness({ maxBatchSize: 8, maxQueueDelayMs: delay, concurrency: 2 });
    const first = h.batcher.submit(req('busy')); // idle → runs at once and keeps one slot busy
    assert.equal(h.calls.length, 1);
    const t0 = performance.now();
    const late = [h.batcher.submit(req('x')), h.batcher.submit(req('y'))];
    await sleep(10);
    assert.equal(h.calls.length, 1, 'a free slot alone does not flush a partial batch while another batch runs');
    await until(() => h.calls.length === 2, 1000);
    const waited = (h.calls[1]?.at ?? 0) - t0;
    assert.ok(waited >= delay - 2, `flushed after ${waited.toFixed(1)} ms, before the ${delay} ms delay`);
    assert.ok(waited < delay + 200, `flushed after ${waited.toFixed(1)} ms`);
    assert.deepEqual(h.ids(1), ['x', 'y']);
    h.complete(0);
    h.complete(1);
    assert.deepEqual(await Promise.all([first, ...late]), ['done:busy', 'done:x', 'done:y']);
  });

  it('flushes before the delay as soon as the batch is full', async () => {
    const h = harness({ maxBatchSize: 2, maxQueueDelayMs: 2000, concurrency: 2 });
    const ps = [h.batcher.submit(req('busy')), h.batcher.submit(req('a'))];
    assert.equal(h.calls.length, 1);
    ps.push(h.batcher.submit(req('b')));
    assert.equal(h.calls.length, 2, 'a+b fill the batch: dispatched inside submit');
    assert.deepEqual(h.ids(1), ['a', 'b']);
    h.complete(0);
    h.complete(1);
    await Promise.all(ps);
  });

  it('never runs more than `concurrency` batches at once', async () => {
    let running = 0;
    let maxRunning = 0;
    const batcher = new DynamicBatcher<number, number>({
      maxBatchSize: 1,
      maxQueueDelayMs: 0,
      maxQueueSize: 100,
      concurrency: 2,
      execute: async (xs) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(5);
        running--;
        return xs.map((x) => x * 10);
      },
    });
    const ps = Array.from({ length: 8 }, (_, i) => batcher.submit(i));
    assert.equal(batcher.running, 2);
    assert.equal(batcher.depth, 6);
    assert.deepEqual(await Promise.all(ps), [0, 10, 20, 30, 40, 50, 60, 70]);
    assert.equal(maxRunning, 2);
    assert.equal(batcher.running, 0);
  });

  it('bounded queue: rejects with ResourceExhaustedError when the queued items would exceed maxQueueSize', async () => {
    const h = harness({ maxBatchSize: 4, maxQueueSize: 3 });
    const blocker = h.batcher.submit(req('blocker')); // in flight: does not count
    const a = h.batcher.submit(req('a', 2));
    await assert.rejects(h.batcher.submit(req('b', 2)), (err: unknown) => {
      assert.ok(err instanceof ResourceExhaustedError);
      assert.equal(err.retryable, true);
      assert.match(err.message, /queue full \(2 items waiting, limit 3\)/);
      return true;
    });
    const c = h.batcher.submit(req('c', 1)); // exactly at the limit: accepted
    assert.equal(h.batcher.depth, 3);
    await assert.rejects(h.batcher.submit(req('d', 1)), ResourceExhaustedError);
    h.complete(0);
    await until(() => h.calls.length === 2);
    assert.deepEqual(h.ids(1), ['a', 'c']);
    h.complete(1);
    assert.deepEqual(await Promise.all([blocker, a, c]), ['done:blocker', 'done:a', 'done:c']);
  });

  it('a request larger than the max batch (or empty) → InvalidArgumentError, never queued', async () => {
    const h = harness({ maxBatchSize: 4 });
    await assert.rejects(h.batcher.submit(req('big', 5)), (err: unknown) => err instanceof InvalidArgumentError && /batch of 5 exceeds the max batch size 4/.test(err.message));
    await assert.rejects(h.batcher.submit(req('empty', 0)), InvalidArgumentError);
    assert.equal(h.calls.length, 0);
    assert.equal(h.batcher.depth, 0);
  });

  it('rejects invalid options', () => {
    assert.throws(() => new DynamicBatcher({ maxBatchSize: 0, maxQueueDelayMs: 1, maxQueueSize: 1, concurrency: 1, execute: async () => [] }), RangeError);
    assert.throws(() => new DynamicBatcher({ maxBatchSize: 1, maxQueueDelayMs: 1, maxQueueSize: 1, concurrency: 0, execute: async () => [] }), RangeError);
  });

  it('abort while queued → CancelledError; the request is never executed and frees its queue space', async () => {
    const h = harness({ maxBatchSize: 4, maxQueueSize: 2 });
    const blocker = h.batcher.submit(req('blocker'));
    const ac = new AbortController();
    const cancelled = h.batcher.submit(req('gone', 2), ac.signal);
    assert.equal(h.batcher.depth, 2);
    ac.abort();
    await assert.rejects(cancelled, (err: unknown) => err instanceof CancelledError && /cancelled while queued/.test(err.message));
    assert.equal(h.batcher.depth, 0);
    const kept = h.batcher.submit(req('kept', 2)); // fits again
    h.complete(0);
    await until(() => h.calls.length === 2);
    assert.deepEqual(h.ids(1), ['kept']);
    h.complete(1);
    assert.deepEqual(await Promise.all([blocker, kept]), ['done:blocker', 'done:kept']);
    assert.ok(!h.calls.some((c) => c.requests.some((r) => r.id === 'gone')));
  });

  it('an already-aborted signal is refused before queueing', async () => {
    const h = harness();
    await assert.rejects(h.batcher.submit(req('a'), AbortSignal.abort()), CancelledError);
    assert.equal(h.calls.length, 0);
    assert.equal(h.batcher.depth, 0);
  });

  it('abort after the request was dispatched has no effect on its result', async () => {
    const h = harness();
    const ac = new AbortController();
    const p = h.batcher.submit(req('a'), ac.signal);
    assert.equal(h.calls.length, 1);
    ac.abort();
    h.complete(0);
    assert.equal(await p, 'done:a');
  });

  it('a per-request Error result rejects only that request', async () => {
    const h = harness({ maxBatchSize: 3 });
    const blocker = h.batcher.submit(req('blocker'));
    const [a, b, c] = [h.batcher.submit(req('a')), h.batcher.submit(req('b')), h.batcher.submit(req('c'))];
    h.complete(0);
    await until(() => h.calls.length === 2);
    const bad = new InvalidArgumentError('b is bad');
    h.complete(1, (r) => (r.id === 'b' ? bad : `ok:${r.id}`));
    assert.equal(await a, 'ok:a');
    await assert.rejects(b, (err: unknown) => err === bad);
    assert.equal(await c, 'ok:c');
    await blocker;
  });

  it('too few results reject the requests left without one', async () => {
    const h = harness({ maxBatchSize: 2 });
    const blocker = h.batcher.submit(req('blocker'));
    const [a, b] = [h.batcher.submit(req('a')), h.batcher.submit(req('b'))];
    h.complete(0);
    await until(() => h.calls.length === 2);
    h.calls[1]?.resolve(['only-a']);
    assert.equal(await a, 'only-a');
    await assert.rejects(b, /too few results/);
    await blocker;
  });

  it('execute rejecting fails the whole batch, and the batcher keeps serving', async () => {
    const h = harness({ maxBatchSize: 2 });
    const blocker = h.batcher.submit(req('blocker'));
    const [a, b] = [h.batcher.submit(req('a')), h.batcher.submit(req('b'))];
    h.complete(0);
    await until(() => h.calls.length === 2);
    const boom = new Error('session crashed');
    h.calls[1]?.reject(boom);
    await assert.rejects(a, (err: unknown) => err === boom);
    await assert.rejects(b, (err: unknown) => err === boom);
    await tick();
    assert.equal(h.batcher.running, 0);
    const next = h.batcher.submit(req('next'));
    await until(() => h.calls.length === 3);
    h.complete(2);
    assert.equal(await next, 'done:next');
    await blocker;
  });

  it('execute throwing synchronously fails the batch without wedging the batcher', async () => {
    let calls = 0;
    const batcher = new DynamicBatcher<number, number>({
      maxBatchSize: 1,
      maxQueueDelayMs: 0,
      maxQueueSize: 10,
      concurrency: 1,
      execute: (xs) => {
        calls++;
        if (xs[0] === 0) throw new Error('sync boom');
        return Promise.resolve(xs);
      },
    });
    await assert.rejects(batcher.submit(0), /sync boom/);
    await tick();
    assert.equal(batcher.running, 0);
    assert.equal(await batcher.submit(1), 1);
    assert.equal(calls, 2);
  });

  it('drain flushes queued work without waiting for the delay, waits for it, then refuses new work', async () => {
    const batcher = new DynamicBatcher<number, number>({
      maxBatchSize: 4,
      maxQueueDelayMs: 2000,
      maxQueueSize: 100,
      concurrency: 1,
      execute: async (xs) => {
        await sleep(15);
        return xs.map((x) => x + 1);
      },
    });
    const settled: number[] = [];
    const ps = [1, 2, 3].map((x) => batcher.submit(x).then((y) => { settled.push(y); return y; }));
    assert.equal(batcher.depth, 2, '1 runs at once, 2 and 3 wait for a full batch or the 2 s delay');
    const t0 = performance.now();
    await batcher.drain();
    assert.ok(performance.now() - t0 < 1000, 'drain did not wait for maxQueueDelayMs');
    assert.deepEqual(settled.sort(), [2, 3, 4]);
    assert.equal(batcher.running, 0);
    assert.equal(batcher.depth, 0);
    await assert.rejects(batcher.submit(9), (err: unknown) => err instanceof ResourceExhaustedError && /shutting down/.test(err.message));
    await Promise.all(ps);
  });

  it('drain on an idle batcher returns at once', async () => {
    const h = harness();
    await h.batcher.drain();
    assert.equal(h.calls.length, 0);
  });
});
