/**
 * The expert's worker-thread runner: owns one pipeline (and its onnxruntime sessions), decodes images,
 * runs batches. Loaded by src/core/worker-host.ts inside each pool worker.
 */
import { decodeImage } from '../../src/core/image';
import { errorMessage, MovaError } from '../../src/core/errors';
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
  itemErrors: ({ message: string; code: number } | null)[];
}

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
        const out = await pipeline.runPixels(request.pixels);
        return { result: { ...out, itemErrors: out.decoded.map(() => null) }, transfer: movable(out) };
      }
      const settled = await Promise.allSettled(request.images.map((b) => decodeImage(b, opts.maxPixels, pipeline.decodeSize)));
      const itemErrors = settled.map((s) => (s.status === 'fulfilled' ? null : {
        message: errorMessage(s.reason),
        code: s.reason instanceof MovaError ? s.reason.code : 3,
      }));
      const good = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      if (good.length === 0) {
        const empty = { data: new Float32Array(0), dims: [0] };
        return { result: { features: empty, pooled: empty, decoded: [], itemErrors } };
      }
      const out = await pipeline.runImages(good);
      return { result: { ...out, itemErrors }, transfer: movable(out) };
    },
    dispose: async () => {
      await shared.dispose();
      await solo?.dispose();
    },
  };
}
