/** Error mapping (toGrpcStatus, httpStatusFor) and load-time ONNX graph edits on the real shared models. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import {
  CancelledError,
  ConfigError,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  MovaError,
  NotFoundError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
  errorMessage,
  httpStatusFor,
  toGrpcStatus,
} from '../../src/core/errors';
import { PROJECT_ROOT } from '../../src/core/registry';
import { GraphBuilder } from '../../src/onnx/builder';
import { dropInitializerInputs, exposeOutputs, exposedName, fp16Inputs } from '../../src/onnx/graph-edit';

const MODELS = process.env.MOVA_MODELS_DIR ?? path.resolve(PROJECT_ROOT, '..', 'shared', 'models');
const MOBILENET = path.join(MODELS, 'mobilenetv2-12-int8.onnx');
const ULTRAFACE = path.join(MODELS, 'ultraface-rfb-320.onnx');
const haveModels = existsSync(MOBILENET) && existsSync(ULTRAFACE);

describe('typed errors', () => {
  it('each class carries its gRPC code, its name and whether it is retryable', () => {
    const cases: [MovaError, status, boolean][] = [
      [new InvalidArgumentError('m'), status.INVALID_ARGUMENT, false],
      [new ResourceExhaustedError('m'), status.RESOURCE_EXHAUSTED, true],
      [new NotFoundError('m'), status.NOT_FOUND, false],
      [new UnavailableError('m'), status.UNAVAILABLE, true],
      [new DeadlineExceededError('m'), status.DEADLINE_EXCEEDED, false],
      [new CancelledError('m'), status.CANCELLED, false],
      [new FailedPreconditionError('m'), status.FAILED_PRECONDITION, false],
      [new UnauthenticatedError('m'), status.UNAUTHENTICATED, false],
    ];
    for (const [err, code, retryable] of cases) {
      assert.ok(err instanceof MovaError && err instanceof Error);
      assert.equal(err.code, code, err.name);
      assert.equal(err.retryable, retryable, err.name);
      assert.equal(err.name, err.constructor.name);
      assert.equal(err.message, 'm');
    }
  });
  it('keeps the cause', () => {
    const cause = new Error('root');
    assert.equal(new UnavailableError('outer', { cause }).cause, cause);
    assert.equal(new InvalidArgumentError('no cause').cause, undefined);
    assert.equal(new ConfigError('a.b', 'bad', { cause }).cause, cause);
  });
  it('ConfigError names the key in its message', () => {
    const e = new ConfigError('experts[2].preprocess.size', 'must be a tuple');
    assert.equal(e.key, 'experts[2].preprocess.size');
    assert.equal(e.message, 'config experts[2].preprocess.size: must be a tuple');
    assert.equal(e.name, 'ConfigError');
  });
});

describe('toGrpcStatus', () => {
  it('a MovaError keeps its code and message', () => {
    assert.deepEqual(toGrpcStatus(new NotFoundError('no expert "x"')), { code: status.NOT_FOUND, details: 'no expert "x"' });
    assert.deepEqual(toGrpcStatus(new MovaError(status.ABORTED, 'raced')), { code: status.ABORTED, details: 'raced' });
    assert.deepEqual(toGrpcStatus(new ResourceExhaustedError('queue full')), { code: status.RESOURCE_EXHAUSTED, details: 'queue full' });
  });
  it('a grpc-js ServiceError-shaped object keeps its code and details', () => {
    const svc = Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: status.UNAVAILABLE, details: 'connect ECONNREFUSED', metadata: {} });
    assert.deepEqual(toGrpcStatus(svc), { code: status.UNAVAILABLE, details: 'connect ECONNREFUSED' });
    // Plain object with code + message (no details): the message is used.
    assert.deepEqual(toGrpcStatus({ code: status.DEADLINE_EXCEEDED, message: 'deadline' }), { code: status.DEADLINE_EXCEEDED, details: 'deadline' });
    assert.deepEqual(toGrpcStatus({ code: status.UNAUTHENTICATED, message: 'm', details: 'bad token' }), { code: status.UNAUTHENTICATED, details: 'bad token' });
  });
  it('codes outside 0..16 and string codes (Node system errors) become INTERNAL', () => {
    assert.equal(toGrpcStatus({ code: 17, message: 'weird' }).code, status.INTERNAL);
    assert.equal(toGrpcStatus({ code: -1, message: 'weird' }).code, status.INTERNAL);
    const enoent = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    assert.deepEqual(toGrpcStatus(enoent), { code: status.INTERNAL, details: 'internal error: ENOENT: no such file' });
  });
  it('a plain Error becomes INTERNAL with its message', () => {
    assert.deepEqual(toGrpcStatus(new TypeError('x is not a function')), { code: status.INTERNAL, details: 'internal error: x is not a function' });
  });
  it('non-Error values become INTERNAL', () => {
    assert.deepEqual(toGrpcStatus('boom'), { code: status.INTERNAL, details: 'internal error: boom' });
    assert.deepEqual(toGrpcStatus(undefined), { code: status.INTERNAL, details: 'internal error: undefined' });
    assert.deepEqual(toGrpcStatus(null), { code: status.INTERNAL, details: 'internal error: null' });
    assert.deepEqual(toGrpcStatus(42), { code: status.INTERNAL, details: 'internal error: 42' });
    assert.equal(toGrpcStatus({ code: 3 }).code, status.INTERNAL, 'a code without a message is not a ServiceError');
  });
  it('errorMessage reads Errors and anything else', () => {
    assert.equal(errorMessage(new Error('e')), 'e');
    assert.equal(errorMessage('s'), 's');
    assert.equal(errorMessage(7), '7');
  });
});

describe('httpStatusFor', () => {
  it('maps the documented table', () => {
    const table: [status, number][] = [
      [status.OK, 200],
      [status.CANCELLED, 499],
      [status.UNKNOWN, 500],
      [status.INVALID_ARGUMENT, 400],
      [status.DEADLINE_EXCEEDED, 504],
      [status.NOT_FOUND, 404],
      [status.ALREADY_EXISTS, 409],
      [status.PERMISSION_DENIED, 403],
      [status.RESOURCE_EXHAUSTED, 429],
      [status.FAILED_PRECONDITION, 400],
      [status.ABORTED, 409],
      [status.OUT_OF_RANGE, 400],
      [status.UNIMPLEMENTED, 501],
      [status.INTERNAL, 500],
      [status.UNAVAILABLE, 503],
      [status.DATA_LOSS, 500],
      [status.UNAUTHENTICATED, 401],
    ];
    for (const [code, http] of table) assert.equal(httpStatusFor(code), http, status[code]);
  });
  it('unknown codes → 500', () => {
    assert.equal(httpStatusFor(99 as status), 500);
    assert.equal(httpStatusFor(-1 as status), 500);
  });
  it('composes with toGrpcStatus', () => {
    assert.equal(httpStatusFor(toGrpcStatus(new ResourceExhaustedError('full')).code), 429);
    assert.equal(httpStatusFor(toGrpcStatus(new Error('bug')).code), 500);
  });
});

function graphOf(bytes: Uint8Array): onnx.GraphProto {
  const g = onnx.ModelProto.decode(bytes).graph;
  assert.ok(g);
  return g as onnx.GraphProto;
}

describe('fp16Inputs', () => {
  // y = x·2 + x (x read by two nodes), plus an int64 input.
  const g = new GraphBuilder('t');
  const x = g.input('x', 'float32', ['N', 3]);
  g.input('k', 'int64', [1]);
  g.output(g.op('Add', [g.op('Mul', [x, g.floatInit('two', Float32Array.of(2, 2, 2), [3])]), x], {}, 'y'), 'float32', ['N', 3]);
  const bytes = g.toBytes();

  it('takes a float32 input as FP16, cast inside the graph for every reader', async () => {
    const session = await ort.InferenceSession.create(fp16Inputs(bytes, ['x']), { intraOpNumThreads: 1 });
    try {
      const out = await session.run({ x: new ort.Tensor('float16', Uint16Array.of(0x3c00, 0xc000, 0x3800), [1, 3]), k: new ort.Tensor('int64', BigInt64Array.of(1n), [1]) });
      assert.deepEqual(Array.from(out.y?.data as Float32Array), [3, -6, 1.5]);
    } finally {
      await session.release();
    }
  });

  it('names an unknown or non-float input', () => {
    assert.throws(() => fp16Inputs(bytes, ['z']), /no input named "z"/);
    assert.throws(() => fp16Inputs(bytes, ['k']), /input "k" is not float32/);
  });
});

describe('graph-edit', { skip: !haveModels && `models not found in ${MODELS}` }, () => {
  it('exposeOutputs adds 627 and the dequantized 464_quantized to mobilenetv2-12-int8, and onnxruntime runs it', async () => {
    const original = readFileSync(MOBILENET);
    const values = [
      { name: '627' },
      { name: '464_quantized', dequantize: { scale: '464_scale', zeroPoint: '464_zero_point' } },
    ];
    const edited = exposeOutputs(original, values);
    const g = graphOf(edited);
    assert.deepEqual(g.output.map((o) => o.name), ['output', '627', '464_quantized__dequantized']);
    assert.equal(exposedName(values[1] ?? { name: '' }), '464_quantized__dequantized');
    const deq = g.node.find((n) => n.name === 'mova_expose_464_quantized__dequantized');
    assert.ok(deq);
    assert.equal(deq.opType, 'DequantizeLinear');
    assert.deepEqual(deq.input, ['464_quantized', '464_scale', '464_zero_point']);
    assert.equal(g.node.length, graphOf(original).node.length + 1);

    const session = await ort.InferenceSession.create(edited, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'basic' });
    try {
      assert.deepEqual([...session.outputNames], ['output', '627', '464_quantized__dequantized']);
      const input = new Float32Array(3 * 224 * 224);
      for (let i = 0; i < input.length; i++) input[i] = ((i % 251) / 251 - 0.5) * 2;
      const out = await session.run({ [session.inputNames[0] ?? 'input']: new ort.Tensor('float32', input, [1, 3, 224, 224]) });
      const feat = out['627'];
      const pooled = out['464_quantized__dequantized'];
      const logits = out.output;
      assert.ok(feat && pooled && logits);
      assert.deepEqual(feat.dims, [1, 1280, 7, 7]);
      assert.equal(feat.type, 'float32');
      assert.deepEqual(pooled.dims, [1, 1280, 1, 1]);
      assert.equal(pooled.type, 'float32');
      assert.deepEqual(logits.dims, [1, 1000]);
      // The pooled vector is the spatial mean of the feature map, requantized to uint8 with 464_scale (zero point 0),
      // so it is within one step of the mean and saturates at 255 steps.
      const step = 0.019110053777694702;
      const f = feat.data as Float32Array;
      const p = pooled.data as Float32Array;
      let unsaturated = 0;
      for (let c = 0; c < 1280; c++) {
        let mean = 0;
        for (let k = 0; k < 49; k++) mean += (f[c * 49 + k] ?? 0) / 49;
        const expected = Math.min(mean, 255 * step);
        assert.ok(Math.abs((p[c] ?? NaN) - expected) <= step * 0.51 + 1e-6, `channel ${c}: pooled ${p[c]} vs mean ${mean}`);
        if (mean < 255 * step) unsaturated++;
      }
      assert.ok(unsaturated > 1000, 'most channels are not saturated');
    } finally {
      await session.release();
    }
  });

  it('exposing an existing output, or the same value twice, adds nothing', () => {
    const edited = exposeOutputs(readFileSync(MOBILENET), [{ name: 'output' }, { name: '627' }, { name: '627' }]);
    assert.deepEqual(graphOf(edited).output.map((o) => o.name), ['output', '627']);
  });

  it('an unknown value name → InvalidArgumentError naming it', () => {
    const bytes = readFileSync(MOBILENET);
    assert.throws(() => exposeOutputs(bytes, [{ name: 'no_such_value' }]), (e: unknown) => e instanceof InvalidArgumentError && /no value named "no_such_value"/.test(e.message));
    assert.throws(
      () => exposeOutputs(bytes, [{ name: '464_quantized', dequantize: { scale: 'nope_scale', zeroPoint: '464_zero_point' } }]),
      (e: unknown) => e instanceof InvalidArgumentError && /"nope_scale"/.test(e.message),
    );
  });

  it('dropInitializerInputs leaves ultraface with exactly one graph input, and it still loads', async () => {
    const original = readFileSync(ULTRAFACE);
    assert.ok(graphOf(original).input.length > 1, 'the upstream file lists its initializers as inputs');
    const edited = dropInitializerInputs(original);
    const g = graphOf(edited);
    assert.deepEqual(g.input.map((i) => i.name), ['input']);
    assert.equal(g.initializer.length, graphOf(original).initializer.length);
    const session = await ort.InferenceSession.create(edited, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    try {
      assert.deepEqual([...session.inputNames], ['input']);
      assert.deepEqual([...session.outputNames].sort(), ['boxes', 'scores']);
    } finally {
      await session.release();
    }
  });

  it('dropInitializerInputs returns the same bytes when there is nothing to drop', () => {
    const bytes = readFileSync(MOBILENET);
    assert.equal(dropInitializerInputs(bytes), bytes);
  });
});
