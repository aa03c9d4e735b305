// Original file: protos/mova/v1/router.proto


export interface RouteItem {
  /**
   * The user's instruction as UTF-8 bytes (bytes, not string, so that invalid UTF-8 reaches the server and is
   * rejected with INVALID_ARGUMENT instead of being silently replaced). 1..8192 bytes.
   */
  'instruction'?: (Buffer | Uint8Array | string);
  /**
   * The base expert's pooled embedding as raw little-endian FP32 bytes (4 × pooled_dims bytes). Leave empty and use
   * `pooled` instead, or leave both empty to route on the instruction alone (the embedding is then treated as the
   * training mean).
   */
  'pooled_raw'?: (Buffer | Uint8Array | string);
  /**
   * Number of elements in pooled_raw; must equal the router's embedding width when pooled_raw is set.
   */
  'pooled_dims'?: (number);
  /**
   * The pooled embedding as floats (alternative to pooled_raw; ignored when pooled_raw is set).
   */
  'pooled'?: (number | string)[];
  /**
   * Experts that must be chosen regardless of scores (count toward max_experts; never the base expert).
   */
  'required'?: (string)[];
  /**
   * Experts that must not be chosen.
   */
  'excluded'?: (string)[];
  /**
   * Upper bound on chosen experts for this request (0 = base only); unset = the server's default
   * (registry router.maxExperts).
   */
  'max_experts'?: (number);
  /**
   * Policy for this request: "learned", "llm", "rules", "all", "none"; empty = the server's default.
   */
  'policy'?: (string);
  '_max_experts'?: "max_experts";
}

export interface RouteItem__Output {
  /**
   * The user's instruction as UTF-8 bytes (bytes, not string, so that invalid UTF-8 reaches the server and is
   * rejected with INVALID_ARGUMENT instead of being silently replaced). 1..8192 bytes.
   */
  'instruction': (Buffer);
  /**
   * The base expert's pooled embedding as raw little-endian FP32 bytes (4 × pooled_dims bytes). Leave empty and use
   * `pooled` instead, or leave both empty to route on the instruction alone (the embedding is then treated as the
   * training mean).
   */
  'pooled_raw': (Buffer);
  /**
   * Number of elements in pooled_raw; must equal the router's embedding width when pooled_raw is set.
   */
  'pooled_dims': (number);
  /**
   * The pooled embedding as floats (alternative to pooled_raw; ignored when pooled_raw is set).
   */
  'pooled': (number)[];
  /**
   * Experts that must be chosen regardless of scores (count toward max_experts; never the base expert).
   */
  'required': (string)[];
  /**
   * Experts that must not be chosen.
   */
  'excluded': (string)[];
  /**
   * Upper bound on chosen experts for this request (0 = base only); unset = the server's default
   * (registry router.maxExperts).
   */
  'max_experts'?: (number);
  /**
   * Policy for this request: "learned", "llm", "rules", "all", "none"; empty = the server's default.
   */
  'policy': (string);
  '_max_experts'?: "max_experts";
}
