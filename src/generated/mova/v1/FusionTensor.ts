// Original file: protos/mova/v1/fusion.proto

import type { SharedMemoryLocation as _mova_v1_SharedMemoryLocation, SharedMemoryLocation__Output as _mova_v1_SharedMemoryLocation__Output } from '../../mova/v1/SharedMemoryLocation';
import type { Long } from '@grpc/proto-loader';

/**
 * A dense tensor: row-major, little-endian raw element bytes.
 */
export interface FusionTensor {
  /**
   * Tensor name: "base", "mask", "context", an expert slot ("expert_<j>" or the slot's name from Describe);
   * "fused" or "gates" in replies.
   */
  'name'?: (string);
  /**
   * Element type: "FP32" or "FP16" (IEEE 754 half). A call whose base and expert tokens are all FP16 runs them
   * without conversion (exactly as FP32 tokens of the same values).
   */
  'datatype'?: (string);
  /**
   * Dimensions; the first is the batch size N.
   */
  'shape'?: (number | string | Long)[];
  /**
   * Raw element bytes; exactly product(shape) × element size (4 for FP32, 2 for FP16).
   */
  'raw'?: (Buffer | Uint8Array | string);
  /**
   * Expert slots in a FuseRequest only: the batch rows (request indices, strictly ascending, each < N) these tokens
   * belong to; the shape's first dimension is then their count. Empty = all N rows, in order.
   */
  'rows'?: (number)[];
  /**
   * Instead of raw (which must then be empty): where the bytes lie in a registered system shared-memory region (see
   * SystemSharedMemoryRegister). In a FuseRequest the server copies them out during the call, so the caller may reuse
   * the region once the call returns; in a FuseResponse it is where the server wrote fused (fused_shared_memory).
   */
  'shared_memory'?: (_mova_v1_SharedMemoryLocation | null);
}

/**
 * A dense tensor: row-major, little-endian raw element bytes.
 */
export interface FusionTensor__Output {
  /**
   * Tensor name: "base", "mask", "context", an expert slot ("expert_<j>" or the slot's name from Describe);
   * "fused" or "gates" in replies.
   */
  'name': (string);
  /**
   * Element type: "FP32" or "FP16" (IEEE 754 half). A call whose base and expert tokens are all FP16 runs them
   * without conversion (exactly as FP32 tokens of the same values).
   */
  'datatype': (string);
  /**
   * Dimensions; the first is the batch size N.
   */
  'shape': (number)[];
  /**
   * Raw element bytes; exactly product(shape) × element size (4 for FP32, 2 for FP16).
   */
  'raw': (Buffer);
  /**
   * Expert slots in a FuseRequest only: the batch rows (request indices, strictly ascending, each < N) these tokens
   * belong to; the shape's first dimension is then their count. Empty = all N rows, in order.
   */
  'rows': (number)[];
  /**
   * Instead of raw (which must then be empty): where the bytes lie in a registered system shared-memory region (see
   * SystemSharedMemoryRegister). In a FuseRequest the server copies them out during the call, so the caller may reuse
   * the region once the call returns; in a FuseResponse it is where the server wrote fused (fused_shared_memory).
   */
  'shared_memory': (_mova_v1_SharedMemoryLocation__Output | null);
}
