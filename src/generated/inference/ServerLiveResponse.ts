// Original file: protos/inference/grpc_service.proto


export interface ServerLiveResponse {
  /**
   * True if the inference server is live.
   */
  'live'?: (boolean);
}

export interface ServerLiveResponse__Output {
  /**
   * True if the inference server is live.
   */
  'live': (boolean);
}
