/** mova.v1.Fusion gRPC handlers: decode → plain function → encode. */
import type * as grpc from '@grpc/grpc-js';
import type { DynamicBatcher } from '../../src/core/batcher';
import { NotFoundError } from '../../src/core/errors';
import { unary } from '../../src/core/grpc-call';
import { computeTimes, spanMs, type ModelStats } from '../../src/core/infer-stats';
import { preciseNow } from '../../src/core/worker-protocol';
import type { DescribeResponse } from '../../src/generated/mova/v1/DescribeResponse';
import type { FuseRequest__Output } from '../../src/generated/mova/v1/FuseRequest';
import type { FuseResponse } from '../../src/generated/mova/v1/FuseResponse';
import type { FusionHandlers } from '../../src/generated/mova/v1/Fusion';
import type { ModelStatisticsResponse } from '../../src/generated/inference/ModelStatisticsResponse';
import type { SharedMemoryRegions } from '../../src/core/shared-memory';
import { sharedMemoryHandlers } from '../../src/core/shm-handlers';
import type { AdapterConfig } from './adapter-config';
import { buildFuseResponse, parseFuseRequest, type FuseJob, type FuseJobResult } from './fuse-request';
import { fusedOutputLocation, readSharedMemoryTensors, writeFusedToSharedMemory } from './fuse-shared-memory';

export interface FusionHandlerDeps {
  adapter: AdapterConfig;
  batcher: DynamicBatcher<FuseJob, FuseJobResult>;
  describe: DescribeResponse;
  /** Registered system shared-memory regions (the extension answers FAILED_PRECONDITION unless enabled). */
  shm: SharedMemoryRegions;
  /** Cumulative statistics of the adapter model (ModelStatistics), recorded by Fuse. */
  stats: ModelStats;
}

/** The model name the fusion service reports in ModelStatistics (its one model, the adapter). */
export const FUSION_MODEL_NAME = 'fusion';

export function fusionHandlers(d: FusionHandlerDeps): FusionHandlers & grpc.UntypedServiceImplementation {
  return {
    Fuse: unary('Fuse', async (req: FuseRequest__Output, ctx): Promise<FuseResponse> => {
      const arrivedAt = preciseNow();
      try {
        const job = await parseFuseRequest(readSharedMemoryTensors(req, d.shm), d.adapter);
        const fusedAt = fusedOutputLocation(req, job, d.adapter, d.shm);
        const submittedAt = preciseNow();
        const result = await d.batcher.submit(job, ctx.signal);
        const response = writeFusedToSharedMemory(buildFuseResponse(job, result, d.adapter), fusedAt, d.shm);
        const readyAt = preciseNow();
        d.stats.succeeded({ items: job.n, totalMs: spanMs(arrivedAt, readyAt), compute: computeTimes(arrivedAt, submittedAt, readyAt, result.timing) });
        return response;
      } catch (err) {
        d.stats.failed(spanMs(arrivedAt, preciseNow()));
        throw err;
      }
    }),
    Describe: unary('Describe', async (): Promise<DescribeResponse> => d.describe),
    // Triton's statistics extension for the service's one model: an empty name or version means it.
    ModelStatistics: unary('ModelStatistics', async (req: { name: string; version: string }): Promise<ModelStatisticsResponse> => d.stats.statistics(req, (name) => {
      if (name !== d.stats.name) throw new NotFoundError(`unknown model "${name}"; this service runs "${d.stats.name}"`);
    })),
    ...sharedMemoryHandlers(d.shm),
  };
}
