/**
 * Metrics for a service built on DynamicBatcher (experts, fusion): `mova_<service>_*` requests, items, batch size,
 * queue depth, in-flight batches, inference latency and failures by gRPC code. Wire it where the batcher is built:
 * `onBatch`, `execute: m.timed(execute)`, then `m.watch(batcher)`.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { DynamicBatcher } from './batcher';
import { toGrpcStatus } from './errors';
import { BATCH_BUCKETS, counter, histogram, sampledGauge } from './metrics';

export interface BatcherMetrics {
  onBatch(stats: { requests: number; items: number; waitedMs: number }): void;
  timed<I, O>(execute: (reqs: I[]) => Promise<(O | Error)[]>): (reqs: I[]) => Promise<(O | Error)[]>;
  watch(batcher: Pick<DynamicBatcher<unknown, unknown>, 'depth' | 'running'>): void;
}

export function batcherMetrics(service: 'expert' | 'fusion', labels: Record<string, string> = {}): BatcherMetrics {
  const names = Object.keys(labels);
  const p = `mova_${service}`;
  const requests = counter(`${p}_requests_total`, `Requests (calls) that reached a ${service} batch.`, names);
  const items = counter(`${p}_items_total`, `Items (images / rows) run by the ${service}.`, names);
  const batchSize = histogram(`${p}_batch_size`, `Items per ${service} inference batch.`, names, BATCH_BUCKETS);
  const queueWait = histogram(`${p}_queue_wait_seconds`, `Time the oldest request of a batch waited in the ${service} batcher.`, names);
  const inference = histogram(`${p}_inference_seconds`, `${service} batch inference latency (worker thread round trip).`, names);
  const failures = counter(`${p}_failures_total`, `${service} requests that failed in a batch, by gRPC code (rejections before batching: mova_grpc_server_handled_total).`, [...names, 'code']);
  const codeOf = (err: unknown): string => GrpcStatus[toGrpcStatus(err).code] ?? 'UNKNOWN';
  return {
    onBatch(s) {
      requests.inc(labels, s.requests);
      items.inc(labels, s.items);
      batchSize.observe(labels, s.items);
      queueWait.observe(labels, s.waitedMs / 1000);
    },
    timed(execute) {
      return async (reqs) => {
        const t0 = performance.now();
        try {
          const out = await execute(reqs);
          for (const r of out) if (r instanceof Error) failures.inc({ ...labels, code: codeOf(r) });
          return out;
        } catch (err) {
          failures.inc({ ...labels, code: codeOf(err) }, reqs.length);
          throw err;
        } finally {
          inference.observe(labels, (performance.now() - t0) / 1000);
        }
      };
    },
    watch(batcher) {
      sampledGauge(`${p}_queue_depth`, `Items waiting in the ${service} batcher.`, names, (g) => g.set(labels, batcher.depth));
      sampledGauge(`${p}_in_flight`, `${service} batches running now.`, names, (g) => g.set(labels, batcher.running));
    },
  };
}
