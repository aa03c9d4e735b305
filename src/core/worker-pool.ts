/**
 * A pool of worker threads that own onnxruntime sessions (onnxruntime-node's `run` blocks the event loop).
 * Each worker runs one request at a time; requests wait in a FIFO when every worker is busy.
 * A worker that dies fails its in-flight request with UNAVAILABLE and is replaced (with the same index).
 * A request dispatched while nothing else of the pool runs or waits is flagged `solo` (RunContext) and goes to
 * worker 0 when that one is up, so a runner may keep a pipeline there that uses every CPU for lone calls.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { MovaError, UnavailableError } from './errors';
import { logger } from './log';
import { counter } from './metrics';
import type { FromWorker, RunSpan, SerializedError, ToWorker, WorkerBoot } from './worker-protocol';

export interface WorkerPoolOptions {
  /** Absolute path of the compiled runner module (exports createRunner). */
  module: string;
  options: unknown;
  size: number;
  name: string;
}

/** A run's result and when its worker ran it. */
export interface TimedResult<Res> {
  result: Res;
  span: RunSpan;
}

interface Pending {
  id: number;
  request: unknown;
  transfer: ArrayBuffer[];
  resolve: (v: TimedResult<unknown>) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  index: number;
  busy: Pending | null;
}

const HOST = path.join(__dirname, 'worker-host.js');

const runs = counter('mova_worker_pool_runs_total', 'Runs dispatched to a worker pool\'s threads, by pool and mode (solo: nothing else of the pool ran or waited; shared: otherwise).', ['pool', 'mode']);

export function rehydrate(err: SerializedError): Error {
  if (err.code !== undefined) {
    const e = new MovaError(err.code, err.message, { retryable: err.retryable ?? false });
    e.name = err.name;
    return e;
  }
  const e = new Error(err.message);
  e.name = err.name;
  return e;
}

export class WorkerPool<Req, Res, Info> {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private stopped = false;
  private readonly log;
  info!: Info;

  private constructor(private readonly opts: WorkerPoolOptions) {
    this.log = logger('worker-pool', { pool: opts.name });
  }

  /** Start every worker and wait until all have loaded their runner. */
  static async start<Req, Res, Info>(opts: WorkerPoolOptions): Promise<WorkerPool<Req, Res, Info>> {
    const pool = new WorkerPool<Req, Res, Info>(opts);
    const infos = await Promise.all(Array.from({ length: opts.size }, (_, index) => pool.spawn(index)));
    pool.info = infos[0] as Info;
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  get busyCount(): number {
    return this.slots.filter((s) => s.busy).length;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Workers that are up and have nothing to run. */
  get idleCount(): number {
    return this.slots.filter((s) => !s.busy).length;
  }

  run(request: Req, transfer: ArrayBuffer[] = []): Promise<Res> {
    return this.runTimed(request, transfer).then((r) => r.result);
  }

  /** run(), with when the worker started and finished it (for statistics: the rest is queueing and hand-off). */
  runTimed(request: Req, transfer: ArrayBuffer[] = []): Promise<TimedResult<Res>> {
    return this.runManyTimed([{ request, transfer }])[0]!;
  }

  /**
   * Queues several requests at once, then dispatches: parts of one batch spread over the idle workers, and none
   * of them counts as solo (each sees the others).
   */
  runMany(jobs: { request: Req; transfer?: ArrayBuffer[] }[]): Promise<Res>[] {
    return this.runManyTimed(jobs).map((p) => p.then((r) => r.result));
  }

  /** runMany(), each result with when its worker ran it. */
  runManyTimed(jobs: { request: Req; transfer?: ArrayBuffer[] }[]): Promise<TimedResult<Res>>[] {
    if (this.stopped) return jobs.map(() => Promise.reject(new UnavailableError(`${this.opts.name}: worker pool is stopped`)));
    const results = jobs.map(({ request, transfer = [] }) => new Promise<TimedResult<Res>>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, transfer, resolve: resolve as (v: TimedResult<unknown>) => void, reject });
    }));
    this.pump();
    return results;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of this.queue.splice(0)) p.reject(new UnavailableError(`${this.opts.name}: shutting down`));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const solo = this.queue.length === 1 && this.slots.every((s) => !s.busy);
      const slot = (solo ? this.slots.find((s) => s.index === 0) : undefined) ?? this.slots.find((s) => !s.busy);
      if (!slot) return;
      const next = this.queue.shift()!;
      slot.busy = next;
      runs.inc({ pool: this.opts.name, mode: solo ? 'solo' : 'shared' });
      const msg: ToWorker = { type: 'run', id: next.id, request: next.request, solo };
      slot.worker.postMessage(msg, next.transfer);
    }
  }

  private spawn(index: number): Promise<Info> {
    const boot: WorkerBoot = { module: this.opts.module, options: this.opts.options, index };
    const worker = new Worker(HOST, { workerData: boot });
    const slot: Slot = { worker, index, busy: null };
    return new Promise<Info>((resolve, reject) => {
      let ready = false;
      worker.on('message', (msg: FromWorker) => {
        switch (msg.type) {
          case 'ready':
            ready = true;
            if (this.stopped) {
              // A replacement that finished booting after stop(): do not let it join (or keep the process alive).
              void worker.terminate();
              resolve(msg.info as Info);
              return;
            }
            this.slots.push(slot);
            resolve(msg.info as Info);
            this.pump();
            return;
          case 'init-error':
            reject(rehydrate(msg.error));
            void worker.terminate();
            return;
          case 'result':
          case 'error': {
            const p = slot.busy;
            slot.busy = null;
            if (p && p.id === msg.id) {
              if (msg.type === 'result') p.resolve({ result: msg.result, span: { startedAt: msg.startedAt, endedAt: msg.endedAt } });
              else p.reject(rehydrate(msg.error));
            }
            this.pump();
            return;
          }
        }
      });
      worker.on('error', (err) => {
        this.log.error({ err: err.message }, 'worker crashed');
        if (!ready) reject(err);
      });
      worker.on('exit', (code) => {
        const idx = this.slots.indexOf(slot);
        if (idx >= 0) this.slots.splice(idx, 1);
        if (slot.busy) slot.busy.reject(new UnavailableError(`${this.opts.name}: worker exited (code ${code}) during inference`));
        slot.busy = null;
        if (ready && !this.stopped) {
          this.log.warn({ code }, 'worker exited; starting a replacement');
          this.spawn(slot.index).catch((err: unknown) => this.log.error({ err: String(err) }, 'replacement worker failed to start'));
        }
      });
    });
  }
}
