/** Batch tensor helpers for the orchestrator: gather rows, scatter into zero-filled slots. */
import type { Float32Tensor } from '../services/expert/pipeline';

export function rowSize(t: Float32Tensor): number {
  return t.dims.slice(1).reduce((a, b) => a * b, 1);
}

/** Rows `indices` of t, in that order. */
export function gatherRows(t: Float32Tensor, indices: readonly number[]): Float32Tensor {
  const per = rowSize(t);
  const out = new Float32Array(indices.length * per);
  indices.forEach((src, i) => out.set(t.data.subarray(src * per, (src + 1) * per), i * per));
  return { data: out, dims: [indices.length, ...t.dims.slice(1)] };
}

/** A zero tensor of `n` rows shaped like `rowDims`, with rows of `src` written at `targets`. */
export function scatterRows(src: Float32Tensor | undefined, targets: readonly number[], n: number, rowDims: readonly number[]): Float32Tensor {
  const per = rowDims.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n * per);
  if (src) targets.forEach((dst, i) => out.set(src.data.subarray(i * per, (i + 1) * per), dst * per));
  return { data: out, dims: [n, ...rowDims] };
}
