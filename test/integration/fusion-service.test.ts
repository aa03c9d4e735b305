/**
 * mova.v1.Fusion through a real gRPC server on loopback (port 0) and a client built only from the proto:
 * results against the float64 reference (FP32 and FP16), server-side batching, bad input → INVALID_ARGUMENT, and
 * tensors passed through system shared memory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { ConfigError } from '../../src/core/errors';
import { float32ToHalf, halfToFloat32 } from '../../src/core/fp16';
import { loadProto } from '../../src/core/proto';
import { ShmObject } from '../../src/core/shm-client';
import { assertCounts, assertStagesAddUp, batchRunsDelta, stageDelta } from '../helpers/model-statistics';
import { expectStatus } from '../helpers/oip-client';
import { pythonClient } from '../helpers/python-client';
import type { ProtoGrpcType } from '../../src/generated/fusion';
import type { DescribeResponse__Output } from '../../src/generated/mova/v1/DescribeResponse';
import type { FuseRequest } from '../../src/generated/mova/v1/FuseRequest';
import type { FuseResponse__Output } from '../../src/generated/mova/v1/FuseResponse';
import type { FusionClient } from '../../src/generated/mova/v1/Fusion';
import type { FusionTensor } from '../../src/generated/mova/v1/FusionTensor';
import type { ModelStatistics__Output } from '../../src/generated/inference/ModelStatistics';
import { compileAdapterConfig, type AdapterOptions } from '../../services/fusion/adapter-config';
import { start, type RunningFusion } from '../../services/fusion/main';
import { referenceFuse } from '../../services/fusion/reference';
import { exportSafetensors, initWeights, mulberry32 } from '../../services/fusion/weights';

const ADAPTER: AdapterOptions = {
  baseGrid: [3, 3], baseWidth: 12,
  experts: [
    { name: 'ocr', grid: [4, 4], width: 10 },
    { name: 'faces', grid: [2, 2], width: 6 },
    { name: 'objects', grid: [1, 5], width: 5 },
  ],
  adapterWidth: 16, heads: 2, blocks: 2, topK: 2, outputWidth: 12, contextWidth: 6,
};
const SEED = 42;
const config = compileAdapterConfig(ADAPTER);
const weights = initWeights(config, SEED);

interface Req {
  base: Float32Array;
  experts: Float32Array[];
  mask: number[];
  context: Float32Array;
}

function randomReq(rand: () => number, mask: number[]): Req {
  const arr = (n: number): Float32Array => Float32Array.from({ length: n }, () => 2 * rand() - 1);
  return { base: arr(config.tokens * config.baseWidth), experts: config.experts.map((e) => arr(e.tokens * e.width)), mask, context: arr(config.contextWidth) };
}

function tensor(name: string, shape: number[], data: Float32Array, dt: 'FP32' | 'FP16' = 'FP32'): FusionTensor {
  const bytes = dt === 'FP16' ? float32ToHalf(data) : data;
  return { name, datatype: dt, shape, raw: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

function cat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function fuseRequest(reqs: Req[], opts: { dt?: 'FP32' | 'FP16'; fused?: 'FP32' | 'FP16'; names?: 'index' | 'name' } = {}): FuseRequest {
  const n = reqs.length;
  const dt = opts.dt ?? 'FP32';
  return {
    base: tensor('base', [n, config.tokens, config.baseWidth], cat(reqs.map((r) => r.base)), dt),
    experts: config.experts.map((e, j) => tensor(opts.names === 'name' ? e.name : `expert_${j}`, [n, e.tokens, e.width], cat(reqs.map((r) => r.experts[j] as Float32Array)), dt)),
    mask: tensor('mask', [n, config.maxExperts], Float32Array.from(reqs.flatMap((r) => r.mask)), dt),
    context: tensor('context', [n, config.contextWidth], cat(reqs.map((r) => r.context)), dt),
    fused_datatype: opts.fused ?? '',
  };
}

function floats(t: { datatype: string; raw: Buffer } | null): Float32Array {
  assert.ok(t);
  const copy = new Uint8Array(t.raw).slice().buffer;
  return t.datatype === 'FP16' ? halfToFloat32(new Uint16Array(copy)) : new Float32Array(copy);
}

function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
    s = Math.max(s, Math.abs(b[i] as number));
  }
  return d / s;
}

/** Compare a reply with the reference, request by request (inputs rounded as the wire carried them). */
function checkAgainstReference(res: FuseResponse__Output, reqs: Req[], tolerance: number, round: (a: Float32Array) => Float32Array = (a) => a): void {
  const fused = floats(res.fused);
  const gates = floats(res.gates);
  assert.deepEqual(res.fused?.shape, [reqs.length, config.tokens, config.outputWidth]);
  assert.deepEqual(res.gates?.shape, [reqs.length, config.blocks, config.maxExperts]);
  const fl = config.tokens * config.outputWidth;
  const gl = config.blocks * config.maxExperts;
  reqs.forEach((r, n) => {
    const ref = referenceFuse(config, weights, { base: round(r.base), experts: r.experts.map(round), mask: r.mask, context: round(r.context) });
    const err = relError(fused.subarray(n * fl, (n + 1) * fl), ref.fused);
    assert.ok(err <= tolerance, `request ${n} mask [${r.mask}]: rel error ${err}`);
    const g = gates.subarray(n * gl, (n + 1) * gl);
    assert.ok(g.every((v, i) => Math.abs(v - (ref.gates[i] as number)) <= 1e-5), `request ${n} gates [${g}] vs [${ref.gates}]`);
  });
}

