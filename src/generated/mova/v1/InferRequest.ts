// Original file: protos/mova/v1/gateway.proto

import type { TensorDataType as _mova_v1_TensorDataType, TensorDataType__Output as _mova_v1_TensorDataType__Output } from '../../mova/v1/TensorDataType';

export interface InferRequest {
  /**
   * The encoded image (PNG, JPEG, WebP, GIF first frame, TIFF or AVIF; SVG and other files are refused). Required.
   */
  'image'?: (Buffer | Uint8Array | string);
  /**
   * The user's instruction (UTF-8, 1..8192 bytes). Required.
   */
  'instruction'?: (string);
  /**
   * Time budget in milliseconds for the whole request; 0 = the gRPC deadline or the gateway default.
   */
  'deadline_ms'?: (number);
  /**
   * Most experts the router may choose (besides the base); unset = the router's default K.
   */
  'max_experts'?: (number);
  /**
   * Experts that must run whatever the router decides (registry names).
   */
  'required_experts'?: (string)[];
  /**
   * Experts that must not run (registry names).
   */
  'excluded_experts'?: (string)[];
  /**
   * Return the fused visual tokens.
   */
  'return_features'?: (boolean);
  /**
   * Data type of the returned fused tokens.
   */
  'features_dtype'?: (_mova_v1_TensorDataType);
  /**
   * Optional client-chosen id echoed back (a fresh one is generated when empty).
   */
  'request_id'?: (string);
  '_max_experts'?: "max_experts";
}

export interface InferRequest__Output {
  /**
   * The encoded image (PNG, JPEG, WebP, GIF first frame, TIFF or AVIF; SVG and other files are refused). Required.
   */
  'image': (Buffer);
  /**
   * The user's instruction (UTF-8, 1..8192 bytes). Required.
   */
  'instruction': (string);
  /**
   * Time budget in milliseconds for the whole request; 0 = the gRPC deadline or the gateway default.
   */
  'deadline_ms': (number);
  /**
   * Most experts the router may choose (besides the base); unset = the router's default K.
   */
  'max_experts'?: (number);
  /**
   * Experts that must run whatever the router decides (registry names).
   */
  'required_experts': (string)[];
  /**
   * Experts that must not run (registry names).
   */
  'excluded_experts': (string)[];
  /**
   * Return the fused visual tokens.
   */
  'return_features': (boolean);
  /**
   * Data type of the returned fused tokens.
   */
  'features_dtype': (_mova_v1_TensorDataType__Output);
  /**
   * Optional client-chosen id echoed back (a fresh one is generated when empty).
   */
  'request_id': (string);
  '_max_experts'?: "max_experts";
}
