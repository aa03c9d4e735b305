/**
 * BullMQ request queue (durable jobs in Redis). Producer: `Queue.add` with the job id registered in a pending map
 * first; answers arrive through ONE QueueEvents listener keyed by job id, or straight from this process's worker
 * when it ran a job this process queued. Consumer: a Worker whose concurrency lets
 * it hold up to N·batchConcurrency jobs; each job's processor hands the request to the shared DynamicBatcher,
 * which forms the micro-batches (open-source BullMQ has no batches). Jobs of a worker that dies are re-run after
 * the stalled check (lockDuration/stalledInterval), so nothing accepted is lost.
 */
import { Queue, QueueEvents, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { DynamicBatcher } from '../../src/core/batcher';
import { CancelledError, DeadlineExceededError, errorMessage, MovaError, toGrpcStatus, UnavailableError } from '../../src/core/errors';
import type { Logger } from '../../src/core/log';
import type { GatewayRequest, GatewayResult } from '../request';
import { decodeError, decodeRequest, decodeResult, encodeError, encodeRequest, encodeResult, type JobData, type JobResult } from './job-codec';
import type { BatchHandler, MicroBatchOptions, QueueStats, RequestQueue } from './types';

export interface BullmqQueueOptions extends MicroBatchOptions {
  /** Redis URL, e.g. redis://:password@127.0.0.1:6379/0 */
  redisUrl: string;
  queueName: string;
  /** Attempts for retryable failures (base expert or fusion unavailable). @default 3 */
  attempts: number;
  /** First retry delay (exponential backoff). @default 100 */
  backoffMs: number;
  /** Job lock; a worker that stops renewing it for this long has its jobs taken over. @default 10000 */
  lockDurationMs: number;
  /** How often stalled jobs are looked for. @default 5000 */
  stalledIntervalMs: number;
  log: Logger;
}

interface Pending {
  /** The request as this gateway accepted it (its worker uses it instead of reading the image back from Redis). */
  request: GatewayRequest;
  resolve: (r: GatewayResult) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
}

export function redisConnection(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    db: Number(u.pathname.slice(1) || 0),
    maxRetriesPerRequest: null,
  };
}

/**
 * One connection attempt with no retries, before BullMQ's clients (which retry forever): a wrong password, an
 * unknown ACL user or nothing listening fails the gateway's start with a clear error instead of a hang. The URL in
 * the message has its credentials removed.
 */
async function checkRedis(url: string): Promise<void> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000, enableOfflineQueue: false });
  // ioredis reports an auth failure on 'error' and then rejects connect() with "Connection is closed".
  let reported: unknown;
  probe.on('error', (err: unknown) => (reported = err));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    const u = new URL(url);
    throw new UnavailableError(`redis at ${u.hostname}:${u.port || 6379} is not usable: ${errorMessage(reported ?? err)}`, { cause: err });
  } finally {
    probe.disconnect();
  }
}

/** How long a job's image outlives its deadline in Redis (a safety net; the answer deletes it). */
const IMAGE_TTL_MARGIN_MS = 60_000;
/** How long fused tokens wait in Redis for the producer to read them (it reads them as soon as the job completes). */
const FUSED_TTL_MS = 5 * 60_000;

export class BullmqQueue implements RequestQueue {
  private readonly queue: Queue<JobData, JobResult>;
  private readonly events: QueueEvents;
  private worker: Worker<JobData, JobResult> | null = null;
  private batcher: DynamicBatcher<GatewayRequest, GatewayResult> | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly connection: ConnectionOptions;
  /** Our own connection for cancel marks (BullMQ keeps its connections to itself). */
  private readonly redis: Redis;

