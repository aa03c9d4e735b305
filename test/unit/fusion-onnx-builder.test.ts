/** The generic ONNX builder (src/onnx/builder.ts) that the fusion graph is made with. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { attr, GraphBuilder } from '../../src/onnx/builder';

describe('onnx builder', () => {
  it('builds a runnable opset-17 model (initializers, attributes, dynamic batch)', async () => {
    const g = new GraphBuilder('tiny');
    const x = g.input('x', 'float32', ['N', 3]);
    const w = g.floatInit('w', [1, 2, 3, 4, 5, 6], [3, 2]);
    const y = g.op('Add', [g.op('MatMul', [x, w]), g.constFloat([0.5, -0.5])]);
    const s = g.op('Softmax', [y], { axis: attr.int(1) }, 'probs');
    g.output(s, 'float32', ['N', 2]);
    const flat = g.op('Reshape', [y, g.constInt64([-1])], {}, 'flat');
    g.output(flat, 'float32', ['M']);
    const bytes = g.toBytes({ metadata: { k: 'v' } });

    const model = onnx.ModelProto.decode(bytes);
    assert.equal(Number(model.opsetImport[0]?.version), 17);
    assert.equal(model.metadataProps[0]?.value, 'v');

    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, logSeverityLevel: 3 });
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 0, 0, 0, 1, 1), [2, 3]) });
    assert.deepEqual([...(out.flat?.data as Float32Array)], [1.5, 1.5, 8.5, 9.5]);
    const p = out.probs?.data as Float32Array;
    assert.ok(Math.abs((p[0] as number) - 0.5) < 1e-7 && Math.abs((p[2] as number) - 1 / (1 + Math.E)) < 1e-6);
  });

  it('rejects duplicate names, unknown inputs, and wrong initializer sizes', () => {
    const g = new GraphBuilder('bad');
    g.input('x', 'float32', [1]);
    assert.throws(() => g.input('x', 'float32', [1]), /value "x" is defined twice/);
    assert.throws(() => g.floatInit('w', [1, 2, 3], [2, 2]), /has 3 values for dims \[2,2\]/);
    g.op('Relu', ['nope'], {}, 'y');
    g.output('y', 'float32', [1]);
    assert.throws(() => g.toBytes(), /reads unknown value "nope"/);
    assert.throws(() => g.output('missing', 'float32', [1]), /output "missing" is not a value/);
  });

  it('fresh names never collide with explicit ones', () => {
    const g = new GraphBuilder('names');
    g.input('relu_0', 'float32', [1]);
    const out = g.op('Relu', ['relu_0']);
    assert.notEqual(out, 'relu_0');
  });
});
