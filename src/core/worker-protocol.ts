/** Messages between a WorkerPool and its worker threads, and the contract of a runner module. */

/** A runner module (loaded inside a worker) exports `createRunner`. */
export interface Runner<Req, Res, Info> {
  info: Info;
  run(request: Req): Promise<{ result: Res; transfer?: ArrayBuffer[] }>;
  dispose?(): Promise<void>;
}

export type RunnerFactory<Req, Res, Info> = (options: unknown) => Promise<Runner<Req, Res, Info>>;

export interface SerializedError {
  name: string;
  message: string;
  /** gRPC status code when the error was a MovaError. */
  code?: number;
  /** Whether the MovaError was retryable. */
  retryable?: boolean;
}

export type ToWorker = { type: 'run'; id: number; request: unknown } | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; info: unknown }
  | { type: 'init-error'; error: SerializedError }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: SerializedError };

export interface WorkerBoot {
  /** Absolute path of the compiled runner module. */
  module: string;
  options: unknown;
}
