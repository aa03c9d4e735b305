// Original file: protos/inference/grpc_service.proto

import type { ModelStatistics as _inference_ModelStatistics, ModelStatistics__Output as _inference_ModelStatistics__Output } from '../inference/ModelStatistics';

export interface ModelStatisticsResponse {
  /**
   * Statistics of each requested model.
   */
  'model_stats'?: (_inference_ModelStatistics)[];
}

export interface ModelStatisticsResponse__Output {
  /**
   * Statistics of each requested model.
   */
  'model_stats': (_inference_ModelStatistics__Output)[];
}
