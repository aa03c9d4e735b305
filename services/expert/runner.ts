/**
 * The expert's worker-thread runner: owns one pipeline (and its onnxruntime sessions), decodes images,
 * runs batches. Loaded by src/core/worker-host.ts inside each pool worker.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { decodeImage } from '../../src/core/image';
import { errorMessage, MovaError } from '../../src/core/errors';
import { findNonFinite } from '../../src/core/finite-check';
import { firstNonFinite } from '../../src/core/tensor-codec';
import { findExpert, loadRegistry, resolveExpertFiles } from '../../src/core/registry';
import type { Runner, WorkerIdentity } from '../../src/core/worker-protocol';
import type { ExpertPipeline, Float32Tensor } from './pipeline';
import { PIPELINES } from './pipelines';

export interface ExpertRunnerOptions {
  registryPath: string;
  modelsDir: string;
  expert: string;
  intraOpThreads: number;
  /** Intra-op threads of a second pipeline in worker 0 for solo runs (RunContext); off when ≤ intraOpThreads. */
  soloThreads?: number;
  maxPixels: number;
}

export type ExpertRunRequest =
  | { kind: 'images'; images: Uint8Array[] }
  | { kind: 'pixels'; pixels: Float32Tensor };

/** Per item: its outputs, or the error that item alone failed with (other items still succeed). */
export interface ExpertRunResult {
  features: Float32Tensor;
  pooled: Float32Tensor;
  decoded: unknown[];
  /** Index i holds null when item i succeeded, else its error (then its rows in features/pooled are absent). */
  itemErrors: (ItemError | null)[];
}

/** Why one item of a run failed. */
export interface ItemError {
  message: string;
  /** gRPC status code. */
  code: number;
  /** A `pixels` row holding NaN or ±Infinity: the index of the first such element within the row. */
  nonFiniteAt?: number;
}

/**
 * The rows of `pixels` that hold only finite values, and per row null or its error (`nonFiniteAt` set). The NaN/Inf
 * check of pixel_values runs here, in the worker thread, right before the model reads the same memory: the common
 * all-finite case is one onnxruntime sum over the tensor (finite-check.ts) and no copy; only a tensor with a bad
 * element pays for a scan per row and a copy of its good rows.
 */
export async function finiteRows(pixels: Float32Tensor): Promise<{ pixels: Float32Tensor; itemErrors: (ItemError | null)[] }> {
  const n = pixels.dims[0] ?? 0;
  const first = await findNonFinite(pixels.data);
  if (first < 0 || n === 0) return { pixels, itemErrors: new Array<null>(n).fill(null) };
  const per = pixels.data.length / n;
  const itemErrors = Array.from({ length: n }, (_, r): ItemError | null => {
    if ((r + 1) * per <= first) return null;
    const at = firstNonFinite(pixels.data.subarray(r * per, (r + 1) * per));
    return at < 0 ? null : { message: `pixel_values row ${r} holds a non-finite value at element ${at} of the row`, code: GrpcStatus.INVALID_ARGUMENT, nonFiniteAt: at };
  });
  const good = itemErrors.flatMap((e, r) => (e === null ? [r] : []));
  const data = new Float32Array(good.length * per);
  good.forEach((r, k) => data.set(pixels.data.subarray(r * per, (r + 1) * per), k * per));
  return { pixels: { data, dims: [good.length, ...pixels.dims.slice(1)] }, itemErrors };
}

const NO_ROWS: Float32Tensor = { data: new Float32Array(0), dims: [0] };

export interface ExpertInfo {
  inputShape: readonly [3, number, number];
  featureGrid: { height: number; width: number; channels: number };
  pooledWidth: number;
}

/** Buffers of the result that the worker owns outright (safe to move to the main thread instead of copying). */
function movable(out: { features: Float32Tensor; pooled: Float32Tensor }): ArrayBuffer[] {
  const list: ArrayBuffer[] = [];
  for (const t of [out.features, out.pooled]) {
    const buf = t.data.buffer as ArrayBuffer;
    if (t.data.byteOffset === 0 && t.data.byteLength === buf.byteLength && !list.includes(buf)) list.push(buf);
  }
  return list;
}

export async function createExpertPipeline(opts: Omit<ExpertRunnerOptions, 'maxPixels'>): Promise<ExpertPipeline> {
  const registry = loadRegistry(opts.registryPath, opts.modelsDir);
  const entry = findExpert(registry, opts.expert);
  const modelPaths = resolveExpertFiles(registry, entry);
  const session = { provider: entry.provider, intraOpThreads: opts.intraOpThreads, graphOptimizationLevel: entry.graphOptimizationLevel, webgpu: entry.webgpu };
  return PIPELINES[entry.pipeline]({ entry, modelPaths, session });
}

export async function createRunner(options: unknown, worker: WorkerIdentity = { index: 0 }): Promise<Runner<ExpertRunRequest, ExpertRunResult, ExpertInfo>> {
  const opts = options as ExpertRunnerOptions;
  const shared = await createExpertPipeline(opts);
  const soloThreads = opts.soloThreads ?? opts.intraOpThreads;
  const solo = worker.index === 0 && soloThreads > opts.intraOpThreads
    ? await createExpertPipeline({ ...opts, intraOpThreads: soloThreads })
    : undefined;
  return {
    info: { inputShape: shared.inputShape, featureGrid: shared.featureGrid, pooledWidth: shared.pooledWidth },
    async run(request, context) {
      const pipeline = context.solo && solo ? solo : shared;
      if (request.kind === 'pixels') {
        const { pixels, itemErrors } = await finiteRows(request.pixels);
        if ((pixels.dims[0] ?? 0) === 0) return { result: { features: NO_ROWS, pooled: NO_ROWS, decoded: [], itemErrors } };
        const out = await pipeline.runPixels(pixels);
        return { result: { ...out, itemErrors }, transfer: movable(out) };
      }
      const settled = await Promise.allSettled(request.images.map((b) => decodeImage(b, opts.maxPixels, pipeline.decodeSize)));
      const itemErrors = settled.map((s) => (s.status === 'fulfilled' ? null : {
        message: errorMessage(s.reason),
        code: s.reason instanceof MovaError ? s.reason.code : GrpcStatus.INVALID_ARGUMENT,
      }));
      const good = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      if (good.length === 0) return { result: { features: NO_ROWS, pooled: NO_ROWS, decoded: [], itemErrors } };
      const out = await pipeline.runImages(good);
      return { result: { ...out, itemErrors }, transfer: movable(out) };
    },
    dispose: async () => {
      await shared.dispose();
      await solo?.dispose();
    },
  };
}
