/** Batch tensor helpers for the orchestrator. */
import { pickRows } from '../src/core/tensor-codec';
import type { Float32Tensor } from '../services/expert/pipeline';

export function rowSize(t: Float32Tensor): number {
  return t.dims.slice(1).reduce((a, b) => a * b, 1);
}

/** Rows `indices` of t, in that order (t itself when that is every row in order). */
export function gatherRows(t: Float32Tensor, indices: readonly number[]): Float32Tensor {
  if (indices.length === t.dims[0] && indices.every((src, i) => src === i)) return t;
  return { data: pickRows(t.data, indices, rowSize(t)), dims: [indices.length, ...t.dims.slice(1)] };
}
