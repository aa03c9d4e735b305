// Original file: protos/mova/v1/gateway.proto


/**
 * Router score of one expert.
 */
export interface ExpertScore {
  /**
   * Registry name.
   */
  'name'?: (string);
  /**
   * Score in [0, 1].
   */
  'score'?: (number | string);
  /**
   * The expert's domains (natural, document, chart, grounding, face, ...).
   */
  'domains'?: (string)[];
}

/**
 * Router score of one expert.
 */
export interface ExpertScore__Output {
  /**
   * Registry name.
   */
  'name': (string);
  /**
   * Score in [0, 1].
   */
  'score': (number);
  /**
   * The expert's domains (natural, document, chart, grounding, face, ...).
   */
  'domains': (string)[];
}
