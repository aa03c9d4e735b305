/**
 * The BullMQ request queue on a real redis-server (a private one on a free port): a job's image travels through
 * Redis and back to the batch handler intact, a request the client cancels while it waits is never run, and answers
 * (fused tokens included) reach both a gateway that queued the job itself and one whose job another gateway ran.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CancelledError } from '../../src/core/errors';
import { logger } from '../../src/core/log';
import { ProcessGroup } from '../../src/launcher/process-group';
import { freePort, redisServerPath, redisSpec } from '../../src/launcher/redis';
import { BullmqQueue } from '../../gateway/queue/bullmq-queue';
import type { GatewayRequest, GatewayResult } from '../../gateway/request';

function request(id: string, image: Uint8Array): GatewayRequest {
  const now = Date.now();
  return { requestId: id, image, instruction: 'what is this?', deadlineAt: now + 10_000, receivedAt: now, required: [], excluded: [], returnFeatures: false, featuresDtype: 'FP32' };
}

function result(r: GatewayRequest, note: string): GatewayResult {
  return {
    requestId: r.requestId,
    routing: { scores: [], chosen: [], policy: 'test', reason: note },
    experts: [],
    baseDecoded: null,
    timings: { queueMs: 0, baseMs: 0, routeMs: 0, expertMs: {}, expertsMs: 0, fusionMs: 0, totalMs: 0 },
    degraded: false,
    missingExperts: [],
    batchSize: 1,
    batchId: 'test',
  };
}

describe('BullMQ request queue (real Redis)', { skip: !redisServerPath() && 'redis-server is not installed' }, () => {
  const group = new ProcessGroup();
  let queue: BullmqQueue;
  const seen: string[] = [];
  let release: () => void = () => {};

  let redisUrl = '';
  const queueName = `test-${randomUUID()}`;

  before(async () => {
    const redis = await group.start(redisSpec(redisServerPath() as string, await freePort()));
    redisUrl = redis.address;
    queue = await BullmqQueue.connect({
      redisUrl, queueName,
      maxBatchSize: 1, maxBatchDelayMs: 0, batchConcurrency: 1, maxQueueSize: 16,
      attempts: 1, backoffMs: 10, lockDurationMs: 5000, stalledIntervalMs: 5000, log: logger('test'),
    });
    // One request at a time; "hold" keeps the worker busy until released.
    await queue.startWorker(async (reqs) => Promise.all(reqs.map(async (r) => {
      seen.push(r.requestId);
      if (r.requestId === 'hold') await new Promise<void>((resolve) => (release = resolve));
      const out = result(r, `${r.image.byteLength} bytes, sum ${r.image.reduce((a, b) => a + b, 0)}`);
      // Fused tokens derived from the image, so each answer's bytes can be checked.
      return r.returnFeatures ? { ...out, fused: { datatype: 'FP32' as const, shape: [1, r.image.byteLength], raw: Uint8Array.from(r.image, (b) => 255 - b) } } : out;
    })));
  });
  after(async () => {
    await queue.close();
    await group.stop();
  });

  it('the image reaches the batch handler byte for byte', async () => {
    const image = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) % 251);
    const res = await queue.submit(request('bytes', image));
    assert.equal(res.routing.reason, `100000 bytes, sum ${image.reduce((a, b) => a + b, 0)}`);
  });

  it('fused tokens reach the gateway that queued the job here and one whose job another gateway ran', async () => {
    // A second gateway on the same queue with no worker of its own: its jobs run in the first one's worker.
    const producer = await BullmqQueue.connect({
      redisUrl, queueName, maxBatchSize: 1, maxBatchDelayMs: 0, batchConcurrency: 1, maxQueueSize: 16,
      attempts: 1, backoffMs: 10, lockDurationMs: 5000, stalledIntervalMs: 5000, log: logger('test'),
    });
    try {
      for (const [who, q] of [['local', queue], ['remote', producer]] as const) {
        const image = Uint8Array.from({ length: 5000 }, (_, i) => (i * 13 + who.length) % 256);
        const res = await q.submit({ ...request(`fused-${who}`, image), returnFeatures: true });
        assert.deepEqual(res.fused?.shape, [1, 5000], who);
        assert.deepEqual(Array.from(res.fused?.raw ?? []), Array.from(image, (b) => 255 - b), `${who}: fused bytes`);
        assert.equal(res.routing.reason, `5000 bytes, sum ${image.reduce((a, b) => a + b, 0)}`);
      }
    } finally {
      await producer.close();
    }
  });

  it('a request cancelled while it waits is answered CANCELLED and never run; the next one runs', async () => {
    const held = queue.submit(request('hold', Uint8Array.of(1)));
    while (!seen.includes('hold')) await new Promise((r) => setTimeout(r, 10));
    const abort = new AbortController();
    const cancelled = queue.submit(request('cancelled', Uint8Array.of(2)), abort.signal);
    await new Promise((r) => setTimeout(r, 100));
    abort.abort();
    await assert.rejects(cancelled, (err: unknown) => err instanceof CancelledError);
    const next = queue.submit(request('next', Uint8Array.of(3)));
    release();
    await held;
    assert.equal((await next).routing.reason, '1 bytes, sum 3');
    assert.ok(!seen.includes('cancelled'), `the handler ran ${seen.join(', ')}`);
  });
});
