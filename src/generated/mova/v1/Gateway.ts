// Original file: protos/mova/v1/gateway.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { InferRequest as _mova_v1_InferRequest, InferRequest__Output as _mova_v1_InferRequest__Output } from '../../mova/v1/InferRequest';
import type { InferResponse as _mova_v1_InferResponse, InferResponse__Output as _mova_v1_InferResponse__Output } from '../../mova/v1/InferResponse';
import type { InferStreamResponse as _mova_v1_InferStreamResponse, InferStreamResponse__Output as _mova_v1_InferStreamResponse__Output } from '../../mova/v1/InferStreamResponse';

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
  
  /**
   * The same requests on one bidirectional stream, for a client that sends many: each InferRequest is handled as
   * Infer handles it and answered by one InferStreamResponse as it finishes (several at once, in completion order;
   * `index` is the request's position on the stream). A failed request is answered with error_code and
   * error_message and the stream stays open; it ends once the client half-closes and every request is answered.
   * Each request's deadline_ms applies to it (the stream's own deadline to all); cancelling the stream cancels
   * every request still on it.
   */
  InferStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_mova_v1_InferRequest, _mova_v1_InferStreamResponse__Output>;
  InferStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_mova_v1_InferRequest, _mova_v1_InferStreamResponse__Output>;
  /**
   * The same requests on one bidirectional stream, for a client that sends many: each InferRequest is handled as
   * Infer handles it and answered by one InferStreamResponse as it finishes (several at once, in completion order;
   * `index` is the request's position on the stream). A failed request is answered with error_code and
   * error_message and the stream stays open; it ends once the client half-closes and every request is answered.
   * Each request's deadline_ms applies to it (the stream's own deadline to all); cancelling the stream cancels
   * every request still on it.
   */
  inferStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_mova_v1_InferRequest, _mova_v1_InferStreamResponse__Output>;
  inferStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_mova_v1_InferRequest, _mova_v1_InferStreamResponse__Output>;
  
}

export interface GatewayHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Run one request through base encoder → router → the chosen experts → fusion.
   */
  Infer: grpc.handleUnaryCall<_mova_v1_InferRequest__Output, _mova_v1_InferResponse>;
  
  /**
   * The same requests on one bidirectional stream, for a client that sends many: each InferRequest is handled as
   * Infer handles it and answered by one InferStreamResponse as it finishes (several at once, in completion order;
   * `index` is the request's position on the stream). A failed request is answered with error_code and
   * error_message and the stream stays open; it ends once the client half-closes and every request is answered.
   * Each request's deadline_ms applies to it (the stream's own deadline to all); cancelling the stream cancels
   * every request still on it.
   */
  InferStream: grpc.handleBidiStreamingCall<_mova_v1_InferRequest__Output, _mova_v1_InferStreamResponse>;
  
}

export interface GatewayDefinition extends grpc.ServiceDefinition {
  Infer: MethodDefinition<_mova_v1_InferRequest, _mova_v1_InferResponse, _mova_v1_InferRequest__Output, _mova_v1_InferResponse__Output>
  InferStream: MethodDefinition<_mova_v1_InferRequest, _mova_v1_InferStreamResponse, _mova_v1_InferRequest__Output, _mova_v1_InferStreamResponse__Output>
}
