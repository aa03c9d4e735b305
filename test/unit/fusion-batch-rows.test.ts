/**
 * What the fusion service hands its worker for a merged batch (services/fusion/batch.ts): base, mask and context
 * concatenated job by job, and per expert slot only the rows whose mask chooses it — offset by the job's first row,
 * taken from dense tensors, `rows` tensors or both, FP16 converted when the batch mixes types — with the outputs split
 * back per job. A pool stand-in records the request; every token carries a marker of its job, row and slot.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { float32ToHalf } from '../../src/core/fp16';
import { compileAdapterConfig } from '../../services/fusion/adapter-config';
import { executeFuseBatch, type FusionPool } from '../../services/fusion/batch';
import type { FuseJob, SentSlot, TokenArray } from '../../services/fusion/fuse-request';
import type { FusionRunRequest } from '../../services/fusion/runner';
import { pickRows } from '../../src/core/tensor-codec';
import { chosenRows, slotRowsFromDense } from '../../services/fusion/slot-rows';

const c = compileAdapterConfig({
  baseGrid: [1, 2], baseWidth: 3,
  experts: [{ name: 'a', grid: [1, 2], width: 2 }, { name: 'b', grid: [1, 1], width: 3 }],
  adapterWidth: 8, heads: 2, blocks: 1, outputWidth: 4, contextWidth: 2,
});
const PER = c.experts.map((e) => e.tokens * e.width);

/** Marker of job `job`, its row `row`, slot `slot`: every element of that row's tokens holds it. */
const marker = (job: number, row: number, slot: number): number => 100 * job + 10 * row + slot;

function tokens(job: number, rows: readonly number[], slot: number): Float32Array {
  const per = PER[slot]!;
  const out = new Float32Array(rows.length * per);
  rows.forEach((r, k) => out.fill(marker(job, r, slot), k * per, (k + 1) * per));
  return out;
}

function job(id: number, masks: number[][], sent: ('dense' | number[] | null)[], fp16 = false): FuseJob {
  const n = masks.length;
  const experts = sent.map((s, j): SentSlot | null => {
    if (s === null) return null;
    const rows = s === 'dense' ? Array.from({ length: n }, (_, i) => i) : s;
    const data: TokenArray = fp16 ? float32ToHalf(tokens(id, rows, j)) : tokens(id, rows, j);
    return { rows: s === 'dense' ? null : Int32Array.from(s), data };
  });
  const base = new Float32Array(n * c.tokens * c.baseWidth).fill(id);
  return {
    n, tokens: fp16 ? 'float16' : 'float32',
    base: fp16 ? float32ToHalf(base) : base,
    experts, mask: Float32Array.from(masks.flat()), context: new Float32Array(n * c.contextWidth).fill(id), fusedDatatype: 'FP32',
  };
}

/** A pool (its runTimed, which executeFuseBatch uses) that records each request and answers fused[row] = row index, gates[row] = row index. */
function recordingPool(seen: FusionRunRequest[]): FusionPool {
  return {
    async runTimed(req: FusionRunRequest) {
      seen.push(req);
      const fl = c.tokens * c.outputWidth, gl = c.blocks * c.maxExperts;
      const fused = new Float32Array(req.n * fl).map((_, k) => Math.floor(k / fl));
      const gates = new Float32Array(req.n * gl).map((_, k) => Math.floor(k / gl));
      const now = performance.now();
      return { result: { fused, gates, inferenceMs: 1 }, span: { startedAt: now, endedAt: now } };
    },
  } as unknown as FusionPool;
}

/** The slot's markers, one per row it carries (every element of a row holds the same value). */
function rowMarkers(data: TokenArray, per: number): number[] {
  const f = data instanceof Uint16Array ? Array.from(data, (h) => h) : Array.from(data);
  return Array.from({ length: f.length / per }, (_, k) => f[k * per]!);
}

