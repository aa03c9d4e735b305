/**
 * Executes one dynamic batch of Fuse jobs: concatenates their rows (zero-filling slots a job left out), runs them
 * as one adapter run on the worker pool, and splits the outputs back per job.
 */
import { ownsWholeBuffer } from '../../src/core/tensor-codec';
import type { WorkerPool } from '../../src/core/worker-pool';
import type { AdapterConfig } from './adapter-config';
import type { FuseJob, FuseJobResult } from './fuse-request';
import type { FusionRunRequest, FusionRunResult } from './runner';

export type FusionPool = WorkerPool<FusionRunRequest, FusionRunResult, null>;

/** Row-concatenate per-job arrays of `perRow` floats each; a null part is zeros. */
function rows(jobs: readonly FuseJob[], part: (j: FuseJob) => Float32Array | null, perRow: number, total: number): Float32Array {
  const out = new Float32Array(total * perRow);
  let row = 0;
  for (const job of jobs) {
    const data = part(job);
    if (data) out.set(data, row * perRow);
    row += job.n;
  }
  return out;
}

export async function executeFuseBatch(pool: FusionPool, c: AdapterConfig, jobs: FuseJob[]): Promise<FuseJobResult[]> {
  const n = jobs.reduce((s, j) => s + j.n, 0);
  const only = jobs.length === 1 ? jobs[0] : undefined;
  // One job: use its freshly decoded arrays directly (no concatenation copy); otherwise concatenate rows.
  const take = (part: (j: FuseJob) => Float32Array | null, perRow: number): Float32Array => {
    const data = only ? part(only) : null;
    return data && ownsWholeBuffer(data) ? data : rows(jobs, part, perRow, n);
  };
  const request: FusionRunRequest = {
    n,
    base: take((j) => j.base, c.tokens * c.baseWidth),
    // A slot no job sent stays null: the worker feeds its own zeros.
    experts: c.experts.map((e, k) => (jobs.some((j) => j.experts[k]) ? take((j) => j.experts[k] ?? null, e.tokens * e.width) : null)),
    mask: take((j) => j.mask, c.maxExperts),
    context: take((j) => j.context, c.contextWidth),
  };
  // Every buffer here is ours alone (fresh decodes or concatenations): move them to the worker instead of copying.
  // A job's own arrays are unusable afterwards; only its n and fusedDatatype are read later.
  const transfer = [request.base, request.mask, request.context, ...request.experts].flatMap((a) => (a ? [a.buffer as ArrayBuffer] : []));
  const res = await pool.run(request, transfer);
  const fusedPer = c.tokens * c.outputWidth;
  const gatesPer = c.blocks * c.maxExperts;
  let row = 0;
  return jobs.map((job) => {
    const out: FuseJobResult = {
      fused: res.fused.subarray(row * fusedPer, (row + job.n) * fusedPer),
      gates: res.gates.subarray(row * gatesPer, (row + job.n) * gatesPer),
      batchSize: n,
      inferenceMs: res.inferenceMs,
    };
    row += job.n;
    return out;
  });
}
