import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { DescribeRequest as _mova_v1_DescribeRequest, DescribeRequest__Output as _mova_v1_DescribeRequest__Output } from './mova/v1/DescribeRequest';
import type { DescribeResponse as _mova_v1_DescribeResponse, DescribeResponse__Output as _mova_v1_DescribeResponse__Output } from './mova/v1/DescribeResponse';
import type { FuseRequest as _mova_v1_FuseRequest, FuseRequest__Output as _mova_v1_FuseRequest__Output } from './mova/v1/FuseRequest';
import type { FuseResponse as _mova_v1_FuseResponse, FuseResponse__Output as _mova_v1_FuseResponse__Output } from './mova/v1/FuseResponse';
import type { FusionClient as _mova_v1_FusionClient, FusionDefinition as _mova_v1_FusionDefinition } from './mova/v1/Fusion';
import type { FusionSlot as _mova_v1_FusionSlot, FusionSlot__Output as _mova_v1_FusionSlot__Output } from './mova/v1/FusionSlot';
import type { FusionTensor as _mova_v1_FusionTensor, FusionTensor__Output as _mova_v1_FusionTensor__Output } from './mova/v1/FusionTensor';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  mova: {
    v1: {
      DescribeRequest: MessageTypeDefinition<_mova_v1_DescribeRequest, _mova_v1_DescribeRequest__Output>
      DescribeResponse: MessageTypeDefinition<_mova_v1_DescribeResponse, _mova_v1_DescribeResponse__Output>
      FuseRequest: MessageTypeDefinition<_mova_v1_FuseRequest, _mova_v1_FuseRequest__Output>
      FuseResponse: MessageTypeDefinition<_mova_v1_FuseResponse, _mova_v1_FuseResponse__Output>
      Fusion: SubtypeConstructor<typeof grpc.Client, _mova_v1_FusionClient> & { service: _mova_v1_FusionDefinition }
      FusionSlot: MessageTypeDefinition<_mova_v1_FusionSlot, _mova_v1_FusionSlot__Output>
      FusionTensor: MessageTypeDefinition<_mova_v1_FusionTensor, _mova_v1_FusionTensor__Output>
    }
  }
}

