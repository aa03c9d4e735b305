// Original file: protos/inference/grpc_service.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One registered region.
 */
export interface _inference_SystemSharedMemoryStatusResponse_RegionStatus {
  /**
   * The region's name.
   */
  'name'?: (string);
  /**
   * The key of the shared-memory object that holds it (as given to shm_open, e.g. "/input0").
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

/**
 * One registered region.
 */
export interface _inference_SystemSharedMemoryStatusResponse_RegionStatus__Output {
  /**
   * The region's name.
   */
  'name': (string);
  /**
   * The key of the shared-memory object that holds it (as given to shm_open, e.g. "/input0").
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

export interface SystemSharedMemoryStatusResponse {
  /**
   * Status of each region, by name.
   */
  'regions'?: ({[key: string]: _inference_SystemSharedMemoryStatusResponse_RegionStatus});
}

export interface SystemSharedMemoryStatusResponse__Output {
  /**
   * Status of each region, by name.
   */
  'regions': ({[key: string]: _inference_SystemSharedMemoryStatusResponse_RegionStatus__Output});
}
