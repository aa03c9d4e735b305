// Original file: protos/mova/v1/router.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { RouteRequest as _mova_v1_RouteRequest, RouteRequest__Output as _mova_v1_RouteRequest__Output } from '../../mova/v1/RouteRequest';
import type { RouteResponse as _mova_v1_RouteResponse, RouteResponse__Output as _mova_v1_RouteResponse__Output } from '../../mova/v1/RouteResponse';

export interface RouterClient extends grpc.Client {
  /**
   * Route a batch. Malformed input (empty or over-long instruction, instruction bytes that are not UTF-8, an
   * embedding of the wrong length or with NaN/Inf, an unknown expert in the overrides, an unknown policy)
   * → INVALID_ARGUMENT naming the request index.
   */
  Route(argument: _mova_v1_RouteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mova_v1_RouteResponse__Output>): grpc.ClientUnaryCall;
  Route(argument: _mova_v1_RouteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mova_v1_RouteResponse__Output>): grpc.ClientUnaryCall;
  Route(argument: _mova_v1_RouteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mova_v1_RouteResponse__Output>): grpc.ClientUnaryCall;
  Route(argument: _mova_v1_RouteRequest, callback: grpc.requestCallback<_mova_v1_RouteResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Route a batch. Malformed input (empty or over-long instruction, instruction bytes that are not UTF-8, an
   * embedding of the wrong length or with NaN/Inf, an unknown expert in the overrides, an unknown policy)
   * → INVALID_ARGUMENT naming the request index.
   */
  route(argument: _mova_v1_RouteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mova_v1_RouteResponse__Output>): grpc.ClientUnaryCall;
  route(argument: _mova_v1_RouteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mova_v1_RouteResponse__Output>): grpc.ClientUnaryCall;
  route(argument: _mova_v1_RouteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mova_v1_RouteResponse__Output>): grpc.ClientUnaryCall;
  route(argument: _mova_v1_RouteRequest, callback: grpc.requestCallback<_mova_v1_RouteResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface RouterHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Route a batch. Malformed input (empty or over-long instruction, instruction bytes that are not UTF-8, an
   * embedding of the wrong length or with NaN/Inf, an unknown expert in the overrides, an unknown policy)
   * → INVALID_ARGUMENT naming the request index.
   */
  Route: grpc.handleUnaryCall<_mova_v1_RouteRequest__Output, _mova_v1_RouteResponse>;
  
}

export interface RouterDefinition extends grpc.ServiceDefinition {
  Route: MethodDefinition<_mova_v1_RouteRequest, _mova_v1_RouteResponse, _mova_v1_RouteRequest__Output, _mova_v1_RouteResponse__Output>
}
