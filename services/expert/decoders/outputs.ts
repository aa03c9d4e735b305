/** Picking a decoder's graph outputs by name and checking their shapes. */
import { ConfigError } from '../../../src/core/errors';
import type { Float32Tensor } from '../pipeline';

export type DecoderOutputs = Readonly<Record<string, Float32Tensor>>;

/**
 * The output named by `name` (from decoder setting `key`), checked to have `rank` dims whose product matches
 * its data length. A missing output is a configuration error: the setting names the wrong graph value.
 */
export function requireOutput(outputs: DecoderOutputs, name: string, key: string, rank: number): Float32Tensor {
  const t = outputs[name];
  if (!t) throw new ConfigError(`decoder.${key}`, `graph output "${name}" not found (have: ${Object.keys(outputs).join(', ')})`);
  const size = t.dims.reduce((a, b) => a * b, 1);
  if (t.dims.length !== rank || size !== t.data.length) {
    throw new Error(`output "${name}" has dims [${t.dims.join(',')}] and ${t.data.length} values; expected rank ${rank}`);
  }
  return t;
}

/** Check that there is one placement per batch item. */
export function checkBatch(n: number, placements: readonly unknown[], name: string): void {
  if (placements.length !== n) throw new Error(`output "${name}" has batch ${n} but ${placements.length} placements were given`);
}
