/** Adapter config validation, the seeded initialiser, and the safetensors importer (round trip and bad files). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, InvalidArgumentError } from '../../src/core/errors';
import { compileAdapterConfig } from '../../services/fusion/adapter-config';
import { buildAdapterGraph } from '../../services/fusion/adapter-graph';
import { decodeSafetensors, encodeSafetensors } from '../../services/fusion/safetensors';
import { exportSafetensors, importSafetensors, initWeights, loadWeightsFile, weightSpec } from '../../services/fusion/weights';
import { createSession, fixture, mulberry32, randomRequest, runBatch, SHAPES } from './fusion-kit';

describe('adapter config', () => {
  it('fills documented defaults', () => {
    const c = compileAdapterConfig({ baseGrid: [7, 7], baseWidth: 1280, experts: [{ grid: [14, 14], width: 768 }, { grid: [7, 7], width: 64 }] });
    assert.equal(c.tokens, 49);
    assert.equal(c.maxExperts, 2);
    assert.deepEqual([c.adapterWidth, c.heads, c.headDim, c.blocks, c.topK, c.outputWidth, c.contextWidth, c.gateHidden, c.ffnHidden],
      [256, 4, 64, 3, 2, 512, 64, 256, 1024]);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.experts));
  });

  it('names the offending key', () => {
    const ok = SHAPES.fourExperts as Parameters<typeof compileAdapterConfig>[0];
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ heads: 3 }, 'fusion.heads', /divide adapterWidth \(16\)/],
      [{ topK: 5 }, 'fusion.topK', /at most the number of expert slots \(4\)/],
      [{ baseGrid: [3, 0] }, 'fusion.baseGrid[1]', /positive integer/],
      [{ experts: [] }, 'fusion.experts', /1\.\.16/],
      [{ experts: [{ grid: [2, 2], width: 1.5 }] }, 'fusion.experts[0].width', /positive integer/],
    ];
    for (const [patch, key, message] of cases) {
      assert.throws(() => compileAdapterConfig({ ...ok, ...patch } as typeof ok, 'fusion.'),
        (err: unknown) => err instanceof ConfigError && err.key === key && message.test(err.message), `${JSON.stringify(patch)} → ${key}`);
    }
  });
});

describe('seeded initialiser', () => {
  const c = compileAdapterConfig(SHAPES.fourExperts as Parameters<typeof compileAdapterConfig>[0]);

  it('is deterministic per seed, differs across seeds, and covers the spec', () => {
    const a = initWeights(c, 5);
    const b = initWeights(c, 5);
    const other = initWeights(c, 6);
    assert.deepEqual([...a.keys()], weightSpec(c).map((e) => e.name));
    for (const [name, data] of a) assert.deepEqual(data, b.get(name), name);
    assert.notDeepEqual(a.get('blocks.0.attn.q.weight'), other.get('blocks.0.attn.q.weight'));
    assert.ok([...(a.get('blocks.1.ffn_norm.weight') as Float32Array)].every((v) => v === 1));
    const bound = 1 / Math.sqrt(c.baseWidth);
    assert.ok([...(a.get('base_proj.weight') as Float32Array)].every((v) => Math.abs(v) <= bound));
  });

  it('an extra expert slot leaves the other tensors unchanged', () => {
    const bigger = compileAdapterConfig({ ...SHAPES.fourExperts, experts: [...(SHAPES.fourExperts?.experts ?? []), { grid: [2, 2], width: 3 }] } as Parameters<typeof compileAdapterConfig>[0]);
    const a = initWeights(c, 5);
    const b = initWeights(bigger, 5);
    assert.deepEqual(a.get('experts.2.proj.weight'), b.get('experts.2.proj.weight'));
    assert.deepEqual(a.get('blocks.1.cross.3.v.weight'), b.get('blocks.1.cross.3.v.weight'));
  });
});

describe('safetensors', () => {
  it('round trip: exported weights import to the same tensors and the same outputs', async () => {
    const f = await fixture('fourExperts', 11);
    const dir = mkdtempSync(path.join(tmpdir(), 'mova-fusion-'));
    try {
      const file = path.join(dir, 'adapter.safetensors');
      writeFileSync(file, exportSafetensors(f.config, f.weights, { note: 'test' }));
      const loaded = loadWeightsFile(f.config, file);
      for (const [name, data] of f.weights) assert.deepEqual(loaded.get(name), data, name);
      assert.equal(decodeSafetensors(exportSafetensors(f.config, f.weights)).metadata.format, 'mova-mov-adapter');
      const session = await createSession(buildAdapterGraph(f.config, loaded));
      const rand = mulberry32(3);
      const reqs = [randomRequest(f.config, rand, [1, 0, 1, 1]), randomRequest(f.config, rand, [0, 0, 0, 0])];
      assert.deepEqual(await runBatch({ ...f, session }, reqs), await runBatch(f, reqs));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads F16, BF16 and F64 tensors, and sub-modules by prefix', () => {
    const c = compileAdapterConfig(SHAPES.oneExpert as Parameters<typeof compileAdapterConfig>[0]);
    const w = initWeights(c, 1);
    const entries = weightSpec(c).map((e) => [`model.adapter.${e.name}`, { shape: e.shape, data: w.get(e.name) as Float32Array }] as const);
    const bytes = encodeSafetensors([...entries, ['model.lm_head.weight', { shape: [2], data: new Float32Array(2) }]]);
    assert.deepEqual(importSafetensors(c, bytes, { prefix: 'model.adapter.' }).get('pos_embed'), w.get('pos_embed'));
    // Hand-made file with one tensor per float dtype: [1.5, -2] in each.
    const values: Record<string, number[]> = { F16: [0x3e00, 0xc000], BF16: [0x3fc0, 0xc000] };
    const header = JSON.stringify({
      a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [4, 8] },
      c: { dtype: 'F64', shape: [2], data_offsets: [8, 24] },
    });
    const out = Buffer.alloc(8 + header.length + 24);
    out.writeBigUInt64LE(BigInt(header.length));
    out.write(header, 8);
    const at = 8 + header.length;
    values.F16?.forEach((v, i) => out.writeUInt16LE(v, at + 2 * i));
    values.BF16?.forEach((v, i) => out.writeUInt16LE(v, at + 4 + 2 * i));
    out.writeDoubleLE(1.5, at + 8);
    out.writeDoubleLE(-2, at + 16);
    const { tensors } = decodeSafetensors(out);
    for (const name of ['a', 'b', 'c']) assert.deepEqual([...(tensors.get(name)?.data ?? [])], [1.5, -2], name);
  });

  it('bad files give clear errors', () => {
    const c = compileAdapterConfig(SHAPES.oneExpert as Parameters<typeof compileAdapterConfig>[0]);
    const w = initWeights(c, 1);
    const good = exportSafetensors(c, w);
    const withTensors = (mutate: (m: Map<string, { shape: readonly number[]; data: Float32Array }>) => void): Uint8Array => {
      const m = new Map(weightSpec(c).map((e) => [e.name, { shape: e.shape, data: w.get(e.name) as Float32Array }]));
      mutate(m);
      return encodeSafetensors(m);
    };
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(5), /adapter\.st: too short to be a safetensors file \(5 bytes\)/],
      [good.subarray(0, 100), /header length \d+ exceeds the file \(100 bytes\)/],
      [good.subarray(0, good.length - 4), /tensor "projector\.bias": data_offsets \[\d+, \d+\] fall outside/],
      [Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"a"')]), /header is not valid UTF-8 JSON/],
      [withTensors((m) => m.delete('blocks.1.ffn.fc2.bias')), /missing 1 tensor\(s\): blocks\.1\.ffn\.fc2\.bias \[8\]/],
      [withTensors((m) => m.set('pos_embed', { shape: [8, 4, 2], data: w.get('pos_embed') as Float32Array })),
        /tensor "pos_embed" has shape \[8, 4, 2\], expected \[8, 8\]/],
      [withTensors((m) => m.set('blocks.0.attn.q_proj.weight', { shape: [1], data: new Float32Array(1) })),
        /1 tensor\(s\) are not MoV-Adapter tensors: blocks\.0\.attn\.q_proj\.weight/],
      [withTensors((m) => m.set('projector.bias', { shape: [5], data: Float32Array.of(0, 0, NaN, 0, 0) })),
        /tensor "projector\.bias" has a non-finite value at flat index 2/],
    ];
    for (const [bytes, message] of cases) {
      assert.throws(() => importSafetensors(c, bytes, { source: 'adapter.st' }),
        (err: unknown) => err instanceof InvalidArgumentError && message.test(err.message), message.source);
    }
    const unsupported = Buffer.from(good);
    const i = unsupported.indexOf('"F32"');
    unsupported.write('"I32"', i);
    assert.throws(() => importSafetensors(c, unsupported), /has dtype I32; supported: F32, F16, BF16, F64/);
    assert.throws(() => loadWeightsFile(c, '/nonexistent/adapter.safetensors'), /cannot read adapter weights \/nonexistent\/adapter\.safetensors/);
  });
});
