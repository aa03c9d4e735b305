/**
 * The NaN/Inf check of `pixel_values` runs in the expert's worker (runner.ts finiteRows) on a whole batch at once:
 * a request holding a non-finite value fails alone, naming its first such element within the request, and the other
 * requests of its batch get exactly what they get in a batch of their own. Real worker pool, real MobileNetV2.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/core/errors';
import { DEFAULT_REGISTRY_PATH, loadRegistry } from '../../src/core/registry';
import { WorkerPool } from '../../src/core/worker-pool';
import { executeBatch, type ExpertPool } from '../../services/expert/batch';
import type { ItemResults } from '../../services/expert/infer';
import { finiteRows, type ExpertInfo, type ExpertRunRequest, type ExpertRunResult } from '../../services/expert/runner';

const PER = 3 * 224 * 224;

function pixels(rows: number, seed: number): ExpertRunRequest & { kind: 'pixels' } {
  const data = new Float32Array(rows * PER);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin((i + seed * 7919) / 311);
  return { kind: 'pixels', pixels: { data, dims: [rows, 3, 224, 224] } };
}

function ok(r: ItemResults | Error): ItemResults {
  if (r instanceof Error) throw r;
  return r;
}

describe('pixel_values NaN/Inf check in the worker', () => {
  let pool: ExpertPool;

  before(async () => {
    const registry = loadRegistry(DEFAULT_REGISTRY_PATH);
    pool = await WorkerPool.start<ExpertRunRequest, ExpertRunResult, ExpertInfo>({
      module: path.join(__dirname, '..', '..', 'services', 'expert', 'runner.js'),
      options: { registryPath: DEFAULT_REGISTRY_PATH, modelsDir: registry.modelsDir, expert: 'mobilenetv2', intraOpThreads: 1, maxPixels: 50e6 },
      size: 2,
      name: 'finite-test',
    });
  });
  after(async () => {
    await pool.stop();
  });

  it('fails only the request with a bad element, naming it; the rest of the batch equals batches of their own', async () => {
    const bad = pixels(2, 2);
    bad.pixels.data[PER + 7] = Number.NaN; // row 1, element 7 of the row
    bad.pixels.data[PER + 9] = Number.POSITIVE_INFINITY;
    const [a, b, c] = await executeBatch(pool, [pixels(2, 1), bad, pixels(1, 3)]);
    assert.ok(b instanceof InvalidArgumentError, String(b));
    assert.equal(b.message, `input "pixel_values" holds a non-finite value at element ${PER + 7}`);
    const [aAlone] = await executeBatch(pool, [pixels(2, 1)]);
    const [cAlone] = await executeBatch(pool, [pixels(1, 3)]);
    for (const [mixed, alone] of [[ok(a!), ok(aAlone!)], [ok(c!), ok(cAlone!)]] as const) {
      assert.deepEqual(mixed.pooled.dims, alone.pooled.dims);
      assert.deepEqual(mixed.decoded, alone.decoded);
      for (let i = 0; i < alone.pooled.data.length; i++) assert.ok(Math.abs(mixed.pooled.data[i]! - alone.pooled.data[i]!) < 1e-4, `pooled[${i}]`);
    }
  });

  it('split over idle workers (one item per job) the same holds, and an all-bad batch fails every request', async () => {
    const bad = pixels(1, 4);
    bad.pixels.data[123] = Number.NEGATIVE_INFINITY;
    const [good, failed] = await executeBatch(pool, [pixels(2, 5), bad], { perItem: true });
    assert.equal(ok(good!).pooled.dims[0], 2);
    assert.match(String(failed), /non-finite value at element 123$/);
    const worse = pixels(1, 6);
    worse.pixels.data[0] = Number.NaN;
    const [only] = await executeBatch(pool, [worse]);
    assert.match(String(only), /non-finite value at element 0$/);
  });

  it('finiteRows keeps a finite tensor as it is and drops exactly the bad rows of another', async () => {
    const fine = pixels(3, 7).pixels;
    const kept = await finiteRows(fine);
    assert.equal(kept.pixels, fine, 'no copy when every value is finite');
    assert.deepEqual(kept.itemErrors, [null, null, null]);
    const mixed = pixels(3, 8).pixels;
    mixed.data[2 * PER + 5] = Number.NaN;
    const { pixels: rest, itemErrors } = await finiteRows(mixed);
    assert.deepEqual(itemErrors.map((e) => e?.nonFiniteAt ?? null), [null, null, 5]);
    assert.deepEqual(rest.dims, [2, 3, 224, 224]);
    assert.deepEqual(rest.data, mixed.data.subarray(0, 2 * PER));
  });
});
