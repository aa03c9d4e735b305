// Original file: protos/inference/grpc_service.proto

import type { InferParameter as _inference_InferParameter, InferParameter__Output as _inference_InferParameter__Output } from '../inference/InferParameter';
import type { InferTensorContents as _inference_InferTensorContents, InferTensorContents__Output as _inference_InferTensorContents__Output } from '../inference/InferTensorContents';
import type { Long } from '@grpc/proto-loader';

/**
 * An input tensor for an inference request.
 */
export interface _inference_ModelInferRequest_InferInputTensor {
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
   * Optional input tensor parameters.
   */
  'parameters'?: ({[key: string]: _inference_InferParameter});
  /**
   * The tensor contents, when raw_input_contents is not used.
   */
  'contents'?: (_inference_InferTensorContents | null);
}

/**
 * An input tensor for an inference request.
 */
export interface _inference_ModelInferRequest_InferInputTensor__Output {
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
   * Optional input tensor parameters.
   */
  'parameters': ({[key: string]: _inference_InferParameter__Output});
  /**
   * The tensor contents, when raw_input_contents is not used.
   */
  'contents': (_inference_InferTensorContents__Output | null);
}

/**
 * An output tensor requested for an inference request.
 */
export interface _inference_ModelInferRequest_InferRequestedOutputTensor {
  /**
   * The tensor name.
   */
  'name'?: (string);
  /**
   * Optional requested output tensor parameters (e.g. datatype = "FP16").
   */
  'parameters'?: ({[key: string]: _inference_InferParameter});
}

/**
 * An output tensor requested for an inference request.
 */
export interface _inference_ModelInferRequest_InferRequestedOutputTensor__Output {
  /**
   * The tensor name.
   */
  'name': (string);
  /**
   * Optional requested output tensor parameters (e.g. datatype = "FP16").
   */
  'parameters': ({[key: string]: _inference_InferParameter__Output});
}

export interface ModelInferRequest {
  /**
   * The name of the model to use for inferencing.
   */
  'model_name'?: (string);
  /**
   * The version of the model; empty lets the server choose.
   */
  'model_version'?: (string);
  /**
   * Optional identifier, echoed in the response.
   */
  'id'?: (string);
  /**
   * Optional inference parameters.
   */
  'parameters'?: ({[key: string]: _inference_InferParameter});
  /**
   * The input tensors.
   */
  'inputs'?: (_inference_ModelInferRequest_InferInputTensor)[];
  /**
   * The requested output tensors; empty means all outputs.
   */
  'outputs'?: (_inference_ModelInferRequest_InferRequestedOutputTensor)[];
  /**
   * Raw tensor data, one entry per input in the same order. Little-endian, row-major.
   * A BYTES tensor is a run of elements, each a 4-byte little-endian length then its bytes.
   */
  'raw_input_contents'?: (Buffer | Uint8Array | string)[];
}

export interface ModelInferRequest__Output {
  /**
   * The name of the model to use for inferencing.
   */
  'model_name': (string);
  /**
   * The version of the model; empty lets the server choose.
   */
  'model_version': (string);
  /**
   * Optional identifier, echoed in the response.
   */
  'id': (string);
  /**
   * Optional inference parameters.
   */
  'parameters': ({[key: string]: _inference_InferParameter__Output});
  /**
   * The input tensors.
   */
  'inputs': (_inference_ModelInferRequest_InferInputTensor__Output)[];
  /**
   * The requested output tensors; empty means all outputs.
   */
  'outputs': (_inference_ModelInferRequest_InferRequestedOutputTensor__Output)[];
  /**
   * Raw tensor data, one entry per input in the same order. Little-endian, row-major.
   * A BYTES tensor is a run of elements, each a 4-byte little-endian length then its bytes.
   */
  'raw_input_contents': (Buffer)[];
}
