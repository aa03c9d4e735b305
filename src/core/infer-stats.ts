/**
 * Triton's statistics extension (OIP `ModelStatistics`), server side: cumulative counts and durations of one
 * model's requests and executions since the server started, in the published message shape, so Triton's tools
 * (perf_analyzer's server-side breakdown, tritonclient's get_inference_statistics) read them as they read Triton's.
 *
 * Per request (InferStatistics): its whole time in the server goes to `success` or `fail`, and a successful one's
 * time is split into `compute_input` (decode, checks and shared-memory reads on the request thread, then the
 * batch's hand-off to the inference thread), `queue` (the dynamic batcher), `compute_infer` (the batch's model run
 * in its worker thread) and `compute_output` (results back to the request thread, encoding and shared-memory
 * writes); a request in a batch of several counts the batch's input, infer and output time, as Triton counts it.
 * A request the response cache answers whole counts `cache_hit` (its lookup) instead of queue and compute; one it
 * cannot counts `cache_miss` (lookups and inserts). Per execution (`execution_count`, `batch_stats`): one entry
 * per dynamic batch, by its number of items.
 *
 * Totals are kept as bigint nanoseconds (a uint64 on the wire, exact however long the server runs).
 */
import type { ModelStatistics } from '../generated/inference/ModelStatistics';
import type { ModelStatisticsResponse } from '../generated/inference/ModelStatisticsResponse';
import { NotFoundError } from './errors';

/** The extension's name in ServerMetadata.extensions. */
export const STATISTICS_EXTENSION = 'statistics';

/** A stage's duration, from preciseNow() timestamps (ms); negative clock steps count as 0. */
export function spanMs(from: number, to: number): number {
  return Math.max(0, to - from);
}

class Duration {
  count = 0n;
  ns = 0n;

  add(ms: number): void {
    this.count += 1n;
    this.ns += BigInt(Math.round(Math.max(0, ms) * 1e6));
  }

  toProto(): { count: string; ns: string } {
    return { count: this.count.toString(), ns: this.ns.toString() };
  }
}

/** How a model execution (one dynamic batch) spent its time, in ms. */
export interface ExecutionTimes {
  /** Items in the batch. */
  items: number;
  /** From dispatch to the worker starting the run (assembly and hand-off). */
  inputMs: number;
  /** The run in the worker thread. */
  inferMs: number;
  /** From the run's end to its results on the request thread. */
  outputMs: number;
}

/** When one dynamic batch was dispatched, run by its worker(s) and back on the request thread (preciseNow). */
export interface BatchTiming {
  /** Items in the batch. */
  items: number;
  dispatchedAt: number;
  startedAt: number;
  endedAt: number;
  doneAt: number;
}

export function executionTimes(t: BatchTiming): ExecutionTimes {
  return { items: t.items, inputMs: spanMs(t.dispatchedAt, t.startedAt), inferMs: spanMs(t.startedAt, t.endedAt), outputMs: spanMs(t.endedAt, t.doneAt) };
}

/**
 * A request's stages from its own timestamps (preciseNow: arrival, handed to the batcher, response ready) and its
 * batch's timing: input = arrival → batcher plus the batch's hand-off to its worker; queue = batcher → dispatch;
 * infer = the worker's run; output = the run's end → response ready. They add up to the total.
 */
export function computeTimes(arrivedAt: number, submittedAt: number, readyAt: number, t: BatchTiming): NonNullable<RequestTimes['compute']> {
  return {
    inputMs: spanMs(arrivedAt, submittedAt) + spanMs(t.dispatchedAt, t.startedAt),
    queueMs: spanMs(submittedAt, t.dispatchedAt),
    inferMs: spanMs(t.startedAt, t.endedAt),
    outputMs: spanMs(t.endedAt, readyAt),
  };
}

/** How one successful request spent its time in the server, in ms. */
export interface RequestTimes {
  /** Items in the request (its batch size). */
  items: number;
  totalMs: number;
  /** Absent for a request the response cache answered whole. */
  compute?: { queueMs: number; inputMs: number; inferMs: number; outputMs: number };
  /** Present when the expert has a response cache: whether it answered the request whole, and its own time. */
  cache?: { hit: boolean; ms: number };
}

export class ModelStats {
  private lastInference = 0;
  private inferenceCount = 0n;
  private executionCount = 0n;
  private readonly stages = {
    success: new Duration(),
    fail: new Duration(),
    queue: new Duration(),
    compute_input: new Duration(),
    compute_infer: new Duration(),
    compute_output: new Duration(),
    cache_hit: new Duration(),
    cache_miss: new Duration(),
  };
  private readonly batches = new Map<number, { compute_input: Duration; compute_infer: Duration; compute_output: Duration }>();

  constructor(readonly name: string, readonly version = '1') {}

  succeeded(t: RequestTimes): void {
    this.lastInference = Date.now();
    this.inferenceCount += BigInt(t.items);
    this.stages.success.add(t.totalMs);
    if (t.compute) {
      this.stages.queue.add(t.compute.queueMs);
      this.stages.compute_input.add(t.compute.inputMs);
      this.stages.compute_infer.add(t.compute.inferMs);
      this.stages.compute_output.add(t.compute.outputMs);
    }
    if (t.cache) (t.cache.hit ? this.stages.cache_hit : this.stages.cache_miss).add(t.cache.ms);
  }

  failed(totalMs: number): void {
    this.stages.fail.add(totalMs);
  }

  executed(t: BatchTiming): void {
    const e = executionTimes(t);
    this.executionCount += 1n;
    let b = this.batches.get(e.items);
    if (!b) {
      b = { compute_input: new Duration(), compute_infer: new Duration(), compute_output: new Duration() };
      this.batches.set(e.items, b);
    }
    b.compute_input.add(e.inputMs);
    b.compute_infer.add(e.inferMs);
    b.compute_output.add(e.outputMs);
  }

  /**
   * The extension's answer for a server of this one model: an empty name or version means it; `checkName` throws
   * (NOT_FOUND) for another name, and another version is NOT_FOUND.
   */
  statistics(req: { name: string; version: string }, checkName: (name: string) => void): ModelStatisticsResponse {
    if (req.name !== '') checkName(req.name);
    if (req.version !== '' && req.version !== this.version) {
      throw new NotFoundError(`model "${this.name}" has no version "${req.version}" (only "${this.version}")`);
    }
    return { model_stats: [this.toProto()] };
  }

  toProto(): ModelStatistics {
    const s = this.stages;
    return {
      name: this.name,
      version: this.version,
      last_inference: this.lastInference,
      inference_count: this.inferenceCount.toString(),
      execution_count: this.executionCount.toString(),
      inference_stats: {
        success: s.success.toProto(),
        fail: s.fail.toProto(),
        queue: s.queue.toProto(),
        compute_input: s.compute_input.toProto(),
        compute_infer: s.compute_infer.toProto(),
        compute_output: s.compute_output.toProto(),
        cache_hit: s.cache_hit.toProto(),
        cache_miss: s.cache_miss.toProto(),
      },
      batch_stats: [...this.batches.entries()].sort(([a], [b]) => a - b).map(([size, b]) => ({
        batch_size: size,
        compute_input: b.compute_input.toProto(),
        compute_infer: b.compute_infer.toProto(),
        compute_output: b.compute_output.toProto(),
      })),
    };
  }
}
