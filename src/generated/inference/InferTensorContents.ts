// Original file: protos/inference/grpc_service.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Tensor data in typed repeated fields (used when raw contents are not).
 * Each holds the flattened, row-major tensor elements of the matching data type.
 */
export interface InferTensorContents {
  /**
   * BOOL.
   */
  'bool_contents'?: (boolean)[];
  /**
   * INT8, INT16, INT32.
   */
  'int_contents'?: (number)[];
  /**
   * INT64.
   */
  'int64_contents'?: (number | string | Long)[];
  /**
   * UINT8, UINT16, UINT32.
   */
  'uint_contents'?: (number)[];
  /**
   * UINT64.
   */
  'uint64_contents'?: (number | string | Long)[];
  /**
   * FP32.
   */
  'fp32_contents'?: (number | string)[];
  /**
   * FP64.
   */
  'fp64_contents'?: (number | string)[];
  /**
   * BYTES: one element per entry.
   */
  'bytes_contents'?: (Buffer | Uint8Array | string)[];
}

/**
 * Tensor data in typed repeated fields (used when raw contents are not).
 * Each holds the flattened, row-major tensor elements of the matching data type.
 */
export interface InferTensorContents__Output {
  /**
   * BOOL.
   */
  'bool_contents': (boolean)[];
  /**
   * INT8, INT16, INT32.
   */
  'int_contents': (number)[];
  /**
   * INT64.
   */
  'int64_contents': (number)[];
  /**
   * UINT8, UINT16, UINT32.
   */
  'uint_contents': (number)[];
  /**
   * UINT64.
   */
  'uint64_contents': (number)[];
  /**
   * FP32.
   */
  'fp32_contents': (number)[];
  /**
   * FP64.
   */
  'fp64_contents': (number)[];
  /**
   * BYTES: one element per entry.
   */
  'bytes_contents': (Buffer)[];
}