type FusionMethod = 'Fuse' | 'Describe' | 'ModelStatistics' | 'SystemSharedMemoryRegister' | 'SystemSharedMemoryUnregister' | 'SystemSharedMemoryStatus';

function call<Res>(client: FusionClient, method: FusionMethod, req: object): Promise<Res> {
  return new Promise((resolve, reject) => {
    const fn = client[method].bind(client) as (r: object, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Res) => void) => void;
    fn(req, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res as Res)));
  });
}

async function expectInvalid(client: FusionClient, req: FuseRequest, pattern: RegExp): Promise<void> {
  await expectStatus(call(client, 'Fuse', req), grpc.status.INVALID_ARGUMENT, pattern);
}

describe('fusion service over gRPC', () => {
  let server: RunningFusion;
  let client: FusionClient;
  const rand = mulberry32(Number(process.env.FUSION_TEST_SEED ?? 7));

  before(async () => {
    server = await start({ adapter: ADAPTER, seed: SEED, port: 0, workers: 1, intraOpThreads: 1, batching: { maxBatchSize: 8, maxQueueDelayMs: 20, maxQueueSize: 32 } });
    const proto = loadProto<ProtoGrpcType>('mova/v1/fusion.proto');
    client = new proto.mova.v1.Fusion(server.address, grpc.credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await server.stop();
  });

  it('describes its geometry', async () => {
    const d = await call<DescribeResponse__Output>(client, 'Describe', {});
    assert.deepEqual(d.base_grid, [3, 3]);
    assert.deepEqual(d.slots.map((s) => [s.index, s.name, s.grid, s.width]), [[0, 'ocr', [4, 4], 10], [1, 'faces', [2, 2], 6], [2, 'objects', [1, 5], 5]]);
    assert.deepEqual([d.base_width, d.context_width, d.output_width, d.blocks, d.top_k, d.max_batch_size, d.untrained], [12, 6, 12, 2, 2, 8, true]);
  });

  it('fuses a batch with mixed chosen sets (FP32) like the reference', async () => {
    const reqs = [[1, 0, 1], [0, 0, 0], [1, 1, 1], [0, 1, 0]].map((m) => randomReq(rand, m));
    const res = await call<FuseResponse__Output>(client, 'Fuse', fuseRequest(reqs, { names: 'name' }));
    assert.equal(res.fused?.datatype, 'FP32');
    checkAgainstReference(res, reqs, 1e-4);
  });

  it('accepts FP16 inputs and returns FP16 fused tokens', async () => {
    const reqs = [[0, 1, 1], [1, 0, 0]].map((m) => randomReq(rand, m));
    const res = await call<FuseResponse__Output>(client, 'Fuse', fuseRequest(reqs, { dt: 'FP16', fused: 'FP16' }));
    assert.equal(res.fused?.datatype, 'FP16');
    assert.equal(res.gates?.datatype, 'FP32');
    checkAgainstReference(res, reqs, 2e-3, (a) => halfToFloat32(float32ToHalf(a)));
  });

  it('a slot no request chose may be left out (it then runs on no rows), at any batch size, FP32 and FP16', async () => {
    // 2 rows, then 1, then 3, each with slot 1 left out; then FP16 tokens (the FP16-token graph) with slot 1 and 2 out.
    for (const masks of [[[1, 0, 0], [1, 0, 1]], [[0, 0, 1]], [[1, 0, 0], [0, 0, 0], [1, 0, 1]]]) {
      const reqs = masks.map((m) => randomReq(rand, m));
      const full = fuseRequest(reqs);
      const res = await call<FuseResponse__Output>(client, 'Fuse', { ...full, experts: [full.experts?.[0], full.experts?.[2]] });
      checkAgainstReference(res, reqs, 1e-4);
    }
    const reqs = [[1, 0, 0], [0, 0, 0]].map((m) => randomReq(rand, m));
    const half = fuseRequest(reqs, { dt: 'FP16' });
    const res = await call<FuseResponse__Output>(client, 'Fuse', { ...half, experts: [half.experts?.[0]] });
    checkAgainstReference(res, reqs, 2e-3, (a) => halfToFloat32(float32ToHalf(a)));
  });

  it('an expert slot may carry only the rows that chose it (`rows`): same result as the dense tensor, FP32 and FP16', async () => {
    const masks = [[1, 0, 0], [0, 1, 1], [1, 0, 1], [0, 0, 0], [0, 1, 0]];
    for (const dt of ['FP32', 'FP16'] as const) {
      const reqs = masks.map((m) => randomReq(rand, m));
      const dense = fuseRequest(reqs, { dt });
      const sparse: FuseRequest = {
        ...dense,
        experts: config.experts.map((e, j) => {
          const rows = masks.flatMap((m, i) => (m[j] === 1 ? [i] : []));
          return { ...tensor(`expert_${j}`, [rows.length, e.tokens, e.width], cat(rows.map((i) => reqs[i]!.experts[j] as Float32Array)), dt), rows };
        }),
      };
      // One after the other, so each runs as its own batch of the same size (bit-for-bit comparable).
      const a = await call<FuseResponse__Output>(client, 'Fuse', dense);
      const b = await call<FuseResponse__Output>(client, 'Fuse', sparse);
      assert.deepEqual(floats(b.fused), floats(a.fused), `${dt}: fused tokens differ`);
      assert.deepEqual(floats(b.gates), floats(a.gates), `${dt}: gates differ`);
      checkAgainstReference(b, reqs, dt === 'FP32' ? 1e-4 : 2e-3, dt === 'FP32' ? undefined : (x) => halfToFloat32(float32ToHalf(x)));
    }
  });

  it('FP16 tokens run through the FP16-token graph: the same numbers as FP32 tokens of the same values; a merged batch mixing both is right for each', async () => {
    const reqs = [[1, 0, 1], [0, 1, 0], [1, 1, 1]].map((m) => randomReq(rand, m));
    const rounded = reqs.map((r) => ({ ...r, base: halfToFloat32(float32ToHalf(r.base)), experts: r.experts.map((e) => halfToFloat32(float32ToHalf(e))) }));
    const a = await call<FuseResponse__Output>(client, 'Fuse', fuseRequest(rounded));
    const b = await call<FuseResponse__Output>(client, 'Fuse', { ...fuseRequest(reqs, { dt: 'FP16' }), mask: fuseRequest(reqs).mask, context: fuseRequest(reqs).context });
    assert.deepEqual(floats(b.fused), floats(a.fused));
    assert.deepEqual(floats(b.gates), floats(a.gates));
    // Concurrent FP32 and FP16 calls may merge into one float32 run: each still gets its own (correct) rows.
    const singles = reqs.map((r, k) => call<FuseResponse__Output>(client, 'Fuse', fuseRequest([k % 2 === 0 ? r : rounded[k] as Req], { dt: k % 2 === 0 ? 'FP16' : 'FP32' })));
    // An FP16 call's context travels as FP16 too: its reference gets the rounded context.
    const expected = rounded.map((r, k) => (k % 2 === 0 ? { ...r, context: halfToFloat32(float32ToHalf(r.context)) } : r));
    (await Promise.all(singles)).forEach((res, k) => checkAgainstReference(res, [expected[k] as Req], 1e-4));
  });

  it('omit_fused: the reply carries the gate weights only, the same as with the fused tokens', async () => {
    const reqs = [[1, 0, 1], [0, 1, 0]].map((m) => randomReq(rand, m));
    const full = await call<FuseResponse__Output>(client, 'Fuse', fuseRequest(reqs));
    const gatesOnly = await call<FuseResponse__Output>(client, 'Fuse', { ...fuseRequest(reqs), omit_fused: true });
    assert.equal(gatesOnly.fused, null);
    assert.deepEqual(gatesOnly.gates?.raw, full.gates?.raw);
    assert.deepEqual(gatesOnly.gates?.shape, full.gates?.shape);
    await expectInvalid(client, { ...fuseRequest(reqs), omit_fused: true, fused_shared_memory: { region: 'r', offset: 0, byte_size: 1 } },
      /^omit_fused and fused_shared_memory cannot be combined/);
  });

  it('merges concurrent calls into one run; each still gets its own rows', async () => {
    const calls = Array.from({ length: 6 }, (_, k) => [0, 1, 2].map((j) => ((k >> j) & 1)));
    const reqs = calls.map((m) => [randomReq(rand, m)]);
    const replies = await Promise.all(reqs.map((r) => call<FuseResponse__Output>(client, 'Fuse', fuseRequest(r))));
    replies.forEach((res, k) => checkAgainstReference(res, reqs[k] as Req[], 1e-4));
    assert.ok(replies.some((r) => r.batch_size > 1), `batch sizes ${replies.map((r) => r.batch_size)}`);
    assert.ok(replies.every((r) => r.inference_ms > 0));
  });

  it('reports cumulative statistics (Triton\'s statistics extension) whose stages add up to each call\'s time', async () => {
    const stats = async (req: object = { name: 'fusion', version: '' }): Promise<ModelStatistics__Output> => {
      const res = await call<{ model_stats: ModelStatistics__Output[] }>(client, 'ModelStatistics', req);
      assert.equal(res.model_stats.length, 1);
      return res.model_stats[0]!;
    };
    const before = await stats();
    const startedAt = Date.now();
    // Sequential calls: each is a run of its own (2 rows, then 3); the NaN one is refused before any run.
    await call(client, 'Fuse', fuseRequest([randomReq(rand, [1, 0, 1]), randomReq(rand, [0, 0, 0])]));
    await call(client, 'Fuse', fuseRequest([randomReq(rand, [0, 1, 0]), randomReq(rand, [1, 1, 1]), randomReq(rand, [0, 0, 1])]));
    const bad = randomReq(rand, [1, 0, 0]);
    bad.context[0] = NaN;
    await expectInvalid(client, fuseRequest([bad]), /^context: non-finite value \(NaN\)/);
    const after = await stats({});
    assertCounts(before, after, { name: 'fusion', inferences: [5, 'rows of the successful calls'], executions: [2, 'one adapter run per call'], since: startedAt });
    assertStagesAddUp(before, after, 2);
    assert.equal(stageDelta(before, after, 'fail').count, 1, 'the NaN call');
    assert.equal(batchRunsDelta(before, after, 2), 1);
    assert.equal(batchRunsDelta(before, after, 3), 1);
    await expectStatus(call(client, 'ModelStatistics', { name: 'ppocr' }), grpc.status.NOT_FOUND, /unknown model "ppocr"; this service runs "fusion"/);
    await expectStatus(call(client, 'ModelStatistics', { name: 'fusion', version: '2' }), grpc.status.NOT_FOUND, /no version "2"/);
  });

  it('rejects bad input with INVALID_ARGUMENT and a precise message', async () => {
    const good = fuseRequest([randomReq(rand, [1, 0, 1]), randomReq(rand, [0, 1, 0])]);
    const e = good.experts ?? [];
    const patch = (p: Partial<FuseRequest>): FuseRequest => ({ ...good, ...p });
    await expectInvalid(client, patch({ base: tensor('base', [2, 9, 10], new Float32Array(180)) }),
      /^base: expected shape \[2, 9, 12\] \(3×3 base grid, width 12\), got \[2, 9, 10\]$/);
    await expectInvalid(client, patch({ experts: [e[0]!, tensor('expert_1', [2, 9, 6], new Float32Array(108)), e[2]!] }),
      /experts\[1\] \("expert_1", slot 1\): expected shape \[2, 4, 6\] \(2×2 grid of "faces", width 6\), got \[2, 9, 6\]/);
    await expectInvalid(client, patch({ experts: [tensor('expert_0', [2, 16, 11], new Float32Array(352)), e[1]!, e[2]!] }),
      /experts\[0\] \("expert_0", slot 0\): expected shape \[2, 16, 10\] \(4×4 grid of "ocr", width 10\), got \[2, 16, 11\]/);
    await expectInvalid(client, patch({ mask: tensor('mask', [2, 4], Float32Array.of(1, 0, 1, 0, 0, 1, 0, 0)) }),
      /^mask: expected shape \[2, 3\] \(one column per expert slot, E = 3\), got \[2, 4\]$/);
    await expectInvalid(client, patch({ mask: tensor('mask', [2, 3], Float32Array.of(1, 0, 0.5, 0, 1, 0)) }), /^mask: values must be 0 or 1, got 0.5 at \[0, 2\]$/);
    const ctx = new Float32Array(12);
    ctx[7] = NaN;
    await expectInvalid(client, patch({ context: tensor('context', [2, 6], ctx) }), /^context: non-finite value \(NaN\) at \[1, 1\]$/);
    const fp16Inf = new Float32Array(2 * 16 * 10);
    fp16Inf[5] = 1e6; // overflows FP16 → Inf
    await expectInvalid(client, patch({ experts: [tensor('expert_0', [2, 16, 10], fp16Inf, 'FP16'), e[1]!, e[2]!] }), /non-finite value \(Infinity\) at \[0, 0, 5\]/);
    await expectInvalid(client, patch({ base: { ...good.base, raw: Buffer.alloc(10) } }), /needs 864 bytes, got 10/);
    await expectInvalid(client, patch({ base: { ...good.base, datatype: 'FP64' } }), /^base: datatype must be "FP32" or "FP16", got "FP64"$/);
    await expectInvalid(client, patch({ experts: [e[0]!, e[1]!, { ...e[2]!, name: 'sam' }] }), /unknown slot "sam" \(slots: expert_0\/ocr, expert_1\/faces, expert_2\/objects\)/);
    await expectInvalid(client, patch({ experts: [e[0]!, e[1]!, { ...e[1]!, name: 'faces' }] }), /slot 1 sent twice/);
    await expectInvalid(client, patch({ experts: [e[0]!, e[1]!] }), /mask chooses slot 2 \("objects"\) for request 0, but no tokens were sent/);
    const ocrRow = (rows: number[], shape = [rows.length, 16, 10]): FusionTensor => ({ ...tensor('expert_0', shape, new Float32Array(shape.reduce((a, b) => a * b, 1))), rows });
    await expectInvalid(client, patch({ experts: [ocrRow([1]), e[1]!, e[2]!] }), /mask chooses slot 0 \("ocr"\) for request 0, but its row is not in rows/);
    await expectInvalid(client, patch({ experts: [ocrRow([0, 2]), e[1]!, e[2]!] }), /^experts\[0\] \("expert_0", slot 0\): rows\[1\] = 2 is not a row of the batch \(N = 2\)$/);
    await expectInvalid(client, patch({ experts: [ocrRow([1, 0]), e[1]!, e[2]!] }), /rows must be strictly ascending, got 0 after 1/);
    await expectInvalid(client, patch({ experts: [ocrRow([0], [2, 16, 10]), e[1]!, e[2]!] }), /experts\[0\] \("expert_0", slot 0\): expected shape \[1, 16, 10\] \(4×4 grid of "ocr", width 10, one row per entry of rows\), got \[2, 16, 10\]/);
    await expectInvalid(client, patch({ base: { ...good.base!, rows: [0, 1] } }), /^base: rows is only for expert slots/);
    await expectInvalid(client, patch({ context: null }), /^context is required/);
    await expectInvalid(client, patch({ fused_datatype: 'INT8' }), /fused_datatype must be "FP32" or "FP16", got "INT8"/);
    const nine = Array.from({ length: 9 }, () => randomReq(rand, [0, 0, 0]));
    await expectInvalid(client, fuseRequest(nine), /batch of 9 exceeds the max batch size 8/);
  });
});

describe('fusion service through system shared memory', () => {
  let server: RunningFusion;
  let client: FusionClient;
  let region: ShmObject;
  const rand = mulberry32(11);

  before(async () => {
    server = await start({ adapter: ADAPTER, seed: SEED, port: 0, workers: 1, intraOpThreads: 1, allowClientShm: true, batching: { maxBatchSize: 8, maxQueueDelayMs: 0, maxQueueSize: 32 } });
    const proto = loadProto<ProtoGrpcType>('mova/v1/fusion.proto');
    client = new proto.mova.v1.Fusion(server.address, grpc.credentials.createInsecure());
    region = new ShmObject(`mova-fusion-test-${process.pid}`, 64 * 1024);
    await call(client, 'SystemSharedMemoryRegister', { name: 'tokens', key: region.key, offset: 0, byte_size: region.byteSize });
  });
  after(async () => {
    client.close();
    await server.stop();
    region.dispose();
  });

  /** The request with the given tensors' bytes moved into the region, one after another (8-byte aligned). */
  function throughShm(req: FuseRequest, which: (t: FusionTensor) => boolean = () => true): FuseRequest {
    let offset = 0;
    const move = (t: FusionTensor | null | undefined): FusionTensor | null | undefined => {
      if (!t || !which(t)) return t;
      const raw = t.raw as Buffer;
      region.write(offset, raw);
      const moved = { ...t, raw: Buffer.alloc(0), shared_memory: { region: 'tokens', offset, byte_size: raw.byteLength } };
      offset += Math.ceil(raw.byteLength / 8) * 8;
      return moved;
    };
    return { ...req, base: move(req.base), mask: move(req.mask), context: move(req.context), experts: (req.experts ?? []).map((t) => move(t) as FusionTensor) };
  }

  it('fuses tensors read from a registered region exactly as the same tensors in the message (FP32, FP16, rows)', async () => {
    const reqs = [[1, 0, 1], [0, 1, 1], [0, 0, 0]].map((m) => randomReq(rand, m));
    for (const dt of ['FP32', 'FP16'] as const) {
      const inMessage = fuseRequest(reqs, { dt });
      const viaMessage = await call<FuseResponse__Output>(client, 'Fuse', inMessage);
      const viaShm = await call<FuseResponse__Output>(client, 'Fuse', throughShm(inMessage));
      assert.deepEqual(viaShm.fused?.raw, viaMessage.fused?.raw, dt);
      assert.deepEqual(viaShm.gates?.raw, viaMessage.gates?.raw, dt);
      // Only the expert tokens in shared memory, the rest in the message; one slot sent for its chosen rows only.
      const sparse: FuseRequest = { ...inMessage, experts: [{ ...tensor('expert_0', [1, 16, 10], reqs[0]!.experts[0]!, dt), rows: [0] }, ...(inMessage.experts ?? []).slice(1)] };
      const mixed = await call<FuseResponse__Output>(client, 'Fuse', throughShm(sparse, (t) => t.name !== 'base' && t.name !== 'mask' && t.name !== 'context'));
      assert.deepEqual(mixed.fused?.raw, viaMessage.fused?.raw, `${dt}, experts only`);
    }
    checkAgainstReference(await call<FuseResponse__Output>(client, 'Fuse', throughShm(fuseRequest(reqs))), reqs, 1e-4);
  });

  it('writes the fused tokens into shared memory when asked (FP32, FP16); the reply says where', async () => {
    const reqs = [[1, 1, 0], [0, 0, 1]].map((m) => randomReq(rand, m));
    const fusedAt = 48 * 1024;
    for (const fused of ['FP32', 'FP16'] as const) {
      const inMessage = fuseRequest(reqs, { fused });
      const viaMessage = await call<FuseResponse__Output>(client, 'Fuse', inMessage);
      const bytes = (viaMessage.fused?.raw as Buffer).byteLength;
      assert.equal(bytes, 2 * config.tokens * config.outputWidth * (fused === 'FP16' ? 2 : 4));
      region.write(fusedAt, Buffer.alloc(bytes, 0xab)); // stale bytes the server must overwrite
      const res = await call<FuseResponse__Output>(client, 'Fuse', { ...throughShm(inMessage), fused_shared_memory: { region: 'tokens', offset: fusedAt, byte_size: 4096 } });
      assert.equal(res.fused?.raw.byteLength, 0);
      assert.deepEqual(res.fused?.shared_memory, { region: 'tokens', offset: fusedAt, byte_size: bytes });
      assert.deepEqual(res.fused?.shape, viaMessage.fused?.shape);
      assert.equal(res.fused?.datatype, fused);
      assert.deepEqual(region.read(fusedAt, bytes), viaMessage.fused?.raw, fused);
      assert.deepEqual(res.gates?.raw, viaMessage.gates?.raw);
    }
    const one = fuseRequest([randomReq(rand, [1, 0, 0])]);
    await expectStatus(call(client, 'Fuse', { ...one, fused_shared_memory: { region: 'tokens', offset: 0, byte_size: 100 } }), grpc.status.INVALID_ARGUMENT,
      /^fused_shared_memory: byte_size 100 is too small for the fused tokens \[1, 9, 12\] of FP32 \(432 bytes\)$/);
    await expectStatus(call(client, 'Fuse', { ...one, fused_shared_memory: { region: 'elsewhere', offset: 0, byte_size: 432 } }), grpc.status.NOT_FOUND, /^fused_shared_memory: shared-memory region "elsewhere" is not registered$/);
    await expectStatus(call(client, 'Fuse', { ...one, fused_shared_memory: { region: 'tokens', offset: region.byteSize - 100, byte_size: 432 } }), grpc.status.INVALID_ARGUMENT, /exceeds shared-memory region "tokens"/);
  });

  it('lists its regions and refuses bad locations with a precise status', async () => {
    const status = await call<{ regions: Record<string, { key: string; byte_size: number }> }>(client, 'SystemSharedMemoryStatus', { name: '' });
    assert.equal(status.regions.tokens?.key, region.key);
    assert.equal(status.regions.tokens?.byte_size, region.byteSize);
    const good = throughShm(fuseRequest([randomReq(rand, [1, 1, 0])]));
    const base = good.base!;
    const at = base.shared_memory!;
    await expectStatus(call(client, 'Fuse', { ...good, base: { ...base, shared_memory: { ...at, region: 'nope' } } }), grpc.status.NOT_FOUND, /^base: shared-memory region "nope" is not registered$/);
    await expectStatus(call(client, 'Fuse', { ...good, base: { ...base, shared_memory: { ...at, byte_size: 100 } } }), grpc.status.INVALID_ARGUMENT, /^base: shape \[1,9,12\] of FP32 needs 432 bytes, got 100 \(shared_memory\.byte_size\)$/);
    await expectStatus(call(client, 'Fuse', { ...good, base: { ...base, shared_memory: { ...at, offset: region.byteSize - 8 } } }), grpc.status.INVALID_ARGUMENT, /^base: offset \d+ \+ 432 bytes exceeds shared-memory region "tokens"/);
    await expectStatus(call(client, 'Fuse', { ...good, base: { ...base, raw: Buffer.alloc(432) } }), grpc.status.INVALID_ARGUMENT, /^base: give its bytes in raw or in shared_memory, not both$/);
    await expectStatus(call(client, 'Fuse', { ...good, base: { ...base, datatype: 'FP64' } }), grpc.status.INVALID_ARGUMENT, /^base: datatype must be "FP32" or "FP16", got "FP64"$/);
    const e0 = good.experts![0]!;
    await expectStatus(call(client, 'Fuse', { ...good, experts: [{ ...e0, shared_memory: { ...e0.shared_memory!, byte_size: 4 } }, ...good.experts!.slice(1)] }), grpc.status.INVALID_ARGUMENT, /^experts\[0\] \("expert_0"\): shape \[1,16,10\] of FP32 needs 640 bytes, got 4/);
    // A NaN written into the region is found like one in the message.
    const nan = Buffer.alloc(4);
    nan.writeFloatLE(Number.NaN);
    region.write(at.offset as number + 4 * 13, nan);
    await expectStatus(call(client, 'Fuse', good), grpc.status.INVALID_ARGUMENT, /^base: non-finite value \(NaN\) at \[0, 1, 1\]$/);
    await call(client, 'SystemSharedMemoryRegister', { name: 'spare', key: region.key, offset: 0, byte_size: 1024 });
    await call(client, 'SystemSharedMemoryUnregister', { name: 'spare' });
    await expectStatus(call(client, 'Fuse', { ...good, base: { ...base, shared_memory: { ...at, region: 'spare' } } }), grpc.status.NOT_FOUND, /region "spare" is not registered/);
  });

  it('a Python grpcio client (protoc classes only) fuses through the message and through shared memory alike', async () => {
    const py = pythonClient();
    const runs = await Promise.all([[], ['--shm'], ['--fp16'], ['--fp16', '--shm']].map((flags) => py.run(['fusion', ...flags, '--batch', '5', server.address])));
    for (const { status, json } of runs) assert.equal(status, 0, JSON.stringify(json));
    const [message, shm, message16, shm16] = runs.map((r) => r.json as { fused: { shape: number[]; bytes: number; sha256: string }; gates: number[][][]; mask: number[][]; slots: string[] });
    assert.deepEqual(message!.slots, ['ocr', 'faces', 'objects']);
    assert.deepEqual(message!.fused.shape, [5, config.tokens, config.outputWidth]);
    assert.equal(message!.fused.bytes, 5 * config.tokens * config.outputWidth * 4);
    assert.equal(shm!.fused.sha256, message!.fused.sha256, 'shared memory and message give the same fused bytes');
    assert.equal(shm16!.fused.sha256, message16!.fused.sha256);
    for (const r of [message!, shm16!]) {
      r.gates.forEach((blocks, i) => blocks.forEach((g) => {
        const chosen = r.mask[i]!;
        const sum = g.reduce((a, b) => a + b, 0);
        assert.ok(g.every((v, j) => (chosen[j] === 1 ? v >= 0 : v === 0)), `request ${i} gates ${g}`);
        assert.ok(chosen.includes(1) ? Math.abs(sum - 1) < 1e-5 : sum === 0, `request ${i} gates sum ${sum}`);
      }));
    }
  });

  it('a server started without --allow-client-shm refuses the extension with FAILED_PRECONDITION', async () => {
    const plain = await start({ adapter: ADAPTER, seed: SEED, port: 0, workers: 1, intraOpThreads: 1, allowClientShm: false });
    const proto = loadProto<ProtoGrpcType>('mova/v1/fusion.proto');
    const c = new proto.mova.v1.Fusion(plain.address, grpc.credentials.createInsecure());
    try {
      await expectStatus(call(c, 'SystemSharedMemoryRegister', { name: 'tokens', key: region.key, offset: 0, byte_size: 1024 }), grpc.status.FAILED_PRECONDITION, /--allow-client-shm/);
      await expectStatus(call(c, 'Fuse', throughShm(fuseRequest([randomReq(rand, [0, 0, 0])]))), grpc.status.FAILED_PRECONDITION, /not enabled on this server/);
    } finally {
      c.close();
      await plain.stop();
    }
  });
});

describe('fusion service weights', () => {
  it('serves trained weights from safetensors and fails at start on a bad file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mova-fusion-svc-'));
    try {
      const other = initWeights(config, 1234);
      const good = path.join(dir, 'adapter.safetensors');
      writeFileSync(good, exportSafetensors(config, other));
      const svc = await start({ adapter: ADAPTER, weights: good, port: 0, workers: 1, intraOpThreads: 1 });
      const proto = loadProto<ProtoGrpcType>('mova/v1/fusion.proto');
      const client = new proto.mova.v1.Fusion(svc.address, grpc.credentials.createInsecure());
      try {
        const r = randomReq(mulberry32(3), [1, 1, 0]);
        const res = await call<FuseResponse__Output>(client, 'Fuse', fuseRequest([r]));
        const ref = referenceFuse(config, other, r);
        assert.ok(relError(floats(res.fused), ref.fused) <= 1e-4);
        assert.equal((await call<DescribeResponse__Output>(client, 'Describe', {})).untrained, false);
      } finally {
        client.close();
        await svc.stop();
      }
      const bad = path.join(dir, 'bad.safetensors');
      writeFileSync(bad, Buffer.from('not a safetensors file at all'));
      await assert.rejects(start({ adapter: ADAPTER, weights: bad, port: 0, workers: 1, intraOpThreads: 1 }),
        (err: unknown) => err instanceof ConfigError && err.key === 'fusion.weights' && /bad\.safetensors: header length \d+ exceeds the file/.test(err.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
