// Original file: protos/mova/v1/fusion.proto

import type { FusionTensor as _mova_v1_FusionTensor, FusionTensor__Output as _mova_v1_FusionTensor__Output } from '../../mova/v1/FusionTensor';
import type { SharedMemoryLocation as _mova_v1_SharedMemoryLocation, SharedMemoryLocation__Output as _mova_v1_SharedMemoryLocation__Output } from '../../mova/v1/SharedMemoryLocation';

export interface FuseRequest {
  /**
   * Base encoder tokens [N, T, Cb]: T = Hb·Wb tokens, row-major over the base grid, of width Cb.
   */
  'base'?: (_mova_v1_FusionTensor | null);
  /**
   * Expert tokens, one tensor per slot, each [N, Tj, Cj] on that slot's own grid (resized inside the adapter).
   * A slot no request in the batch chose may be left out; rows of a request that did not choose a slot are ignored
   * (the adapter runs each slot on the rows that chose it only). To send only the rows of the requests that chose a
   * slot, list them in `rows` (the tensor is then [rows, Tj, Cj]).
   */
  'experts'?: (_mova_v1_FusionTensor)[];
  /**
   * Chosen experts [N, E]: 1 = slot j chosen (and its tokens present) for request i, 0 = not. E = slot count.
   */
  'mask'?: (_mova_v1_FusionTensor | null);
  /**
   * Per-request context vector for the gate [N, Dctx] (e.g. an instruction embedding).
   */
  'context'?: (_mova_v1_FusionTensor | null);
  /**
   * Data type of the returned fused tokens: "FP32" (default when empty) or "FP16".
   */
  'fused_datatype'?: (string);
  /**
   * Optional, for a caller on the server's host: write the fused tokens into this registered shared-memory location
   * instead of the reply (its byte_size must hold N × T × Dout elements of fused_datatype). The reply's fused then
   * has an empty raw and its shared_memory gives the location and the bytes written.
   */
  'fused_shared_memory'?: (_mova_v1_SharedMemoryLocation | null);
  /**
   * True: the reply carries no fused tokens, only the gate weights (for a caller that needs the routing weights
   * alone, e.g. the gateway when no request of the call asked for fused tokens); saves encoding and moving
   * N × T × Dout values. Cannot be combined with fused_shared_memory.
   */
  'omit_fused'?: (boolean);
}

export interface FuseRequest__Output {
  /**
   * Base encoder tokens [N, T, Cb]: T = Hb·Wb tokens, row-major over the base grid, of width Cb.
   */
  'base': (_mova_v1_FusionTensor__Output | null);
  /**
   * Expert tokens, one tensor per slot, each [N, Tj, Cj] on that slot's own grid (resized inside the adapter).
   * A slot no request in the batch chose may be left out; rows of a request that did not choose a slot are ignored
   * (the adapter runs each slot on the rows that chose it only). To send only the rows of the requests that chose a
   * slot, list them in `rows` (the tensor is then [rows, Tj, Cj]).
   */
  'experts': (_mova_v1_FusionTensor__Output)[];
  /**
   * Chosen experts [N, E]: 1 = slot j chosen (and its tokens present) for request i, 0 = not. E = slot count.
   */
  'mask': (_mova_v1_FusionTensor__Output | null);
  /**
   * Per-request context vector for the gate [N, Dctx] (e.g. an instruction embedding).
   */
  'context': (_mova_v1_FusionTensor__Output | null);
  /**
   * Data type of the returned fused tokens: "FP32" (default when empty) or "FP16".
   */
  'fused_datatype': (string);
  /**
   * Optional, for a caller on the server's host: write the fused tokens into this registered shared-memory location
   * instead of the reply (its byte_size must hold N × T × Dout elements of fused_datatype). The reply's fused then
   * has an empty raw and its shared_memory gives the location and the bytes written.
   */
  'fused_shared_memory': (_mova_v1_SharedMemoryLocation__Output | null);
  /**
   * True: the reply carries no fused tokens, only the gate weights (for a caller that needs the routing weights
   * alone, e.g. the gateway when no request of the call asked for fused tokens); saves encoding and moving
   * N × T × Dout values. Cannot be combined with fused_shared_memory.
   */
  'omit_fused': (boolean);
}
