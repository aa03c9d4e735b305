/** Registry: model variants per provider and WebGPU session options (defaults, validation). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/core/errors';
import { parseRegistry } from '../../src/core/registry';

const SHA = 'a'.repeat(64);

function registry(extra: Record<string, unknown>): unknown {
  return {
    version: 1,
    base: 'm',
    experts: [{
      name: 'm', expertise: ['General natural-image understanding.'], domains: ['natural'], pipeline: 'imagenet',
      files: { model: { file: 'm.onnx', sha256: [SHA] } },
      preprocess: { size: [224, 224] }, features: { value: 'f', grid: [7, 7], channels: 8 },
      ...extra,
    }],
  };
}

describe('registry: variants and webgpu options', () => {
  it('defaults: folded on cpu, float32 on webgpu, NHWC, outputs read back, optimisation all', () => {
    const e = parseRegistry(registry({}), 'test', '/models').experts[0];
    assert.deepEqual(e?.variants, { cpu: 'folded', webgpu: 'float32' });
    assert.deepEqual(e?.webgpu, { preferredLayout: 'NHWC', keepOutputsOnGpu: false });
    assert.equal(e?.graphOptimizationLevel, 'all');
  });
  it('partial settings fill the rest', () => {
    const e = parseRegistry(registry({ variants: { webgpu: 'float16' }, webgpu: { preferredLayout: 'NCHW' } }), 'test', '/models').experts[0];
    assert.deepEqual(e?.variants, { cpu: 'folded', webgpu: 'float16' });
    assert.deepEqual(e?.webgpu, { preferredLayout: 'NCHW', keepOutputsOnGpu: false });
  });
  it('rejects an unknown variant naming the key', () => {
    assert.throws(() => parseRegistry(registry({ variants: { cpu: 'int4' } }), 'test', '/models'), (err: unknown) => err instanceof ConfigError && err.message.includes('experts[0].variants.cpu'));
  });
  it('allows one worker only for webgpu experts', () => {
    assert.throws(() => parseRegistry(registry({ provider: 'webgpu', workers: 2 }), 'test', '/models'), (err: unknown) => err instanceof ConfigError && err.message.includes('experts[0].workers'));
    assert.equal(parseRegistry(registry({ provider: 'webgpu', workers: 1 }), 'test', '/models').experts[0]?.workers, 1);
  });
});
