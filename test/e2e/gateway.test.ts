/**
 * The whole cluster as processes (every expert, router, fusion, a real Redis on a free port), with gateways
 * started in-process against them so the test can see every expert call. Real models end to end.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { start, type RunningGateway } from '../../gateway/main';
import { callGateway, gatewayClient } from '../../src/cli/infer';
import type { InferResponse__Output } from '../../src/generated/mova/v1/InferResponse';
import type { InferStreamResponse__Output } from '../../src/generated/mova/v1/InferStreamResponse';
import { startBackends, type Backends } from '../helpers/cluster';
import { renderReceipt } from '../../src/render/documents';
import { pythonClient } from '../helpers/python-client';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'images');
const cat = readFileSync(path.join(FIXTURES, 'chelsea.png'));

function expert(res: InferResponse__Output, name: string) {
  const e = res.experts.find((x) => x.name === name);
  assert.ok(e, `no expert ${name} in the response`);
  return e;
}

describe('gateway end to end (BullMQ on a real Redis)', { timeout: 600_000 }, () => {
  let backends: Backends;
  let gw: RunningGateway;
  let receipt: Buffer;

  before(async () => {
    backends = await startBackends({ redis: true });
    assert.ok(backends.redisUrl, 'redis-server must be installed for this test (.ci/run installs it)');
    gw = await start({ port: 0, httpPort: 0, addresses: backends.addresses, redisUrl: backends.redisUrl, queueName: `e2e-${process.pid}`, maxBatchSize: 8, maxBatchDelayMs: 10 });
    receipt = await renderReceipt({ shop: 'CORNER MARKET', items: [['Apples', '3.20'], ['Bread', '2.75'], ['Coffee beans', '12.40'], ['Milk', '1.10']], total: '19.45', date: '2026-11-02' });
  });
  after(async () => {
    await gw?.stop();
    await backends?.stop();
  });

  /** Each job's image and fused tokens are stored in Redis under their own binary keys, gone once it answered. */
  async function noBlobsLeft(): Promise<void> {
    const redis = new Redis(backends.redisUrl!);
    try {
      let left: string[] = [];
      for (let i = 0; i < 40; i++) {
        left = [...await redis.keys(`mova:e2e-${process.pid}:image:*`), ...await redis.keys(`mova:e2e-${process.pid}:fused:*`)];
        if (left.length === 0) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(left, [], 'image or fused-token keys left behind after the jobs answered');
    } finally {
      redis.disconnect();
    }
  }

  it('routes a receipt question to the document expert and reads the total', async () => {
    const res = await callGateway(gw.address, { image: receipt, instruction: 'What is the total amount on this receipt?', return_features: true }, 60_000);
    assert.ok(res.routing?.chosen.some((c) => c.name === 'ppocr'), `chosen: ${JSON.stringify(res.routing?.chosen)}`);
    const ocr = expert(res, 'ppocr');
    assert.equal(ocr.status, 'ok');
    const text = (JSON.parse(ocr.decoded_json) as { text: string }).text;
    assert.match(text, /19[.,]45/);
    assert.equal(res.degraded, false);
    // Fused tokens have the adapter's shape: [1, 49 base tokens, 512].
    assert.ok(res.fused);
    assert.deepEqual(res.fused.shape.map(Number), [1, 49, 512]);
    assert.equal(res.fused.raw.byteLength, 49 * 512 * 4);
    // Timings add up: the stages never exceed the total.
    const t = res.timings!;
    const stages = t.queue_ms + t.base_ms + t.route_ms + t.experts_ms + t.fusion_ms;
    assert.ok(stages <= t.total_ms + 1, `stages ${stages} > total ${t.total_ms}`);
    assert.ok(t.base_ms > 0 && t.fusion_ms > 0 && t.total_ms > 0);
    assert.ok(ocr.gate_weight > 0, 'the chosen expert has a gate weight');
    // The fused tokens crossed Redis under their own key (not in the job result) and were read and removed.
    await noBlobsLeft();
  });

  it('does not send a cat question to the document expert', async () => {
    const res = await callGateway(gw.address, { image: cat, instruction: 'What animal is this?' }, 60_000);
    assert.ok(!res.routing?.chosen.some((c) => c.name === 'ppocr'), `chosen: ${JSON.stringify(res.routing?.chosen)}`);
    assert.equal(expert(res, 'ppocr').status, 'skipped');
    const labels = (JSON.parse(res.base_decoded_json) as { labels: { label: string }[] }).labels.map((l) => l.label);
    assert.ok(labels.some((l) => /cat|tabby/i.test(l)), labels.join(', '));
    assert.equal(res.fused, null, 'no fused tokens unless asked');
    // No expert's tokens to fuse and no fused tokens asked for: fusion is not run, every gate weight is 0.
    assert.equal(res.timings?.fusion_ms, 0);
    assert.ok(res.experts.every((e) => e.gate_weight === 0), JSON.stringify(res.experts.map((e) => [e.name, e.gate_weight])));
    // The same request asking for the fused tokens runs fusion (base-only path) and still has gate weights 0.
    const withTokens = await callGateway(gw.address, { image: cat, instruction: 'What animal is this?', return_features: true }, 60_000);
    assert.ok((withTokens.timings?.fusion_ms ?? 0) > 0 && withTokens.fused !== null);
    assert.ok(withTokens.experts.every((e) => e.gate_weight === 0));
  });

  it('batches concurrent requests and calls each expert at most once per batch', async () => {
    const before = gw.expertCalls.length;
    // 16 OCR requests take several seconds on 2 shared cores: give them a budget that tests batching, not latency.
    const reqs = Array.from({ length: 32 }, (_, i) => callGateway(gw.address, i % 2 === 0
      ? { image: cat, instruction: 'What animal is this?', deadline_ms: 90_000 }
      : { image: receipt, instruction: 'Read the text on this receipt.', deadline_ms: 90_000 }, 120_000));
    const res = await Promise.all(reqs);
    const sizes = new Map(res.map((r) => [r.batch_id, r.batch_size]));
    const mean = [...sizes.values()].reduce((a, b) => a + b, 0) / sizes.size;
    assert.ok(mean > 1, `mean batch size ${mean}`);
    const calls = gw.expertCalls.slice(before);
    const perBatch = new Map<string, string[]>();
    for (const c of calls) (perBatch.get(c.batchId) ?? perBatch.set(c.batchId, []).get(c.batchId)!).push(c.expert);
    for (const [batchId, experts] of perBatch) {
      assert.equal(new Set(experts).size, experts.length, `batch ${batchId} called an expert twice: ${experts.join(', ')}`);
    }
    // Nobody asked about faces: the face expert is never called.
    assert.ok(!calls.some((c) => c.expert === 'ultraface'), 'an expert no request chose was called');
    // Every document request got its OCR; every cat request skipped it. In batches mixing both, only the document
    // rows were fused: they carry the OCR expert's gate weight, the cat rows none.
    res.forEach((r, i) => assert.equal(expert(r, 'ppocr').status, i % 2 === 0 ? 'skipped' : 'ok'));
    res.forEach((r, i) => assert.ok(i % 2 === 0 ? r.experts.every((e) => e.gate_weight === 0) : expert(r, 'ppocr').gate_weight > 0, `request ${i}: ${JSON.stringify(r.experts.map((e) => [e.name, e.gate_weight]))}`));
    await noBlobsLeft();
  });

  it('answers many requests on one InferStream stream: each as Infer would, by position, a failure in-stream', async () => {
    const client = gatewayClient(gw.address);
    try {
      const call = client.InferStream({ deadline: Date.now() + 120_000 });
      const got: InferStreamResponse__Output[] = [];
      const ended = new Promise<grpc.StatusObject>((resolve, reject) => {
        call.on('data', (m: InferStreamResponse__Output) => got.push(m));
        call.on('status', resolve);
        call.on('error', reject);
      });
      call.write({ image: cat, instruction: 'What animal is this?', request_id: 'stream-cat' });
      call.write({ image: cat, instruction: '   ', request_id: 'stream-blank' });
      call.write({ image: receipt, instruction: 'What is the total amount on this receipt?' });
      call.end();
      assert.equal((await ended).code, grpc.status.OK);
      got.sort((a, b) => Number(a.index) - Number(b.index));
      assert.deepEqual(got.map((m) => [Number(m.index), m.request_id, m.error_code]), [[0, 'stream-cat', ''], [1, 'stream-blank', 'INVALID_ARGUMENT'], [2, '', '']]);
      assert.equal(got[0]!.response?.request_id, 'stream-cat');
      assert.ok(!got[0]!.response?.routing?.chosen.some((c) => c.name === 'ppocr'), 'the cat question does not go to the document expert');
      assert.match(got[1]!.error_message, /instruction/);
      assert.equal(got[1]!.response, null);
      const generated = got[2]!.response;
      assert.ok(generated && generated.request_id.length > 0, 'a generated request id');
      assert.match((JSON.parse(expert(generated, 'ppocr').decoded_json) as { text: string }).text, /19[.,]45/);
    } finally {
      client.close();
    }
  });

  it('answers bad input with INVALID_ARGUMENT and keeps serving', async () => {
    await assert.rejects(callGateway(gw.address, { image: Buffer.from('nope'), instruction: 'hi' }, 10_000), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /could not be decoded/.test(e.details));
    await assert.rejects(callGateway(gw.address, { image: cat, instruction: '   ' }, 10_000), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /instruction/.test(e.details));
    await assert.rejects(callGateway(gw.address, { image: cat, instruction: 'x', required_experts: ['sam'] }, 10_000), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /unknown expert "sam"/.test(e.details));
    const ok = await callGateway(gw.address, { image: cat, instruction: 'Describe the picture.', required_experts: ['ultraface'] }, 60_000);
    assert.ok(ok.routing?.chosen.some((c) => c.name === 'ultraface'));
  });

  it('gives the same answers through the in-process queue as through BullMQ', async () => {
    const mem = await start({ port: 0, httpPort: 0, addresses: backends.addresses, redisUrl: '', env: {} });
    try {
      assert.equal(mem.queueKind, 'memory');
      const req = { image: receipt, instruction: 'What is the total amount?', return_features: true };
      const a = await callGateway(gw.address, req, 60_000);
      const b = await callGateway(mem.address, req, 60_000);
      assert.deepEqual(b.routing, a.routing);
      assert.deepEqual(b.experts.map((e) => [e.name, e.status, e.decoded_json]), a.experts.map((e) => [e.name, e.status, e.decoded_json]));
      assert.deepEqual(b.fused?.shape, a.fused?.shape);
      const fa = new Float32Array(new Uint8Array(a.fused!.raw).buffer);
      const fb = new Float32Array(new Uint8Array(b.fused!.raw).buffer);
      for (let i = 0; i < fa.length; i += 97) assert.ok(Math.abs(fa[i]! - fb[i]!) < 1e-4, `fused[${i}] ${fa[i]} vs ${fb[i]}`);
    } finally {
      await mem.stop();
    }
  });

  it('serves POST /v1/infer as JSON and multipart', async () => {
    const json = await fetch(`${gw.httpUrl}/v1/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image: receipt.toString('base64'), instruction: 'What is the total amount?' }),
    });
    assert.equal(json.status, 200);
    const body = (await json.json()) as { experts: { name: string; status: string; decoded: { text?: string } | null }[] };
    assert.match(body.experts.find((e) => e.name === 'ppocr')?.decoded?.text ?? '', /19[.,]45/);
    const form = new FormData();
    form.set('image', new Blob([cat]), 'cat.png');
    form.set('instruction', 'What animal is this?');
    const mp = await fetch(`${gw.httpUrl}/v1/infer`, { method: 'POST', body: form });
    assert.equal(mp.status, 200);
    const bad = await fetch(`${gw.httpUrl}/v1/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"image": 5' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /not valid JSON/);
    const wrongType = await fetch(`${gw.httpUrl}/v1/infer`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    assert.equal(wrongType.status, 415);
  });
  it('answers a Python client built only from the published protos (grpcio, protoc-generated classes)', async () => {
    const py = pythonClient();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mova-py-'));
    const receiptFile = path.join(dir, 'receipt.png');
    writeFileSync(receiptFile, receipt);
    const ok = await py.run(['gateway', gw.address, receiptFile, 'What is the total amount on this receipt?', '--features', 'fp16', '--request-id', 'py-1']);
    assert.equal(ok.status, 0, JSON.stringify(ok.json));
    const r = ok.json as { request_id: string; chosen: string[]; experts: Record<string, { status: string; decoded: { text: string } | null }>; fused: { datatype: string; shape: string[]; bytes: number }; degraded: boolean };
    assert.equal(r.request_id, 'py-1');
    assert.ok(r.chosen.includes('ppocr'), JSON.stringify(r.chosen));
    assert.equal(r.experts.ppocr?.status, 'ok');
    assert.match(r.experts.ppocr?.decoded?.text ?? '', /19[.,]45/);
    assert.equal(r.degraded, false);
    // protobuf-python writes int64 shapes as numbers; json.dumps keeps them numbers.
    assert.deepEqual({ ...r.fused, shape: r.fused.shape.map(Number) }, { datatype: 'FP16', shape: [1, 49, 512], bytes: 49 * 512 * 2 });
    // proto3 `optional`: max_experts set to 0 by the client means "no specialist", not "unset".
    const capped = await py.run(['gateway', gw.address, receiptFile, 'What is the total amount on this receipt?', '--max-experts', '0']);
    assert.equal(capped.status, 0, JSON.stringify(capped.json));
    assert.deepEqual(capped.json.chosen, []);
    assert.match(String(capped.json.reason), /no specialist chosen .*max 0 dropped ppocr/);
    // A gRPC status with a message, as grpcio raises it.
    const notImage = path.join(dir, 'notes.txt');
    writeFileSync(notImage, 'just some text');
    const bad = await py.run(['gateway', gw.address, notImage, 'What is this?']);
    assert.equal(bad.status, 3);
    assert.deepEqual(Object.keys(bad.json), ['error']);
    assert.equal((bad.json.error as { code: string }).code, 'INVALID_ARGUMENT');
    assert.match((bad.json.error as { message: string }).message, /could not be decoded/);
    // Several requests on one InferStream stream, one of them not an image: answered by position, the failure in-stream.
    const streamed = await py.run(['gateway-stream', gw.address, receiptFile, 'What is the total amount on this receipt?', notImage, 'What is this?', path.join(FIXTURES, 'chelsea.png'), 'What animal is this?']);
    assert.equal(streamed.status, 0, JSON.stringify(streamed.json));
    const answers = streamed.json.stream as { index: number; request_id: string; error_code: string | null; error_message: string | null; chosen?: string[]; experts?: Record<string, { decoded: { text?: string } | null }> }[];
    assert.deepEqual(answers.map((a) => [Number(a.index), a.request_id, a.error_code]), [[0, 'py-stream-0', null], [1, 'py-stream-1', 'INVALID_ARGUMENT'], [2, 'py-stream-2', null]]);
    assert.match(answers[0]!.experts?.ppocr?.decoded?.text ?? '', /19[.,]45/);
    assert.match(answers[1]!.error_message ?? '', /could not be decoded/);
    assert.ok(!answers[2]!.chosen?.includes('ppocr'), JSON.stringify(answers[2]));
    // The base expert over OIP, two images in one BYTES tensor (Triton's length-prefixed raw layout).
    const oip = await py.run(['expert', backends.addresses.mobilenetv2!, 'mobilenetv2', path.join(FIXTURES, 'chelsea.png'), receiptFile]);
    assert.equal(oip.status, 0, JSON.stringify(oip.json));
    const o = oip.json as { ready: boolean; inputs: { name: string }[]; outputs: { decoded: { shape: number[]; items: { labels: { label: string }[] }[] }; pooled: { datatype: string; shape: number[]; bytes: number } } };
    assert.equal(o.ready, true);
    assert.deepEqual(o.inputs.map((i) => i.name).sort(), ['image', 'pixel_values']);
    assert.deepEqual(o.outputs.decoded.shape.map(Number), [2]);
    assert.match(o.outputs.decoded.items[0]!.labels.map((l) => l.label).join(','), /cat/);
    assert.deepEqual({ ...o.outputs.pooled, shape: o.outputs.pooled.shape.map(Number) }, { datatype: 'FP32', shape: [2, 1280], bytes: 2 * 1280 * 4 });
  });
});
