/**
 * Malformed and hostile requests against every public surface: the gateway (gRPC and HTTP), an expert (OIP v2),
 * the router and fusion, all running as real processes. Each request gets the right status and a precise message,
 * and every process keeps serving. Then a bounded property-based fuzz over request bytes: no crash, no hang.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import sharp from 'sharp';
import { addressEnvKey } from '../../src/core/addresses';
import { movaServe, type StartedService } from '../../src/launcher/process-group';
import { startBackends, type Backends } from '../helpers/cluster';
import { pb, rawUnary, type CallOutcome } from '../helpers/grpc-raw';
import { pngBomb } from '../helpers/png-bomb';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'images');
const cat = readFileSync(path.join(FIXTURES, 'chelsea.png'));
const S = grpc.status;

const INFER = '/mova.v1.Gateway/Infer';
const MODEL_INFER = '/inference.GRPCInferenceService/ModelInfer';
const ROUTE = '/mova.v1.Router/Route';
const FUSE = '/mova.v1.Fusion/Fuse';
const BASE = 'mobilenetv2';

/** mova.v1.InferRequest bytes. */
function inferReq(o: { image?: Uint8Array; instruction?: string | Buffer; deadline?: bigint; maxExperts?: number; required?: string[]; excluded?: string[]; requestId?: string }): Buffer {
  return Buffer.concat([
    ...(o.image ? [pb.bytes(1, o.image)] : []),
    ...(o.instruction !== undefined ? [typeof o.instruction === 'string' ? pb.str(2, o.instruction) : pb.bytes(2, o.instruction)] : []),
    ...(o.deadline !== undefined ? [pb.varint(3, o.deadline)] : []),
    ...(o.maxExperts !== undefined ? [pb.varint(4, o.maxExperts)] : []),
    ...(o.required ?? []).map((r) => pb.str(5, r)),
    ...(o.excluded ?? []).map((r) => pb.str(6, r)),
    ...(o.requestId !== undefined ? [pb.str(9, o.requestId)] : []),
  ]);
}

function bytesRun(elements: Uint8Array[]): Buffer {
  return Buffer.concat(elements.flatMap((e) => {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(e.byteLength);
    return [len, Buffer.from(e)];
  }));
}

/** inference.ModelInferRequest bytes with one input tensor. */
function oipReq(o: { model?: string; name: string; datatype: string; shape: number[]; raw: Uint8Array }): Buffer {
  const input = Buffer.concat([pb.str(1, o.name), pb.str(2, o.datatype), ...o.shape.map((d) => pb.varint(3, d))]);
  return Buffer.concat([pb.str(1, o.model ?? BASE), pb.bytes(5, input), pb.bytes(7, o.raw)]);
}

function f32(values: number[] | Float32Array): Buffer {
  const a = Float32Array.from(values);
  return Buffer.from(a.buffer);
}

function tensorMsg(name: string, datatype: string, shape: number[], raw: Uint8Array): Buffer {
  return Buffer.concat([pb.str(1, name), pb.str(2, datatype), ...shape.map((d) => pb.varint(3, d)), pb.bytes(4, raw)]);
}

/** mova.v1.FuseRequest bytes for one request (base [1,49,1280], mask [1,3], context [1,64]) with overrides. */
function fuseReq(o: { base?: Buffer | null; mask?: Buffer; context?: Buffer | null } = {}): Buffer {
  const base = o.base === undefined ? tensorMsg('base', 'FP32', [1, 49, 1280], new Uint8Array(49 * 1280 * 4)) : o.base;
  const context = o.context === undefined ? tensorMsg('context', 'FP32', [1, 64], new Uint8Array(64 * 4)) : o.context;
  return Buffer.concat([
    ...(base ? [pb.bytes(1, base)] : []),
    pb.bytes(3, o.mask ?? tensorMsg('mask', 'FP32', [1, 3], new Uint8Array(12))),
    ...(context ? [pb.bytes(4, context)] : []),
  ]);
}

