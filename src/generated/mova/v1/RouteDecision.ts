// Original file: protos/mova/v1/router.proto

import type { RouteScore as _mova_v1_RouteScore, RouteScore__Output as _mova_v1_RouteScore__Output } from '../../mova/v1/RouteScore';

export interface RouteDecision {
  /**
   * Every specialist expert (all registry experts except the base), by descending score.
   */
  'scores'?: (_mova_v1_RouteScore)[];
  /**
   * Chosen experts, by descending score: at most max_experts, never the base expert (which always runs).
   */
  'chosen'?: (string)[];
  /**
   * Policy that produced the scores ("llm" that fell back reports "learned" here and says so in reason).
   */
  'policy'?: (string);
  /**
   * One line explaining the decision (threshold, overrides applied, fallbacks).
   */
  'reason'?: (string);
}

export interface RouteDecision__Output {
  /**
   * Every specialist expert (all registry experts except the base), by descending score.
   */
  'scores': (_mova_v1_RouteScore__Output)[];
  /**
   * Chosen experts, by descending score: at most max_experts, never the base expert (which always runs).
   */
  'chosen': (string)[];
  /**
   * Policy that produced the scores ("llm" that fell back reports "learned" here and says so in reason).
   */
  'policy': (string);
  /**
   * One line explaining the decision (threshold, overrides applied, fallbacks).
   */
  'reason': (string);
}
