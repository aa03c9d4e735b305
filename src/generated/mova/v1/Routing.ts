// Original file: protos/mova/v1/gateway.proto

import type { ExpertScore as _mova_v1_ExpertScore, ExpertScore__Output as _mova_v1_ExpertScore__Output } from '../../mova/v1/ExpertScore';

export interface Routing {
  /**
   * Every routable expert's score, highest first.
   */
  'scores'?: (_mova_v1_ExpertScore)[];
  /**
   * The experts chosen for this request, highest score first.
   */
  'chosen'?: (_mova_v1_ExpertScore)[];
  /**
   * The policy that decided (learned, llm, rules, all, none), with fallback noted in reason.
   */
  'policy'?: (string);
  /**
   * One-line explanation.
   */
  'reason'?: (string);
}

export interface Routing__Output {
  /**
   * Every routable expert's score, highest first.
   */
  'scores': (_mova_v1_ExpertScore__Output)[];
  /**
   * The experts chosen for this request, highest score first.
   */
  'chosen': (_mova_v1_ExpertScore__Output)[];
  /**
   * The policy that decided (learned, llm, rules, all, none), with fallback noted in reason.
   */
  'policy': (string);
  /**
   * One-line explanation.
   */
  'reason': (string);
}
