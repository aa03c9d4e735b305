/**
 * The fusion gate's per-request context vector: the instruction's hashed text features (the same featuriser the
 * learned router uses) folded into the adapter's context width. No network, no model.
 */
import { textFeaturesInto } from '../src/core/text-features';

export function instructionContext(instruction: string, width: number): Float32Array {
  const out = new Float32Array(width);
  if (width > 0) textFeaturesInto(instruction, out);
  return out;
}
