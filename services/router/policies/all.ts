/** `all` baseline: every specialist scores 1 (MoVA without routing; capped by max_experts). */
import type { PolicyScores, RouteInput, RoutingPolicy, Specialist } from '../policy';

export function allPolicy(specialists: readonly Specialist[]): RoutingPolicy {
  return {
    name: 'all',
    async score(inputs: readonly RouteInput[]): Promise<PolicyScores[]> {
      return inputs.map(() => ({ scores: Object.fromEntries(specialists.map((s) => [s.name, 1])), policy: 'all' }));
    },
  };
}
