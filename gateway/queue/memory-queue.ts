/** In-process queue (the embedded default when no Redis is configured): the shared DynamicBatcher. */
import { DynamicBatcher } from '../../src/core/batcher';
import { UnavailableError } from '../../src/core/errors';
import type { GatewayRequest, GatewayResult } from '../request';
import type { BatchHandler, MicroBatchOptions, QueueStats, RequestQueue } from './types';

export class MemoryQueue implements RequestQueue {
  private handler: BatchHandler | null = null;
  private readonly batcher: DynamicBatcher<GatewayRequest, GatewayResult>;

  constructor(opts: MicroBatchOptions) {
    this.batcher = new DynamicBatcher<GatewayRequest, GatewayResult>({
      maxBatchSize: opts.maxBatchSize,
      maxQueueDelayMs: opts.maxBatchDelayMs,
      maxQueueSize: opts.maxQueueSize,
      concurrency: opts.batchConcurrency,
      execute: (reqs) => {
        if (!this.handler) return Promise.resolve(reqs.map(() => new UnavailableError('no batch worker is running')));
        return this.handler(reqs);
      },
    });
  }

  submit(request: GatewayRequest, signal?: AbortSignal): Promise<GatewayResult> {
    return this.batcher.submit(request, signal);
  }

  async startWorker(handler: BatchHandler): Promise<void> {
    this.handler = handler;
  }

  async stats(): Promise<QueueStats> {
    return { kind: 'memory', waiting: this.batcher.depth, running: this.batcher.running };
  }

  async close(): Promise<void> {
    await this.batcher.drain();
  }
}
