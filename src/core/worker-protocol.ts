/** Messages between a WorkerPool and its worker threads, and the contract of a runner module. */

/** How the pool dispatched one run. */
export interface RunContext {
  /**
   * True when the run started while no other run of the pool was running or waiting: it may use every CPU the
   * pool's workers share (e.g. a pipeline with more intra-op threads), since nothing else of this pool competes.
   */
  solo: boolean;
}

/** Which worker of its pool a runner lives in (0-based; a replacement keeps the index of the worker it replaces). */
export interface WorkerIdentity {
  index: number;
}

/** A runner module (loaded inside a worker) exports `createRunner`. */
export interface Runner<Req, Res, Info> {
  info: Info;
  run(request: Req, context: RunContext): Promise<{ result: Res; transfer?: ArrayBuffer[] }>;
  dispose?(): Promise<void>;
}

export type RunnerFactory<Req, Res, Info> = (options: unknown, worker: WorkerIdentity) => Promise<Runner<Req, Res, Info>>;

export interface SerializedError {
  name: string;
  message: string;
  /** gRPC status code when the error was a MovaError. */
  code?: number;
  /** Whether the MovaError was retryable. */
  retryable?: boolean;
}

export type ToWorker = { type: 'run'; id: number; request: unknown; solo: boolean } | { type: 'stop' };

/**
 * Now as milliseconds since the epoch with sub-millisecond resolution, comparable between the threads of one
 * process (each thread's performance.timeOrigin is the same clock's reading at its start).
 */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** When a worker started and finished one run (preciseNow). */
export interface RunSpan {
  startedAt: number;
  endedAt: number;
}

export type FromWorker =
  | { type: 'ready'; info: unknown }
  | { type: 'init-error'; error: SerializedError }
  | ({ type: 'result'; id: number; result: unknown } & RunSpan)
  | { type: 'error'; id: number; error: SerializedError };

export interface WorkerBoot {
  /** Absolute path of the compiled runner module. */
  module: string;
  options: unknown;
  /** The worker's index in its pool. */
  index: number;
}
