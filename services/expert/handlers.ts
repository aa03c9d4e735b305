/** OIP v2 gRPC handlers: decode → plain function → encode. */
import type * as grpc from '@grpc/grpc-js';
import { NotFoundError, statusName } from '../../src/core/errors';
import { computeTimes, spanMs, STATISTICS_EXTENSION, type ModelStats } from '../../src/core/infer-stats';
import { streamEach, unary } from '../../src/core/grpc-call';
import { outputsWithoutShm, readSharedMemoryInputs, sharedMemoryOutputs, writeSharedMemoryOutputs } from '../../src/core/oip-shm';
import { SYSTEM_SHARED_MEMORY_EXTENSION, type SharedMemoryRegions } from '../../src/core/shared-memory';
import type { GRPCInferenceServiceHandlers } from '../../src/generated/inference/GRPCInferenceService';
import type { ModelInferRequest__Output } from '../../src/generated/inference/ModelInferRequest';
import type { ModelInferResponse } from '../../src/generated/inference/ModelInferResponse';
import type { ModelStatisticsResponse } from '../../src/generated/inference/ModelStatisticsResponse';
import type { ModelStreamInferResponse } from '../../src/generated/inference/ModelStreamInferResponse';
import { sharedMemoryHandlers } from '../../src/core/shm-handlers';
import { withTimeLimit } from '../../src/core/request-timeout';
import { preciseNow } from '../../src/core/worker-protocol';
import { buildInferResponse, modelMetadata, outputByteSize, parseInferRequest } from './infer';
import type { RunSubmitter } from './response-cache';
import type { ExpertInfo } from './runner';

export interface ExpertHandlerDeps {
  name: string;
  version: string;
  info: ExpertInfo;
  /** The dynamic batcher, or the response cache in front of it. */
  batcher: RunSubmitter;
  isReady: () => boolean;
  /** Registered system shared-memory regions (the extension is served only when enabled). */
  shm: SharedMemoryRegions;
  /** The model's cumulative statistics (ModelStatistics), recorded by ModelInfer. */
  stats: ModelStats;
  /** TEST-ONLY injected delay before each ModelInfer (see ExpertServiceOptions.faultDelayMs). */
  faultDelayMs?: number;
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function expertHandlers(d: ExpertHandlerDeps): GRPCInferenceServiceHandlers & grpc.UntypedServiceImplementation {
  const checkModel = (name: string): void => {
    if (name !== d.name) throw new NotFoundError(`unknown model "${name}"; this server serves "${d.name}"`);
  };
  const infer = async (received: ModelInferRequest__Output, ctx: { signal: AbortSignal }): Promise<ModelInferResponse> => {
    const arrivedAt = preciseNow();
    try {
      const req = outputsWithoutShm(readSharedMemoryInputs(received, d.shm));
      const parsed = await parseInferRequest(req, d.name, d.info);
      const placed = sharedMemoryOutputs(received, d.shm, (name) => outputByteSize(name, parsed, d.info));
      if (d.faultDelayMs) await abortableDelay(d.faultDelayMs, ctx.signal);
      const submittedAt = preciseNow();
      // Triton's request parameter `timeout` (µs from arrival): DEADLINE_EXCEEDED once it has passed.
      const remainingMs = parsed.timeoutUs === undefined ? undefined : parsed.timeoutUs / 1000 - (preciseNow() - arrivedAt);
      const results = await withTimeLimit(remainingMs, ctx.signal, `request timeout of ${parsed.timeoutUs} µs passed`, (signal) => d.batcher.submit(parsed.run, signal));
      const response = writeSharedMemoryOutputs(buildInferResponse(req, parsed, results), placed, d.shm);
      const readyAt = preciseNow();
      d.stats.succeeded({
        items: parsed.size,
        totalMs: spanMs(arrivedAt, readyAt),
        ...(results.timing ? { compute: computeTimes(arrivedAt, submittedAt, readyAt, results.timing) } : {}),
        ...(results.cache ? { cache: results.cache } : {}),
      });
      return response;
    } catch (err) {
      // Requests for another model are not this model's failures.
      if (received.model_name === d.name) d.stats.failed(spanMs(arrivedAt, preciseNow()));
      throw err;
    }
  };
  return {
    ServerLive: unary('ServerLive', async () => ({ live: true })),
    ServerReady: unary('ServerReady', async () => ({ ready: d.isReady() })),
    ModelReady: unary('ModelReady', async (req: { name: string }) => {
      checkModel(req.name);
      return { ready: d.isReady() };
    }),
    ServerMetadata: unary('ServerMetadata', async () => ({
      name: 'mova-expert',
      version: d.version,
      extensions: [STATISTICS_EXTENSION, ...(d.shm.enabled ? [SYSTEM_SHARED_MEMORY_EXTENSION] : [])],
    })),
    ModelMetadata: unary('ModelMetadata', async (req: { name: string }) => {
      checkModel(req.name);
      return modelMetadata(d.name, d.info);
    }),
    ModelInfer: unary('ModelInfer', infer),
    // Triton's streaming inference: each request on the stream runs as ModelInfer would and is answered in turn; a
    // failed one gets error_message (and its id, model and gRPC status name), the stream staying open.
    ModelStreamInfer: streamEach('ModelStreamInfer', infer, (response: ModelInferResponse): ModelStreamInferResponse => ({ infer_response: response }),
      (req: ModelInferRequest__Output, st): ModelStreamInferResponse => ({
        error_message: st.details,
        infer_response: { model_name: req.model_name, model_version: req.model_version, id: req.id, parameters: { error_code: { string_param: statusName(st.code) } } },
      })),
    // Triton's statistics extension: an empty name means every model of this server (the one it serves).
    ModelStatistics: unary('ModelStatistics', async (req: { name: string; version: string }): Promise<ModelStatisticsResponse> => d.stats.statistics(req, checkModel)),
    ...sharedMemoryHandlers(d.shm),
  } as GRPCInferenceServiceHandlers & grpc.UntypedServiceImplementation;
}
