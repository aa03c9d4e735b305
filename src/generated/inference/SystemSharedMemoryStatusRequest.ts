// Original file: protos/inference/grpc_service.proto


export interface SystemSharedMemoryStatusRequest {
  /**
   * The region to report; empty for every registered region.
   */
  'name'?: (string);
}

export interface SystemSharedMemoryStatusRequest__Output {
  /**
   * The region to report; empty for every registered region.
   */
  'name': (string);
}
