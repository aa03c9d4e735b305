/**
 * The fusion worker-thread runner: owns the onnxruntime sessions of the adapter graph (float32 tokens; FP16 tokens
 * cast inside the graph, created on first use) and runs whole batches.
 * Loaded by src/core/worker-host.ts inside each pool worker; the graph bytes are built once by the main thread.
 */
import { createSession, ort, type ExecutionProvider } from '../../src/core/ort-session';
import type { Runner } from '../../src/core/worker-protocol';
import { FUSION_IO, tokenGraph, type TokenType } from './adapter-graph';
import type { TokenArray } from './fuse-request';

export interface FusionRunnerOptions {
  /** The adapter ONNX model (float32 tokens; the FP16-token session is derived from it on first use). */
  model: Uint8Array;
  /** Token geometry the feeds are shaped with. */
  geometry: FusionGeometry;
  provider: ExecutionProvider;
  intraOpThreads: number;
}

export interface FusionGeometry {
  tokens: number;
  baseWidth: number;
  contextWidth: number;
  /** Per slot: [Tj, Cj] */
  slots: [number, number][];
}

/**
 * One adapter run: N rows. A slot that no job of the batch sent is null: the runner feeds zeros from a buffer it
 * keeps (no per-call allocation or transfer of, e.g., 4.6 MB of zeros for ppocr's slot at batch 8).
 */
export interface FusionRunRequest {
  n: number;
  /** Element type of base and experts (the graph that runs them). */
  tokens: TokenType;
  base: TokenArray;
  experts: (TokenArray | null)[];
  mask: Float32Array;
  context: Float32Array;
}

export interface FusionRunResult {
  fused: Float32Array;
  gates: Float32Array;
  inferenceMs: number;
}

export async function createRunner(options: unknown): Promise<Runner<FusionRunRequest, FusionRunResult, null>> {
  const opts = options as FusionRunnerOptions;
  const g = opts.geometry;
  const settings = { provider: opts.provider, intraOpThreads: opts.intraOpThreads };
  // The FP16-token session is created on the first batch of FP16 tokens (~100 MB more memory, only when used).
  const sessions: Record<TokenType, Promise<ort.InferenceSession> | undefined> = { float32: createSession(opts.model, settings), float16: undefined };
  await sessions.float32;
  const session = (type: TokenType): Promise<ort.InferenceSession> => (sessions[type] ??= createSession(tokenGraph(opts.model, type, g.slots.length), settings).catch((err: unknown) => {
    sessions[type] = undefined; // the next batch tries again
    throw err;
  }));
  // Per slot and token type, zeros for the largest batch seen so far (grown on demand; onnxruntime only reads them).
  const zeros: Record<TokenType, TokenArray[]> = { float32: g.slots.map(() => new Float32Array(0)), float16: g.slots.map(() => new Uint16Array(0)) };
  const zerosFor = (type: TokenType, j: number, length: number): TokenArray => {
    const have = zeros[type][j];
    if (have && have.length >= length) return have.subarray(0, length);
    const fresh = type === 'float16' ? new Uint16Array(length) : new Float32Array(length);
    zeros[type][j] = fresh;
    return fresh;
  };
  const tokenTensor = (type: TokenType, data: TokenArray, dims: number[]): ort.Tensor =>
    type === 'float16' ? new ort.Tensor('float16', data as Uint16Array, dims) : new ort.Tensor('float32', data as Float32Array, dims);
  return {
    info: null,
    async run(req) {
      const feeds: Record<string, ort.Tensor> = {
        [FUSION_IO.base]: tokenTensor(req.tokens, req.base, [req.n, g.tokens, g.baseWidth]),
        [FUSION_IO.mask]: new ort.Tensor('float32', req.mask, [req.n, g.slots.length]),
        [FUSION_IO.context]: new ort.Tensor('float32', req.context, [req.n, g.contextWidth]),
      };
      g.slots.forEach(([t, c], j) => {
        feeds[FUSION_IO.expert(j)] = tokenTensor(req.tokens, req.experts[j] ?? zerosFor(req.tokens, j, req.n * t * c), [req.n, t, c]);
      });
      const run = await session(req.tokens);
      const t0 = performance.now();
      const out = await run.run(feeds);
      const inferenceMs = performance.now() - t0;
      // Copy out of onnxruntime's buffers so the results can be moved (not cloned) to the main thread.
      const fused = (out[FUSION_IO.fused]?.data as Float32Array).slice();
      const gates = (out[FUSION_IO.gates]?.data as Float32Array).slice();
      return { result: { fused, gates, inferenceMs }, transfer: [fused.buffer, gates.buffer] };
    },
    dispose: async () => {
      for (const s of Object.values(sessions)) await (await s)?.release();
    },
  };
}
