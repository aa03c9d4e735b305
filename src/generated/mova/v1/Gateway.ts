// Original file: protos/mova/v1/gateway.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { InferRequest as _mova_v1_InferRequest, InferRequest__Output as _mova_v1_InferRequest__Output } from '../../mova/v1/InferRequest';
import type { InferResponse as _mova_v1_InferResponse, InferResponse__Output as _mova_v1_InferResponse__Output } from '../../mova/v1/InferResponse';

export interface GatewayClient extends grpc.Client {
  /**
   * Run one request through base encoder → router → the chosen experts → fusion.
   */
  Infer(argument: _mova_v1_InferRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mova_v1_InferResponse__Output>): grpc.ClientUnaryCall;
  Infer(argument: _mova_v1_InferRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mova_v1_InferResponse__Output>): grpc.ClientUnaryCall;
  Infer(argument: _mova_v1_InferRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mova_v1_InferResponse__Output>): grpc.ClientUnaryCall;
  Infer(argument: _mova_v1_InferRequest, callback: grpc.requestCallback<_mova_v1_InferResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Run one request through base encoder → router → the chosen experts → fusion.
   */
  infer(argument: _mova_v1_InferRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mova_v1_InferResponse__Output>): grpc.ClientUnaryCall;
  infer(argument: _mova_v1_InferRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mova_v1_InferResponse__Output>): grpc.ClientUnaryCall;
  infer(argument: _mova_v1_InferRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mova_v1_InferResponse__Output>): grpc.ClientUnaryCall;
  infer(argument: _mova_v1_InferRequest, callback: grpc.requestCallback<_mova_v1_InferResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface GatewayHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Run one request through base encoder → router → the chosen experts → fusion.
   */
  Infer: grpc.handleUnaryCall<_mova_v1_InferRequest__Output, _mova_v1_InferResponse>;
  
}

export interface GatewayDefinition extends grpc.ServiceDefinition {
  Infer: MethodDefinition<_mova_v1_InferRequest, _mova_v1_InferResponse, _mova_v1_InferRequest__Output, _mova_v1_InferResponse__Output>
}
