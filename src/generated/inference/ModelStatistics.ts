// Original file: protos/inference/grpc_service.proto

import type { InferStatistics as _inference_InferStatistics, InferStatistics__Output as _inference_InferStatistics__Output } from '../inference/InferStatistics';
import type { InferBatchStatistics as _inference_InferBatchStatistics, InferBatchStatistics__Output as _inference_InferBatchStatistics__Output } from '../inference/InferBatchStatistics';
import type { Long } from '@grpc/proto-loader';

export interface ModelStatistics {
  /**
   * The model's name.
   */
  'name'?: (string);
  /**
   * The model's version.
   */
  'version'?: (string);
  /**
   * When the model last answered a request, in milliseconds since the epoch (0: never).
   */
  'last_inference'?: (number | string | Long);
  /**
   * Items inferred by successful requests (a request of batch size N counts N).
   */
  'inference_count'?: (number | string | Long);
  /**
   * Model executions (one per dynamic batch, however many requests it held).
   */
  'execution_count'?: (number | string | Long);
  /**
   * Per-request statistics.
   */
  'inference_stats'?: (_inference_InferStatistics | null);
  /**
   * Per batch size statistics, one entry per batch size executed.
   */
  'batch_stats'?: (_inference_InferBatchStatistics)[];
}

export interface ModelStatistics__Output {
  /**
   * The model's name.
   */
  'name': (string);
  /**
   * The model's version.
   */
  'version': (string);
  /**
   * When the model last answered a request, in milliseconds since the epoch (0: never).
   */
  'last_inference': (number);
  /**
   * Items inferred by successful requests (a request of batch size N counts N).
   */
  'inference_count': (number);
  /**
   * Model executions (one per dynamic batch, however many requests it held).
   */
  'execution_count': (number);
  /**
   * Per-request statistics.
   */
  'inference_stats': (_inference_InferStatistics__Output | null);
  /**
   * Per batch size statistics, one entry per batch size executed.
   */
  'batch_stats': (_inference_InferBatchStatistics__Output)[];
}