  private constructor(private readonly opts: BullmqQueueOptions) {
    this.connection = redisConnection(opts.redisUrl);
    // 'completed' events carry each result (fused tokens stay out of it, under their own key): keep the events
    // stream short anyway (BullMQ's default is 10 000 events). 2 000 still covers a minute of events at full load
    // for a producer that reconnects after a Redis restart.
    this.queue = new Queue<JobData, JobResult>(opts.queueName, { connection: this.connection, streams: { events: { maxLen: 2000 } } });
    this.redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false });
    this.events = new QueueEvents(opts.queueName, { connection: this.connection });
    // Connection errors while Redis restarts are expected: every client reconnects (commands wait for it, the
    // events listener resumes from the last event id it saw), so they are logged, never thrown.
    const onError = (what: string) => (err: Error): void => opts.log.warn({ err: err.message }, `${what} redis connection error`);
    this.queue.on('error', onError('queue'));
    this.events.on('error', onError('queue events'));
    this.redis.on('error', onError('cancel-mark'));
    this.events.on('completed', ({ jobId, returnvalue }) => {
      const p = this.pending.get(jobId);
      if (!p) return;
      this.settle(jobId);
      this.dropImage(jobId);
      const result = returnvalue as unknown as JobResult;
      if (!result.fused) {
        p.resolve(decodeResult(result, undefined));
        return;
      }
      const { key, bytes } = result.fused;
      // Read the fused tokens and remove them in one transaction (they are this producer's alone; MULTI rather than
      // GETDEL, which needs Redis 6.2).
      this.redis.multi().getBuffer(key).del(key).exec().then((replies) => {
        const raw = replies?.[0]?.[1] as Buffer | null | undefined;
        if (!raw || raw.byteLength !== bytes) throw new UnavailableError('the fused tokens of a finished request are no longer in Redis');
        p.resolve(decodeResult(result, new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)));
      }).catch((err: unknown) => p.reject(err instanceof MovaError ? err : new UnavailableError(`reading the fused tokens failed: ${errorMessage(err)}`, { cause: err })));
    });
    this.events.on('failed', ({ jobId, failedReason }) => {
      const p = this.pending.get(jobId);
      if (!p) return;
      this.settle(jobId);
      this.dropImage(jobId);
      p.reject(decodeError(failedReason));
    });
  }

  static async connect(opts: BullmqQueueOptions): Promise<BullmqQueue> {
    await checkRedis(opts.redisUrl);
    const q = new BullmqQueue(opts);
    await q.queue.waitUntilReady();
    await q.events.waitUntilReady();
    return q;
  }

  private settle(jobId: string): void {
    const p = this.pending.get(jobId);
    if (p) clearTimeout(p.timer);
    this.pending.delete(jobId);
  }

  private cancelKey(jobId: string): string {
    return `mova:${this.opts.queueName}:cancelled:${jobId}`;
  }

  /** Where a job's image bytes live (binary, written before the job is added, deleted when its answer arrives). */
  private imageKey(jobId: string): string {
    return `mova:${this.opts.queueName}:image:${jobId}`;
  }

  /** Where a job's fused tokens wait for the producer (binary, written by the worker, read and deleted once). */
  private fusedKey(jobId: string): string {
    return `mova:${this.opts.queueName}:fused:${jobId}`;
  }

  private dropImage(jobId: string): void {
    this.redis.del(this.imageKey(jobId)).catch(() => {
      // Redis unreachable: the key's TTL removes it.
    });
  }

  async submit(request: GatewayRequest, signal?: AbortSignal): Promise<GatewayResult> {
    if (signal?.aborted) throw new CancelledError('request cancelled before queueing');
    const jobId = randomUUID();
    // The queue's length and the image in one round trip. The image goes first, so no worker can see the job without
    // it; it outlives the deadline by a margin (a job run after its deadline fails anyway); the answer deletes it sooner.
    const ttlMs = Math.max(0, request.deadlineAt - Date.now()) + IMAGE_TTL_MARGIN_MS;
    const image = request.image;
    let waiting: number;
    try {
      [waiting] = await Promise.all([
        this.queue.getWaitingCount(),
        this.redis.set(this.imageKey(jobId), Buffer.from(image.buffer, image.byteOffset, image.byteLength), 'PX', ttlMs),
      ]);
    } catch (err) {
      this.dropImage(jobId);
      throw new UnavailableError(`queue unavailable: ${toGrpcStatus(err).details}`, { cause: err });
    }
    if (waiting >= this.opts.maxQueueSize) {
      this.dropImage(jobId);
      throw new MovaError(8, `queue full (${waiting} requests waiting, limit ${this.opts.maxQueueSize})`);
    }
    const result = new Promise<GatewayResult>((resolve, reject) => {
      // The producer stops waiting a little after the deadline even if no worker ever answers.
      const timer = setTimeout(() => {
        this.settle(jobId);
        void this.cancel(jobId);
        reject(new DeadlineExceededError('deadline exceeded while queued or running'));
      }, Math.max(0, request.deadlineAt - Date.now()) + 250);
      this.pending.set(jobId, { request, resolve, reject, timer });
    });
    const onAbort = (): void => {
      const p = this.pending.get(jobId);
      this.settle(jobId);
      void this.cancel(jobId);
      p?.reject(new CancelledError('request cancelled by the client'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await this.queue.add('infer', encodeRequest(request, this.imageKey(jobId)), {
        jobId,
        attempts: this.opts.attempts,
        backoff: { type: 'exponential', delay: this.opts.backoffMs },
        removeOnComplete: true,
        removeOnFail: true,
      });
    } catch (err) {
      this.settle(jobId);
      this.dropImage(jobId);
      throw new UnavailableError(`queue unavailable: ${toGrpcStatus(err).details}`, { cause: err });
    }
    try {
      return await result;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Remove a job that has not started; mark it so a worker that already holds it skips it. */
  private async cancel(jobId: string): Promise<void> {
    try {
      await this.redis.set(this.cancelKey(jobId), '1', 'PX', 120_000);
      await this.queue.remove(jobId);
    } catch {
      // Active (locked) jobs cannot be removed; the cancel mark makes the worker drop them.
    }
    // After the mark: a worker that takes the job now sees the mark before it looks for the image.
    this.dropImage(jobId);
  }

  /**
   * The request a job stands for. A job this gateway queued (still waiting for its answer, so not cancelled) uses
   * the request in memory; any other reads the cancel mark and the image from Redis in one round trip (a pipeline
   * runs them in this order). A failed mark check (Redis restarting) runs the job: a cancelled job that runs is
   * wasted work, a dropped one is lost.
   */
  private async jobRequest(job: Job<JobData, JobResult>): Promise<GatewayRequest> {
    const local = job.id ? this.pending.get(job.id) : undefined;
    if (local) return local.request;
    const replies = await this.redis.pipeline().exists(this.cancelKey(job.id ?? '')).getBuffer(job.data.imageKey).exec().catch(() => null);
    const [mark, stored] = replies ?? [];
    if (mark && !mark[0] && Number(mark[1]) > 0) throw new UnrecoverableError(encodeError(new CancelledError('request cancelled by the client')));
    if (!stored || stored[0]) throw stored?.[0] ?? new UnavailableError('Redis did not answer for the request image');
    const image = stored[1] as Buffer | null;
    if (!image || image.byteLength !== job.data.imageBytes) {
      throw new UnrecoverableError(encodeError(new DeadlineExceededError('the request image is no longer in Redis (kept until the deadline plus a minute)')));
    }
    return decodeRequest(job.data, new Uint8Array(image.buffer, image.byteOffset, image.byteLength));
  }

  async startWorker(handler: BatchHandler): Promise<void> {
    const batcher = new DynamicBatcher<GatewayRequest, GatewayResult>({
      maxBatchSize: this.opts.maxBatchSize,
      maxQueueDelayMs: this.opts.maxBatchDelayMs,
      maxQueueSize: this.opts.maxBatchSize * this.opts.batchConcurrency,
      concurrency: this.opts.batchConcurrency,
      execute: handler,
    });
    this.batcher = batcher;
    const client = this.redis;
    this.worker = new Worker<JobData, JobResult>(this.opts.queueName, async (job: Job<JobData, JobResult>) => {
      try {
        const result = await batcher.submit(await this.jobRequest(job));
        // A request this gateway queued itself: answer it here rather than after the completion event's trip
        // through Redis (and its fused tokens need not be parked there). The event that follows finds nothing
        // pending; a job another gateway queued is answered through the event as before.
        const local = job.id ? this.pending.get(job.id) : undefined;
        if (local && job.id) {
          this.settle(job.id);
          this.dropImage(job.id);
          local.resolve(result);
          const { fused: _answeredHere, ...recorded } = result;
          return encodeResult(recorded, '');
        }
        const fusedKey = this.fusedKey(job.id ?? randomUUID());
        if (result.fused) {
          const raw = result.fused.raw;
          await client.set(fusedKey, Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), 'PX', FUSED_TTL_MS);
        }
        return encodeResult(result, fusedKey);
      } catch (err) {
        if (err instanceof UnrecoverableError) throw err;
        const st = toGrpcStatus(err);
        const wrapped = new MovaError(st.code, st.details);
        const retryable = err instanceof MovaError ? err.retryable : st.code === 14;
        if (!retryable) throw new UnrecoverableError(encodeError(wrapped));
        const attempt = job.attemptsMade + 1;
        if (attempt >= this.opts.attempts) {
          throw new UnrecoverableError(encodeError(new MovaError(st.code, `${st.details} (gave up after ${attempt} attempts)`)));
        }
        this.opts.log.warn({ jobId: job.id, attempt, err: st.details }, 'retryable failure');
        throw new Error(encodeError(wrapped));
      }
    }, {
      connection: this.connection,
      concurrency: this.opts.maxBatchSize * this.opts.batchConcurrency,
      lockDuration: this.opts.lockDurationMs,
      stalledInterval: this.opts.stalledIntervalMs,
      maxStalledCount: 2,
      drainDelay: 1,
    });
    this.worker.on('error', (err) => this.opts.log.error({ err: err.message }, 'queue worker error'));
    await this.worker.waitUntilReady();
  }

  async stats(): Promise<QueueStats> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed');
    return { kind: 'bullmq', waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0), running: this.batcher?.running ?? 0 };
  }

  async close(): Promise<void> {
    await this.worker?.close();
    for (const [jobId, p] of this.pending) {
      this.settle(jobId);
      p.reject(new UnavailableError('gateway shutting down'));
    }
    await this.events.close();
    await this.queue.close();
    this.redis.disconnect();
  }
}
