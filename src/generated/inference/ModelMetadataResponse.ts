// Original file: protos/inference/grpc_service.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Metadata for a tensor.
 */
export interface _inference_ModelMetadataResponse_TensorMetadata {
  /**
   * The tensor name.
   */
  'name'?: (string);
  /**
   * The tensor data type (BOOL, UINT8, ..., INT64, FP16, FP32, FP64, BYTES).
   */
  'datatype'?: (string);
  /**
   * The tensor shape; a variable-size dimension is -1.
   */
  'shape'?: (number | string | Long)[];
}

/**
 * Metadata for a tensor.
 */
export interface _inference_ModelMetadataResponse_TensorMetadata__Output {
  /**
   * The tensor name.
   */
  'name': (string);
  /**
   * The tensor data type (BOOL, UINT8, ..., INT64, FP16, FP32, FP64, BYTES).
   */
  'datatype': (string);
  /**
   * The tensor shape; a variable-size dimension is -1.
   */
  'shape': (number)[];
}

export interface ModelMetadataResponse {
  /**
   * The model name.
   */
  'name'?: (string);
  /**
   * The versions of the model.
   */
  'versions'?: (string)[];
  /**
   * The model's platform (e.g. "onnxruntime_onnx").
   */
  'platform'?: (string);
  /**
   * The model's inputs.
   */
  'inputs'?: (_inference_ModelMetadataResponse_TensorMetadata)[];
  /**
   * The model's outputs.
   */
  'outputs'?: (_inference_ModelMetadataResponse_TensorMetadata)[];
}

export interface ModelMetadataResponse__Output {
  /**
   * The model name.
   */
  'name': (string);
  /**
   * The versions of the model.
   */
  'versions': (string)[];
  /**
   * The model's platform (e.g. "onnxruntime_onnx").
   */
  'platform': (string);
  /**
   * The model's inputs.
   */
  'inputs': (_inference_ModelMetadataResponse_TensorMetadata__Output)[];
  /**
   * The model's outputs.
   */
  'outputs': (_inference_ModelMetadataResponse_TensorMetadata__Output)[];
}
