/**
 * Fuse requests in protocol-neutral terms: validate a decoded FuseRequest against the adapter geometry into a
 * FuseJob (precise INVALID_ARGUMENT messages), and turn a job's outputs into a FuseResponse. No grpc imports.
 */
import { InvalidArgumentError } from '../../src/core/errors';
import { findNonFinite, findNonFiniteHalf } from '../../src/core/finite-check';
import type { BatchTiming } from '../../src/core/infer-stats';
import { float32ToHalf, fromHalfBits, halfToFloat32 } from '../../src/core/fp16';
import { decodeTensor, toFloat32, type NumericTensor } from '../../src/core/tensor-codec';
import type { DescribeResponse } from '../../src/generated/mova/v1/DescribeResponse';
import type { FuseRequest__Output } from '../../src/generated/mova/v1/FuseRequest';
import type { FuseResponse } from '../../src/generated/mova/v1/FuseResponse';
import type { FusionTensor, FusionTensor__Output } from '../../src/generated/mova/v1/FusionTensor';
import type { AdapterConfig } from './adapter-config';
import { FUSION_IO, type TokenType } from './adapter-graph';

export type WireFloat = 'FP32' | 'FP16';

/** Token data (base, expert slots): float32, or the FP16 bits as sent (`tokens` says which). */
export type TokenArray = Float32Array | Uint16Array;

/** Token data for a run of `type`: FP16 bits become float32 for a float32 run; anything else stays as it is. */
export function tokensFor(type: TokenType, a: TokenArray): TokenArray {
  return type === 'float32' && a instanceof Uint16Array ? halfToFloat32(a) : a;
}

/**
 * One validated Fuse call: N requests, row-major data. The arrays are freshly decoded (or views of the request) and
 * owned by the job; executeFuseBatch may move them to a worker thread (they are detached afterwards).
 */
export interface FuseJob {
  readonly n: number;
  /**
   * `float16` when the base and every expert slot were sent as FP16: their bits go to the adapter graph that takes
   * FP16 tokens (cast to float32 inside it, exactly); otherwise every token array is float32.
   */
  readonly tokens: TokenType;
  /** [N, T, Cb] */
  readonly base: TokenArray;
  /**
   * Per slot: the tokens sent, for every row ([N, Tj, Cj], `rows` null) or for `rows` only ([rows.length, Tj, Cj],
   * ascending); null when the call left the slot out. Every row the mask chooses for the slot is among them.
   */
  readonly experts: readonly (SentSlot | null)[];
  /** [N, E], values 0 or 1 */
  readonly mask: Float32Array;
  /** [N, Dctx] */
  readonly context: Float32Array;
  readonly fusedDatatype: WireFloat;
  /** The call wants the gate weights only (FuseRequest.omit_fused): its reply carries no fused tokens. */
  readonly omitFused?: boolean;
}

/** One slot's tokens as a call sent them. */
export interface SentSlot {
  rows: Int32Array | null;
  data: TokenArray;
}

/** What one job gets back from an adapter run. */
export interface FuseJobResult {
  /** [N, T, Dout] */
  fused: Float32Array;
  /** [N, L, E] */
  gates: Float32Array;
  /** Rows in the run this job was part of. */
  batchSize: number;
  inferenceMs: number;
  /** When the run was dispatched, ran in its worker and was back (ModelStatistics' stages). */
  timing: BatchTiming;
}

const fmt = (dims: readonly (number | string)[]): string => `[${dims.join(', ')}]`;

function indexOf(flat: number, shape: readonly number[]): string {
  const idx: number[] = [];
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d] as number;
    idx.unshift(rest % size);
    rest = Math.floor(rest / size);
  }
  return fmt(idx);
}

/** Every Fuse tensor is FP32 or FP16 (INVALID_ARGUMENT naming the tensor otherwise). */
export function checkTokenDatatype(t: { datatype: string }, what: string): void {
  if (t.datatype !== 'FP32' && t.datatype !== 'FP16') {
    throw new InvalidArgumentError(`${what}: datatype must be "FP32" or "FP16", got "${t.datatype}"`);
  }
}

/**
 * Decode one float tensor (FP32/FP16), check its shape against `expected` (N is the batch size), reject NaN/Inf.
 * FP16 stays FP16 bits; `floatInput` converts it to float32.
 */
