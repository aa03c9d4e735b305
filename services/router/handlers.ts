/** mova.v1.Router handlers: decode → Router.route → encode. */
import type * as grpc from '@grpc/grpc-js';
import { unary } from '../../src/core/grpc-call';
import type { RouteRequest__Output } from '../../src/generated/mova/v1/RouteRequest';
import type { RouteResponse } from '../../src/generated/mova/v1/RouteResponse';
import type { RouterHandlers } from '../../src/generated/mova/v1/Router';
import type { RouteFn } from './router-metrics';
import { parseRouteRequest } from './validate';

export function routerHandlers(d: { router: RouteFn; embeddingWidth: number }): RouterHandlers & grpc.UntypedServiceImplementation {
  return {
    Route: unary('Route', async (req: RouteRequest__Output, ctx): Promise<RouteResponse> => {
      const t0 = performance.now();
      const items = parseRouteRequest(req, d.embeddingWidth);
      const decisions = await d.router.route(items, ctx.signal);
      return { decisions, routing_ms: performance.now() - t0 };
    }),
  } as RouterHandlers & grpc.UntypedServiceImplementation;
}
