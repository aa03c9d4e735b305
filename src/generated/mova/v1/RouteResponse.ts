// Original file: protos/mova/v1/router.proto

import type { RouteDecision as _mova_v1_RouteDecision, RouteDecision__Output as _mova_v1_RouteDecision__Output } from '../../mova/v1/RouteDecision';

export interface RouteResponse {
  /**
   * One decision per request, in request order.
   */
  'decisions'?: (_mova_v1_RouteDecision)[];
  /**
   * Time spent routing the whole batch on the server (ms).
   */
  'routing_ms'?: (number | string);
}

export interface RouteResponse__Output {
  /**
   * One decision per request, in request order.
   */
  'decisions': (_mova_v1_RouteDecision__Output)[];
  /**
   * Time spent routing the whole batch on the server (ms).
   */
  'routing_ms': (number);
}
