/**
 * Router metrics: decisions by policy, experts chosen per request (histogram: its sum/count is the mean chosen),
 * and how often each expert is chosen. Mean chosen in PromQL:
 *   rate(mova_router_experts_chosen_sum[5m]) / rate(mova_router_experts_chosen_count[5m])
 */
import { counter, histogram } from '../../src/core/metrics';
import type { Router } from './router';

export type RouteFn = Pick<Router, 'route'>;

export function observeRouter(router: RouteFn): RouteFn {
  const decisions = counter('mova_router_decisions_total', 'Routing decisions (one per request), by policy.', ['policy']);
  const chosenPerRequest = histogram('mova_router_experts_chosen', 'Specialist experts chosen per request.', ['policy'], [0, 1, 2, 3, 4, 6, 8]);
  const chosen = counter('mova_router_expert_chosen_total', 'Times each expert was chosen.', ['expert']);
  return {
    async route(items, signal) {
      const out = await router.route(items, signal);
      for (const d of out) {
        decisions.inc({ policy: d.policy });
        chosenPerRequest.observe({ policy: d.policy }, d.chosen.length);
        for (const name of d.chosen) chosen.inc({ expert: name });
      }
      return out;
    },
  };
}
