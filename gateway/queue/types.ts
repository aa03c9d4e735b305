/** The request queue between the gateway's front (gRPC/HTTP) and its batch workers. */
import type { GatewayRequest, GatewayResult } from '../request';

/** Runs one batch; returns one result or Error per request, in order. */
export type BatchHandler = (requests: GatewayRequest[]) => Promise<(GatewayResult | Error)[]>;

export interface QueueStats {
  kind: 'memory' | 'bullmq';
  /** Requests waiting for a batch. */
  waiting: number;
  /** Batches running now. */
  running: number;
}

export interface RequestQueue {
  /** Enqueue a request and wait for its answer (rejects with a MovaError). Aborting cancels it. */
  submit(request: GatewayRequest, signal?: AbortSignal): Promise<GatewayResult>;
  /** Start consuming: form micro-batches and run them through `handler`. */
  startWorker(handler: BatchHandler): Promise<void>;
  stats(): Promise<QueueStats>;
  close(): Promise<void>;
}

export interface MicroBatchOptions {
  /** Most requests in one batch (N). */
  maxBatchSize: number;
  /** Longest wait for a batch to fill (T), unless nothing else is running. */
  maxBatchDelayMs: number;
  /** Batches running at once in one gateway process. */
  batchConcurrency: number;
  /** Max requests waiting in this process. */
  maxQueueSize: number;
}
