// Original file: protos/inference/grpc_service.proto


export interface SystemSharedMemoryUnregisterRequest {
  /**
   * The region to unregister; empty for every registered region.
   */
  'name'?: (string);
}

export interface SystemSharedMemoryUnregisterRequest__Output {
  /**
   * The region to unregister; empty for every registered region.
   */
  'name': (string);
}
