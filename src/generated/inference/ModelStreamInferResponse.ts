// Original file: protos/inference/grpc_service.proto

import type { ModelInferResponse as _inference_ModelInferResponse, ModelInferResponse__Output as _inference_ModelInferResponse__Output } from '../inference/ModelInferResponse';

/**
 * Response message for ModelStreamInfer.
 */
export interface ModelStreamInferResponse {
  /**
   * The message describing the error; empty when the request succeeded.
   */
  'error_message'?: (string);
  /**
   * The request's results; for a failed request its model name, version and id (and the gRPC status name in
   * the parameter "error_code").
   */
  'infer_response'?: (_inference_ModelInferResponse | null);
}

/**
 * Response message for ModelStreamInfer.
 */
export interface ModelStreamInferResponse__Output {
  /**
   * The message describing the error; empty when the request succeeded.
   */
  'error_message': (string);
  /**
   * The request's results; for a failed request its model name, version and id (and the gRPC status name in
   * the parameter "error_code").
   */
  'infer_response': (_inference_ModelInferResponse__Output | null);
}
