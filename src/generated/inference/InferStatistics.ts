// Original file: protos/inference/grpc_service.proto

import type { StatisticDuration as _inference_StatisticDuration, StatisticDuration__Output as _inference_StatisticDuration__Output } from '../inference/StatisticDuration';

/**
 * Per-request statistics: each request counts once in success or fail, and its time is split into the stages below.
 */
export interface InferStatistics {
  /**
   * Requests answered, and their total time in the server.
   */
  'success'?: (_inference_StatisticDuration | null);
  /**
   * Requests that failed, and their total time in the server.
   */
  'fail'?: (_inference_StatisticDuration | null);
  /**
   * Time requests waited in the scheduler's (dynamic batcher's) queue.
   */
  'queue'?: (_inference_StatisticDuration | null);
  /**
   * Time to prepare a request's input tensors for the model (decode, checks, moving them to the inference thread).
   */
  'compute_input'?: (_inference_StatisticDuration | null);
  /**
   * Time the model ran for the request (the whole batch's run, for each request in it).
   */
  'compute_infer'?: (_inference_StatisticDuration | null);
  /**
   * Time to extract and encode the outputs.
   */
  'compute_output'?: (_inference_StatisticDuration | null);
  /**
   * Requests answered from the response cache, and the time to look them up and extract them.
   */
  'cache_hit'?: (_inference_StatisticDuration | null);
  /**
   * Requests the response cache could not answer, and the time to look them up and insert their results.
   */
  'cache_miss'?: (_inference_StatisticDuration | null);
}

/**
 * Per-request statistics: each request counts once in success or fail, and its time is split into the stages below.
 */
export interface InferStatistics__Output {
  /**
   * Requests answered, and their total time in the server.
   */
  'success': (_inference_StatisticDuration__Output | null);
  /**
   * Requests that failed, and their total time in the server.
   */
  'fail': (_inference_StatisticDuration__Output | null);
  /**
   * Time requests waited in the scheduler's (dynamic batcher's) queue.
   */
  'queue': (_inference_StatisticDuration__Output | null);
  /**
   * Time to prepare a request's input tensors for the model (decode, checks, moving them to the inference thread).
   */
  'compute_input': (_inference_StatisticDuration__Output | null);
  /**
   * Time the model ran for the request (the whole batch's run, for each request in it).
   */
  'compute_infer': (_inference_StatisticDuration__Output | null);
  /**
   * Time to extract and encode the outputs.
   */
  'compute_output': (_inference_StatisticDuration__Output | null);
  /**
   * Requests answered from the response cache, and the time to look them up and extract them.
   */
  'cache_hit': (_inference_StatisticDuration__Output | null);
  /**
   * Requests the response cache could not answer, and the time to look them up and insert their results.
   */
  'cache_miss': (_inference_StatisticDuration__Output | null);
}
