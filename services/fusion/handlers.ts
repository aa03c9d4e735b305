/** mova.v1.Fusion gRPC handlers: decode → plain function → encode. */
import type * as grpc from '@grpc/grpc-js';
import type { DynamicBatcher } from '../../src/core/batcher';
import { unary } from '../../src/core/grpc-call';
import type { DescribeResponse } from '../../src/generated/mova/v1/DescribeResponse';
import type { FuseRequest__Output } from '../../src/generated/mova/v1/FuseRequest';
import type { FuseResponse } from '../../src/generated/mova/v1/FuseResponse';
import type { FusionHandlers } from '../../src/generated/mova/v1/Fusion';
import type { AdapterConfig } from './adapter-config';
import { buildFuseResponse, parseFuseRequest, type FuseJob, type FuseJobResult } from './fuse-request';

export interface FusionHandlerDeps {
  adapter: AdapterConfig;
  batcher: DynamicBatcher<FuseJob, FuseJobResult>;
  describe: DescribeResponse;
}

export function fusionHandlers(d: FusionHandlerDeps): FusionHandlers & grpc.UntypedServiceImplementation {
  return {
    Fuse: unary('Fuse', async (req: FuseRequest__Output, ctx): Promise<FuseResponse> => {
      const job = await parseFuseRequest(req, d.adapter);
      const result = await d.batcher.submit(job, ctx.signal);
      return buildFuseResponse(job, result, d.adapter);
    }),
    Describe: unary('Describe', async (): Promise<DescribeResponse> => d.describe),
  };
}
