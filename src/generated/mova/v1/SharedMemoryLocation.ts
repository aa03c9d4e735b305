// Original file: protos/mova/v1/fusion.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A tensor's bytes in a registered system shared-memory region.
 */
export interface SharedMemoryLocation {
  /**
   * The region's name, as registered.
   */
  'region'?: (string);
  /**
   * Bytes from the start of the region.
   */
  'offset'?: (number | string | Long);
  /**
   * The tensor's byte length: exactly product(shape) × element size.
   */
  'byte_size'?: (number | string | Long);
}

/**
 * A tensor's bytes in a registered system shared-memory region.
 */
export interface SharedMemoryLocation__Output {
  /**
   * The region's name, as registered.
   */
  'region': (string);
  /**
   * Bytes from the start of the region.
   */
  'offset': (number);
  /**
   * The tensor's byte length: exactly product(shape) × element size.
   */
  'byte_size': (number);
}
