import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ExpertResult as _mova_v1_ExpertResult, ExpertResult__Output as _mova_v1_ExpertResult__Output } from './mova/v1/ExpertResult';
import type { ExpertScore as _mova_v1_ExpertScore, ExpertScore__Output as _mova_v1_ExpertScore__Output } from './mova/v1/ExpertScore';
import type { GatewayClient as _mova_v1_GatewayClient, GatewayDefinition as _mova_v1_GatewayDefinition } from './mova/v1/Gateway';
import type { InferRequest as _mova_v1_InferRequest, InferRequest__Output as _mova_v1_InferRequest__Output } from './mova/v1/InferRequest';
import type { InferResponse as _mova_v1_InferResponse, InferResponse__Output as _mova_v1_InferResponse__Output } from './mova/v1/InferResponse';
import type { InferStreamResponse as _mova_v1_InferStreamResponse, InferStreamResponse__Output as _mova_v1_InferStreamResponse__Output } from './mova/v1/InferStreamResponse';
import type { Routing as _mova_v1_Routing, Routing__Output as _mova_v1_Routing__Output } from './mova/v1/Routing';
import type { Tensor as _mova_v1_Tensor, Tensor__Output as _mova_v1_Tensor__Output } from './mova/v1/Tensor';
import type { Timings as _mova_v1_Timings, Timings__Output as _mova_v1_Timings__Output } from './mova/v1/Timings';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  mova: {
    v1: {
      ExpertResult: MessageTypeDefinition<_mova_v1_ExpertResult, _mova_v1_ExpertResult__Output>
      ExpertScore: MessageTypeDefinition<_mova_v1_ExpertScore, _mova_v1_ExpertScore__Output>
      Gateway: SubtypeConstructor<typeof grpc.Client, _mova_v1_GatewayClient> & { service: _mova_v1_GatewayDefinition }
      InferRequest: MessageTypeDefinition<_mova_v1_InferRequest, _mova_v1_InferRequest__Output>
      InferResponse: MessageTypeDefinition<_mova_v1_InferResponse, _mova_v1_InferResponse__Output>
      InferStreamResponse: MessageTypeDefinition<_mova_v1_InferStreamResponse, _mova_v1_InferStreamResponse__Output>
      Routing: MessageTypeDefinition<_mova_v1_Routing, _mova_v1_Routing__Output>
      Tensor: MessageTypeDefinition<_mova_v1_Tensor, _mova_v1_Tensor__Output>
      TensorDataType: EnumTypeDefinition
      Timings: MessageTypeDefinition<_mova_v1_Timings, _mova_v1_Timings__Output>
    }
  }
}

