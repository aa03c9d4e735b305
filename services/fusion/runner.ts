/**
 * The fusion worker-thread runner: owns the onnxruntime sessions of the adapter graph (float32 tokens; FP16 tokens
 * cast inside the graph, created on first use) and runs whole batches.
 * Loaded by src/core/worker-host.ts inside each pool worker; the graph bytes are built once by the main thread.
 */
import { createSession, ort, type ExecutionProvider } from '../../src/core/ort-session';
import type { Runner } from '../../src/core/worker-protocol';
import { FUSION_IO, tokenGraph, type TokenType } from './adapter-graph';
import type { TokenArray } from './fuse-request';
import type { SlotRows } from './slot-rows';

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

/** One adapter run: N rows; per slot, the rows that chose it and their tokens (no rows: the slot costs nothing). */
export interface FusionRunRequest {
  n: number;
  /** Element type of base and experts (the graph that runs them). */
  tokens: TokenType;
  base: TokenArray;
  experts: SlotRows[];
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
        const slot = req.experts[j];
        const rows = slot?.rows ?? new Int32Array(0);
        feeds[FUSION_IO.expert(j)] = tokenTensor(req.tokens, slot?.data ?? new Float32Array(0), [rows.length, t, c]);
        feeds[FUSION_IO.rows(j)] = new ort.Tensor('int64', BigInt64Array.from(rows, (r) => BigInt(r)), [rows.length]);
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
