// Original file: protos/inference/grpc_service.proto


export interface ModelReadyRequest {
  /**
   * The name of the model to check for readiness.
   */
  'name'?: (string);
  /**
   * The version of the model; empty lets the server choose.
   */
  'version'?: (string);
}

export interface ModelReadyRequest__Output {
  /**
   * The name of the model to check for readiness.
   */
  'name': (string);
  /**
   * The version of the model; empty lets the server choose.
   */
  'version': (string);
}
