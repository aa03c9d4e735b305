// Original file: protos/mova/v1/fusion.proto


/**
 * One expert slot of the adapter.
 */
export interface FusionSlot {
  /**
   * Slot index j (the column of mask and gates).
   */
  'index'?: (number);
  /**
   * Expert name (from the registry), also accepted as the tensor name of the slot's tokens.
   */
  'name'?: (string);
  /**
   * Token grid [Hj, Wj]; tokens Tj = Hj·Wj.
   */
  'grid'?: (number)[];
  /**
   * Token width Cj.
   */
  'width'?: (number);
}

/**
 * One expert slot of the adapter.
 */
export interface FusionSlot__Output {
  /**
   * Slot index j (the column of mask and gates).
   */
  'index': (number);
  /**
   * Expert name (from the registry), also accepted as the tensor name of the slot's tokens.
   */
  'name': (string);
  /**
   * Token grid [Hj, Wj]; tokens Tj = Hj·Wj.
   */
  'grid': (number)[];
  /**
   * Token width Cj.
   */
  'width': (number);
}
