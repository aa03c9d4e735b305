// Original file: protos/inference/grpc_service.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A cumulative count and the total duration of what it counts.
 */
export interface StatisticDuration {
  /**
   * How many times it happened.
   */
  'count'?: (number | string | Long);
  /**
   * Their total duration in nanoseconds.
   */
  'ns'?: (number | string | Long);
}

/**
 * A cumulative count and the total duration of what it counts.
 */
export interface StatisticDuration__Output {
  /**
   * How many times it happened.
   */
  'count': (number);
  /**
   * Their total duration in nanoseconds.
   */
  'ns': (number);
}
