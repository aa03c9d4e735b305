/**
 * Dynamic batcher: requests (each with a size = number of items) queue up; one loop forms batches of at most
 * `maxBatchSize` items, flushing when full, when the oldest request has waited `maxQueueDelayMs`, or at once when
 * nothing else is in flight. At most `concurrency` batches run at a time. A bounded queue gives backpressure
 * (ResourceExhaustedError). Aborted requests leave the queue before they are batched.
 */
import { CancelledError, InvalidArgumentError, ResourceExhaustedError } from './errors';

export interface BatcherOptions<I, O> {
  maxBatchSize: number;
  maxQueueDelayMs: number;
  /** Max items (not requests) waiting in the queue. */
  maxQueueSize: number;
  /** Batches executing at once (e.g. the number of inference workers). */
  concurrency: number;
  /** Runs one batch; returns one result or Error per request, in order. */
  execute: (requests: I[]) => Promise<(O | Error)[]>;
  /** Number of items in one request (default 1). */
  sizeOf?: (request: I) => number;
  onBatch?: (stats: { requests: number; items: number; waitedMs: number }) => void;
}

interface Entry<I, O> {
  request: I;
  size: number;
  enqueuedAt: number;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class DynamicBatcher<I, O> {
  private readonly queue: Entry<I, O>[] = [];
  private queuedItems = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly opts: BatcherOptions<I, O>) {
    if (opts.maxBatchSize < 1 || opts.concurrency < 1) throw new RangeError('maxBatchSize and concurrency must be ≥ 1');
  }

  get depth(): number {
    return this.queuedItems;
  }

  get running(): number {
    return this.inFlight;
  }

  submit(request: I, signal?: AbortSignal): Promise<O> {
    const size = this.opts.sizeOf?.(request) ?? 1;
    if (this.closed) return Promise.reject(new ResourceExhaustedError('server is shutting down'));
    if (size < 1) return Promise.reject(new InvalidArgumentError('batch is empty'));
    if (size > this.opts.maxBatchSize) {
      return Promise.reject(new InvalidArgumentError(`batch of ${size} exceeds the max batch size ${this.opts.maxBatchSize}`));
    }
    if (this.queuedItems + size > this.opts.maxQueueSize) {
      return Promise.reject(new ResourceExhaustedError(`queue full (${this.queuedItems} items waiting, limit ${this.opts.maxQueueSize})`));
    }
    if (signal?.aborted) return Promise.reject(new CancelledError('request cancelled before queueing'));
    return new Promise<O>((resolve, reject) => {
      const entry: Entry<I, O> = { request, size, enqueuedAt: performance.now(), resolve, reject, signal, onAbort: undefined };
      if (signal) {
        entry.onAbort = () => {
          const i = this.queue.indexOf(entry);
          if (i >= 0) {
            this.queue.splice(i, 1);
            this.queuedItems -= entry.size;
            reject(new CancelledError('request cancelled while queued'));
          }
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.queue.push(entry);
      this.queuedItems += size;
      this.schedule();
    });
  }

  /** Stop accepting; queued requests still run. Resolves when everything in flight has finished. */
  async drain(): Promise<void> {
    this.closed = true;
    while (this.queue.length > 0 || this.inFlight > 0) {
      this.schedule(true);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private schedule(force = false): void {
    if (this.queue.length === 0 && this.timer) { clearTimeout(this.timer); this.timer = null; } // a stale timer must not hold the event loop open
    while (this.queue.length > 0 && this.inFlight < this.opts.concurrency) {
      const oldest = this.queue[0];
      if (!oldest) return;
      const waited = performance.now() - oldest.enqueuedAt;
      const full = this.queuedItems >= this.opts.maxBatchSize;
      // Flush immediately when the batch is full, the delay has passed, or no batch is running (idle device).
      if (!(force || full || waited >= this.opts.maxQueueDelayMs || this.inFlight === 0)) {
        if (!this.timer) {
          this.timer = setTimeout(() => {
            this.timer = null;
            this.schedule();
          }, Math.max(0, this.opts.maxQueueDelayMs - waited));
        }
        return;
      }
      this.dispatch(this.take());
    }
  }

  private take(): Entry<I, O>[] {
    const batch: Entry<I, O>[] = [];
    let items = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (!next || items + next.size > this.opts.maxBatchSize) break;
      this.queue.shift();
      this.queuedItems -= next.size;
      items += next.size;
      if (next.signal && next.onAbort) next.signal.removeEventListener('abort', next.onAbort);
      batch.push(next);
    }
    return batch;
  }

  private dispatch(batch: Entry<I, O>[]): void {
    if (batch.length === 0) return;
    this.inFlight++;
    const first = batch[0];
    try {
      this.opts.onBatch?.({
        requests: batch.length,
        items: batch.reduce((s, e) => s + e.size, 0),
        waitedMs: first ? performance.now() - first.enqueuedAt : 0,
      });
    } catch {
      // An observer must never stop the batcher.
    }
    new Promise<(O | Error)[]>((run) => run(this.opts.execute(batch.map((e) => e.request)))).then(
      (results) => {
        batch.forEach((e, i) => {
          const r = results[i];
          if (r instanceof Error) e.reject(r);
          else if (r === undefined) e.reject(new Error('batch executor returned too few results'));
          else e.resolve(r);
        });
      },
      (err: unknown) => batch.forEach((e) => e.reject(err)),
    ).finally(() => {
      this.inFlight--;
      this.schedule();
    });
  }
}