describe('fusion batch: per-slot rows', () => {
  it('helpers: chosen rows of a mask, rows picked from a dense tensor', () => {
    const mask = Float32Array.from([1, 0, 0, 1, 1, 1]);
    assert.deepEqual(Array.from(chosenRows(mask, 3, 2, 0)), [0, 2]);
    assert.deepEqual(Array.from(chosenRows(mask, 3, 2, 1)), [1, 2]);
    assert.deepEqual(Array.from(pickRows(Float32Array.from([0, 0, 1, 1, 2, 2]), [2, 0], 2)), [2, 2, 0, 0]);
    const slots = slotRowsFromDense([tokens(0, [0, 1, 2], 0), null], Float32Array.from([1, 0, 0, 0, 1, 0]), 3, PER, (n) => new Float32Array(n));
    assert.deepEqual(Array.from(slots[0]!.rows), [0, 2]);
    assert.deepEqual(rowMarkers(slots[0]!.data, PER[0]!), [marker(0, 0, 0), marker(0, 2, 0)]);
    assert.equal(slots[1]!.rows.length, 0);
    assert.throws(() => slotRowsFromDense([null, null], Float32Array.from([1, 0]), 1, PER, (n) => new Float32Array(n)), /slot 0 is chosen by 1 row/);
  });

  it('a merged batch: dense and rows tensors, sent-but-unchosen rows left out, offsets per job, outputs split back', async () => {
    const jobs = [
      // Job 0 (rows 0-1): slot a dense but chosen by row 1 only; slot b left out.
      job(0, [[0, 0], [1, 0]], ['dense', null]),
      // Job 1 (rows 2-4): slot a sent for rows 0 and 2, both chosen; slot b dense, chosen by row 1.
      job(1, [[1, 0], [0, 1], [1, 0]], [[0, 2], 'dense']),
    ];
    const seen: FusionRunRequest[] = [];
    const out = await executeFuseBatch(recordingPool(seen), c, jobs);
    const req = seen[0]!;
    assert.equal(req.n, 5);
    assert.equal(req.tokens, 'float32');
    assert.deepEqual(Array.from(req.experts[0]!.rows), [1, 2, 4]);
    assert.deepEqual(rowMarkers(req.experts[0]!.data, PER[0]!), [marker(0, 1, 0), marker(1, 0, 0), marker(1, 2, 0)]);
    assert.deepEqual(Array.from(req.experts[1]!.rows), [3]);
    assert.deepEqual(rowMarkers(req.experts[1]!.data, PER[1]!), [marker(1, 1, 1)]);
    assert.deepEqual(Array.from(req.mask), [0, 0, 1, 0, 1, 0, 0, 1, 1, 0]);
    assert.deepEqual(Array.from(req.base).filter((_, k) => k % (c.tokens * c.baseWidth) === 0), [0, 0, 1, 1, 1]);
    // Outputs split back: job 0 gets rows 0-1, job 1 rows 2-4.
    const fl = c.tokens * c.outputWidth;
    assert.deepEqual(out.map((o) => Array.from(o.fused).filter((_, k) => k % fl === 0)), [[0, 1], [2, 3, 4]]);
    assert.ok(out.every((o) => o.batchSize === 5));
  });

  it('one job that sent exactly its chosen rows hands its own array over (no copy); a batch mixing FP16 and FP32 runs float32', async () => {
    const seen: FusionRunRequest[] = [];
    const only = job(0, [[1, 0], [0, 0], [1, 1]], [[0, 2], [2]]);
    const sent = only.experts[0]!.data;
    await executeFuseBatch(recordingPool(seen), c, [only]);
    assert.equal(seen[0]!.experts[0]!.data, sent, 'the job\'s own array');
    assert.deepEqual(Array.from(seen[0]!.experts[1]!.rows), [2]);

    const mixed = [job(0, [[1, 0]], ['dense', null], true), job(1, [[1, 1]], ['dense', 'dense'])];
    await executeFuseBatch(recordingPool(seen), c, mixed);
    const req = seen[1]!;
    assert.equal(req.tokens, 'float32');
    assert.ok(req.experts[0]!.data instanceof Float32Array && req.base instanceof Float32Array);
    assert.deepEqual(rowMarkers(req.experts[0]!.data, PER[0]!), [marker(0, 0, 0), marker(1, 0, 0)]);
    assert.deepEqual(Array.from(req.experts[1]!.rows), [1]);
  });
});
