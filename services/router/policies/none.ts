/** `none` baseline: every specialist scores 0; only the base expert runs (unless experts are required). */
import type { PolicyScores, RouteInput, RoutingPolicy, Specialist } from '../policy';

export function nonePolicy(specialists: readonly Specialist[]): RoutingPolicy {
  return {
    name: 'none',
    async score(inputs: readonly RouteInput[]): Promise<PolicyScores[]> {
      return inputs.map(() => ({ scores: Object.fromEntries(specialists.map((s) => [s.name, 0])), policy: 'none' }));
    },
  };
}
