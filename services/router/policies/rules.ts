/** `rules` baseline: keyword rules on the instruction (score 1 when a domain's keywords match, else 0). */
import { expertScoresFromDomains, type PolicyScores, type RouteInput, type RoutingPolicy, type Specialist } from '../policy';

export const KEYWORD_RULES: Readonly<Record<string, RegExp>> = {
  document: /\b(text|read|written|write|says?|words?|ocr|transcribe|document|receipt|letter|form|page|sign|code|table|article)\b/i,
  chart: /\b(chart|graph|plot|bar|bars|axis|pie|trend|legend|series)\b/i,
  grounding: /\b(where|locate|find|count|how many|box|bounding|position|detect|point)\b/i,
  face: /\b(face|faces|smil\w*|person|people|portrait|expression)\b/i,
};

export function rulesDomainScores(instruction: string): Record<string, number> {
  return Object.fromEntries(Object.entries(KEYWORD_RULES).map(([d, re]) => [d, re.test(instruction) ? 1 : 0]));
}

export function rulesPolicy(specialists: readonly Specialist[]): RoutingPolicy {
  return {
    name: 'rules',
    async score(inputs: readonly RouteInput[]): Promise<PolicyScores[]> {
      return inputs.map((i) => ({ scores: expertScoresFromDomains(specialists, rulesDomainScores(i.instruction)), policy: 'rules' }));
    },
  };
}
