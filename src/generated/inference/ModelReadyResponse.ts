// Original file: protos/inference/grpc_service.proto


export interface ModelReadyResponse {
  /**
   * True if the model is ready.
   */
  'ready'?: (boolean);
}

export interface ModelReadyResponse__Output {
  /**
   * True if the model is ready.
   */
  'ready': (boolean);
}
