// Original file: protos/inference/grpc_service.proto

import type { StatisticDuration as _inference_StatisticDuration, StatisticDuration__Output as _inference_StatisticDuration__Output } from '../inference/StatisticDuration';
import type { Long } from '@grpc/proto-loader';

/**
 * Statistics of the model executions of one batch size.
 */
export interface InferBatchStatistics {
  /**
   * The batch size (items per execution).
   */
  'batch_size'?: (number | string | Long);
  /**
   * Executions of this size, and their input preparation time.
   */
  'compute_input'?: (_inference_StatisticDuration | null);
  /**
   * Executions of this size, and their run time.
   */
  'compute_infer'?: (_inference_StatisticDuration | null);
  /**
   * Executions of this size, and their output extraction time.
   */
  'compute_output'?: (_inference_StatisticDuration | null);
}

/**
 * Statistics of the model executions of one batch size.
 */
export interface InferBatchStatistics__Output {
  /**
   * The batch size (items per execution).
   */
  'batch_size': (number);
  /**
   * Executions of this size, and their input preparation time.
   */
  'compute_input': (_inference_StatisticDuration__Output | null);
  /**
   * Executions of this size, and their run time.
   */
  'compute_infer': (_inference_StatisticDuration__Output | null);
  /**
   * Executions of this size, and their output extraction time.
   */
  'compute_output': (_inference_StatisticDuration__Output | null);
}
