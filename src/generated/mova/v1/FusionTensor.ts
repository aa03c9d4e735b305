// Original file: protos/mova/v1/fusion.proto

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
   * Element type: "FP32" or "FP16" (IEEE 754 half).
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
   * Element type: "FP32" or "FP16" (IEEE 754 half).
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
}
