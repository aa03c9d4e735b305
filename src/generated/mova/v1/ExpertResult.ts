// Original file: protos/mova/v1/gateway.proto


/**
 * Outcome of one expert for this request.
 */
export interface ExpertResult {
  /**
   * Registry name.
   */
  'name'?: (string);
  /**
   * ok | skipped (not chosen) | failed | timeout.
   */
  'status'?: (string);
  /**
   * The expert's decoded result as JSON (labels, OCR lines, faces, objects); empty unless ok.
   */
  'decoded_json'?: (string);
  /**
   * Error message when failed or timeout.
   */
  'error'?: (string);
  /**
   * Wall time of the expert call that served this request (ms); 0 when skipped.
   */
  'latency_ms'?: (number | string);
  /**
   * Gate weight the fusion gave this expert (mean over adapter blocks); 0 when not fused.
   */
  'gate_weight'?: (number | string);
}

/**
 * Outcome of one expert for this request.
 */
export interface ExpertResult__Output {
  /**
   * Registry name.
   */
  'name': (string);
  /**
   * ok | skipped (not chosen) | failed | timeout.
   */
  'status': (string);
  /**
   * The expert's decoded result as JSON (labels, OCR lines, faces, objects); empty unless ok.
   */
  'decoded_json': (string);
  /**
   * Error message when failed or timeout.
   */
  'error': (string);
  /**
   * Wall time of the expert call that served this request (ms); 0 when skipped.
   */
  'latency_ms': (number);
  /**
   * Gate weight the fusion gave this expert (mean over adapter blocks); 0 when not fused.
   */
  'gate_weight': (number);
}
