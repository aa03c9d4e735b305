// Original file: protos/mova/v1/fusion.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DescribeRequest as _mova_v1_DescribeRequest, DescribeRequest__Output as _mova_v1_DescribeRequest__Output } from '../../mova/v1/DescribeRequest';
import type { DescribeResponse as _mova_v1_DescribeResponse, DescribeResponse__Output as _mova_v1_DescribeResponse__Output } from '../../mova/v1/DescribeResponse';
import type { FuseRequest as _mova_v1_FuseRequest, FuseRequest__Output as _mova_v1_FuseRequest__Output } from '../../mova/v1/FuseRequest';
import type { FuseResponse as _mova_v1_FuseResponse, FuseResponse__Output as _mova_v1_FuseResponse__Output } from '../../mova/v1/FuseResponse';
import type { ModelStatisticsRequest as _inference_ModelStatisticsRequest, ModelStatisticsRequest__Output as _inference_ModelStatisticsRequest__Output } from '../../inference/ModelStatisticsRequest';
import type { ModelStatisticsResponse as _inference_ModelStatisticsResponse, ModelStatisticsResponse__Output as _inference_ModelStatisticsResponse__Output } from '../../inference/ModelStatisticsResponse';
import type { SystemSharedMemoryRegisterRequest as _inference_SystemSharedMemoryRegisterRequest, SystemSharedMemoryRegisterRequest__Output as _inference_SystemSharedMemoryRegisterRequest__Output } from '../../inference/SystemSharedMemoryRegisterRequest';
import type { SystemSharedMemoryRegisterResponse as _inference_SystemSharedMemoryRegisterResponse, SystemSharedMemoryRegisterResponse__Output as _inference_SystemSharedMemoryRegisterResponse__Output } from '../../inference/SystemSharedMemoryRegisterResponse';
import type { SystemSharedMemoryStatusRequest as _inference_SystemSharedMemoryStatusRequest, SystemSharedMemoryStatusRequest__Output as _inference_SystemSharedMemoryStatusRequest__Output } from '../../inference/SystemSharedMemoryStatusRequest';
import type { SystemSharedMemoryStatusResponse as _inference_SystemSharedMemoryStatusResponse, SystemSharedMemoryStatusResponse__Output as _inference_SystemSharedMemoryStatusResponse__Output } from '../../inference/SystemSharedMemoryStatusResponse';
import type { SystemSharedMemoryUnregisterRequest as _inference_SystemSharedMemoryUnregisterRequest, SystemSharedMemoryUnregisterRequest__Output as _inference_SystemSharedMemoryUnregisterRequest__Output } from '../../inference/SystemSharedMemoryUnregisterRequest';
import type { SystemSharedMemoryUnregisterResponse as _inference_SystemSharedMemoryUnregisterResponse, SystemSharedMemoryUnregisterResponse__Output as _inference_SystemSharedMemoryUnregisterResponse__Output } from '../../inference/SystemSharedMemoryUnregisterResponse';

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
  
  /**
   * Triton's statistics extension, with GRPCInferenceService's own messages, for the one model this service runs
   * ("fusion"; an empty name means it too): cumulative counts and durations since start, each successful Fuse call's
   * time split into compute_input (decode, checks, shared-memory reads, the batch's hand-off to the worker thread),
   * queue (the dynamic batcher), compute_infer (the adapter graph's run) and compute_output (results back, encoding,
   * shared-memory writes); batch_stats per run size in rows. Another name or version → NOT_FOUND.
   */
  ModelStatistics(argument: _inference_ModelStatisticsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_inference_ModelStatisticsResponse__Output>): grpc.ClientUnaryCall;
  ModelStatistics(argument: _inference_ModelStatisticsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_inference_ModelStatisticsResponse__Output>): grpc.ClientUnaryCall;
  ModelStatistics(argument: _inference_ModelStatisticsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_inference_ModelStatisticsResponse__Output>): grpc.ClientUnaryCall;
  ModelStatistics(argument: _inference_ModelStatisticsRequest, callback: grpc.requestCallback<_inference_ModelStatisticsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Triton's statistics extension, with GRPCInferenceService's own messages, for the one model this service runs
   * ("fusion"; an empty name means it too): cumulative counts and durations since start, each successful Fuse call's
   * time split into compute_input (decode, checks, shared-memory reads, the batch's hand-off to the worker thread),
   * queue (the dynamic batcher), compute_infer (the adapter graph's run) and compute_output (results back, encoding,
   * shared-memory writes); batch_stats per run size in rows. Another name or version → NOT_FOUND.
   */
  modelStatistics(argument: _inference_ModelStatisticsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_inference_ModelStatisticsResponse__Output>): grpc.ClientUnaryCall;
  modelStatistics(argument: _inference_ModelStatisticsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_inference_ModelStatisticsResponse__Output>): grpc.ClientUnaryCall;
  modelStatistics(argument: _inference_ModelStatisticsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_inference_ModelStatisticsResponse__Output>): grpc.ClientUnaryCall;
  modelStatistics(argument: _inference_ModelStatisticsRequest, callback: grpc.requestCallback<_inference_ModelStatisticsResponse__Output>): grpc.ClientUnaryCall;
  
  SystemSharedMemoryRegister(argument: _inference_SystemSharedMemoryRegisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_inference_SystemSharedMemoryRegisterResponse__Output>): grpc.ClientUnaryCall;
  SystemSharedMemoryRegister(argument: _inference_SystemSharedMemoryRegisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_inference_SystemSharedMemoryRegisterResponse__Output>): grpc.ClientUnaryCall;
  SystemSharedMemoryRegister(argument: _inference_SystemSharedMemoryRegisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_inference_SystemSharedMemoryRegisterResponse__Output>): grpc.ClientUnaryCall;
  SystemSharedMemoryRegister(argument: _inference_SystemSharedMemoryRegisterRequest, callback: grpc.requestCallback<_inference_SystemSharedMemoryRegisterResponse__Output>): grpc.ClientUnaryCall;
  systemSharedMemoryRegister(argument: _inference_SystemSharedMemoryRegisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_inference_SystemSharedMemoryRegisterResponse__Output>): grpc.ClientUnaryCall;
  systemSharedMemoryRegister(argument: _inference_SystemSharedMemoryRegisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_inference_SystemSharedMemoryRegisterResponse__Output>): grpc.ClientUnaryCall;
  systemSharedMemoryRegister(argument: _inference_SystemSharedMemoryRegisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_inference_SystemSharedMemoryRegisterResponse__Output>): grpc.ClientUnaryCall;
  systemSharedMemoryRegister(argument: _inference_SystemSharedMemoryRegisterRequest, callback: grpc.requestCallback<_inference_SystemSharedMemoryRegisterResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Triton's system shared-memory extension, with GRPCInferenceService's own messages, for callers on the server's
   * host: register a region of a POSIX shared-memory object (a file under /dev/shm), then name it in a FuseRequest
   * tensor's shared_memory instead of sending its bytes. Served only by a server started with --allow-client-shm
   * (MOVA_ALLOW_CLIENT_SHM=1); otherwise every call → FAILED_PRECONDITION.
   */
  SystemSharedMemoryStatus(argument: _inference_SystemSharedMemoryStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_inference_SystemSharedMemoryStatusResponse__Output>): grpc.ClientUnaryCall;
  SystemSharedMemoryStatus(argument: _inference_SystemSharedMemoryStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_inference_SystemSharedMemoryStatusResponse__Output>): grpc.ClientUnaryCall;
  SystemSharedMemoryStatus(argument: _inference_SystemSharedMemoryStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_inference_SystemSharedMemoryStatusResponse__Output>): grpc.ClientUnaryCall;
  SystemSharedMemoryStatus(argument: _inference_SystemSharedMemoryStatusRequest, callback: grpc.requestCallback<_inference_SystemSharedMemoryStatusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Triton's system shared-memory extension, with GRPCInferenceService's own messages, for callers on the server's
   * host: register a region of a POSIX shared-memory object (a file under /dev/shm), then name it in a FuseRequest
   * tensor's shared_memory instead of sending its bytes. Served only by a server started with --allow-client-shm
   * (MOVA_ALLOW_CLIENT_SHM=1); otherwise every call → FAILED_PRECONDITION.
   */
  systemSharedMemoryStatus(argument: _inference_SystemSharedMemoryStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_inference_SystemSharedMemoryStatusResponse__Output>): grpc.ClientUnaryCall;
  systemSharedMemoryStatus(argument: _inference_SystemSharedMemoryStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_inference_SystemSharedMemoryStatusResponse__Output>): grpc.ClientUnaryCall;
  systemSharedMemoryStatus(argument: _inference_SystemSharedMemoryStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_inference_SystemSharedMemoryStatusResponse__Output>): grpc.ClientUnaryCall;
  systemSharedMemoryStatus(argument: _inference_SystemSharedMemoryStatusRequest, callback: grpc.requestCallback<_inference_SystemSharedMemoryStatusResponse__Output>): grpc.ClientUnaryCall;
  
  SystemSharedMemoryUnregister(argument: _inference_SystemSharedMemoryUnregisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_inference_SystemSharedMemoryUnregisterResponse__Output>): grpc.ClientUnaryCall;
  SystemSharedMemoryUnregister(argument: _inference_SystemSharedMemoryUnregisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_inference_SystemSharedMemoryUnregisterResponse__Output>): grpc.ClientUnaryCall;
  SystemSharedMemoryUnregister(argument: _inference_SystemSharedMemoryUnregisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_inference_SystemSharedMemoryUnregisterResponse__Output>): grpc.ClientUnaryCall;
  SystemSharedMemoryUnregister(argument: _inference_SystemSharedMemoryUnregisterRequest, callback: grpc.requestCallback<_inference_SystemSharedMemoryUnregisterResponse__Output>): grpc.ClientUnaryCall;
  systemSharedMemoryUnregister(argument: _inference_SystemSharedMemoryUnregisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_inference_SystemSharedMemoryUnregisterResponse__Output>): grpc.ClientUnaryCall;
  systemSharedMemoryUnregister(argument: _inference_SystemSharedMemoryUnregisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_inference_SystemSharedMemoryUnregisterResponse__Output>): grpc.ClientUnaryCall;
  systemSharedMemoryUnregister(argument: _inference_SystemSharedMemoryUnregisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_inference_SystemSharedMemoryUnregisterResponse__Output>): grpc.ClientUnaryCall;
  systemSharedMemoryUnregister(argument: _inference_SystemSharedMemoryUnregisterRequest, callback: grpc.requestCallback<_inference_SystemSharedMemoryUnregisterResponse__Output>): grpc.ClientUnaryCall;
  
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
  
  /**
   * Triton's statistics extension, with GRPCInferenceService's own messages, for the one model this service runs
   * ("fusion"; an empty name means it too): cumulative counts and durations since start, each successful Fuse call's
   * time split into compute_input (decode, checks, shared-memory reads, the batch's hand-off to the worker thread),
   * queue (the dynamic batcher), compute_infer (the adapter graph's run) and compute_output (results back, encoding,
   * shared-memory writes); batch_stats per run size in rows. Another name or version → NOT_FOUND.
   */
  ModelStatistics: grpc.handleUnaryCall<_inference_ModelStatisticsRequest__Output, _inference_ModelStatisticsResponse>;
  
  SystemSharedMemoryRegister: grpc.handleUnaryCall<_inference_SystemSharedMemoryRegisterRequest__Output, _inference_SystemSharedMemoryRegisterResponse>;
  
  /**
   * Triton's system shared-memory extension, with GRPCInferenceService's own messages, for callers on the server's
   * host: register a region of a POSIX shared-memory object (a file under /dev/shm), then name it in a FuseRequest
   * tensor's shared_memory instead of sending its bytes. Served only by a server started with --allow-client-shm
   * (MOVA_ALLOW_CLIENT_SHM=1); otherwise every call → FAILED_PRECONDITION.
   */
  SystemSharedMemoryStatus: grpc.handleUnaryCall<_inference_SystemSharedMemoryStatusRequest__Output, _inference_SystemSharedMemoryStatusResponse>;
  
  SystemSharedMemoryUnregister: grpc.handleUnaryCall<_inference_SystemSharedMemoryUnregisterRequest__Output, _inference_SystemSharedMemoryUnregisterResponse>;
  
}

export interface FusionDefinition extends grpc.ServiceDefinition {
  Describe: MethodDefinition<_mova_v1_DescribeRequest, _mova_v1_DescribeResponse, _mova_v1_DescribeRequest__Output, _mova_v1_DescribeResponse__Output>
  Fuse: MethodDefinition<_mova_v1_FuseRequest, _mova_v1_FuseResponse, _mova_v1_FuseRequest__Output, _mova_v1_FuseResponse__Output>
  ModelStatistics: MethodDefinition<_inference_ModelStatisticsRequest, _inference_ModelStatisticsResponse, _inference_ModelStatisticsRequest__Output, _inference_ModelStatisticsResponse__Output>
  SystemSharedMemoryRegister: MethodDefinition<_inference_SystemSharedMemoryRegisterRequest, _inference_SystemSharedMemoryRegisterResponse, _inference_SystemSharedMemoryRegisterRequest__Output, _inference_SystemSharedMemoryRegisterResponse__Output>
  SystemSharedMemoryStatus: MethodDefinition<_inference_SystemSharedMemoryStatusRequest, _inference_SystemSharedMemoryStatusResponse, _inference_SystemSharedMemoryStatusRequest__Output, _inference_SystemSharedMemoryStatusResponse__Output>
  SystemSharedMemoryUnregister: MethodDefinition<_inference_SystemSharedMemoryUnregisterRequest, _inference_SystemSharedMemoryUnregisterResponse, _inference_SystemSharedMemoryUnregisterRequest__Output, _inference_SystemSharedMemoryUnregisterResponse__Output>
}
