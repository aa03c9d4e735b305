/**
 * Executes one dynamic batch of Fuse jobs: concatenates their rows, gives each expert slot the rows that chose it
 * (and only those: the graph's work per slot follows its requests), runs them as one adapter run on the worker pool,
 * and splits the outputs back per job.
 */
import type { BatchTiming } from '../../src/core/infer-stats';
import { ownsWholeBuffer } from '../../src/core/tensor-codec';
import type { WorkerPool } from '../../src/core/worker-pool';
import { preciseNow } from '../../src/core/worker-protocol';
import type { AdapterConfig } from './adapter-config';
import type { TokenType } from './adapter-graph';
import { tokensFor, type FuseJob, type FuseJobResult, type TokenArray } from './fuse-request';
import type { FusionRunRequest, FusionRunResult } from './runner';
import { chosenRows, type SlotRows } from './slot-rows';

export type FusionPool = WorkerPool<FusionRunRequest, FusionRunResult, null>;

/** Row-concatenate per-job arrays of `perRow` elements each into a fresh array like `empty`. */
function rows<A extends TokenArray>(jobs: readonly FuseJob[], part: (j: FuseJob) => A, perRow: number, total: number, empty: (length: number) => A): A {
  const out = empty(total * perRow);
  let row = 0;
  for (const job of jobs) {
    out.set(part(job), row * perRow);
    row += job.n;
  }
  return out;
}

/**
 * Slot j over the whole batch: every job's rows whose mask chooses j (offset by the job's first row), ascending, and
 * their tokens. Rows a job sent but did not choose are left out: their gate weight is 0, so they add nothing.
 */
function slotRows(jobs: readonly FuseJob[], j: number, c: AdapterConfig, convert: (a: TokenArray) => TokenArray, empty: (length: number) => TokenArray): SlotRows {
  const slot = c.experts[j];
  const per = slot ? slot.tokens * slot.width : 0;
  const rowsOut: number[] = [];
  const picks: { data: TokenArray; at: number }[] = [];
  let offset = 0;
  for (const job of jobs) {
    const chosen = chosenRows(job.mask, job.n, c.maxExperts, j);
    const sent = job.experts[j];
    if (chosen.length > 0 && !sent) throw new Error(`slot ${j} is chosen but was not sent`); // parseFuseRequest rules it out
    if (sent) {
      let k = 0;
      for (const r of chosen) {
        // Both ascending, and every chosen row was sent (checked by parseFuseRequest).
        if (sent.rows) while ((sent.rows[k] ?? Infinity) < r) k++;
        rowsOut.push(offset + r);
        picks.push({ data: sent.data, at: sent.rows ? k : r });
      }
    }
    offset += job.n;
  }
  const rows = Int32Array.from(rowsOut);
  const first = picks[0];
  // One job that sent exactly the rows it chose (as the gateway does): its array as it is, no copy.
  if (first && picks.every((p, i) => p.data === first.data && p.at === i) && first.data.length === picks.length * per && ownsWholeBuffer(first.data)) {
    return { rows, data: convert(first.data) };
  }
  const out = empty(picks.length * per);
  const converted = new Map<TokenArray, TokenArray>();
  picks.forEach((p, i) => {
    const data = converted.get(p.data) ?? converted.set(p.data, convert(p.data)).get(p.data)!;
    out.set(data.subarray(p.at * per, (p.at + 1) * per), i * per);
  });
  return { rows, data: out };
}

/** One adapter run of `jobs`; each job's result carries the run's timing (dispatched, run, done: its statistics stages). */
export async function executeFuseBatch(pool: FusionPool, c: AdapterConfig, jobs: FuseJob[]): Promise<FuseJobResult[]> {
  const dispatchedAt = preciseNow();
  const n = jobs.reduce((s, j) => s + j.n, 0);
  const only = jobs.length === 1 ? jobs[0] : undefined;
  // FP16 tokens only when every job sent them so (the FP16-token graph); a merged batch that mixes both runs float32.
  const tokens: TokenType = jobs.every((j) => j.tokens === 'float16') ? 'float16' : 'float32';
  const asTokens = (a: TokenArray): TokenArray => tokensFor(tokens, a);
  const emptyTokens = (length: number): TokenArray => (tokens === 'float16' ? new Uint16Array(length) : new Float32Array(length));
  // One job: use its freshly decoded arrays directly (no concatenation copy); otherwise concatenate rows.
  const take = <A extends TokenArray>(part: (j: FuseJob) => A, perRow: number, empty: (length: number) => A): A => {
    const data = only ? part(only) : null;
    return data && ownsWholeBuffer(data) ? data : rows(jobs, part, perRow, n, empty);
  };
  const floats = (length: number): Float32Array => new Float32Array(length);
  const request: FusionRunRequest = {
    n,
    tokens,
    base: take((j) => asTokens(j.base), c.tokens * c.baseWidth, emptyTokens),
    experts: c.experts.map((_, k) => slotRows(jobs, k, c, asTokens, emptyTokens)),
    mask: take((j) => j.mask, c.maxExperts, floats),
    context: take((j) => j.context, c.contextWidth, floats),
  };
  // Every buffer here is ours alone (fresh decodes or concatenations): move them to the worker instead of copying.
  // A job's own arrays are unusable afterwards; only its n and fusedDatatype are read later.
  const transfer = [...new Set([request.base, request.mask, request.context, ...request.experts.flatMap((e) => [e.rows, e.data])].map((a) => a.buffer as ArrayBuffer))];
  const { result: res, span } = await pool.runTimed(request, transfer);
  const timing: BatchTiming = { items: n, dispatchedAt, ...span, doneAt: preciseNow() };
  const fusedPer = c.tokens * c.outputWidth;
  const gatesPer = c.blocks * c.maxExperts;
  let row = 0;
  return jobs.map((job) => {
    const out: FuseJobResult = {
      fused: res.fused.subarray(row * fusedPer, (row + job.n) * fusedPer),
      gates: res.gates.subarray(row * gatesPer, (row + job.n) * gatesPer),
      batchSize: n,
      inferenceMs: res.inferenceMs,
      timing,
    };
    row += job.n;
    return out;
  });
}
