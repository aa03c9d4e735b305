/** The router's domain logic: a batch of validated items → per-item decision. No gRPC here. */
import { InvalidArgumentError } from '../../src/core/errors';
import type { PolicyName, PolicyScores, RouteInput, RoutingPolicy, Specialist } from './policy';
import { selectExperts, validateOverrides } from './select';

export interface RouteItemInput extends RouteInput {
  required: readonly string[];
  excluded: readonly string[];
  /** Undefined = the router's default. */
  maxExperts?: number;
  /** Undefined = the router's default policy. */
  policy?: PolicyName;
}

export interface Decision {
  scores: { name: string; score: number; domains: string[] }[];
  chosen: string[];
  policy: PolicyName;
  reason: string;
}

export interface RouterDeps {
  base: string;
  specialists: readonly Specialist[];
  policies: ReadonlyMap<PolicyName, RoutingPolicy>;
  defaultPolicy: PolicyName;
  maxExperts: number;
  threshold: number;
}

export class Router {
  constructor(private readonly d: RouterDeps) {}

  get specialists(): readonly Specialist[] {
    return this.d.specialists;
  }

  /** Validate overrides (InvalidArgumentError naming the item) and route every item. */
  async route(items: readonly RouteItemInput[], signal?: AbortSignal): Promise<Decision[]> {
    const plans = items.map((it, i) => {
      const policy = it.policy ?? this.d.defaultPolicy;
      if (!this.d.policies.has(policy)) throw new InvalidArgumentError(`items[${i}].policy: "${policy}" is not configured on this router`);
      const overrides = { required: it.required, excluded: it.excluded, maxExperts: it.maxExperts ?? this.d.maxExperts };
      validateOverrides(overrides, this.d.specialists, this.d.base, `items[${i}]`);
      return { policy, overrides };
    });
    const results = new Array<PolicyScores>(items.length);
    for (const [name, policy] of this.d.policies) {
      const idx = plans.flatMap((p, i) => (p.policy === name ? [i] : []));
      if (idx.length === 0) continue;
      const scored = await policy.score(idx.map((i) => items[i] as RouteItemInput), signal);
      idx.forEach((i, k) => { results[i] = scored[k] as PolicyScores; });
    }
    return plans.map((p, i) => this.decide(results[i] as PolicyScores, p.overrides));
  }

  private decide(r: PolicyScores, overrides: { required: readonly string[]; excluded: readonly string[]; maxExperts: number }): Decision {
    const { chosen, notes } = selectExperts(r.scores, overrides, this.d.threshold);
    const scores = this.d.specialists
      .map((s) => ({ name: s.name, score: r.scores[s.name] ?? 0, domains: [...s.domains] }))
      .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
    const top = scores[0];
    const head = chosen.length > 0
      ? `${r.policy}: ${chosen.map((c) => `${c} ${(r.scores[c] ?? 0).toFixed(2)}`).join(', ')} (threshold ${this.d.threshold})`
      : top && top.score >= this.d.threshold
        // Scored above the threshold but dropped by the request's overrides (excluded, max experts): the notes say which.
        ? `${r.policy}: no specialist chosen (${top.name} ${top.score.toFixed(2)} ≥ ${this.d.threshold})`
        : `${r.policy}: no specialist needed${top ? ` (best ${top.name} ${top.score.toFixed(2)} < ${this.d.threshold})` : ''}`;
    const reason = [head, ...notes, ...(r.note ? [r.note] : [])].join('; ');
    return { scores, chosen, policy: r.policy, reason };
  }
}
