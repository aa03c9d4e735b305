// Original file: protos/mova/v1/fusion.proto

import type { FusionTensor as _mova_v1_FusionTensor, FusionTensor__Output as _mova_v1_FusionTensor__Output } from '../../mova/v1/FusionTensor';

export interface FuseResponse {
  /**
   * Fused visual tokens [N, T, Dout], in fused_datatype; absent when the request set omit_fused.
   */
  'fused'?: (_mova_v1_FusionTensor | null);
  /**
   * Gate weights [N, L, E] (FP32): per request, adapter block and slot; ≥ 0, 0 for unchosen slots, summing to 1
   * over the chosen slots (all 0 when none is chosen).
   */
  'gates'?: (_mova_v1_FusionTensor | null);
  /**
   * Number of requests in the inference run this call was part of (≥ N when calls were merged).
   */
  'batch_size'?: (number);
  /**
   * Time that run spent in the adapter graph (ms).
   */
  'inference_ms'?: (number | string);
}

export interface FuseResponse__Output {
  /**
   * Fused visual tokens [N, T, Dout], in fused_datatype; absent when the request set omit_fused.
   */
  'fused': (_mova_v1_FusionTensor__Output | null);
  /**
   * Gate weights [N, L, E] (FP32): per request, adapter block and slot; ≥ 0, 0 for unchosen slots, summing to 1
   * over the chosen slots (all 0 when none is chosen).
   */
  'gates': (_mova_v1_FusionTensor__Output | null);
  /**
   * Number of requests in the inference run this call was part of (≥ N when calls were merged).
   */
  'batch_size': (number);
  /**
   * Time that run spent in the adapter graph (ms).
   */
  'inference_ms': (number);
}
