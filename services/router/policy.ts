/**
 * The routing-policy boundary: a policy turns a batch of (instruction, pooled embedding) into per-expert scores.
 * Choosing the set (threshold, overrides, max) is done once for every policy in select.ts.
 */
export const POLICY_NAMES = ['learned', 'llm', 'rules', 'all', 'none'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export function isPolicyName(s: string): s is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(s);
}

/** A specialist expert as the router sees it (the base expert is never one). */
export interface Specialist {
  name: string;
  domains: readonly string[];
  expertise: readonly string[];
  cost: number;
}

export interface RouteInput {
  instruction: string;
  /** The base pooled embedding, or null when the caller sent none. */
  pooled: Float32Array | null;
}

export interface PolicyScores {
  /** Score in [0,1] for every specialist, by name. */
  scores: Record<string, number>;
  /** The policy that actually produced the scores (differs from the requested one after a fallback). */
  policy: PolicyName;
  /** Short note for the reason line (e.g. why a fallback happened). */
  note?: string;
}

export interface RoutingPolicy {
  readonly name: PolicyName;
  /** Scores for each input, in order. Rejects only on programming or model errors. */
  score(inputs: readonly RouteInput[], signal?: AbortSignal): Promise<PolicyScores[]>;
}

/** An expert's score from per-domain scores: the best of its domains (0 when the router knows none of them). */
export function expertScoresFromDomains(specialists: readonly Specialist[], domainScores: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of specialists) out[s.name] = Math.max(0, ...s.domains.map((d) => domainScores[d] ?? 0));
  return out;
}
