/**
 * The far end of figure 4, run as its own process: `node transport-server.js <mode>` with mode
 * `grpc-defaults` (a plain grpc-js server: only the message limits raised), `grpc-ours` (startGrpcServer, i.e.
 * our transport options and raised windows, and our collector setting), `http2-defaults` or `http2-tuned`
 * (node:http2, windows raised, our collector setting).
 * Answers each call with a few bytes once the whole request arrived. Prints `{"ready":true,"address":...}`.
 * Listens on 127.0.0.1 only; exits on SIGTERM.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { DEFAULT_MAX_MESSAGE_BYTES, HTTP2_WINDOW_BYTES } from '../core/grpc-options';
import { startGrpcServer } from '../core/grpc-server';
import { tuneGarbageCollector } from '../core/memory-tuning';
import { loadInferenceProto } from '../core/proto';

export const TRANSPORT_MODES = ['grpc-defaults', 'grpc-ours', 'http2-defaults', 'http2-tuned'] as const;
export type TransportMode = (typeof TRANSPORT_MODES)[number];

const REPLY = Buffer.alloc(4);

function modelInfer(call: grpc.ServerUnaryCall<{ raw_input_contents?: Buffer[] }, unknown>, cb: grpc.sendUnaryData<unknown>): void {
  const bytes = (call.request.raw_input_contents ?? []).reduce((s, b) => s + b.length, 0);
  REPLY.writeUInt32LE(bytes >>> 0);
  cb(null, { model_name: 'echo', outputs: [{ name: 'bytes', datatype: 'UINT32', shape: [1] }], raw_output_contents: [REPLY] });
}

async function grpcServer(ours: boolean): Promise<string> {
  const proto = loadInferenceProto();
  const definition = proto.inference.GRPCInferenceService.service;
  const implementation = { ModelInfer: modelInfer } as unknown as grpc.UntypedServiceImplementation;
  if (ours) {
    const s = await startGrpcServer({ port: 0, services: [{ definition, implementation, healthName: 'inference.GRPCInferenceService' }] });
    s.setServing(true);
    return s.address;
  }
  const server = new grpc.Server({ 'grpc.max_receive_message_length': DEFAULT_MAX_MESSAGE_BYTES, 'grpc.max_send_message_length': DEFAULT_MAX_MESSAGE_BYTES });
  server.addService(definition, implementation);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return `127.0.0.1:${port}`;
}

function http2Server(tuned: boolean): Promise<string> {
  // Session memory unbounded as grpc-js sets it (Node's 10 MB default answers 4 × 4 MiB in flight with ENHANCE_YOUR_CALM).
  const server = http2.createServer({ maxSessionMemory: Number.MAX_SAFE_INTEGER, ...(tuned ? { settings: { initialWindowSize: HTTP2_WINDOW_BYTES } } : {}) });
  if (tuned) server.on('session', (s) => s.setLocalWindowSize(HTTP2_WINDOW_BYTES));
  server.on('stream', (stream) => {
    let bytes = 0;
    stream.on('data', (c: Buffer) => (bytes += c.length));
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' });
      const b = Buffer.alloc(4);
      b.writeUInt32LE(bytes >>> 0);
      stream.end(b);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

async function main(mode: string): Promise<void> {
  if (!(TRANSPORT_MODES as readonly string[]).includes(mode)) throw new Error(`mode must be one of ${TRANSPORT_MODES.join(', ')}`);
  // Our variants run with the collector setting every `mova serve` process has (src/core/memory-tuning.ts); the
  // defaults variants keep V8's. (glibc's malloc settings come with the environment, for every variant alike.)
  if (mode === 'grpc-ours' || mode === 'http2-tuned') tuneGarbageCollector();
  const address = mode.startsWith('grpc') ? await grpcServer(mode === 'grpc-ours') : await http2Server(mode === 'http2-tuned');
  process.stdout.write(`${JSON.stringify({ ready: true, address, pid: process.pid })}\n`);
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
}

if (require.main === module) {
  main(process.argv[2] ?? '').catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
}
