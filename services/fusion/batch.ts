/**
 * Executes one dynamic batch of Fuse jobs: concatenates their rows (zero-filling slots a job left out), runs them
 * as one adapter run on the worker pool, and splits the outputs back per job.
 */
import { ownsWholeBuffer } from '../../src/core/tensor-codec';
import type { WorkerPool } from '../../src/core/worker-pool';
import type { AdapterConfig } from './adapter-config';
import type { TokenType } from './adapter-graph';
import { tokensFor, type FuseJob, type FuseJobResult, type TokenArray } from './fuse-request';
import type { FusionRunRequest, FusionRunResult } from './runner';

export type FusionPool = WorkerPool<FusionRunRequest, FusionRunResult, null>;

/** Row-concatenate per-job arrays of `perRow` elements each into a fresh array like `empty`; a null part is zeros. */
function rows<A extends TokenArray>(jobs: readonly FuseJob[], part: (j: FuseJob) => A | null, perRow: number, total: number, empty: (length: number) => A): A {
  const out = empty(total * perRow);
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
  // FP16 tokens only when every job sent them so (the FP16-token graph); a merged batch that mixes both runs float32.
  const tokens: TokenType = jobs.every((j) => j.tokens === 'float16') ? 'float16' : 'float32';
  const asTokens = (a: TokenArray | null): TokenArray | null => (a === null ? null : tokensFor(tokens, a));
  const emptyTokens = (length: number): TokenArray => (tokens === 'float16' ? new Uint16Array(length) : new Float32Array(length));
  // One job: use its freshly decoded arrays directly (no concatenation copy); otherwise concatenate rows.
  const take = <A extends TokenArray>(part: (j: FuseJob) => A | null, perRow: number, empty: (length: number) => A): A => {
    const data = only ? part(only) : null;
    return data && ownsWholeBuffer(data) ? data : rows(jobs, part, perRow, n, empty);
  };
  const floats = (length: number): Float32Array => new Float32Array(length);
  const request: FusionRunRequest = {
    n,
    tokens,
    base: take((j) => asTokens(j.base), c.tokens * c.baseWidth, emptyTokens),
    // A slot no job sent stays null: the worker feeds its own zeros.
    experts: c.experts.map((e, k) => (jobs.some((j) => j.experts[k]) ? take((j) => asTokens(j.experts[k] ?? null), e.tokens * e.width, emptyTokens) : null)),
    mask: take((j) => j.mask, c.maxExperts, floats),
    context: take((j) => j.context, c.contextWidth, floats),
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
