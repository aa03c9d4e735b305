/** Shared fixtures for the fusion unit tests: small adapter shapes, random requests, an ORT runner, comparisons. */
import * as ort from 'onnxruntime-node';
import { compileAdapterConfig, type AdapterConfig, type AdapterOptions } from '../../services/fusion/adapter-config';
import { buildAdapterGraph, FUSION_IO } from '../../services/fusion/adapter-graph';
import { initWeights, mulberry32, type AdapterWeights } from '../../services/fusion/weights';
import { slotRowsFromDense } from '../../services/fusion/slot-rows';

/** Small shapes covering up- and down-sampling, non-square grids, E = 1..4, K < E and K = E. */
export const SHAPES: Readonly<Record<string, AdapterOptions>> = {
  fourExperts: {
    baseGrid: [3, 3], baseWidth: 12,
    experts: [{ grid: [4, 4], width: 10 }, { grid: [2, 2], width: 6 }, { grid: [3, 3], width: 8 }, { grid: [1, 5], width: 5 }],
    adapterWidth: 16, heads: 2, blocks: 2, topK: 2, outputWidth: 12, contextWidth: 6,
  },
  oneExpert: {
    baseGrid: [2, 4], baseWidth: 8, experts: [{ grid: [3, 5], width: 7 }],
    adapterWidth: 8, heads: 4, blocks: 3, topK: 1, outputWidth: 5, contextWidth: 3,
  },
  threeExpertsAllKept: {
    baseGrid: [4, 4], baseWidth: 6,
    experts: [{ grid: [8, 8], width: 4 }, { grid: [4, 4], width: 9 }, { grid: [2, 3], width: 5 }],
    adapterWidth: 24, heads: 3, blocks: 1, topK: 3, outputWidth: 10, contextWidth: 4, gateHidden: 7, ffnHidden: 13,
  },
};

export interface Fixture {
  config: AdapterConfig;
  weights: Map<string, Float32Array>;
  session: ort.InferenceSession;
}

/**
 * Seeded weights with LayerNorm parameters moved away from 1/0 and a sharper gate, so the parity tests exercise
 * every tensor (the plain initialiser leaves LayerNorms at identity and gates near uniform).
 */
export function testWeights(config: AdapterConfig, seed: number): Map<string, Float32Array> {
  const w = initWeights(config, seed);
  const rand = mulberry32(seed ^ 0x5eed);
  for (const [name, data] of w) {
    if (/norm\.weight$/.test(name)) for (let i = 0; i < data.length; i++) data[i] = 1 + (rand() - 0.5);
    else if (/norm\.bias$/.test(name)) for (let i = 0; i < data.length; i++) data[i] = (rand() - 0.5) * 0.4;
    else if (/gate\.fc2\.weight$/.test(name)) for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) * 8;
  }
  return w;
}

export async function createSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 });
}

const fixtures = new Map<string, Promise<Fixture>>();

/** One built session per (shape, seed), shared by the tests of a file. */
export function fixture(shape: keyof typeof SHAPES | AdapterOptions, seed = 1): Promise<Fixture> {
  const key = typeof shape === 'string' ? `${shape}/${seed}` : `${JSON.stringify(shape)}/${seed}`;
  let f = fixtures.get(key);
  if (!f) {
    const options = typeof shape === 'string' ? SHAPES[shape] : shape;
    if (!options) throw new Error(`unknown shape ${String(shape)}`);
    const config = compileAdapterConfig(options);
    const weights = testWeights(config, seed);
    f = createSession(buildAdapterGraph(config, weights)).then((session) => ({ config, weights, session }));
    fixtures.set(key, f);
  }
  return f;
}

export interface Request {
  base: Float32Array;
  experts: Float32Array[];
  mask: number[];
  context: Float32Array;
}

export function randomArray(rand: () => number, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (2 * rand() - 1) * scale);
}

export function randomRequest(c: AdapterConfig, rand: () => number, mask?: readonly number[]): Request {
  return {
    base: randomArray(rand, c.tokens * c.baseWidth, 2),
    experts: c.experts.map((e) => randomArray(rand, e.tokens * e.width, 2)),
    mask: mask ? [...mask] : c.experts.map(() => (rand() < 0.5 ? 1 : 0)),
    context: randomArray(rand, c.contextWidth),
  };
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export interface BatchResult {
  /** Per request: [T * Dout] */
  fused: Float32Array[];
  /** Per request: [L * E] */
  gates: Float32Array[];
}

/**
 * Graph feeds for requests as one batch. Each expert slot gets the rows whose mask chooses it (`rows: 'chosen'`, as
 * the service feeds it) or every row of the batch (`'all'`: unchosen rows then reach the graph with gate weight 0).
 */
export function batchFeeds(c: AdapterConfig, requests: readonly Request[], rows: 'chosen' | 'all' = 'chosen'): Record<string, ort.Tensor> {
  const N = requests.length;
  const mask = Float32Array.from(requests.flatMap((r) => r.mask));
  const feeds: Record<string, ort.Tensor> = {
    [FUSION_IO.base]: new ort.Tensor('float32', concat(requests.map((r) => r.base)), [N, c.tokens, c.baseWidth]),
    [FUSION_IO.mask]: new ort.Tensor('float32', mask, [N, c.maxExperts]),
    [FUSION_IO.context]: new ort.Tensor('float32', concat(requests.map((r) => r.context)), [N, c.contextWidth]),
  };
  const dense = c.experts.map((_, j) => concat(requests.map((r) => r.experts[j] as Float32Array)));
  const slots = rows === 'all'
    ? dense.map((data) => ({ rows: Int32Array.from({ length: N }, (_, i) => i), data }))
    : slotRowsFromDense(dense, mask, N, c.experts.map((e) => e.tokens * e.width), (n) => new Float32Array(n));
  c.experts.forEach((e, j) => {
    const slot = slots[j]!;
    feeds[FUSION_IO.expert(j)] = new ort.Tensor('float32', slot.data, [slot.rows.length, e.tokens, e.width]);
    feeds[FUSION_IO.rows(j)] = new ort.Tensor('int64', BigInt64Array.from(slot.rows, (r) => BigInt(r)), [slot.rows.length]);
  });
  return feeds;
}

/** Run requests as one batch through the session (slots fed as `batchFeeds` says). */
export async function runBatch(f: Fixture, requests: readonly Request[], rows: 'chosen' | 'all' = 'chosen'): Promise<BatchResult> {
  const c = f.config;
  const out = await f.session.run(batchFeeds(c, requests, rows));
  const fused = out[FUSION_IO.fused]?.data as Float32Array;
  const gates = out[FUSION_IO.gates]?.data as Float32Array;
  const fl = c.tokens * c.outputWidth;
  const gl = c.blocks * c.maxExperts;
  return {
    fused: requests.map((_, n) => fused.slice(n * fl, (n + 1) * fl)),
    gates: requests.map((_, n) => gates.slice(n * gl, (n + 1) * gl)),
  };
}

/** max |a − b| / max |b| */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return diff / Math.max(scale, 1e-30);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return d;
}

export { mulberry32, type AdapterWeights };