async function tokenInput(t: FusionTensor__Output | null | undefined, what: string, expected: readonly number[], meaning: string): Promise<TokenArray> {
  if (!t) throw new InvalidArgumentError(`${what} is required (${fmt(['N', ...expected.slice(1)])}, ${meaning})`);
  checkTokenDatatype(t, what);
  const shape = t.shape.map(Number);
  const ok = shape.length === expected.length && shape.every((d, i) => d === expected[i]);
  if (!ok) throw new InvalidArgumentError(`${what}: expected shape ${fmt(expected)} (${meaning}), got ${fmt(shape)}`);
  const decoded = decodeTensor({ name: what, datatype: t.datatype, shape }, t.raw) as NumericTensor;
  if (decoded.datatype === 'FP16') {
    const bits = decoded.data as Uint16Array;
    const bad = await findNonFiniteHalf(bits);
    if (bad >= 0) throw new InvalidArgumentError(`${what}: non-finite value (${fromHalfBits(bits[bad] as number)}) at ${indexOf(bad, shape)}`);
    return bits;
  }
  const data = toFloat32(decoded);
  const bad = await findNonFinite(data);
  if (bad >= 0) throw new InvalidArgumentError(`${what}: non-finite value (${data[bad]}) at ${indexOf(bad, shape)}`);
  return data;
}

async function floatInput(t: FusionTensor__Output | null | undefined, what: string, expected: readonly number[], meaning: string): Promise<Float32Array> {
  const data = await tokenInput(t, what, expected, meaning);
  return data instanceof Uint16Array ? halfToFloat32(data) : data;
}

/** A slot's tokens sent for some rows only (`rows`, strictly ascending, each < n): [rows.length, Tj, Cj]. */
async function sparseExpertInput(t: FusionTensor__Output, what: string, n: number, slot: { tokens: number; width: number }, meaning: string): Promise<SentSlot> {
  const rows = t.rows;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    if (r >= n) throw new InvalidArgumentError(`${what}: rows[${i}] = ${r} is not a row of the batch (N = ${n})`);
    if (i > 0 && r <= (rows[i - 1] as number)) throw new InvalidArgumentError(`${what}: rows must be strictly ascending, got ${r} after ${rows[i - 1]}`);
  }
  return { rows: Int32Array.from(rows), data: await tokenInput(t, what, [rows.length, slot.tokens, slot.width], `${meaning}, one row per entry of rows`) };
}

/** Slot index addressed by a tensor name: `expert_<j>` or the slot's name. */
function slotOf(name: string, c: AdapterConfig): number {
  const byName = c.experts.findIndex((e) => e.name === name);
  if (byName >= 0) return byName;
  const m = /^expert_(\d+)$/.exec(name);
  const j = m ? Number(m[1]) : -1;
  if (j >= 0 && j < c.maxExperts) return j;
  const known = c.experts.map((e, i) => `${FUSION_IO.expert(i)}/${e.name}`).join(', ');
  throw new InvalidArgumentError(`experts: unknown slot "${name}" (slots: ${known})`);
}

