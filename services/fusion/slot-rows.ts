/**
 * Per-slot rows for the adapter graph (adapter-graph.ts): each expert slot is fed the tokens of the rows that chose
 * it only (`rows_j`, `expert_j` [Nj,Tj,Cj]), so its cross-attention costs what its requests need, not the batch.
 */
import { pickRows } from '../../src/core/tensor-codec';
import type { TokenArray } from './fuse-request';

/** One slot's graph input: ascending row indices into the batch and their tokens, row-major [rows.length, Tj, Cj]. */
export interface SlotRows<A extends TokenArray = TokenArray> {
  rows: Int32Array;
  data: A;
}

/** The rows of an [N, E] 0/1 mask that choose slot j (value > 0.5, as the graph reads it), ascending. */
export function chosenRows(mask: Float32Array, n: number, slots: number, j: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if ((mask[i * slots + j] ?? 0) > 0.5) out.push(i);
  return Int32Array.from(out);
}

/** Dense per-slot tokens [N,Tj,Cj] (null: none sent) and the mask → each slot's chosen rows and their tokens. */
export function slotRowsFromDense<A extends TokenArray>(experts: readonly (A | null)[], mask: Float32Array, n: number, perRow: readonly number[], empty: (length: number) => A): SlotRows<A>[] {
  return experts.map((data, j) => {
    const rows = chosenRows(mask, n, experts.length, j);
    if (rows.length === 0) return { rows, data: empty(0) };
    if (!data) throw new Error(`slot ${j} is chosen by ${rows.length} row(s) but has no tokens`);
    return { rows, data: rows.length === n ? data : pickRows(data, rows, perRow[j] as number) };
  });
}
