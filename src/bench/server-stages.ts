/**
 * Where a server's calls spent their time, from its ModelStatistics (Triton's statistics extension, served by the
 * experts on GRPCInferenceService and by the fusion service on mova.v1.Fusion): snapshot before and after the measured
 * calls, then each stage's mean per call. Used by `mova bench expert` and scripts/bench-fusion.ts.
 */
import type * as grpc from '@grpc/grpc-js';
import type { ModelStatisticsRequest } from '../generated/inference/ModelStatisticsRequest';
import type { ModelStatisticsResponse__Output } from '../generated/inference/ModelStatisticsResponse';
import { round } from './common';

/**
 * Where a server call's time went, means over the measured calls (ms): the server's own statistics (input, queue,
 * infer = the model run in its worker, output; `server` = their whole time in the server) and `client` (the
 * client-observed mean; client − server is the client's encoding and decoding, the transport and waking the server
 * process).
 */
export interface ServerStages {
  client: number;
  server: number;
  input: number;
  queue: number;
  infer: number;
  output: number;
}

type Stage = 'success' | 'queue' | 'compute_input' | 'compute_infer' | 'compute_output';
export type StageTotals = Record<Stage, { count: number; ns: number }>;

/** A client's ModelStatistics method (bound): `(req, cb) => client.ModelStatistics(req, cb)`. */
export type StatisticsCall = (req: ModelStatisticsRequest, callback: (err: grpc.ServiceError | null, res?: ModelStatisticsResponse__Output) => void) => unknown;

/** One model's cumulative stage totals. */
export function modelStats(call: StatisticsCall, model: string): Promise<StageTotals> {
  return new Promise((resolve, reject) => {
    call({ name: model }, (e, res) => {
      const s = res?.model_stats[0]?.inference_stats;
      if (e || !s) return reject(e ?? new Error(`no statistics for ${model}`));
      const pick = (d: { count: number | string; ns: number | string } | null): { count: number; ns: number } => ({ count: Number(d?.count ?? 0), ns: Number(d?.ns ?? 0) });
      resolve({ success: pick(s.success), queue: pick(s.queue), compute_input: pick(s.compute_input), compute_infer: pick(s.compute_infer), compute_output: pick(s.compute_output) });
    });
  });
}

/** Mean ms per call of each stage between two snapshots; `clientMs` are the client-observed times of the same calls. */
export function stageMeans(before: StageTotals, after: StageTotals, clientMs: readonly number[]): ServerStages {
  const mean = (k: Stage): number => {
    const n = after[k].count - before[k].count;
    return n > 0 ? round((after[k].ns - before[k].ns) / n / 1e6) : 0;
  };
  const client = clientMs.reduce((a, b) => a + b, 0) / clientMs.length;
  return { client: round(client), server: mean('success'), input: mean('compute_input'), queue: mean('queue'), infer: mean('compute_infer'), output: mean('compute_output') };
}

/** `server (input + queue + infer + output)`, ms: a table cell. */
export function stagesCell(s: ServerStages): string {
  return `${s.server} (${s.input} + ${s.queue} + ${s.infer} + ${s.output})`;
}
