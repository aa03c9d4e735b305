/**
 * The ONNX adapter against the float64 reference on fresh random inputs and masks (relative error ≤ 1e-4 in FP32),
 * for several shapes and batches that mix chosen sets. The input seed is random per run and printed on failure;
 * set FUSION_TEST_SEED to replay one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_BASE, type AdapterOptions } from '../../services/fusion/adapter-config';
import { referenceFuse } from '../../services/fusion/reference';
import { fixture, maxAbsDiff, mulberry32, randomRequest, relError, runBatch, SHAPES, type Fixture, type Request } from './fusion-kit';

const SEED = Number(process.env.FUSION_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TOLERANCE = 1e-4;

function allMasks(E: number): number[][] {
  return Array.from({ length: 2 ** E }, (_, bits) => Array.from({ length: E }, (_, j) => (bits >> j) & 1));
}

async function checkParity(f: Fixture, requests: readonly Request[], label: string): Promise<void> {
  const out = await runBatch(f, requests);
  requests.forEach((req, n) => {
    const ref = referenceFuse(f.config, f.weights, req);
    const err = relError(out.fused[n] as Float32Array, ref.fused);
    assert.ok(err <= TOLERANCE, `${label} request ${n} mask [${req.mask}] (seed ${SEED}): fused rel error ${err.toExponential(2)}`);
    const gateErr = maxAbsDiff(out.gates[n] as Float32Array, ref.gates);
    assert.ok(gateErr <= 1e-5, `${label} request ${n} mask [${req.mask}] (seed ${SEED}): gate abs error ${gateErr.toExponential(2)}`);
  });
}

describe('fusion graph ↔ float64 reference', () => {
  for (const shape of Object.keys(SHAPES)) {
    it(`${shape}: every chosen set, mixed in one batch`, async () => {
      const f = await fixture(shape);
      const rand = mulberry32(SEED);
      const masks = allMasks(f.config.maxExperts);
      // Shuffle so each batch mixes different set sizes; run in batches of up to 6.
      masks.sort(() => rand() - 0.5);
      for (let i = 0; i < masks.length; i += 6) {
        const batch = masks.slice(i, i + 6).map((m) => randomRequest(f.config, rand, m));
        await checkParity(f, batch, shape);
      }
    });

    it(`${shape}: random masks, second weight seed`, async () => {
      const f = await fixture(shape, 99);
      const rand = mulberry32(SEED + 1);
      await checkParity(f, Array.from({ length: 5 }, () => randomRequest(f.config, rand)), `${shape}/99`);
    });
  }

  it('default geometry (MobileNetV2 7×7×1280 base, D 256, 4 heads, L 3, E 4, K 3, Dout 512)', async () => {
    const options: AdapterOptions = {
      baseGrid: DEFAULT_BASE.grid,
      baseWidth: DEFAULT_BASE.width,
      experts: [{ grid: [14, 14], width: 64 }, { grid: [7, 7], width: 96 }, { grid: [4, 4], width: 128 }, { grid: [1, 1], width: 32 }],
    };
    const f = await fixture(options, 3);
    const rand = mulberry32(SEED + 2);
    await checkParity(f, [randomRequest(f.config, rand, [1, 1, 0, 1]), randomRequest(f.config, rand, [0, 1, 1, 1]), randomRequest(f.config, rand, [0, 0, 0, 0])], 'default');
  });
});
