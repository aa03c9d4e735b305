/**
 * The fusion worker-thread runner: owns one onnxruntime session of the adapter graph and runs whole batches.
 * Loaded by src/core/worker-host.ts inside each pool worker; the graph bytes are built once by the main thread.
 */
import { createSession, ort, type ExecutionProvider } from '../../src/core/ort-session';
import type { Runner } from '../../src/core/worker-protocol';
import { FUSION_IO } from './adapter-graph';

export interface FusionRunnerOptions {
  /** The adapter ONNX model. */
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
  base: Float32Array;
  experts: (Float32Array | null)[];
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
  const session = await createSession(opts.model, { provider: opts.provider, intraOpThreads: opts.intraOpThreads });
  // Per slot, zeros for the largest batch seen so far (grown on demand; onnxruntime only reads its inputs).
  const zeros: Float32Array[] = g.slots.map(() => new Float32Array(0));
  const zerosFor = (j: number, length: number): Float32Array => {
    if ((zeros[j]?.length ?? 0) < length) zeros[j] = new Float32Array(length);
    return (zeros[j] as Float32Array).subarray(0, length);
  };
  return {
    info: null,
    async run(req) {
      const feeds: Record<string, ort.Tensor> = {
        [FUSION_IO.base]: new ort.Tensor('float32', req.base, [req.n, g.tokens, g.baseWidth]),
        [FUSION_IO.mask]: new ort.Tensor('float32', req.mask, [req.n, g.slots.length]),
        [FUSION_IO.context]: new ort.Tensor('float32', req.context, [req.n, g.contextWidth]),
      };
      g.slots.forEach(([t, c], j) => {
        feeds[FUSION_IO.expert(j)] = new ort.Tensor('float32', req.experts[j] ?? zerosFor(j, req.n * t * c), [req.n, t, c]);
      });
      const t0 = performance.now();
      const out = await session.run(feeds);
      const inferenceMs = performance.now() - t0;
      // Copy out of onnxruntime's buffers so the results can be moved (not cloned) to the main thread.
      const fused = (out[FUSION_IO.fused]?.data as Float32Array).slice();
      const gates = (out[FUSION_IO.gates]?.data as Float32Array).slice();
      return { result: { fused, gates, inferenceMs }, transfer: [fused.buffer, gates.buffer] };
    },
    dispose: () => session.release(),
  };
}
