/**
 * OIP v2 conformance and bad input for the expert service, on the real MobileNetV2 model, through a real
 * gRPC server on loopback and a client built only from the proto.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { start, type RunningExpert } from '../../services/expert/main';
import { assertCounts, assertStagesAddUp, batchRunsDelta, stageDelta } from '../helpers/model-statistics';
import { pngBomb } from '../helpers/png-bomb';
import { pythonClient } from '../helpers/python-client';
import { bytesRun, expectStatus, floats, imagenetPixels, oipClient, outputByName, splitBytesRun, type InferOutputs, type RawClient } from '../helpers/oip-client';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'images');
const cat = readFileSync(path.join(FIXTURES, 'chelsea.png'));
const coffee = readFileSync(path.join(FIXTURES, 'coffee.jpg'));

interface Duration { count: string; ns: string }
interface ModelStats {
  name: string;
  version: string;
  last_inference: string;
  inference_count: string;
  execution_count: string;
  inference_stats: Record<'success' | 'fail' | 'queue' | 'compute_input' | 'compute_infer' | 'compute_output' | 'cache_hit' | 'cache_miss', Duration>;
  batch_stats: { batch_size: string; compute_input: Duration; compute_infer: Duration; compute_output: Duration }[];
}

function imageRequest(images: Buffer[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model_name: 'mobilenetv2',
    inputs: [{ name: 'image', datatype: 'BYTES', shape: [images.length] }],
    raw_input_contents: [bytesRun(images)],
    ...extra,
  };
}

describe('expert service (mobilenetv2) over OIP v2', () => {
  let expert: RunningExpert;
  let client: RawClient;

  before(async () => {
    expert = await start({ name: 'mobilenetv2', port: 0, maxMessageBytes: 8 * 1024 * 1024 });
    client = oipClient(expert.address);
  });
  after(async () => {
    client.close();
    await expert.stop();
  });

  it('answers liveness, readiness and metadata', async () => {
    assert.deepEqual(await client.call('ServerLive', {}), { live: true });
    assert.deepEqual(await client.call('ServerReady', {}), { ready: true });
    assert.deepEqual(await client.call('ModelReady', { name: 'mobilenetv2' }), { ready: true });
    const sm = await client.call<{ name: string; version: string }>('ServerMetadata', {});
    assert.equal(sm.name, 'mova-expert');
    const md = await client.call<{ name: string; platform: string; inputs: { name: string; datatype: string; shape: string[] }[]; outputs: { name: string; datatype: string; shape: string[] }[] }>('ModelMetadata', { name: 'mobilenetv2' });
    assert.equal(md.platform, 'onnxruntime_onnx');
    assert.deepEqual(md.inputs.map((i) => [i.name, i.datatype, i.shape]), [['image', 'BYTES', ['-1']], ['pixel_values', 'FP32', ['-1', '3', '224', '224']]]);
    assert.deepEqual(md.outputs.map((o) => [o.name, o.datatype, o.shape]), [
      ['features', 'FP32', ['-1', '49', '1280']],
      ['pooled', 'FP32', ['-1', '1280']],
      ['decoded', 'BYTES', ['-1']],
    ]);
  });

  it('keeps the system shared-memory extension off unless started with it', async () => {
    const sm = await client.call<{ extensions: string[] }>('ServerMetadata', {});
    assert.deepEqual(sm.extensions, ['statistics']);
    const F = grpc.status.FAILED_PRECONDITION;
    await expectStatus(client.call('SystemSharedMemoryRegister', { name: 'r', key: '/r', offset: 0, byte_size: 16 }), F, /not enabled.*--allow-client-shm/);
    await expectStatus(client.call('SystemSharedMemoryStatus', {}), F, /not enabled/);
    const region = { shared_memory_region: { string_param: 'r' }, shared_memory_byte_size: { int64_param: 602112 } };
    await expectStatus(client.call('ModelInfer', { model_name: 'mobilenetv2', inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, 3, 224, 224], parameters: region }] }), F, /not enabled/);
    await expectStatus(client.call('ModelInfer', { ...imageRequest([cat]), outputs: [{ name: 'pooled', parameters: region }] }), F, /not enabled/);
  });

  it('classifies a cat photo and returns features, pooled and decoded', async () => {
    const res = await client.call<InferOutputs & { id: string; model_name: string }>('ModelInfer', imageRequest([cat], { id: 'req-1' }));
    assert.equal(res.id, 'req-1');
    assert.equal(res.model_name, 'mobilenetv2');
    const f = outputByName(res, 'features');
    assert.deepEqual(f.shape, [1, 49, 1280]);
    assert.equal(f.raw.byteLength, 49 * 1280 * 4);
    const p = outputByName(res, 'pooled');
    assert.deepEqual(p.shape, [1, 1280]);
    // The pooled vector is the global average of the feature map (up to int8 requantisation).
    const feats = floats(f.raw);
    const pooled = floats(p.raw);
    let mean0 = 0;
    for (let t = 0; t < 49; t++) mean0 += feats[t * 1280 + 5]! / 49;
    assert.ok(Math.abs(mean0 - pooled[5]!) < 0.05 * Math.max(1, Math.abs(mean0)), `pooled ${pooled[5]} vs mean ${mean0}`);
    const decoded = splitBytesRun(outputByName(res, 'decoded').raw).map((b) => JSON.parse(b.toString('utf8')) as { labels: { label: string; score: number }[] });
    assert.equal(decoded.length, 1);
    const labels = decoded[0]!.labels.map((l) => l.label.toLowerCase());
    assert.ok(labels.some((l) => /cat|tabby|lynx/.test(l)), `top-5 ${labels.join(', ')} has no cat class`);
  });

  it('a batch of N images equals N single calls', async () => {
    const batch = await client.call<InferOutputs>('ModelInfer', imageRequest([cat, coffee]));
    const one = await client.call<InferOutputs>('ModelInfer', imageRequest([cat]));
    const two = await client.call<InferOutputs>('ModelInfer', imageRequest([coffee]));
    const bf = floats(outputByName(batch, 'pooled').raw);
    const singles = [...floats(outputByName(one, 'pooled').raw), ...floats(outputByName(two, 'pooled').raw)];
    assert.equal(bf.length, singles.length);
    for (let i = 0; i < bf.length; i++) assert.ok(Math.abs(bf[i]! - singles[i]!) < 1e-4, `pooled[${i}] ${bf[i]} vs ${singles[i]}`);
    const bd = splitBytesRun(outputByName(batch, 'decoded').raw).map((b) => b.toString());
    assert.deepEqual(bd, [...splitBytesRun(outputByName(one, 'decoded').raw), ...splitBytesRun(outputByName(two, 'decoded').raw)].map((b) => b.toString()));
  });

  it('accepts preprocessed pixel_values, typed contents, and FP16 features on request', async () => {
    const px = await imagenetPixels(cat);
    const res = await client.call<InferOutputs>('ModelInfer', {
      model_name: 'mobilenetv2',
      inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, 3, 224, 224] }],
      outputs: [{ name: 'features', parameters: { datatype: { string_param: 'FP16' } } }, { name: 'decoded' }],
      raw_input_contents: [Buffer.from(px.buffer)],
    });
    assert.deepEqual(res.outputs.map((o) => o.name), ['features', 'decoded']);
    const f = outputByName(res, 'features');
    assert.equal(f.datatype, 'FP16');
    assert.equal(f.raw.byteLength, 49 * 1280 * 2);
    const labels = (JSON.parse(splitBytesRun(outputByName(res, 'decoded').raw)[0]!.toString()) as { labels: { label: string }[] }).labels.map((l) => l.label.toLowerCase());
    assert.ok(labels.some((l) => /cat|tabby|lynx/.test(l)), labels.join(', '));
    // The same image through contents.bytes_contents instead of raw contents.
    const viaContents = await client.call<InferOutputs>('ModelInfer', {
      model_name: 'mobilenetv2',
      inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], contents: { bytes_contents: [cat] } }],
      outputs: [{ name: 'decoded' }],
    });
    const l2 = (JSON.parse(splitBytesRun(outputByName(viaContents, 'decoded').raw)[0]!.toString()) as { labels: { label: string }[] }).labels;
    assert.ok(l2.some((l) => /cat|tabby|lynx/i.test(l.label)));
  });

  it('streams requests over ModelStreamInfer (Triton): each answered with its id, a failure as error_message, the stream staying open', async () => {
    type StreamResponse = { error_message: string; infer_response: InferOutputs & { id: string; model_name: string; parameters: Record<string, { string_param?: string }> } };
    const requests = [
      imageRequest([cat], { id: 's-1' }),
      imageRequest([Buffer.from('not an image')], { id: 's-2' }),
      imageRequest([coffee, cat], { id: 's-3' }),
      imageRequest([cat], { id: 's-4', model_name: 'resnet' }),
    ];
    const responses = await client.stream<StreamResponse>('ModelStreamInfer', requests);
    assert.deepEqual(responses.map((r) => r.infer_response.id).sort(), ['s-1', 's-2', 's-3', 's-4'], 'one answer per request');
    const byId = new Map(responses.map((r) => [r.infer_response.id, r]));
    const unaryCat = await client.call<InferOutputs>('ModelInfer', imageRequest([cat]));
    const ok1 = byId.get('s-1')!;
    assert.equal(ok1.error_message, '');
    assert.equal(ok1.infer_response.model_name, 'mobilenetv2');
    assert.deepEqual(floats(outputByName(ok1.infer_response, 'pooled').raw), floats(outputByName(unaryCat, 'pooled').raw), 'the same result as ModelInfer');
    const ok3 = byId.get('s-3')!;
    assert.equal(ok3.error_message, '');
    assert.deepEqual(outputByName(ok3.infer_response, 'pooled').shape, [2, 1280]);
    const bad = byId.get('s-2')!;
    assert.match(bad.error_message, /could not be decoded/);
    assert.equal(bad.infer_response.model_name, 'mobilenetv2');
    assert.equal(bad.infer_response.parameters.error_code?.string_param, 'INVALID_ARGUMENT');
    assert.deepEqual(bad.infer_response.outputs, []);
    const unknown = byId.get('s-4')!;
    assert.match(unknown.error_message, /unknown model "resnet"/);
    assert.equal(unknown.infer_response.parameters.error_code?.string_param, 'NOT_FOUND');
    // A stream cancelled with a request in flight: nothing more is written to it, and the server keeps serving.
    const cancelled = client.open('ModelStreamInfer');
    const ended = new Promise<grpc.ServiceError>((resolve) => cancelled.on('error', resolve));
    cancelled.on('data', () => assert.fail('no answer after the cancel'));
    cancelled.write(imageRequest([cat], { id: 'c-1' }));
    cancelled.cancel();
    assert.equal((await ended).code, grpc.status.CANCELLED);
    const again = await client.stream<StreamResponse>('ModelStreamInfer', [imageRequest([coffee], { id: 'after' })]);
    assert.deepEqual(again.map((r) => [r.infer_response.id, r.error_message]), [['after', '']]);
    // An empty stream ends at once.
    assert.deepEqual(await client.stream('ModelStreamInfer', []), []);
  });

  it('honours Triton\'s request parameter "timeout" (µs), in a unary call and per request on a stream', async () => {
    const timed = (us: number | string, extra: Record<string, unknown> = {}): Record<string, unknown> =>
      imageRequest([cat], { parameters: { timeout: typeof us === 'number' ? { int64_param: us } : { string_param: us } }, ...extra });
    await expectStatus(client.call('ModelInfer', timed(1)), grpc.status.DEADLINE_EXCEEDED, /^request timeout of 1 µs passed$/);
    const ok = await client.call<InferOutputs>('ModelInfer', timed(60_000_000));
    assert.deepEqual(outputByName(ok, 'pooled').shape, [1, 1280]);
    await expectStatus(client.call('ModelInfer', timed('1s')), grpc.status.INVALID_ARGUMENT, /"timeout" must be an int64 number of microseconds/);
    await expectStatus(client.call('ModelInfer', timed(-5)), grpc.status.INVALID_ARGUMENT, /must be ≥ 0 microseconds, got -5/);
    type StreamResponse = { error_message: string; infer_response: { id: string; parameters: Record<string, { string_param?: string }> } };
    const answers = await client.stream<StreamResponse>('ModelStreamInfer', [timed(1, { id: 't-late' }), timed(0, { id: 't-none' }), timed(60_000_000, { id: 't-long' })]);
    const byId = new Map(answers.map((a) => [a.infer_response.id, a]));
    assert.match(byId.get('t-late')!.error_message, /request timeout of 1 µs passed/);
    assert.equal(byId.get('t-late')!.infer_response.parameters.error_code?.string_param, 'DEADLINE_EXCEEDED');
    assert.equal(byId.get('t-none')!.error_message, '', 'timeout 0 means none');
    assert.equal(byId.get('t-long')!.error_message, '');
    // Still serving.
    assert.deepEqual(outputByName(await client.call<InferOutputs>('ModelInfer', imageRequest([cat])), 'pooled').shape, [1, 1280]);
  });

  it('a Python grpcio client (protoc classes only) streams requests over ModelStreamInfer', async () => {
    const junk = path.join(mkdtempSync(path.join(tmpdir(), 'mova-junk-')), 'junk.png');
    writeFileSync(junk, 'this is not an image');
    const { status, json } = await pythonClient().run(['expert', '--stream', expert.address, 'mobilenetv2', path.join(FIXTURES, 'chelsea.png'), junk, path.join(FIXTURES, 'coffee.jpg')]);
    assert.equal(status, 0, JSON.stringify(json));
    type Answer = { id: string; model_name: string; error: string | null; error_code: string | null; outputs: Record<string, { items?: { labels: { label: string }[] }[]; shape: number[] }> };
    const answers = json.stream as Answer[];
    assert.deepEqual(answers.map((a) => [a.id, a.model_name]), [['py-0', 'mobilenetv2'], ['py-1', 'mobilenetv2'], ['py-2', 'mobilenetv2']]);
    assert.equal(answers[0]!.error, null);
    assert.ok(answers[0]!.outputs.decoded!.items![0]!.labels.some((l) => /cat|tabby|lynx/i.test(l.label)), JSON.stringify(answers[0]!.outputs.decoded));
    assert.deepEqual(answers[0]!.outputs.pooled!.shape, [1, 1280]);
    assert.match(answers[1]!.error ?? '', /could not be decoded/);
    assert.equal(answers[1]!.error_code, 'INVALID_ARGUMENT');
    assert.equal(answers[2]!.error, null, 'the stream went on after the failed request');
  });

  it('rejects bad input with precise status codes and keeps serving', async () => {
    const I = grpc.status.INVALID_ARGUMENT;
    await expectStatus(client.call('ModelInfer', imageRequest([Buffer.from('definitely not an image')])), I, /could not be decoded/);
    await expectStatus(client.call('ModelInfer', { model_name: 'mobilenetv2', inputs: [{ name: 'image', datatype: 'BYTES', shape: [0] }], raw_input_contents: [Buffer.alloc(0)] }), I, /empty/);
    await expectStatus(client.call('ModelInfer', { model_name: 'mobilenetv2', inputs: [{ name: 'pixel_values', datatype: 'INT32', shape: [1, 3, 224, 224] }], raw_input_contents: [Buffer.alloc(3 * 224 * 224 * 4)] }), I, /FP32 or FP16/);
    await expectStatus(client.call('ModelInfer', { model_name: 'mobilenetv2', inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, 3, 224, 224] }], raw_input_contents: [Buffer.alloc(100)] }), I, /needs 602112 bytes, got 100/);
    await expectStatus(client.call('ModelInfer', { model_name: 'mobilenetv2', inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, 3, 100, 100] }], raw_input_contents: [Buffer.alloc(3 * 100 * 100 * 4)] }), I, /must have shape \[N,3,224,224\]/);
    const nan = new Float32Array(3 * 224 * 224).fill(Number.NaN);
    await expectStatus(client.call('ModelInfer', { model_name: 'mobilenetv2', inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, 3, 224, 224] }], raw_input_contents: [Buffer.from(nan.buffer)] }), I, /non-finite/);
    await expectStatus(client.call('ModelInfer', imageRequest([cat], { model_name: 'nope' })), grpc.status.NOT_FOUND, /unknown model "nope"/);
    await expectStatus(client.call('ModelInfer', imageRequest(Array.from({ length: 17 }, () => cat))), I, /exceeds the max batch size 16/);
    // Output parameters this server does not implement are refused, not ignored (Triton's classification extension).
    await expectStatus(client.call('ModelInfer', imageRequest([cat], { outputs: [{ name: 'decoded', parameters: { classification: { int64_param: 3 } } }] })), I, /classification extension is not supported/);
    await expectStatus(client.call('ModelInfer', imageRequest([cat], { outputs: [{ name: 'pooled', parameters: { datatype: { string_param: 'FP16' } } }] })), I, /output "pooled": unsupported parameter "datatype"/);
    await expectStatus(client.call('ModelInfer', imageRequest([cat], { outputs: [{ name: 'decoded' }, { name: 'decoded' }] })), I, /"decoded" is requested twice/);
    const binary = await client.call<InferOutputs>('ModelInfer', imageRequest([cat], { outputs: [{ name: 'decoded', parameters: { binary_data: { bool_param: true } } }] }));
    assert.deepEqual(binary.outputs.map((o) => o.name), ['decoded']);
    // A 20000×20000 PNG (a small file that decodes to 400 MP) is refused before decoding.
    const bomb = await pngBomb(20000, 20000);
    assert.ok(bomb.byteLength < 2 * 1024 * 1024);
    await expectStatus(client.call('ModelInfer', imageRequest([bomb])), grpc.status.RESOURCE_EXHAUSTED, /20000x20000 .* over the limit/);
    // A message over the server's 8 MiB limit.
    await expectStatus(client.call('ModelInfer', imageRequest([Buffer.alloc(9 * 1024 * 1024, 1)])), grpc.status.RESOURCE_EXHAUSTED, /larger than max|Received message/i);
    // A bad image in a batch fails that request, with the index named.
    await expectStatus(client.call('ModelInfer', imageRequest([cat, Buffer.from('junk')])), I, /image 1: .*could not be decoded/);
    // Still serving.
    const res = await client.call<InferOutputs>('ModelInfer', imageRequest([cat]));
    assert.equal(outputByName(res, 'pooled').shape[1], 1280);
  });

  it('reports cumulative statistics (Triton\'s statistics extension) whose stages add up to each request\'s time', async () => {
    const stats = async (): Promise<ModelStats> => {
      const res = await client.call<{ model_stats: ModelStats[] }>('ModelStatistics', { name: 'mobilenetv2', version: '' });
      assert.equal(res.model_stats.length, 1);
      return res.model_stats[0]!;
    };
    const before = await stats();
    const startedAt = Date.now();
    await client.call('ModelInfer', imageRequest([cat]));
    await client.call('ModelInfer', imageRequest([coffee, cat]));
    await client.call('ModelInfer', { model_name: 'mobilenetv2', inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, 3, 224, 224] }], raw_input_contents: [Buffer.from((await imagenetPixels(cat)).buffer)] });
    await expectStatus(client.call('ModelInfer', imageRequest([Buffer.from('not an image')])), grpc.status.INVALID_ARGUMENT, /decode/i);
    await expectStatus(client.call('ModelInfer', imageRequest([cat], { model_name: 'resnet' })), grpc.status.NOT_FOUND, /unknown model/);
    const after = await stats();
    assertCounts(before, after, {
      name: 'mobilenetv2',
      inferences: [4, 'items of the successful requests'],
      executions: [3, 'one execution each (sequential calls); the failed one ran nothing'],
      since: startedAt,
    });
    assertStagesAddUp(before, after, 3);
    assert.equal(stageDelta(before, after, 'fail').count, 1, 'the undecodable image; a request for another model is not this model\'s failure');
    assert.deepEqual([stageDelta(before, after, 'cache_hit').count, stageDelta(before, after, 'cache_miss').count], [0, 0], 'no response cache here');
    assert.equal(batchRunsDelta(before, after, 1), 2);
    assert.equal(batchRunsDelta(before, after, 2), 1);
    // Every model of the server, unknown names and versions.
    const all = await client.call<{ model_stats: ModelStats[] }>('ModelStatistics', {});
    assert.deepEqual(all.model_stats.map((m) => m.name), ['mobilenetv2']);
    await expectStatus(client.call('ModelStatistics', { name: 'resnet' }), grpc.status.NOT_FOUND, /unknown model "resnet"/);
    await expectStatus(client.call('ModelStatistics', { name: 'mobilenetv2', version: '7' }), grpc.status.NOT_FOUND, /no version "7"/);
  });

  it('answers grpc.health.v1 with SERVING', async () => {
    const { service } = await import('grpc-health-check');
    const Client = grpc.makeGenericClientConstructor(service as unknown as grpc.ServiceDefinition, 'Health');
    const c = new Client(expert.address, grpc.credentials.createInsecure()) as unknown as { check: (r: { service: string }, cb: (e: Error | null, r: { status: string | number }) => void) => void; close: () => void };
    const st = await new Promise<{ status: string | number }>((resolve, reject) => c.check({ service: 'inference.GRPCInferenceService' }, (e, r) => (e ? reject(e) : resolve(r))));
    c.close();
    assert.ok(st.status === 'SERVING' || st.status === 1, `status ${st.status}`);
  });
});
