// Original file: protos/inference/grpc_service.proto

import type { InferParameter as _inference_InferParameter, InferParameter__Output as _inference_InferParameter__Output } from '../inference/InferParameter';
import type { InferTensorContents as _inference_InferTensorContents, InferTensorContents__Output as _inference_InferTensorContents__Output } from '../inference/InferTensorContents';
import type { Long } from '@grpc/proto-loader';

/**
 * An output tensor returned for an inference request.
 */
export interface _inference_ModelInferResponse_InferOutputTensor {
  /**
   * The tensor name.
   */
  'name'?: (string);
  /**
   * The tensor data type.
   */
  'datatype'?: (string);
  /**
   * The tensor shape.
   */
  'shape'?: (number | string | Long)[];
  /**
   * Optional output tensor parameters.
   */
  'parameters'?: ({[key: string]: _inference_InferParameter});
  /**
   * The tensor contents, when raw_output_contents is not used.
   */
  'contents'?: (_inference_InferTensorContents | null);
}

/**
 * An output tensor returned for an inference request.
 */
export interface _inference_ModelInferResponse_InferOutputTensor__Output {
  /**
   * The tensor name.
   */
  'name': (string);
  /**
   * The tensor data type.
   */
  'datatype': (string);
  /**
   * The tensor shape.
   */
  'shape': (number)[];
  /**
   * Optional output tensor parameters.
   */
  'parameters': ({[key: string]: _inference_InferParameter__Output});
  /**
   * The tensor contents, when raw_output_contents is not used.
   */
  'contents': (_inference_InferTensorContents__Output | null);
}

export interface ModelInferResponse {
  /**
   * The name of the model used for inference.
   */
  'model_name'?: (string);
  /**
   * The version of the model used for inference.
   */
  'model_version'?: (string);
  /**
   * The id of the inference request, if one was given.
   */
  'id'?: (string);
  /**
   * Optional inference response parameters.
   */
  'parameters'?: ({[key: string]: _inference_InferParameter});
  /**
   * The output tensors.
   */
  'outputs'?: (_inference_ModelInferResponse_InferOutputTensor)[];
  /**
   * Raw output data, one entry per output in the same order (same encoding as raw_input_contents).
   */
  'raw_output_contents'?: (Buffer | Uint8Array | string)[];
}

export interface ModelInferResponse__Output {
  /**
   * The name of the model used for inference.
   */
  'model_name': (string);
  /**
   * The version of the model used for inference.
   */
  'model_version': (string);
  /**
   * The id of the inference request, if one was given.
   */
  'id': (string);
  /**
   * Optional inference response parameters.
   */
  'parameters': ({[key: string]: _inference_InferParameter__Output});
  /**
   * The output tensors.
   */
  'outputs': (_inference_ModelInferResponse_InferOutputTensor__Output)[];
  /**
   * Raw output data, one entry per output in the same order (same encoding as raw_input_contents).
   */
  'raw_output_contents': (Buffer)[];
}
