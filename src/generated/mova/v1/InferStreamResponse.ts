// Original file: protos/mova/v1/gateway.proto

import type { InferResponse as _mova_v1_InferResponse, InferResponse__Output as _mova_v1_InferResponse__Output } from '../../mova/v1/InferResponse';
import type { Long } from '@grpc/proto-loader';

/**
 * One answer on an InferStream stream.
 */
export interface InferStreamResponse {
  /**
   * The request's position on the stream (0 for the first request sent).
   */
  'index'?: (number | string | Long);
  /**
   * The request's request_id as sent (empty if it set none; `response.request_id` then holds the generated one).
   */
  'request_id'?: (string);
  /**
   * The gRPC status name of a failed request (e.g. "INVALID_ARGUMENT"); empty on success.
   */
  'error_code'?: (string);
  /**
   * What went wrong; empty on success.
   */
  'error_message'?: (string);
  /**
   * The answer, as Infer returns it; absent for a failed request.
   */
  'response'?: (_mova_v1_InferResponse | null);
}

/**
 * One answer on an InferStream stream.
 */
export interface InferStreamResponse__Output {
  /**
   * The request's position on the stream (0 for the first request sent).
   */
  'index': (number);
  /**
   * The request's request_id as sent (empty if it set none; `response.request_id` then holds the generated one).
   */
  'request_id': (string);
  /**
   * The gRPC status name of a failed request (e.g. "INVALID_ARGUMENT"); empty on success.
   */
  'error_code': (string);
  /**
   * What went wrong; empty on success.
   */
  'error_message': (string);
  /**
   * The answer, as Infer returns it; absent for a failed request.
   */
  'response': (_mova_v1_InferResponse__Output | null);
}
