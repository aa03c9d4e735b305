/** `learned` (default): the trained ONNX model's per-domain scores, mapped onto the registry's experts. */
import type { LearnedModel } from '../learned-model';
import { expertScoresFromDomains, type PolicyScores, type RouteInput, type RoutingPolicy, type Specialist } from '../policy';

export function learnedPolicy(model: LearnedModel, specialists: readonly Specialist[]): RoutingPolicy {
  return {
    name: 'learned',
    async score(inputs: readonly RouteInput[]): Promise<PolicyScores[]> {
      const domainScores = await model.run(inputs);
      return domainScores.map((d) => ({ scores: expertScoresFromDomains(specialists, d), policy: 'learned' }));
    },
  };
}