function routeItem(o: { instruction?: Buffer; pooledRaw?: Buffer; pooledDims?: number; policy?: string }): Buffer {
  return Buffer.concat([
    pb.bytes(1, o.instruction ?? Buffer.from('What is in this picture?')),
    ...(o.pooledRaw ? [pb.bytes(2, o.pooledRaw), pb.varint(3, o.pooledDims ?? o.pooledRaw.length / 4)] : []),
    ...(o.policy ? [pb.str(8, o.policy)] : []),
  ]);
}

interface HttpOutcome {
  status: number;
  code: string;
  message: string;
}

interface Case {
  name: string;
  target: 'gateway' | 'http' | 'expert' | 'router' | 'fusion';
  send: () => Promise<CallOutcome | HttpOutcome>;
  /** gRPC status (gRPC targets) or HTTP status (http). */
  status: number;
  message: RegExp;
}

describe('bad input: every surface answers with the right status and keeps serving', { timeout: 300_000 }, () => {
  let backends: Backends;
  let gateway: StartedService;
  const images: Record<string, Buffer> = {};

  const addr = (target: Case['target']): string => {
    if (target === 'gateway') return gateway.address;
    if (target === 'expert') return backends.addresses[BASE]!;
    return backends.addresses[target]!;
  };
  const http = async (init: { method?: string; contentType?: string; body?: string | Buffer | FormData }): Promise<HttpOutcome> => {
    const res = await fetch(`${gateway.http!}/v1/infer`, {
      method: init.method ?? 'POST',
      ...(init.contentType ? { headers: { 'content-type': init.contentType } } : {}),
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    const body = (await res.json()) as { error?: { code: string; message: string } };
    return { status: res.status, code: body.error?.code ?? 'OK', message: body.error?.message ?? '' };
  };
  const json = (o: unknown): Promise<HttpOutcome> => http({ contentType: 'application/json', body: JSON.stringify(o) });
  const gw = (req: Buffer, timeoutMs = 20_000): Promise<CallOutcome> => rawUnary(gateway.address, INFER, req, timeoutMs);
  const good = { image: cat, instruction: 'What animal is this?' };

  before(async () => {
    backends = await startBackends({ redis: false });
    const env = { ...Object.fromEntries(Object.entries(backends.addresses).map(([k, v]) => [addressEnvKey(k), v])), MOVA_REDIS_URL: '' };
    gateway = await backends.group.start(movaServe('gateway', 'gateway', ['--port', '0'], env));
    const rgb = sharp(cat);
    images.cmyk = await rgb.clone().jpeg().toColourspace('cmyk').toBuffer();
    images.png16 = await rgb.clone().toColourspace('rgb16').png().toBuffer();
    images.oneByN = await sharp({ create: { width: 1, height: 300, channels: 3, background: '#808080' } }).png().toBuffer();
    images.animated = await sharp(Buffer.concat([await rgb.clone().resize(32, 32).raw().toBuffer(), await rgb.clone().resize(32, 32).negate().raw().toBuffer()]), { raw: { width: 32, height: 64, channels: 3, pageHeight: 32 } } as never)
      .gif({ loop: 0, delay: [100, 100] }).toBuffer();
    images.bomb = await pngBomb(20_000, 20_000);
    const zero = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer();
    // The IHDR width/height of a 1×1 PNG set to 0×0 (CRC left stale: decoders must reject it either way).
    images.zero = Buffer.from(zero);
    images.zero.writeUInt32BE(0, 16);
    images.zero.writeUInt32BE(0, 20);
  });
  after(async () => {
    await backends?.stop();
  });

  const cases: Case[] = [
    // Gateway, gRPC.
    { name: 'garbage image bytes', target: 'gateway', send: () => gw(inferReq({ image: Buffer.from('definitely not an image'), instruction: 'hi' })), status: S.INVALID_ARGUMENT, message: /image could not be decoded/ },
    { name: 'truncated PNG', target: 'gateway', send: () => gw(inferReq({ image: cat.subarray(0, 200), instruction: 'hi' })), status: S.INVALID_ARGUMENT, message: /image could not be decoded/ },
    { name: 'decompression bomb (20000×20000 PNG)', target: 'gateway', send: () => gw(inferReq({ image: images.bomb!, instruction: 'hi' })), status: S.RESOURCE_EXHAUSTED, message: /image is 20000x20000 = 400000000 pixels, over the limit of 40000000 pixels/ },
    { name: '0×0 image', target: 'gateway', send: () => gw(inferReq({ image: images.zero!, instruction: 'hi' })), status: S.INVALID_ARGUMENT, message: /image (could not be decoded|has no pixels)/ },
    { name: 'empty image', target: 'gateway', send: () => gw(inferReq({ instruction: 'hi' })), status: S.INVALID_ARGUMENT, message: /image is required/ },
    { name: '1×300 image is served', target: 'gateway', send: () => gw(inferReq({ image: images.oneByN!, instruction: 'What is this?' })), status: S.OK, message: /^$/ },
    { name: 'CMYK JPEG is served', target: 'gateway', send: () => gw(inferReq({ image: images.cmyk!, instruction: 'What is this?' })), status: S.OK, message: /^$/ },
    { name: '16-bit PNG is served', target: 'gateway', send: () => gw(inferReq({ image: images.png16!, instruction: 'What is this?' })), status: S.OK, message: /^$/ },
    { name: 'animated GIF is served (first frame)', target: 'gateway', send: () => gw(inferReq({ image: images.animated!, instruction: 'What is this?' })), status: S.OK, message: /^$/ },
    { name: 'huge instruction', target: 'gateway', send: () => gw(inferReq({ ...good, instruction: 'x'.repeat(100_000) })), status: S.INVALID_ARGUMENT, message: /instruction is 100000 bytes, over the limit of 8192/ },
    { name: 'blank instruction', target: 'gateway', send: () => gw(inferReq({ ...good, instruction: ' \n\t ' })), status: S.INVALID_ARGUMENT, message: /instruction is required/ },
    { name: 'invalid UTF-8 instruction', target: 'gateway', send: () => gw(inferReq({ ...good, instruction: Buffer.from([0x57, 0x68, 0xff, 0xfe, 0x61, 0x74]) })), status: S.INVALID_ARGUMENT, message: /not valid UTF-8/ },
    { name: 'unknown required expert', target: 'gateway', send: () => gw(inferReq({ ...good, required: ['sam'] })), status: S.INVALID_ARGUMENT, message: /required_experts: unknown expert "sam"/ },
    { name: 'expert both required and excluded', target: 'gateway', send: () => gw(inferReq({ ...good, required: ['ppocr'], excluded: ['ppocr'] })), status: S.INVALID_ARGUMENT, message: /both required and excluded/ },
    { name: 'negative deadline (int -1 in the uint32 field)', target: 'gateway', send: () => gw(inferReq({ ...good, deadline: -1n })), status: S.INVALID_ARGUMENT, message: /deadline_ms must be in 0\.\.600000/ },
    { name: 'max_experts out of range', target: 'gateway', send: () => gw(inferReq({ ...good, maxExperts: 99 })), status: S.INVALID_ARGUMENT, message: /max_experts must be an integer in 0\.\.16/ },
    { name: 'bad request_id', target: 'gateway', send: () => gw(inferReq({ ...good, requestId: 'a b/c' })), status: S.INVALID_ARGUMENT, message: /request_id must be/ },
    { name: 'oversized message (17 MiB)', target: 'gateway', send: () => gw(inferReq({ image: Buffer.alloc(17 * 1024 * 1024, 1), instruction: 'hi' })), status: S.RESOURCE_EXHAUSTED, message: /larger than max/ },
    { name: 'not a protobuf at all', target: 'gateway', send: () => gw(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])), status: S.INTERNAL, message: /[Dd]eserializ|parse/ },
    // Gateway, HTTP.
    { name: 'HTTP malformed JSON', target: 'http', send: () => http({ contentType: 'application/json', body: '{"image": 5' }), status: 400, message: /body is not valid JSON/ },
    { name: 'HTTP JSON array body', target: 'http', send: () => http({ contentType: 'application/json', body: '[1,2]' }), status: 400, message: /body must be a JSON object/ },
    { name: 'HTTP wrong content type', target: 'http', send: () => http({ contentType: 'text/plain', body: 'hello' }), status: 415, message: /unsupported content-type "text\/plain"/ },
    { name: 'HTTP image not base64', target: 'http', send: () => json({ image: '***', instruction: 'hi' }), status: 400, message: /field "image" must be base64/ },
    { name: 'HTTP wrong field type', target: 'http', send: () => json({ image: cat.toString('base64'), instruction: 5 }), status: 400, message: /field "instruction" must be a string/ },
    { name: 'HTTP negative deadline', target: 'http', send: () => json({ image: cat.toString('base64'), instruction: 'hi', deadline_ms: -5 }), status: 400, message: /deadline_ms must be in 0\.\.600000/ },
    { name: 'HTTP NaN-like max_experts', target: 'http', send: () => json({ image: cat.toString('base64'), instruction: 'hi', max_experts: 1.5 }), status: 400, message: /max_experts must be an integer/ },
    { name: 'HTTP oversized body (17 MiB)', target: 'http', send: () => http({ contentType: 'application/json', body: Buffer.alloc(17 * 1024 * 1024, 0x20) }), status: 413, message: /over the limit/ },
    { name: 'HTTP multipart without an image part', target: 'http', send: () => { const f = new FormData(); f.set('instruction', 'hi'); return http({ body: f }); }, status: 400, message: /needs an "image" file part/ },
    { name: 'HTTP GET /v1/infer', target: 'http', send: () => http({ method: 'GET' }), status: 405, message: /use POST/ },
    { name: 'HTTP misspelt field', target: 'http', send: () => json({ image: cat.toString('base64'), instruction: 'hi', max_expert: 1 }), status: 400, message: /unknown field "max_expert"/ },
    { name: 'HTTP SVG data URL', target: 'http', send: () => json({ image: `data:image/svg+xml;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>').toString('base64')}`, instruction: 'hi' }), status: 400, message: /SVG\/XML is not accepted/ },
    // Expert (OIP v2).
    { name: 'expert: unknown model', target: 'expert', send: () => rawUnary(addr('expert'), MODEL_INFER, oipReq({ model: 'sam', name: 'image', datatype: 'BYTES', shape: [1], raw: bytesRun([cat]) }), 20_000), status: S.NOT_FOUND, message: /unknown model "sam"/ },
    { name: 'expert: image as FP32', target: 'expert', send: () => rawUnary(addr('expert'), MODEL_INFER, oipReq({ name: 'image', datatype: 'FP32', shape: [1], raw: f32([1]) }), 20_000), status: S.INVALID_ARGUMENT, message: /input "image" must be BYTES/ },
    { name: 'expert: pixel_values wrong shape', target: 'expert', send: () => rawUnary(addr('expert'), MODEL_INFER, oipReq({ name: 'pixel_values', datatype: 'FP32', shape: [1, 3, 8, 8], raw: f32(new Float32Array(192)) }), 20_000), status: S.INVALID_ARGUMENT, message: /must have shape \[N,3,224,224\]/ },
    { name: 'expert: NaN in pixel_values', target: 'expert', send: () => { const t = new Float32Array(3 * 224 * 224); t[5] = Number.NaN; return rawUnary(addr('expert'), MODEL_INFER, oipReq({ name: 'pixel_values', datatype: 'FP32', shape: [1, 3, 224, 224], raw: f32(t) }), 20_000); }, status: S.INVALID_ARGUMENT, message: /non-finite value at element 5/ },
    { name: 'expert: raw bytes shorter than the shape', target: 'expert', send: () => rawUnary(addr('expert'), MODEL_INFER, oipReq({ name: 'pixel_values', datatype: 'FP32', shape: [1, 3, 224, 224], raw: f32([1, 2]) }), 20_000), status: S.INVALID_ARGUMENT, message: /shape \[1,3,224,224\] of FP32 needs 602112 bytes, got 8/ },
    { name: 'expert: BYTES element length past the end', target: 'expert', send: () => { const b = bytesRun([cat.subarray(0, 10)]); b.writeUInt32LE(1_000_000, 0); return rawUnary(addr('expert'), MODEL_INFER, oipReq({ name: 'image', datatype: 'BYTES', shape: [1], raw: b }), 20_000); }, status: S.INVALID_ARGUMENT, message: /BYTES element 0 declares 1000000 bytes but only 10 remain/ },
    { name: 'expert: undecodable image', target: 'expert', send: () => rawUnary(addr('expert'), MODEL_INFER, oipReq({ name: 'image', datatype: 'BYTES', shape: [1], raw: bytesRun([Buffer.from('GIF89a garbage')]) }), 20_000), status: S.INVALID_ARGUMENT, message: /could not be decoded/ },
    { name: 'expert: unknown dtype', target: 'expert', send: () => rawUnary(addr('expert'), MODEL_INFER, oipReq({ name: 'pixel_values', datatype: 'COMPLEX64', shape: [1], raw: f32([1, 2]) }), 20_000), status: S.INVALID_ARGUMENT, message: /unsupported datatype "COMPLEX64"/ },
    // Router.
    { name: 'router: empty batch', target: 'router', send: () => rawUnary(addr('router'), ROUTE, Buffer.alloc(0), 20_000), status: S.INVALID_ARGUMENT, message: /items is empty/ },
    { name: 'router: invalid UTF-8 instruction', target: 'router', send: () => rawUnary(addr('router'), ROUTE, pb.bytes(1, routeItem({ instruction: Buffer.from([0xc3, 0x28]) })), 20_000), status: S.INVALID_ARGUMENT, message: /items\[0\]\.instruction is not valid UTF-8/ },
    { name: 'router: pooled of the wrong width', target: 'router', send: () => rawUnary(addr('router'), ROUTE, pb.bytes(1, routeItem({ pooledRaw: f32([1, 2, 3]), pooledDims: 3 })), 20_000), status: S.INVALID_ARGUMENT, message: /pooled_dims is 3; this router expects/ },
    { name: 'router: unknown policy', target: 'router', send: () => rawUnary(addr('router'), ROUTE, pb.bytes(1, routeItem({ policy: 'magic' })), 20_000), status: S.INVALID_ARGUMENT, message: /unknown policy "magic"/ },
    // Fusion.
    { name: 'fusion: base missing', target: 'fusion', send: () => rawUnary(addr('fusion'), FUSE, fuseReq({ base: null }), 20_000), status: S.INVALID_ARGUMENT, message: /base is required/ },
    { name: 'fusion: mask of the wrong shape', target: 'fusion', send: () => rawUnary(addr('fusion'), FUSE, fuseReq({ mask: tensorMsg('mask', 'FP32', [1, 7], new Uint8Array(28)) }), 20_000), status: S.INVALID_ARGUMENT, message: /mask: expected shape/ },
    { name: 'fusion: base as INT8', target: 'fusion', send: () => rawUnary(addr('fusion'), FUSE, fuseReq({ base: tensorMsg('base', 'INT8', [1, 49, 1280], new Uint8Array(49 * 1280)) }), 20_000), status: S.INVALID_ARGUMENT, message: /base: datatype must be "FP32" or "FP16", got "INT8"/ },
    { name: 'fusion: NaN in context', target: 'fusion', send: () => { const t = new Float32Array(64); t[3] = Number.POSITIVE_INFINITY; return rawUnary(addr('fusion'), FUSE, fuseReq({ context: tensorMsg('context', 'FP32', [1, 64], f32(t)) }), 20_000); }, status: S.INVALID_ARGUMENT, message: /context: non-finite value \(Infinity\) at \[0, 3\]/ },
  ];

  for (const c of cases) {
    it(`${c.target}: ${c.name}`, async () => {
      const got = await c.send();
      if ('status' in got) {
        assert.equal(got.status, c.status, `HTTP ${got.status} ${got.code}: ${got.message}`);
        assert.match(got.message, c.message);
      } else {
        assert.equal(got.code, c.status, `${S[got.code]}: ${got.details}`);
        assert.match(got.details, c.message);
      }
    });
  }

  it('every process is still serving', async () => {
    for (const s of [...backends.services, gateway]) assert.doesNotThrow(() => process.kill(s.pid, 0), `${s.name} (pid ${s.pid}) is gone`);
    const ok = await gw(inferReq({ ...good, requestId: 'after-table' }));
    assert.equal(ok.code, S.OK, ok.details);
    const okHttp = await json({ image: cat.toString('base64'), instruction: 'What animal is this?' });
    assert.equal(okHttp.status, 200, okHttp.message);
  });

  it('fuzz: arbitrary and mutated request bytes never crash or hang any service (bounded time)', async () => {
    const valid: Record<string, Buffer> = {
      [INFER]: inferReq({ image: cat.subarray(0, 4096), instruction: 'What is this?', deadline: 3000n }),
      [MODEL_INFER]: oipReq({ name: 'image', datatype: 'BYTES', shape: [1], raw: bytesRun([cat.subarray(0, 4096)]) }),
      [ROUTE]: pb.bytes(1, routeItem({})),
      [FUSE]: fuseReq(),
    };
    const targets: [string, string][] = [[gateway.address, INFER], [addr('expert'), MODEL_INFER], [addr('router'), ROUTE], [addr('fusion'), FUSE]];
    const mutate = fc.tuple(fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.option(fc.nat(), { nil: undefined }));
    const bytesArb = fc.oneof(
      fc.uint8Array({ maxLength: 2048 }).map((b) => ({ kind: 'random', f: (_: Buffer) => Buffer.from(b) })),
      mutate.map(([, edits, cut]) => ({ kind: 'mutated', f: (v: Buffer) => {
        const b = Buffer.from(v);
        for (const [at, val] of edits) b[at % Math.max(1, b.length)] = val;
        return cut === undefined ? b : b.subarray(0, cut % (b.length + 1));
      } })),
    );
    const until = performance.now() + 5000;
    const seen: Record<string, number> = {};
    let calls = 0;
    await fc.assert(fc.asyncProperty(fc.nat({ max: targets.length - 1 }), bytesArb, async (t, gen) => {
      if (performance.now() > until) return;
      const [address, method] = targets[t]!;
      const res = await rawUnary(address, method, gen.f(valid[method]!), 8000);
      calls++;
      seen[S[res.code] ?? String(res.code)] = (seen[S[res.code] ?? String(res.code)] ?? 0) + 1;
      // A hang shows up as the client's own deadline; the gateway's own request budget here is ≤ 3 s.
      assert.ok(!(res.code === S.DEADLINE_EXCEEDED && res.ms > 7500), `${method} hung: ${res.details}`);
      assert.notEqual(res.code, S.UNKNOWN, `${method}: ${res.details}`);
      // INTERNAL only from grpc-js failing to parse the bytes as the request message, never from our code.
      if (res.code === S.INTERNAL) assert.match(res.details, /deserializ/i, `${method}: ${res.details}`);
    }), { numRuns: 100_000, interruptAfterTimeLimit: 6000, seed: 20261123 });
    process.stderr.write(`  [fuzz] ${calls} calls in ~5 s: ${JSON.stringify(seen)}\n`);
    assert.ok(calls > 20, `only ${calls} fuzz calls ran`);
    for (const s of [...backends.services, gateway]) assert.doesNotThrow(() => process.kill(s.pid, 0), `${s.name} (pid ${s.pid}) died during the fuzz`);
    const ok = await gw(inferReq({ ...good, requestId: 'after-fuzz' }));
    assert.equal(ok.code, S.OK, ok.details);
  });
});