export async function parseFuseRequest(req: FuseRequest__Output, c: AdapterConfig): Promise<FuseJob> {
  const E = c.maxExperts;
  const baseShape = req.base?.shape.map(Number) ?? [];
  const n = baseShape[0] ?? 0;
  if (req.base && (baseShape.length !== 3 || n < 1)) {
    throw new InvalidArgumentError(`base: expected shape [N, ${c.tokens}, ${c.baseWidth}] with N ≥ 1, got ${fmt(baseShape)}`);
  }
  const [Hb, Wb] = c.baseGrid;
  for (const [what, t] of [['base', req.base], ['mask', req.mask], ['context', req.context]] as const) {
    if (t && t.rows.length > 0) throw new InvalidArgumentError(`${what}: rows is only for expert slots (${what} has one row per request)`);
  }
  const base = await tokenInput(req.base, 'base', [n, c.tokens, c.baseWidth], `${Hb}×${Wb} base grid, width ${c.baseWidth}`);
  const mask = await floatInput(req.mask, 'mask', [n, E], `one column per expert slot, E = ${E}`);
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== 0 && mask[i] !== 1) throw new InvalidArgumentError(`mask: values must be 0 or 1, got ${mask[i]} at ${indexOf(i, [n, E])}`);
  }
  const context = await floatInput(req.context, 'context', [n, c.contextWidth], `context width ${c.contextWidth}`);
  const experts: (SentSlot | null)[] = Array.from({ length: E }, () => null);
  // Per slot, the rows whose tokens were sent: all of them (dense), some (`rows`), or none (slot left out).
  const sentRows: (ReadonlySet<number> | 'all' | null)[] = Array.from({ length: E }, () => null);
  for (const [k, t] of req.experts.entries()) {
    const j = slotOf(t.name, c);
    const slot = c.experts[j];
    if (!slot) throw new InvalidArgumentError(`experts[${k}]: no slot ${j}`);
    const what = `experts[${k}] ("${t.name}", slot ${j})`;
    if (experts[j]) throw new InvalidArgumentError(`${what}: slot ${j} sent twice`);
    const meaning = `${slot.grid[0]}×${slot.grid[1]} grid of "${slot.name}", width ${slot.width}`;
    if (t.rows.length > 0) {
      experts[j] = await sparseExpertInput(t, what, n, slot, meaning);
      sentRows[j] = new Set(t.rows);
    } else {
      experts[j] = { rows: null, data: await tokenInput(t, what, [n, slot.tokens, slot.width], meaning) };
      sentRows[j] = 'all';
    }
  }
  for (let j = 0; j < E; j++) {
    const sent = sentRows[j];
    if (sent === 'all') continue;
    for (let i = 0; i < n; i++) {
      if (mask[i * E + j] === 1 && !sent?.has(i)) {
        const missing = sent ? `its row is not in rows` : 'no tokens were sent for that slot';
        throw new InvalidArgumentError(`mask chooses slot ${j} ("${c.experts[j]?.name}") for request ${i}, but ${missing}`);
      }
    }
  }
  const dt = req.fused_datatype === '' ? 'FP32' : req.fused_datatype;
  if (dt !== 'FP32' && dt !== 'FP16') throw new InvalidArgumentError(`fused_datatype must be "FP32" or "FP16", got "${dt}"`);
  // All tokens FP16: they stay FP16 (the FP16-token graph); any FP32 among them: all as float32.
  const tokens: TokenType = [base, ...experts.map((e) => e?.data ?? null)].every((a) => a === null || a instanceof Uint16Array) ? 'float16' : 'float32';
  if (req.omit_fused && req.fused_shared_memory) throw new InvalidArgumentError('omit_fused and fused_shared_memory cannot be combined (no fused tokens to write)');
  return {
    n, tokens, base: tokensFor(tokens, base), experts: experts.map((e) => (e === null ? null : { rows: e.rows, data: tokensFor(tokens, e.data) })), mask, context, fusedDatatype: dt,
    ...(req.omit_fused ? { omitFused: true } : {}),
  };
}

function wireTensor(name: string, shape: number[], data: Float32Array, as: WireFloat): FusionTensor {
  const bytes = as === 'FP16' ? float32ToHalf(data) : data;
  return { name, datatype: as, shape, raw: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

export function buildFuseResponse(job: FuseJob, result: FuseJobResult, c: AdapterConfig): FuseResponse {
  return {
    ...(job.omitFused ? {} : { fused: wireTensor(FUSION_IO.fused, [job.n, c.tokens, c.outputWidth], result.fused, job.fusedDatatype) }),
    gates: wireTensor(FUSION_IO.gates, [job.n, c.blocks, c.maxExperts], result.gates, 'FP32'),
    batch_size: result.batchSize,
    inference_ms: result.inferenceMs,
  };
}

export function describeAdapter(c: AdapterConfig, maxBatchSize: number, untrained: boolean): DescribeResponse {
  return {
    base_grid: [...c.baseGrid],
    base_width: c.baseWidth,
    slots: c.experts.map((e, index) => ({ index, name: e.name, grid: [...e.grid], width: e.width })),
    context_width: c.contextWidth,
    output_width: c.outputWidth,
    blocks: c.blocks,
    top_k: c.topK,
    max_batch_size: maxBatchSize,
    untrained,
  };
}
