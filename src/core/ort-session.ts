/** The one place that creates onnxruntime-node sessions: execution provider and thread settings. */
import * as ort from 'onnxruntime-node';

export type ExecutionProvider = 'cpu' | 'webgpu';

export interface SessionSettings {
  provider: ExecutionProvider;
  /** Intra-op threads for this session (per worker). */
  intraOpThreads: number;
}

export async function createSession(model: string | Uint8Array, settings: SessionSettings): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: settings.provider === 'webgpu' ? ['webgpu', 'cpu'] : ['cpu'],
    intraOpNumThreads: settings.intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    // Idle intra-op threads must not spin: several sessions and processes share few cores here, and a spinning
    // pool steals the CPU that the next stage (or another expert) needs.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
  return typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);
}

export { ort };
