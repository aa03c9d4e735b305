// Original file: protos/mova/v1/gateway.proto

/**
 * Data type of returned tensors.
 */
export const TensorDataType = {
  /**
   * Server default (FP32).
   */
  TENSOR_DATA_TYPE_UNSPECIFIED: 'TENSOR_DATA_TYPE_UNSPECIFIED',
  FP32: 'FP32',
  FP16: 'FP16',
} as const;

/**
 * Data type of returned tensors.
 */
export type TensorDataType =
  /**
   * Server default (FP32).
   */
  | 'TENSOR_DATA_TYPE_UNSPECIFIED'
  | 0
  | 'FP32'
  | 1
  | 'FP16'
  | 2

/**
 * Data type of returned tensors.
 */
export type TensorDataType__Output = typeof TensorDataType[keyof typeof TensorDataType]
