/** Batch tensor helpers for the orchestrator. */
import type { Float32Tensor } from '../services/expert/pipeline';

export function rowSize(t: Float32Tensor): number {
  return t.dims.slice(1).reduce((a, b) => a * b, 1);
}

/** Rows `indices` of t, in that order (t itself when that is every row in order). */
export function gatherRows(t: Float32Tensor, indices: readonly number[]): Float32Tensor {
  if (indices.length === t.dims[0] && indices.every((src, i) => src === i)) return t;
  const per = rowSize(t);
  const out = new Float32Array(indices.length * per);
  indices.forEach((src, i) => out.set(t.data.subarray(src * per, (src + 1) * per), i * per));
  return { data: out, dims: [indices.length, ...t.dims.slice(1)] };
}
