// Original file: protos/inference/grpc_service.proto

import type { Long } from '@grpc/proto-loader';

export interface SystemSharedMemoryRegisterRequest {
  /**
   * The name to register the region under.
   */
  'name'?: (string);
  /**
   * The key of the shared-memory object that holds it.
   */
  'key'?: (string);
  /**
   * Where the region starts in that object, in bytes.
   */
  'offset'?: (number | string | Long);
  /**
   * The region's size in bytes.
   */
  'byte_size'?: (number | string | Long);
}

export interface SystemSharedMemoryRegisterRequest__Output {
  /**
   * The name to register the region under.
   */
  'name': (string);
  /**
   * The key of the shared-memory object that holds it.
   */
  'key': (string);
  /**
   * Where the region starts in that object, in bytes.
   */
  'offset': (number);
  /**
   * The region's size in bytes.
   */
  'byte_size': (number);
}
