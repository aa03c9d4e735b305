/**
 * A KServe/Triton-style OIP v2 client built ONLY from protos/inference/grpc_service.proto with proto-loader
 * defaults (no project helpers): what a third-party client sees. Tensors go in raw_input_contents.
 */
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import path from 'node:path';
import sharp from 'sharp';

const PROTO = path.join(__dirname, '..', '..', '..', 'protos', 'inference', 'grpc_service.proto');

export interface RawClient {
  call<T = Record<string, unknown>>(method: string, request: Record<string, unknown>, deadlineMs?: number): Promise<T>;
  /** A bidirectional streaming method: writes every request, half-closes, and resolves with every response once the stream ends OK. */
  stream<T = Record<string, unknown>>(method: string, requests: Record<string, unknown>[], deadlineMs?: number): Promise<T[]>;
  /** The raw duplex call of a bidirectional streaming method. */
  open(method: string, deadlineMs?: number): grpc.ClientDuplexStream<Record<string, unknown>, Record<string, unknown>>;
  close(): void;
}

export function oipClient(address: string, options: grpc.ChannelOptions = {}): RawClient {
  // Plain proto-loader options a user would pick (longs as strings, the JSON-friendly default).
  const def = protoLoader.loadSync(PROTO, { keepCase: true, longs: String, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { inference: { GRPCInferenceService: grpc.ServiceClientConstructor } };
  const client = new pkg.inference.GRPCInferenceService(address, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': 256 * 1024 * 1024,
    'grpc.max_receive_message_length': 256 * 1024 * 1024,
    ...options,
  });
  return {
    call<T>(method: string, request: Record<string, unknown>, deadlineMs = 60_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const fn = (client as unknown as Record<string, (...a: unknown[]) => void>)[method];
        if (!fn) throw new Error(`no method ${method}`);
        fn.call(client, request, { deadline: Date.now() + deadlineMs }, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res)));
      });
    },
    open(method: string, deadlineMs = 60_000) {
      const fn = (client as unknown as Record<string, (o: grpc.CallOptions) => grpc.ClientDuplexStream<Record<string, unknown>, Record<string, unknown>>>)[method];
      if (!fn) throw new Error(`no method ${method}`);
      return fn.call(client, { deadline: Date.now() + deadlineMs });
    },
    stream<T>(method: string, requests: Record<string, unknown>[], deadlineMs = 60_000): Promise<T[]> {
      return new Promise<T[]>((resolve, reject) => {
        const call = this.open(method, deadlineMs);
        const got: T[] = [];
        call.on('data', (m: T) => got.push(m));
        call.on('error', reject);
        call.on('end', () => resolve(got));
        for (const r of requests) call.write(r);
        call.end();
      });
    },
    close: () => client.close(),
  };
}

/** Asserts that `p` fails with gRPC status `code` and details matching `pattern`. */
export async function expectStatus(p: Promise<unknown>, code: grpc.status, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: grpc.ServiceError) => {
    assert.equal(err.code, code, `expected ${grpc.status[code]}, got ${grpc.status[err.code]}: ${err.details}`);
    assert.match(err.details, pattern);
    return true;
  });
}

/**
 * MobileNetV2's `pixel_values` for an encoded image, as a client preprocesses it: squashed to 224×224, RGB scaled
 * to [0,1] and normalised with the ImageNet mean and std, planar (CHW), FP32.
 */
export async function imagenetPixels(image: Buffer): Promise<Float32Array> {
  const { data } = await sharp(image).resize(224, 224).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const px = new Float32Array(3 * 224 * 224);
  for (let c = 0; c < 3; c++) for (let i = 0; i < 224 * 224; i++) px[c * 224 * 224 + i] = (data[i * 3 + c]! / 255 - mean[c]!) / std[c]!;
  return px;
}

/** Triton's BYTES wire format: each element a 4-byte little-endian length then its bytes. */
export function bytesRun(elements: Uint8Array[]): Buffer {
  return Buffer.concat(elements.flatMap((e) => {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(e.byteLength);
    return [len, Buffer.from(e)];
  }));
}

export function splitBytesRun(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < buf.length) {
    const len = buf.readUInt32LE(off);
    out.push(buf.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return out;
}

export function floats(buf: Buffer): Float32Array {
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return new Float32Array(copy.buffer);
}

export interface InferOutputs {
  outputs: { name: string; datatype: string; shape: string[] }[];
  raw_output_contents: Buffer[];
}

export function outputByName(res: InferOutputs, name: string): { datatype: string; shape: number[]; raw: Buffer } {
  const i = res.outputs.findIndex((o) => o.name === name);
  const o = res.outputs[i];
  const raw = res.raw_output_contents[i];
  if (!o || !raw) throw new Error(`no output ${name}`);
  return { datatype: o.datatype, shape: o.shape.map(Number), raw };
}
