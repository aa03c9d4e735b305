// Original file: protos/mova/v1/router.proto


export interface RouteScore {
  /**
   * Expert name from the registry.
   */
  'name'?: (string);
  /**
   * Usefulness score in [0, 1] under the policy used (1 = certainly useful).
   */
  'score'?: (number | string);
  /**
   * The expert's domains from the registry.
   */
  'domains'?: (string)[];
}

export interface RouteScore__Output {
  /**
   * Expert name from the registry.
   */
  'name': (string);
  /**
   * Usefulness score in [0, 1] under the policy used (1 = certainly useful).
   */
  'score': (number);
  /**
   * The expert's domains from the registry.
   */
  'domains': (string)[];
}
