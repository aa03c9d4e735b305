/**
 * A pool of worker threads that own onnxruntime sessions (onnxruntime-node's `run` blocks the event loop).
 * Each worker runs one request at a time; requests wait in a FIFO when every worker is busy.
 * A worker that dies fails its in-flight request with UNAVAILABLE and is replaced.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { MovaError, UnavailableError } from './errors';
import { logger } from './log';
import type { FromWorker, SerializedError, ToWorker, WorkerBoot } from './worker-protocol';

export interface WorkerPoolOptions {
  /** Absolute path of the compiled runner module (exports createRunner). */
  module: string;
  options: unknown;
  size: number;
  name: string;
}

interface Pending {
  id: number;
  request: unknown;
  transfer: ArrayBuffer[];
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | null;
}

const HOST = path.join(__dirname, 'worker-host.js');

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
    const infos = await Promise.all(Array.from({ length: opts.size }, () => pool.spawn()));
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

  run(request: Req, transfer: ArrayBuffer[] = []): Promise<Res> {
    if (this.stopped) return Promise.reject(new UnavailableError(`${this.opts.name}: worker pool is stopped`));
    return new Promise<Res>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, transfer, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of this.queue.splice(0)) p.reject(new UnavailableError(`${this.opts.name}: shutting down`));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const next = this.queue.shift();
      if (!next) return;
      slot.busy = next;
      const msg: ToWorker = { type: 'run', id: next.id, request: next.request };
      slot.worker.postMessage(msg, next.transfer);
    }
  }

  private spawn(): Promise<Info> {
    const boot: WorkerBoot = { module: this.opts.module, options: this.opts.options };
    const worker = new Worker(HOST, { workerData: boot });
    const slot: Slot = { worker, busy: null };
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
              if (msg.type === 'result') p.resolve(msg.result);
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
          this.spawn().catch((err: unknown) => this.log.error({ err: String(err) }, 'replacement worker failed to start'));
        }
      });
    });
  }
}
