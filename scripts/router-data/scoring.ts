/**
 * How a routing decision is scored against a labelled sample (scripts/eval-router.ts and the router tests share it).
 * Ground truth per sample: the specialists whose domains meet the sample's labels (empty = base only). Top-1 is
 * correct when the highest-scoring chosen expert is in the truth set, or nothing is chosen and the set is empty.
 */
import type { PolicyName, Specialist } from '../../services/router/policy';
import type { RouteItemInput } from '../../services/router/router';
import type { Sample } from './dataset';
import type { Embeddings } from './embeddings';

export function truthSets(samples: readonly Sample[], specialists: readonly Specialist[]): Set<string>[] {
  return samples.map((s) => new Set(specialists.filter((e) => e.domains.some((d) => (s.labels as string[]).includes(d))).map((e) => e.name)));
}

export function top1Correct(chosen: readonly string[], truth: ReadonlySet<string>): boolean {
  const top = chosen[0];
  return top === undefined ? truth.size === 0 : truth.has(top);
}

/** Exact-set accuracy: the chosen experts are the truth set, no more and no fewer. */
export function exactSetCorrect(chosen: readonly string[], truth: ReadonlySet<string>): boolean {
  return chosen.length === truth.size && chosen.every((c) => truth.has(c));
}

/** The router's input for each sample: its instruction and its image's embedding, routed with `policy`. */
export function routeItems(samples: readonly Sample[], emb: Embeddings, policy: PolicyName): RouteItemInput[] {
  return samples.map((s) => ({ instruction: s.instruction, pooled: emb.byId.get(s.image) ?? null, required: [], excluded: [], policy }));
}
