// Original file: protos/mova/v1/gateway.proto

import type { Routing as _mova_v1_Routing, Routing__Output as _mova_v1_Routing__Output } from '../../mova/v1/Routing';
import type { ExpertResult as _mova_v1_ExpertResult, ExpertResult__Output as _mova_v1_ExpertResult__Output } from '../../mova/v1/ExpertResult';
import type { Tensor as _mova_v1_Tensor, Tensor__Output as _mova_v1_Tensor__Output } from '../../mova/v1/Tensor';
import type { Timings as _mova_v1_Timings, Timings__Output as _mova_v1_Timings__Output } from '../../mova/v1/Timings';

export interface InferResponse {
  /**
   * The request id (client-chosen or generated).
   */
  'request_id'?: (string);
  /**
   * The routing decision.
   */
  'routing'?: (_mova_v1_Routing | null);
  /**
   * One entry per registry expert except the base, in registry order.
   */
  'experts'?: (_mova_v1_ExpertResult)[];
  /**
   * The base encoder's decoded result as JSON (e.g. ImageNet top-5).
   */
  'base_decoded_json'?: (string);
  /**
   * Fused visual tokens [1, T, D] when return_features was set.
   */
  'fused'?: (_mova_v1_Tensor | null);
  /**
   * Per-stage timings.
   */
  'timings'?: (_mova_v1_Timings | null);
  /**
   * True when a chosen expert failed or timed out (its features were masked out of fusion).
   */
  'degraded'?: (boolean);
  /**
   * The chosen experts that are missing from the fusion (failed or timeout).
   */
  'missing_experts'?: (string)[];
  /**
   * Number of requests in the batch this request ran in.
   */
  'batch_size'?: (number);
  /**
   * Identifier of that batch (for logs and traces).
   */
  'batch_id'?: (string);
}

export interface InferResponse__Output {
  /**
   * The request id (client-chosen or generated).
   */
  'request_id': (string);
  /**
   * The routing decision.
   */
  'routing': (_mova_v1_Routing__Output | null);
  /**
   * One entry per registry expert except the base, in registry order.
   */
  'experts': (_mova_v1_ExpertResult__Output)[];
  /**
   * The base encoder's decoded result as JSON (e.g. ImageNet top-5).
   */
  'base_decoded_json': (string);
  /**
   * Fused visual tokens [1, T, D] when return_features was set.
   */
  'fused': (_mova_v1_Tensor__Output | null);
  /**
   * Per-stage timings.
   */
  'timings': (_mova_v1_Timings__Output | null);
  /**
   * True when a chosen expert failed or timed out (its features were masked out of fusion).
   */
  'degraded': (boolean);
  /**
   * The chosen experts that are missing from the fusion (failed or timeout).
   */
  'missing_experts': (string)[];
  /**
   * Number of requests in the batch this request ran in.
   */
  'batch_size': (number);
  /**
   * Identifier of that batch (for logs and traces).
   */
  'batch_id': (string);
}
