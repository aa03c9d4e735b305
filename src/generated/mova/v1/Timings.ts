// Original file: protos/mova/v1/gateway.proto


export interface Timings {
  /**
   * Time spent waiting in the queue before the batch started.
   */
  'queue_ms'?: (number | string);
  /**
   * Base encoder call.
   */
  'base_ms'?: (number | string);
  /**
   * Router call.
   */
  'route_ms'?: (number | string);
  /**
   * Per expert call (all chosen experts run in parallel).
   */
  'expert_ms'?: ({[key: string]: number | string});
  /**
   * The expert stage as a whole (the slowest expert call).
   */
  'experts_ms'?: (number | string);
  /**
   * Fusion call of the batch; 0 when it was not needed: no request of the batch had an expert's tokens to fuse or
   * asked for the fused tokens (a request with neither gets gate weights 0 and no fusion work).
   */
  'fusion_ms'?: (number | string);
  /**
   * Gateway receive to reply.
   */
  'total_ms'?: (number | string);
}

export interface Timings__Output {
  /**
   * Time spent waiting in the queue before the batch started.
   */
  'queue_ms': (number);
  /**
   * Base encoder call.
   */
  'base_ms': (number);
  /**
   * Router call.
   */
  'route_ms': (number);
  /**
   * Per expert call (all chosen experts run in parallel).
   */
  'expert_ms': ({[key: string]: number});
  /**
   * The expert stage as a whole (the slowest expert call).
   */
  'experts_ms': (number);
  /**
   * Fusion call of the batch; 0 when it was not needed: no request of the batch had an expert's tokens to fuse or
   * asked for the fused tokens (a request with neither gets gate weights 0 and no fusion work).
   */
  'fusion_ms': (number);
  /**
   * Gateway receive to reply.
   */
  'total_ms': (number);
}
