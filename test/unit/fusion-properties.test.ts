/**
 * Properties of the ONNX adapter: the no-expert path, gate invariants, insensitivity to unchosen experts,
 * batch = singles.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { float32ToHalf, halfToFloat32 } from '../../src/core/fp16';
import { buildAdapterGraph, FUSION_IO, tokenGraph } from '../../services/fusion/adapter-graph';
import { referenceFuse } from '../../services/fusion/reference';
import { slotRowsFromDense } from '../../services/fusion/slot-rows';
import { createSession, fixture, mulberry32, randomArray, randomRequest, relError, runBatch, type Request } from './fusion-kit';

const SEED = Number(process.env.FUSION_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe('fusion properties', () => {
  it('no chosen expert → the base-only path, whatever the expert tokens; gates all 0', async () => {
    for (const shape of ['fourExperts', 'oneExpert', 'threeExpertsAllKept'] as const) {
      const f = await fixture(shape);
      const rand = mulberry32(SEED);
      const none = f.config.experts.map(() => 0);
      const reqs = Array.from({ length: 3 }, () => randomRequest(f.config, rand, none));
      const zeroed = reqs.map((r): Request => ({ ...r, experts: r.experts.map((e) => new Float32Array(e.length)) }));
      const out = await runBatch(f, reqs);
      const outZeroed = await runBatch(f, zeroed);
      reqs.forEach((r, n) => {
        const baseOnly = referenceFuse(f.config, f.weights, r, { baseOnly: true });
        const err = relError(out.fused[n] as Float32Array, baseOnly.fused);
        assert.ok(err <= 1e-4, `${shape} request ${n} (seed ${SEED}): rel error to the base-only path ${err}`);
        assert.deepEqual(out.fused[n], outZeroed.fused[n], `${shape}: expert tokens must not matter when none is chosen`);
        assert.deepEqual([...(out.gates[n] as Float32Array)], Array(f.config.blocks * f.config.maxExperts).fill(0));
      });
    }
  });

  it('gates: ≥ 0, exactly 0 off the chosen set, min(K, chosen) non-zero, summing to 1 (fast-check)', async () => {
    const f = await fixture('fourExperts');
    const { maxExperts: E, blocks: L, topK: K } = f.config;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.boolean(), { minLength: E, maxLength: E }), { minLength: 1, maxLength: 6 }), fc.integer(), async (masks, seed) => {
        const rand = mulberry32(seed);
        const reqs = masks.map((m) => randomRequest(f.config, rand, m.map(Number)));
        const out = await runBatch(f, reqs);
        reqs.forEach((r, n) => {
          const g = out.gates[n] as Float32Array;
          const chosen = r.mask.filter((v) => v === 1).length;
          for (let b = 0; b < L; b++) {
            const row = [...g.subarray(b * E, (b + 1) * E)];
            assert.ok(row.every((v) => v >= 0 && Number.isFinite(v)), `gates ${row}`);
            row.forEach((v, j) => { if (r.mask[j] === 0) assert.equal(v, 0, `unchosen expert ${j} has gate ${v}`); });
            assert.equal(row.filter((v) => v > 0).length, Math.min(K, chosen), `mask [${r.mask}] gates [${row}]`);
            const sum = row.reduce((a, v) => a + v, 0);
            if (chosen > 0) assert.ok(Math.abs(sum - 1) < 1e-6, `gates sum to ${sum}`);
            else assert.equal(sum, 0);
          }
        });
      }),
      { numRuns: 40, seed: SEED },
    );
  });

  it('perturbing (or poisoning with NaN) an unchosen expert changes nothing, bit for bit, also when its rows reach the graph', async () => {
    const f = await fixture('fourExperts');
    const rand = mulberry32(SEED);
    const reqs = [[1, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0], [1, 1, 0, 1]].map((m) => randomRequest(f.config, rand, m));
    for (const rows of ['chosen', 'all'] as const) {
      const before = await runBatch(f, reqs, rows);
      for (const poison of ['random', 'nan'] as const) {
        const perturbed = reqs.map((r): Request => ({
          ...r,
          experts: r.experts.map((e, j) => (r.mask[j] === 1 ? e : poison === 'nan' ? new Float32Array(e.length).fill(NaN) : randomArray(rand, e.length, 5))),
        }));
        const after = await runBatch(f, perturbed, rows);
        assert.deepEqual(after.fused, before.fused, `${rows} rows, ${poison}: fused changed`);
        assert.deepEqual(after.gates, before.gates, `${rows} rows, ${poison}: gates changed`);
      }
    }
  });

  it('feeding each slot only the rows that chose it equals feeding it every row', async () => {
    for (const shape of ['fourExperts', 'oneExpert', 'threeExpertsAllKept'] as const) {
      const f = await fixture(shape);
      const rand = mulberry32(SEED + 3);
      const E = f.config.maxExperts;
      // Mixed batch: no expert, each single expert, all of them.
      const masks = [Array(E).fill(0), ...Array.from({ length: E }, (_, j) => Array.from({ length: E }, (__, k) => Number(k === j))), Array(E).fill(1)];
      const reqs = masks.map((m) => randomRequest(f.config, rand, m));
      const [chosen, all] = [await runBatch(f, reqs, 'chosen'), await runBatch(f, reqs, 'all')];
      reqs.forEach((_, n) => {
        assert.ok(relError(chosen.fused[n]!, all.fused[n]!) < 1e-5, `${shape}: request ${n} fused differs (${relError(chosen.fused[n]!, all.fused[n]!)})`);
        assert.deepEqual(chosen.gates[n], all.gates[n], `${shape}: request ${n} gates differ`);
      });
    }
  });

  it('the FP16-token graph equals the float32 graph bit for bit on the same (FP16-representable) tokens', async () => {
    for (const shape of ['fourExperts', 'oneExpert', 'threeExpertsAllKept'] as const) {
      const f = await fixture(shape);
      const c = f.config;
      const half = await createSession(tokenGraph(buildAdapterGraph(c, f.weights), 'float16', c.maxExperts));
      const rand = mulberry32(SEED + 11);
      const N = 4;
      const reqs = Array.from({ length: N }, () => randomRequest(c, rand));
      const cat = (parts: Float32Array[]): Float32Array => Float32Array.from(parts.flatMap((p) => Array.from(p)));
      const base16 = float32ToHalf(cat(reqs.map((r) => r.base)));
      const experts16 = c.experts.map((_, j) => float32ToHalf(cat(reqs.map((r) => r.experts[j] as Float32Array))));
      const mask = new ort.Tensor('float32', Float32Array.from(reqs.flatMap((r) => r.mask)), [N, c.maxExperts]);
      const context = new ort.Tensor('float32', cat(reqs.map((r) => r.context)), [N, c.contextWidth]);
      const feeds32: Record<string, ort.Tensor> = { [FUSION_IO.base]: new ort.Tensor('float32', halfToFloat32(base16), [N, c.tokens, c.baseWidth]), [FUSION_IO.mask]: mask, [FUSION_IO.context]: context };
      const feeds16: Record<string, ort.Tensor> = { [FUSION_IO.base]: new ort.Tensor('float16', base16, [N, c.tokens, c.baseWidth]), [FUSION_IO.mask]: mask, [FUSION_IO.context]: context };
      const per = c.experts.map((e) => e.tokens * e.width);
      const slots16 = slotRowsFromDense(experts16, mask.data as Float32Array, N, per, (n) => new Uint16Array(n));
      c.experts.forEach((e, j) => {
        const { rows, data } = slots16[j]!;
        const rowsTensor = new ort.Tensor('int64', BigInt64Array.from(rows, (r) => BigInt(r)), [rows.length]);
        feeds32[FUSION_IO.expert(j)] = new ort.Tensor('float32', halfToFloat32(data), [rows.length, e.tokens, e.width]);
        feeds16[FUSION_IO.expert(j)] = new ort.Tensor('float16', data, [rows.length, e.tokens, e.width]);
        feeds32[FUSION_IO.rows(j)] = rowsTensor;
        feeds16[FUSION_IO.rows(j)] = rowsTensor;
      });
      const [a, b] = [await f.session.run(feeds32), await half.run(feeds16)];
      for (const name of [FUSION_IO.fused, FUSION_IO.gates]) {
        assert.deepEqual(Array.from(b[name]?.data as Float32Array), Array.from(a[name]?.data as Float32Array), `${shape}: ${name} differs`);
      }
      await half.release();
    }
  });

  it('a batch equals its requests run singly', async () => {
    for (const shape of ['fourExperts', 'threeExpertsAllKept'] as const) {
      const f = await fixture(shape);
      const rand = mulberry32(SEED + 7);
      const reqs = Array.from({ length: 5 }, () => randomRequest(f.config, rand));
      const batch = await runBatch(f, reqs);
      for (const [n, r] of reqs.entries()) {
        const single = await runBatch(f, [r]);
        const err = relError(batch.fused[n] as Float32Array, single.fused[0] as Float32Array);
        assert.ok(err <= 1e-6, `${shape} request ${n} (seed ${SEED}): batch vs single rel error ${err}`);
        assert.ok(relError(batch.gates[n] as Float32Array, single.gates[0] as Float32Array) <= 1e-6);
      }
    }
  });
});
