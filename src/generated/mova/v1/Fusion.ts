// Original file: protos/mova/v1/fusion.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DescribeRequest as _mova_v1_DescribeRequest, DescribeRequest__Output as _mova_v1_DescribeRequest__Output } from '../../mova/v1/DescribeRequest';
import type { DescribeResponse as _mova_v1_DescribeResponse, DescribeResponse__Output as _mova_v1_DescribeResponse__Output } from '../../mova/v1/DescribeResponse';
import type { FuseRequest as _mova_v1_FuseRequest, FuseRequest__Output as _mova_v1_FuseRequest__Output } from '../../mova/v1/FuseRequest';
import type { FuseResponse as _mova_v1_FuseResponse, FuseResponse__Output as _mova_v1_FuseResponse__Output } from '../../mova/v1/FuseResponse';

export interface FusionClient extends grpc.Client {
  /**
   * The adapter's geometry: what Fuse expects and returns.
   */
  Describe(argument: _mova_v1_DescribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mova_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  Describe(argument: _mova_v1_DescribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mova_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  Describe(argument: _mova_v1_DescribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mova_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  Describe(argument: _mova_v1_DescribeRequest, callback: grpc.requestCallback<_mova_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The adapter's geometry: what Fuse expects and returns.
   */
  describe(argument: _mova_v1_DescribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mova_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  describe(argument: _mova_v1_DescribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mova_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  describe(argument: _mova_v1_DescribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mova_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  describe(argument: _mova_v1_DescribeRequest, callback: grpc.requestCallback<_mova_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Fuse base tokens with the chosen experts' tokens: fused visual tokens and gate weights per request.
   * Malformed input (wrong widths or grids, mask length ≠ E, NaN or Inf values, bad byte lengths) → INVALID_ARGUMENT.
   * A full queue → RESOURCE_EXHAUSTED.
   */
  Fuse(argument: _mova_v1_FuseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mova_v1_FuseResponse__Output>): grpc.ClientUnaryCall;
  Fuse(argument: _mova_v1_FuseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mova_v1_FuseResponse__Output>): grpc.ClientUnaryCall;
  Fuse(argument: _mova_v1_FuseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mova_v1_FuseResponse__Output>): grpc.ClientUnaryCall;
  Fuse(argument: _mova_v1_FuseRequest, callback: grpc.requestCallback<_mova_v1_FuseResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Fuse base tokens with the chosen experts' tokens: fused visual tokens and gate weights per request.
   * Malformed input (wrong widths or grids, mask length ≠ E, NaN or Inf values, bad byte lengths) → INVALID_ARGUMENT.
   * A full queue → RESOURCE_EXHAUSTED.
   */
  fuse(argument: _mova_v1_FuseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mova_v1_FuseResponse__Output>): grpc.ClientUnaryCall;
  fuse(argument: _mova_v1_FuseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mova_v1_FuseResponse__Output>): grpc.ClientUnaryCall;
  fuse(argument: _mova_v1_FuseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mova_v1_FuseResponse__Output>): grpc.ClientUnaryCall;
  fuse(argument: _mova_v1_FuseRequest, callback: grpc.requestCallback<_mova_v1_FuseResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface FusionHandlers extends grpc.UntypedServiceImplementation {
  /**
   * The adapter's geometry: what Fuse expects and returns.
   */
  Describe: grpc.handleUnaryCall<_mova_v1_DescribeRequest__Output, _mova_v1_DescribeResponse>;
  
  /**
   * Fuse base tokens with the chosen experts' tokens: fused visual tokens and gate weights per request.
   * Malformed input (wrong widths or grids, mask length ≠ E, NaN or Inf values, bad byte lengths) → INVALID_ARGUMENT.
   * A full queue → RESOURCE_EXHAUSTED.
   */
  Fuse: grpc.handleUnaryCall<_mova_v1_FuseRequest__Output, _mova_v1_FuseResponse>;
  
}

export interface FusionDefinition extends grpc.ServiceDefinition {
  Describe: MethodDefinition<_mova_v1_DescribeRequest, _mova_v1_DescribeResponse, _mova_v1_DescribeRequest__Output, _mova_v1_DescribeResponse__Output>
  Fuse: MethodDefinition<_mova_v1_FuseRequest, _mova_v1_FuseResponse, _mova_v1_FuseRequest__Output, _mova_v1_FuseResponse__Output>
}
