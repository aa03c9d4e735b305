// Original file: protos/inference/grpc_service.proto


export interface ModelMetadataRequest {
  /**
   * The name of the model.
   */
  'name'?: (string);
  /**
   * The version of the model; empty lets the server choose.
   */
  'version'?: (string);
}

export interface ModelMetadataRequest__Output {
  /**
   * The name of the model.
   */
  'name': (string);
  /**
   * The version of the model; empty lets the server choose.
   */
  'version': (string);
}
