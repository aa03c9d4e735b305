/** Fusion service configuration: geometry from the registry, defaults, and bad values naming their key. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/core/errors';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { DEFAULT_REGISTRY_PATH, parseRegistry, type Registry } from '../../src/core/registry';
import { adapterOptionsFromRegistry, compileFusionConfig } from '../../services/fusion/config';
import { SHAPES } from './fusion-kit';

function fakeRegistry(maxExperts: number): Registry {
  const entry = (name: string, grid: [number, number] | undefined, channels: number): unknown => ({ name, features: { value: 'x', layout: 'NCHW', poolKernel: 1, ...(grid ? { grid, channels } : {}) } });
  return {
    base: 'base-net',
    experts: [entry('ocr', [4, 4], 96), entry('base-net', [7, 7], 1280), entry('faces', [8, 10], 256)],
    router: { maxExperts },
    fusion: { adapterWidth: 32, heads: 4, blocks: 2, outputWidth: 48, contextWidth: 8, seed: 1 },
  } as unknown as Registry;
}

describe('fusion service config', () => {
  it('takes the geometry from the registry: base expert, other experts as slots in registry order', () => {
    const o = adapterOptionsFromRegistry(fakeRegistry(3));
    assert.deepEqual([o.baseGrid, o.baseWidth], [[7, 7], 1280]);
    assert.deepEqual(o.experts.map((e) => [e.name, e.grid, e.width]), [['ocr', [4, 4], 96], ['faces', [8, 10], 256]]);
    assert.deepEqual([o.adapterWidth, o.heads, o.blocks, o.outputWidth, o.contextWidth, o.topK], [32, 4, 2, 48, 8, 2]);
    assert.equal(adapterOptionsFromRegistry(fakeRegistry(0)).topK, 1);
  });

  it('the registry names the key when an expert lacks the feature geometry fusion needs', () => {
    const raw = YAML.parse(readFileSync(DEFAULT_REGISTRY_PATH, 'utf8')) as { experts: { features: Record<string, unknown> }[] };
    delete raw.experts[2]!.features.grid;
    assert.throws(() => parseRegistry(raw, 'test'), (err: unknown) => err instanceof ConfigError && err.key === 'experts[2].features.grid');
  });

  it('fills defaults and rejects bad process settings', () => {
    const adapter = SHAPES.oneExpert as NonNullable<Parameters<typeof compileFusionConfig>[0]['adapter']>;
    const cfg = compileFusionConfig({ adapter });
    assert.deepEqual([cfg.host, cfg.port, cfg.workers, cfg.seed, cfg.weights, cfg.provider], ['127.0.0.1', 0, 1, 1234, undefined, 'cpu']);
    assert.deepEqual(cfg.batching, { maxBatchSize: 8, maxQueueDelayMs: 2, maxQueueSize: 256 });
    assert.ok(Object.isFrozen(cfg));
    const bad: [Parameters<typeof compileFusionConfig>[0], string][] = [
      [{ adapter, workers: 0 }, 'workers'],
      [{ adapter, port: 70000 }, 'port'],
      [{ adapter, batching: { maxBatchSize: 16, maxQueueSize: 8 } }, 'batching.maxQueueSize'],
      [{ adapter, batching: { maxQueueDelayMs: -1 } }, 'batching.maxQueueDelayMs'],
      [{ adapter: { ...adapter, heads: 3 } }, 'adapter.heads'],
    ];
    for (const [o, key] of bad) assert.throws(() => compileFusionConfig(o), (err: unknown) => err instanceof ConfigError && err.key === key, key);
  });
});
