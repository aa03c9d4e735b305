/** The one place that creates onnxruntime-node sessions: execution provider and thread settings. */
import * as ort from 'onnxruntime-node';
import type { WebGpuSettings } from './registry';

export type ExecutionProvider = 'cpu' | 'webgpu';

export interface SessionSettings {
  provider: ExecutionProvider;
  /** Intra-op threads for this session (per worker). */
  intraOpThreads: number;
  /** @default 'all' */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** WebGPU options (used only when provider is webgpu). @default { preferredLayout: 'NHWC', keepOutputsOnGpu: false } */
  webgpu?: WebGpuSettings;
}

/**
 * Serialises WebGPU runs in this thread: concurrent WebGPU runs in one process crash onnxruntime-node. The
 * registry allows one worker thread per WebGPU expert (workers: 1), so per-thread is per-process there.
 */
let webgpuQueue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(task: () => Promise<T>): Promise<T> {
  const result = webgpuQueue.then(task, task);
  webgpuQueue = result.catch(() => undefined);
  return result;
}

/** Outputs left in GPU buffers (keepOutputsOnGpu) read back into CPU tensors; the GPU buffers are released. */
async function toCpu(out: ort.InferenceSession.ReturnType): Promise<ort.InferenceSession.ReturnType> {
  const entries = await Promise.all(Object.entries(out).map(async ([k, t]): Promise<[string, ort.Tensor]> => {
    if (t.location === 'cpu' || t.location === 'none') return [k, t];
    const data = await t.getData(true);
    return [k, new ort.Tensor(t.type, data as Float32Array, t.dims)];
  }));
  return Object.fromEntries(entries);
}

export async function createSession(model: string | Uint8Array, settings: SessionSettings): Promise<ort.InferenceSession> {
  const webgpu = settings.webgpu ?? { preferredLayout: 'NHWC', keepOutputsOnGpu: false };
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: settings.provider === 'webgpu' ? [{ name: 'webgpu', preferredLayout: webgpu.preferredLayout }, 'cpu'] : ['cpu'],
    intraOpNumThreads: settings.intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: settings.graphOptimizationLevel ?? 'all',
    logSeverityLevel: 3,
    // Idle intra-op threads must not spin: several sessions and processes share few cores here, and a spinning
    // pool steals the CPU that the next stage (or another expert) needs.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    ...(settings.provider === 'webgpu' && webgpu.keepOutputsOnGpu ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
  };
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
  if (settings.provider === 'webgpu') {
    const run = session.run.bind(session) as (feeds: ort.InferenceSession.FeedsType) => Promise<ort.InferenceSession.ReturnType>;
    // Every pipeline calls run(feeds); route it through the per-thread WebGPU queue and read GPU outputs back.
    session.run = ((feeds: ort.InferenceSession.FeedsType) => oneAtATime(async () => toCpu(await run(feeds)))) as typeof session.run;
  }
  return session;
}

export { ort };
