/**
 * Triton's system shared-memory extension on the expert service (real MobileNetV2, real gRPC server on loopback,
 * real /dev/shm objects): tensors through a registered region give exactly what the same tensors give in the
 * message; every misuse is a precise status and the server keeps serving; a Python client (grpcio and Python's
 * own shared memory, no project code) does the round trip as tritonclient users do.
 */
import assert from 'node:assert/strict';
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { start, type RunningExpert } from '../../services/expert/main';
import { expectStatus, imagenetPixels, oipClient, outputByName, splitBytesRun, type InferOutputs, type RawClient } from '../helpers/oip-client';
import { pythonClient } from '../helpers/python-client';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'images');
const cat = readFileSync(path.join(FIXTURES, 'chelsea.png'));
const SHM = '/dev/shm';
const PIXELS = 3 * 224 * 224 * 4;
const FEATURES = 49 * 1280 * 4;
const POOLED = 1280 * 4;

function shm(region: string, byteSize: number, offset?: number): Record<string, unknown> {
  return {
    shared_memory_region: { string_param: region },
    shared_memory_byte_size: { int64_param: byteSize },
    ...(offset === undefined ? {} : { shared_memory_offset: { int64_param: offset } }),
  };
}

describe('expert service: system shared memory (Triton extension)', () => {
  const key = `mova-test-${process.pid}`;
  const file = path.join(SHM, key);
  const size = PIXELS + 8192 + FEATURES + POOLED;
  let expert: RunningExpert;
  let client: RawClient;
  let pixels: Buffer;

  before(async () => {
    assert.ok(existsSync(SHM), `${SHM} must exist (Linux)`);
    const fd = openSync(file, 'w+');
    ftruncateSync(fd, size);
    closeSync(fd);
    pixels = Buffer.from((await imagenetPixels(cat)).buffer);
    expert = await start({ name: 'mobilenetv2', port: 0, allowClientShm: true });
    client = oipClient(expert.address);
  });
  after(async () => {
    client.close();
    await expert.stop();
    rmSync(file, { force: true });
  });

  it('lists the extension and reports registered regions', async () => {
    const md = await client.call<{ extensions: string[] }>('ServerMetadata', {});
    assert.deepEqual(md.extensions, ['statistics', 'system_shared_memory']);
    await client.call('SystemSharedMemoryRegister', { name: 'all', key: `/${key}`, offset: 0, byte_size: size });
    await client.call('SystemSharedMemoryRegister', { name: 'tail', key, offset: PIXELS, byte_size: size - PIXELS });
    const st = await client.call<{ regions: Record<string, { key: string; offset: string; byte_size: string }> }>('SystemSharedMemoryStatus', {});
    assert.deepEqual(Object.keys(st.regions).sort(), ['all', 'tail']);
    assert.deepEqual([st.regions.tail!.key, Number(st.regions.tail!.offset), Number(st.regions.tail!.byte_size)], [key, PIXELS, size - PIXELS]);
    const one = await client.call<{ regions: Record<string, unknown> }>('SystemSharedMemoryStatus', { name: 'all' });
    assert.deepEqual(Object.keys(one.regions), ['all']);
  });

  it('reads pixel_values from a region and writes outputs to one: the same numbers as over the message', async () => {
    const viaMessage = await client.call<InferOutputs>('ModelInfer', {
      model_name: 'mobilenetv2',
      inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, 3, 224, 224] }],
      outputs: [{ name: 'features' }, { name: 'pooled' }, { name: 'decoded' }],
      raw_input_contents: [pixels],
    });
    writeFileSync(file, pixels, { flag: 'r+' });
    // Outputs go to region "tail" (it starts after the pixels): features at 8192, pooled right after them.
    const res = await client.call<InferOutputs & { outputs: { name: string; parameters: Record<string, { string_param?: string; int64_param?: string }> }[] }>('ModelInfer', {
      model_name: 'mobilenetv2',
      id: 'shm-1',
      inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, 3, 224, 224], parameters: shm('all', PIXELS) }],
      outputs: [{ name: 'features', parameters: shm('tail', FEATURES, 8192) }, { name: 'pooled', parameters: shm('tail', POOLED, 8192 + FEATURES) }, { name: 'decoded' }],
    });
    assert.deepEqual(res.outputs.map((o) => o.name), ['features', 'pooled', 'decoded']);
    assert.deepEqual(res.raw_output_contents.map((b) => b.byteLength === 0), [true, true, false], 'an output in shared memory leaves an empty raw entry');
    const f = res.outputs[0]!.parameters;
    assert.equal(f.shared_memory_region!.string_param, 'tail');
    assert.equal(Number(f.shared_memory_byte_size!.int64_param), FEATURES);
    const region = readFileSync(file);
    assert.ok(region.subarray(PIXELS + 8192, PIXELS + 8192 + FEATURES).equals(outputByName(viaMessage, 'features').raw), 'features differ');
    assert.ok(region.subarray(PIXELS + 8192 + FEATURES, PIXELS + 8192 + FEATURES + POOLED).equals(outputByName(viaMessage, 'pooled').raw), 'pooled differs');
    assert.deepEqual(splitBytesRun(res.raw_output_contents[2]!).map(String), splitBytesRun(outputByName(viaMessage, 'decoded').raw).map(String));
  });

  it('answers misuse with precise status codes and keeps serving', async () => {
    const I = grpc.status.INVALID_ARGUMENT;
    const N = grpc.status.NOT_FOUND;
    const infer = (input: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<unknown> => client.call('ModelInfer', {
      model_name: 'mobilenetv2',
      inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, 3, 224, 224], ...input }],
      ...extra,
    });
    await expectStatus(infer({ parameters: shm('nope', PIXELS) }), N, /region "nope" is not registered/);
    await expectStatus(infer({ parameters: shm('tail', PIXELS, size - PIXELS - 10) }), I, /exceeds shared-memory region "tail"/);
    await expectStatus(infer({ parameters: shm('all', 100) }), I, /needs 602112 bytes, got 100/);
    await expectStatus(infer({ parameters: { shared_memory_region: { string_param: 'all' } } }), I, /must be given together/);
    await expectStatus(infer({ parameters: shm('all', PIXELS) }, { raw_input_contents: [pixels] }), I, /raw_input_contents has 1 entries/);
    await expectStatus(infer({ parameters: shm('all', PIXELS) }, { outputs: [{ name: 'features', parameters: shm('tail', 1000) }] }), I, /too small for its 250880 bytes/);
    // A non-finite value read from shared memory is refused like one sent in the message.
    const nan = Buffer.from(pixels);
    nan.writeFloatLE(Number.NaN, 40);
    writeFileSync(file, nan, { flag: 'r+' });
    await expectStatus(infer({ parameters: shm('all', PIXELS) }), I, /non-finite value at element 10/);
    writeFileSync(file, pixels, { flag: 'r+' });

    const register = (r: Record<string, unknown>): Promise<unknown> => client.call('SystemSharedMemoryRegister', r);
    await expectStatus(register({ name: 'all', key, offset: 0, byte_size: 16 }), grpc.status.ALREADY_EXISTS, /already registered/);
    await expectStatus(register({ name: 'x', key: '../../etc/passwd', offset: 0, byte_size: 16 }), I, /must be an object name/);
    await expectStatus(register({ name: 'x', key: `${key}-missing`, offset: 0, byte_size: 16 }), N, /does not exist/);
    await expectStatus(register({ name: 'x', key, offset: 16, byte_size: size }), I, /exceeds object/);
    await expectStatus(register({ name: 'x', key, offset: 0, byte_size: 0 }), I, /must be positive/);
    await expectStatus(register({ name: '', key, offset: 0, byte_size: 16 }), I, /needs a name/);
    const link = path.join(SHM, `${key}-link`);
    symlinkSync(file, link);
    try {
      await expectStatus(register({ name: 'x', key: `${key}-link`, offset: 0, byte_size: 16 }), I, /cannot open shared-memory object/);
    } finally {
      rmSync(link, { force: true });
    }
    await expectStatus(client.call('SystemSharedMemoryStatus', { name: 'x' }), N, /not registered/);

    // Unregistered regions are gone; unregistering twice is fine; the server still answers.
    await client.call('SystemSharedMemoryUnregister', { name: 'tail' });
    await client.call('SystemSharedMemoryUnregister', { name: 'tail' });
    await expectStatus(infer({ parameters: shm('tail', PIXELS) }), N, /not registered/);
    const ok = await client.call<InferOutputs>('ModelInfer', { model_name: 'mobilenetv2', inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, 3, 224, 224], parameters: shm('all', PIXELS) }], outputs: [{ name: 'decoded' }] });
    assert.match(splitBytesRun(ok.raw_output_contents[0]!)[0]!.toString(), /cat|tabby|lynx/i);
    await client.call('SystemSharedMemoryUnregister', {});
    const st = await client.call<{ regions: Record<string, unknown> }>('SystemSharedMemoryStatus', {});
    assert.deepEqual(st.regions, {});
  });

  it('serves a Python client that passes the image and outputs through shared memory', async () => {
    const py = pythonClient();
    const { status, json } = await py.run(['expert', '--shm', expert.address, 'mobilenetv2', path.join(FIXTURES, 'chelsea.png')]);
    assert.equal(status, 0, JSON.stringify(json));
    const outputs = json.outputs as Record<string, { items?: { labels: { label: string }[] }[]; bytes?: number; shape: number[] }>;
    assert.ok(outputs.decoded!.items![0]!.labels.some((l) => /cat|tabby|lynx/i.test(l.label)), JSON.stringify(outputs.decoded));
    assert.equal(outputs.pooled!.bytes, POOLED);
    // The same client read the model's statistics (Triton's statistics extension) after its call.
    const stats = json.statistics as Record<string, { count: number; ns: number } | number>;
    const success = stats.success as { count: number; ns: number };
    const infer = stats.compute_infer as { count: number; ns: number };
    assert.ok(success.count >= 1 && (stats.inference_count as number) >= 1, JSON.stringify(stats));
    assert.ok(infer.ns > 0 && infer.ns <= success.ns, JSON.stringify(stats));
    const st = await client.call<{ regions: Record<string, unknown> }>('SystemSharedMemoryStatus', {});
    assert.deepEqual(st.regions, {}, 'the client unregistered its region');
  });
});
