// Original file: protos/mova/v1/router.proto

import type { RouteItem as _mova_v1_RouteItem, RouteItem__Output as _mova_v1_RouteItem__Output } from '../../mova/v1/RouteItem';

export interface RouteRequest {
  /**
   * Requests to route (1..1024).
   */
  'items'?: (_mova_v1_RouteItem)[];
}

export interface RouteRequest__Output {
  /**
   * Requests to route (1..1024).
   */
  'items': (_mova_v1_RouteItem__Output)[];
}
