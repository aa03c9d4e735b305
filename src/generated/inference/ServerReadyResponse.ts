// Original file: protos/inference/grpc_service.proto


export interface ServerReadyResponse {
  /**
   * True if the inference server is ready.
   */
  'ready'?: (boolean);
}

export interface ServerReadyResponse__Output {
  /**
   * True if the inference server is ready.
   */
  'ready': (boolean);
}
