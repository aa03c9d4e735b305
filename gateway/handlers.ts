/** mova.v1.Gateway gRPC handler: validate → queue → reply. */
import type * as grpc from '@grpc/grpc-js';
import { statusName } from '../src/core/errors';
import { streamEach, unary, type CallContext } from '../src/core/grpc-call';
import type { GatewayHandlers } from '../src/generated/mova/v1/Gateway';
import type { InferRequest__Output } from '../src/generated/mova/v1/InferRequest';
import type { InferResponse } from '../src/generated/mova/v1/InferResponse';
import type { InferStreamResponse } from '../src/generated/mova/v1/InferStreamResponse';
import type { GatewayConfig } from './config';
import type { RequestQueue } from './queue/types';
import { toInferResponse } from './response';
import { validateRequest } from './validate';
import { presentedKey, type ApiKeyGuard } from './auth';

export function gatewayHandlers(cfg: GatewayConfig, queue: RequestQueue, guard?: ApiKeyGuard): GatewayHandlers & grpc.UntypedServiceImplementation {
  const infer = async (req: InferRequest__Output, ctx: CallContext): Promise<InferResponse> => {
    guard?.admit(presentedKey((h) => {
      const v = ctx.metadata.get(h)[0];
      return typeof v === 'string' ? v : undefined;
    }));
    const request = await validateRequest({
      image: req.image,
      instruction: req.instruction,
      deadlineMs: req.deadline_ms,
      maxExperts: req._max_experts === 'max_experts' ? req.max_experts : undefined,
      requiredExperts: req.required_experts,
      excludedExperts: req.excluded_experts,
      returnFeatures: req.return_features,
      featuresDtype: req.features_dtype === 'FP16' ? 'FP16' : 'FP32',
      requestId: req.request_id,
    }, cfg, ctx.deadline);
    return toInferResponse(await queue.submit(request, ctx.signal));
  };
  return {
    Infer: unary('Infer', infer),
    // Many requests on one stream, each handled as Infer handles it and answered as it finishes.
    InferStream: streamEach('InferStream', infer,
      (response: InferResponse, req: InferRequest__Output, index): InferStreamResponse => ({ index, request_id: req.request_id, response }),
      (req: InferRequest__Output, st, index): InferStreamResponse => ({ index, request_id: req.request_id, error_code: statusName(st.code), error_message: st.details })),
  } as GatewayHandlers & grpc.UntypedServiceImplementation;
}
