/**
 * The u8u8 variant (src/onnx/u8-weights.ts): int8 weights shifted to u8 give exact int8 maths on every CPU, where
 * onnxruntime's u8×s8 kernels saturate on x86 without VNNI. Small QLinearConv / QLinearMatMul graphs whose u8×s8
 * pair sums exceed int16 (255·127·2 = 64770 > 32767) are checked against exact integer arithmetic in JS.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { int8KernelsExact } from '../../src/core/cpu';
import { preparedModelPath } from '../../src/core/prepared-models';
import { shiftInt8Weights } from '../../src/onnx/u8-weights';
import { buildVariant, deriveVariant } from '../../src/onnx/variants';

const T = onnx.TensorProto.DataType;

function scalar(name: string, dataType: number, v: number): onnx.ITensorProto {
  const raw = dataType === T.FLOAT ? new Uint8Array(Float32Array.of(v).buffer) : dataType === T.INT8 ? new Uint8Array(Int8Array.of(v).buffer) : Uint8Array.of(v);
  return { name, dataType, dims: [], rawData: raw };
}

function int8Tensor(name: string, values: Int8Array, dims: number[]): onnx.ITensorProto {
  return { name, dataType: T.INT8, dims, rawData: new Uint8Array(values.buffer.slice(0)) };
}

function valueInfo(name: string, elemType: number, dims: number[]): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}

function model(node: onnx.INodeProto, initializer: onnx.ITensorProto[], inputs: onnx.IValueInfoProto[], outputs: onnx.IValueInfoProto[]): Uint8Array {
  return onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph: { name: 'q', node: [node], initializer, input: inputs, output: outputs } }).finish();
}

/** Round half to even, as onnxruntime's requantization does. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const clampU8 = (v: number): number => Math.max(0, Math.min(255, v));

async function run(bytes: Uint8Array, feeds: Record<string, ort.Tensor>, output: string): Promise<Uint8Array> {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    return (await s.run(feeds))[output]!.data as Uint8Array;
  } finally {
    await s.release();
  }
}

// A 3×3 convolution over 64 channels of mostly-255 activations and mostly-127 weights: every pair of products
// overflows int16, so a saturating kernel gives about half the exact sums.
const C = 64, H = 4, W = 4, M = 8, Y_SCALE = 131072;
const convWeights = Int8Array.from({ length: M * C * 9 }, (_, i) => (i % 7 === 0 ? -128 : 127 - (i % 5)));
const convInput = Uint8Array.from({ length: C * H * W }, (_, i) => (i % 3 === 0 ? 200 : 255));

function convModel(): Uint8Array {
  return model(
    { opType: 'QLinearConv', input: ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'], output: ['y'], attribute: [{ name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] }] },
    [scalar('xs', T.FLOAT, 1), scalar('xz', T.UINT8, 0), int8Tensor('w', convWeights, [M, C, 3, 3]), scalar('ws', T.FLOAT, 1), scalar('wz', T.INT8, 0), scalar('ys', T.FLOAT, Y_SCALE), scalar('yz', T.UINT8, 0)],
    [valueInfo('x', T.UINT8, [1, C, H, W])],
    [valueInfo('y', T.UINT8, [1, M, H, W])],
  );
}

function exactConv(): Uint8Array {
  const out = new Uint8Array(M * H * W);
  for (let m = 0; m < M; m++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
    let sum = 0;
    for (let c = 0; c < C; c++) for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) {
      const ii = i + a - 1, jj = j + b - 1;
      if (ii < 0 || jj < 0 || ii >= H || jj >= W) continue;
      sum += convInput[(c * H + ii) * W + jj]! * convWeights[((m * C + c) * 3 + a) * 3 + b]!;
    }
    out[(m * H + i) * W + j] = clampU8(roundHalfEven(sum / Y_SCALE));
  }
  return out;
}

describe('u8u8 variant: int8 weights shifted to u8', () => {
  it('shifts each QLinearConv weight and its zero point by +128 into uint8, and nothing else', () => {
    const m = onnx.ModelProto.decode(convModel());
    assert.equal(shiftInt8Weights(m), 1);
    const inits = new Map((m.graph?.initializer ?? []).map((t) => [t.name, t]));
    const w = inits.get('w')!;
    assert.equal(w.dataType, T.UINT8);
    assert.deepEqual(Array.from(w.rawData!.subarray(0, 7)), Array.from(convWeights.subarray(0, 7), (v) => v + 128));
    assert.equal(inits.get('wz')!.dataType, T.UINT8);
    assert.equal(inits.get('wz')!.rawData![0], 128);
    assert.equal(inits.get('xz')!.dataType, T.UINT8, 'the activation zero point is untouched');
    assert.equal(inits.get('ws')!.dataType, T.FLOAT);
    assert.equal(shiftInt8Weights(m), 0, 'a second pass finds nothing left to shift');
  });

  it('leaves a weight alone when the activation is int8 (no u8×s8 products; onnxruntime has no s8×u8 kernels)', () => {
    const m = onnx.ModelProto.decode(convModel());
    const xz = m.graph!.initializer!.find((t) => t.name === 'xz')!;
    Object.assign(xz, scalar('xz', T.INT8, 0));
    assert.equal(shiftInt8Weights(m), 0);
    assert.equal(m.graph!.initializer!.find((t) => t.name === 'w')!.dataType, T.INT8);
  });

  it('leaves a weight that another node also reads as it is', () => {
    const bytes = onnx.ModelProto.decode(convModel());
    bytes.graph!.node!.push({ opType: 'Identity', input: ['w'], output: ['w_copy'] });
    assert.equal(shiftInt8Weights(bytes), 0);
  });

  it('a depthwise QLinearConv keeps its s8 weights (onnxruntime\'s depthwise kernel is exact on every CPU: checked here)', async () => {
    const G = 16, HW = 5, yScale = 2048;
    const w = Int8Array.from({ length: G * 9 }, (_, i) => (i % 4 === 0 ? -128 : 127 - (i % 3)));
    const x = Uint8Array.from({ length: G * HW * HW }, (_, i) => 255 - (i % 2));
    const bytes = model(
      { opType: 'QLinearConv', input: ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'], output: ['y'], attribute: [{ name: 'group', type: onnx.AttributeProto.AttributeType.INT, i: G }, { name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] }] },
      [scalar('xs', T.FLOAT, 1), scalar('xz', T.UINT8, 0), int8Tensor('w', w, [G, 1, 3, 3]), scalar('ws', T.FLOAT, 1), scalar('wz', T.INT8, 0), scalar('ys', T.FLOAT, yScale), scalar('yz', T.UINT8, 128)],
      [valueInfo('x', T.UINT8, [1, G, HW, HW])],
      [valueInfo('y', T.UINT8, [1, G, HW, HW])],
    );
    const m = onnx.ModelProto.decode(bytes);
    assert.equal(shiftInt8Weights(m), 0, 'left as it is by default');
    assert.equal(shiftInt8Weights(onnx.ModelProto.decode(bytes), { depthwise: true }), 1);
    const exact = new Uint8Array(G * HW * HW);
    for (let g = 0; g < G; g++) for (let i = 0; i < HW; i++) for (let j = 0; j < HW; j++) {
      let sum = 0;
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) {
        const ii = i + a - 1, jj = j + b - 1;
        if (ii >= 0 && jj >= 0 && ii < HW && jj < HW) sum += x[(g * HW + ii) * HW + jj]! * w[g * 9 + a * 3 + b]!;
      }
      exact[(g * HW + i) * HW + j] = clampU8(roundHalfEven(sum / yScale) + 128);
    }
    assert.deepEqual(Array.from(await run(bytes, { x: new ort.Tensor('uint8', x, [1, G, HW, HW]) }, 'y')), Array.from(exact));
  });

  it('leaves a graph with subgraphs (If, Loop, Scan) as it is', () => {
    const m = onnx.ModelProto.decode(convModel());
    m.graph!.node!.push({ opType: 'If', input: ['cond'], output: ['z'], attribute: [{ name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: { name: 'then', node: [] } }] });
    assert.equal(shiftInt8Weights(m), 0);
  });

  it('is a no-op (null) for a graph without int8 weights', () => {
    const g = model({ opType: 'Relu', input: ['x'], output: ['y'] }, [], [valueInfo('x', T.FLOAT, [1, 4])], [valueInfo('y', T.FLOAT, [1, 4])]);
    assert.equal(deriveVariant(g, 'u8u8'), null);
  });

  it(`QLinearConv: the u8u8 graph gives the exact integer result (the s8 graph too${int8KernelsExact() ? '' : ' on CPUs with exact int8 kernels; not this one'})`, async () => {
    const feeds = { x: new ort.Tensor('uint8', convInput, [1, C, H, W]) };
    const exact = exactConv();
    assert.deepEqual(Array.from(await run(buildVariant(convModel(), 'u8u8'), feeds, 'y')), Array.from(exact));
    if (int8KernelsExact()) assert.deepEqual(Array.from(await run(convModel(), feeds, 'y')), Array.from(exact));
  });

  // (onnxruntime's own s8 QLinearMatMul happened to be exact on an AVX2 CPU too; its convolutions are where it
  // saturates. This checks that the shifted weights keep the maths.)
  it('QLinearMatMul: the u8u8 graph gives the exact integer result', async () => {
    const K = 96, N = 6;
    const a = Uint8Array.from({ length: 2 * K }, (_, i) => 255 - (i % 4));
    const b = Int8Array.from({ length: K * N }, (_, i) => (i % 11 === 0 ? -128 : 127 - (i % 3)));
    const yScale = 4096;
    const bytes = model(
      { opType: 'QLinearMatMul', input: ['a', 'as', 'az', 'b', 'bs', 'bz', 'ys', 'yz'], output: ['y'] },
      [scalar('as', T.FLOAT, 1), scalar('az', T.UINT8, 0), int8Tensor('b', b, [K, N]), scalar('bs', T.FLOAT, 1), scalar('bz', T.INT8, 0), scalar('ys', T.FLOAT, yScale), scalar('yz', T.UINT8, 0)],
      [valueInfo('a', T.UINT8, [2, K])],
      [valueInfo('y', T.UINT8, [2, N])],
    );
    const exact = new Uint8Array(2 * N);
    for (let r = 0; r < 2; r++) for (let n = 0; n < N; n++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += a[r * K + k]! * b[k * N + n]!;
      exact[r * N + n] = clampU8(roundHalfEven(sum / yScale));
    }
    const feeds = { a: new ort.Tensor('uint8', a, [2, K]) };
    assert.deepEqual(Array.from(await run(buildVariant(bytes, 'u8u8'), feeds, 'y')), Array.from(exact));
  });

  it('prepared models: `folded` with the shift gets a file of its own for an int8 graph only', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mova-u8w-'));
    try {
      const int8 = path.join(dir, 'qconv.onnx'), float = path.join(dir, 'relu.onnx');
      writeFileSync(int8, convModel());
      writeFileSync(float, model({ opType: 'Relu', input: ['x'], output: ['y'] }, [], [valueInfo('x', T.FLOAT, [1, 4])], [valueInfo('y', T.FLOAT, [1, 4])]));
      const cacheDir = path.join(dir, 'cache');
      const plain = preparedModelPath({ source: int8, variant: 'folded', cacheDir, shiftInt8Weights: false });
      const shifted = preparedModelPath({ source: int8, variant: 'folded', cacheDir, shiftInt8Weights: true });
      assert.equal(plain.status, 'source', 'nothing to fold in a QLinearConv graph');
      assert.equal(shifted.status, 'built');
      const w = onnx.ModelProto.decode(readFileSync(shifted.path)).graph?.initializer?.find((t) => t.name === 'w');
      assert.equal(w?.dataType, T.UINT8);
      assert.equal(preparedModelPath({ source: int8, variant: 'folded', cacheDir, shiftInt8Weights: true }).status, 'cached');
      // A float graph: the same answer with and without the shift (no second file).
      assert.deepEqual(preparedModelPath({ source: float, variant: 'folded', cacheDir, shiftInt8Weights: true }), preparedModelPath({ source: float, variant: 'folded', cacheDir, shiftInt8Weights: false }));
      // `original` is the file as shipped on any CPU.
      assert.equal(preparedModelPath({ source: int8, variant: 'original', cacheDir, shiftInt8Weights: true }).path, int8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
