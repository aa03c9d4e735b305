import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { RouteDecision as _mova_v1_RouteDecision, RouteDecision__Output as _mova_v1_RouteDecision__Output } from './mova/v1/RouteDecision';
import type { RouteItem as _mova_v1_RouteItem, RouteItem__Output as _mova_v1_RouteItem__Output } from './mova/v1/RouteItem';
import type { RouteRequest as _mova_v1_RouteRequest, RouteRequest__Output as _mova_v1_RouteRequest__Output } from './mova/v1/RouteRequest';
import type { RouteResponse as _mova_v1_RouteResponse, RouteResponse__Output as _mova_v1_RouteResponse__Output } from './mova/v1/RouteResponse';
import type { RouteScore as _mova_v1_RouteScore, RouteScore__Output as _mova_v1_RouteScore__Output } from './mova/v1/RouteScore';
import type { RouterClient as _mova_v1_RouterClient, RouterDefinition as _mova_v1_RouterDefinition } from './mova/v1/Router';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  mova: {
    v1: {
      RouteDecision: MessageTypeDefinition<_mova_v1_RouteDecision, _mova_v1_RouteDecision__Output>
      RouteItem: MessageTypeDefinition<_mova_v1_RouteItem, _mova_v1_RouteItem__Output>
      RouteRequest: MessageTypeDefinition<_mova_v1_RouteRequest, _mova_v1_RouteRequest__Output>
      RouteResponse: MessageTypeDefinition<_mova_v1_RouteResponse, _mova_v1_RouteResponse__Output>
      RouteScore: MessageTypeDefinition<_mova_v1_RouteScore, _mova_v1_RouteScore__Output>
      Router: SubtypeConstructor<typeof grpc.Client, _mova_v1_RouterClient> & { service: _mova_v1_RouterDefinition }
    }
  }
}

