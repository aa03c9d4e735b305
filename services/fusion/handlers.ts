/** mova.v1.Fusion gRPC handlers: decode → plain function → encode. */
import type * as grpc from '@grpc/grpc-js';
import type { DynamicBatcher } from '../../src/core/batcher';
import { unary } from '../../src/core/grpc-call';
import type { DescribeResponse } from '../../src/generated/mova/v1/DescribeResponse';
import type { FuseRequest__Output } from '../../src/generated/mova/v1/FuseRequest';
import type { FuseResponse } from '../../src/generated/mova/v1/FuseResponse';
import type { FusionHandlers } from '../../src/generated/mova/v1/Fusion';
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
}

export function fusionHandlers(d: FusionHandlerDeps): FusionHandlers & grpc.UntypedServiceImplementation {
  return {
    Fuse: unary('Fuse', async (req: FuseRequest__Output, ctx): Promise<FuseResponse> => {
      const job = await parseFuseRequest(readSharedMemoryTensors(req, d.shm), d.adapter);
      const fusedAt = fusedOutputLocation(req, job, d.adapter, d.shm);
      const result = await d.batcher.submit(job, ctx.signal);
      return writeFusedToSharedMemory(buildFuseResponse(job, result, d.adapter), fusedAt, d.shm);
    }),
    Describe: unary('Describe', async (): Promise<DescribeResponse> => d.describe),
    ...sharedMemoryHandlers(d.shm),
  };
}
