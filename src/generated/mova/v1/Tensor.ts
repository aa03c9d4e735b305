// Original file: protos/mova/v1/gateway.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A dense tensor: row-major little-endian raw bytes.
 */
export interface Tensor {
  /**
   * "FP32" or "FP16".
   */
  'datatype'?: (string);
  /**
   * Dimensions.
   */
  'shape'?: (number | string | Long)[];
  /**
   * Raw element bytes.
   */
  'raw'?: (Buffer | Uint8Array | string);
}

/**
 * A dense tensor: row-major little-endian raw bytes.
 */
export interface Tensor__Output {
  /**
   * "FP32" or "FP16".
   */
  'datatype': (string);
  /**
   * Dimensions.
   */
  'shape': (number)[];
  /**
   * Raw element bytes.
   */
  'raw': (Buffer);
}
