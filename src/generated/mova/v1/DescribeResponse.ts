// Original file: protos/mova/v1/fusion.proto

import type { FusionSlot as _mova_v1_FusionSlot, FusionSlot__Output as _mova_v1_FusionSlot__Output } from '../../mova/v1/FusionSlot';

export interface DescribeResponse {
  /**
   * Base token grid [Hb, Wb].
   */
  'base_grid'?: (number)[];
  /**
   * Base token width Cb.
   */
  'base_width'?: (number);
  /**
   * Expert slots in slot order (E = their count).
   */
  'slots'?: (_mova_v1_FusionSlot)[];
  /**
   * Context vector width Dctx.
   */
  'context_width'?: (number);
  /**
   * Fused token width Dout.
   */
  'output_width'?: (number);
  /**
   * Adapter blocks L (the middle dimension of gates).
   */
  'blocks'?: (number);
  /**
   * Most experts the gate keeps per block (top-K).
   */
  'top_k'?: (number);
  /**
   * Largest N one Fuse call may carry.
   */
  'max_batch_size'?: (number);
  /**
   * Whether the weights are the seeded, untrained initialiser (false = loaded from a checkpoint).
   */
  'untrained'?: (boolean);
}

export interface DescribeResponse__Output {
  /**
   * Base token grid [Hb, Wb].
   */
  'base_grid': (number)[];
  /**
   * Base token width Cb.
   */
  'base_width': (number);
  /**
   * Expert slots in slot order (E = their count).
   */
  'slots': (_mova_v1_FusionSlot__Output)[];
  /**
   * Context vector width Dctx.
   */
  'context_width': (number);
  /**
   * Fused token width Dout.
   */
  'output_width': (number);
  /**
   * Adapter blocks L (the middle dimension of gates).
   */
  'blocks': (number);
  /**
   * Most experts the gate keeps per block (top-K).
   */
  'top_k': (number);
  /**
   * Largest N one Fuse call may carry.
   */
  'max_batch_size': (number);
  /**
   * Whether the weights are the seeded, untrained initialiser (false = loaded from a checkpoint).
   */
  'untrained': (boolean);
}
