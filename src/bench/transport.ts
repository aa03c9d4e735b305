/**
 * Figure 4, tensor transport: bytes/s of 4 MiB tensors from this process to a server process over loopback,
 * gRPC (an OIP ModelInfer unary call carrying the tensor in raw_input_contents) ÷ raw HTTP/2 (node:http2 POST of
 * the same bytes). Before/after: grpc-js defaults vs our transport options (src/core/grpc-options.ts and
 * startGrpcServer's raised windows). Variants are interleaved repetition by repetition.
 */
import http2 from 'node:http2';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { channelOptions, DEFAULT_MAX_MESSAGE_BYTES, HTTP2_WINDOW_BYTES } from '../core/grpc-options';
import { loadInferenceProto } from '../core/proto';
import type { GRPCInferenceServiceClient } from '../generated/inference/GRPCInferenceService';
import { movaServe, ProcessGroup } from '../launcher/process-group';
import { finishMachine, fmt, log, machine, median, round, spread, writeFigure, type Spread } from './common';
import type { TransportMode } from './transport-server';

const PAYLOAD_BYTES = 4 * 1024 * 1024;

type Send = (payload: Buffer) => Promise<void>;

interface Variant {
  name: string;
  server: TransportMode;
  client: 'grpc-defaults' | 'grpc-ours' | 'http2-defaults' | 'http2-tuned';
}

const VARIANTS: Variant[] = [
  { name: 'raw HTTP/2, windows raised', server: 'http2-tuned', client: 'http2-tuned' },
  { name: 'raw HTTP/2, Node defaults', server: 'http2-defaults', client: 'http2-defaults' },
  { name: 'gRPC, grpc-js defaults (before)', server: 'grpc-defaults', client: 'grpc-defaults' },
  { name: 'gRPC, our client options, default server', server: 'grpc-defaults', client: 'grpc-ours' },
  { name: 'gRPC, our options both sides (after)', server: 'grpc-ours', client: 'grpc-ours' },
];

function grpcSender(address: string, ours: boolean): { send: Send; close(): void } {
  const proto = loadInferenceProto();
  const opts: grpc.ChannelOptions = ours ? channelOptions() : { 'grpc.max_receive_message_length': DEFAULT_MAX_MESSAGE_BYTES, 'grpc.max_send_message_length': DEFAULT_MAX_MESSAGE_BYTES };
  const client = new proto.inference.GRPCInferenceService(address, grpc.credentials.createInsecure(), opts) as unknown as GRPCInferenceServiceClient;
  return {
    send: (payload) => new Promise<void>((resolve, reject) => {
      client.ModelInfer({
        model_name: 'echo',
        inputs: [{ name: 'x', datatype: 'FP32', shape: [1, payload.length / 4] }],
        raw_input_contents: [payload],
      }, { deadline: Date.now() + 30_000 }, (err) => (err ? reject(err) : resolve()));
    }),
    close: () => client.close(),
  };
}

function http2Sender(address: string, tuned: boolean): { send: Send; close(): void } {
  const session = http2.connect(`http://${address}`, { maxSessionMemory: Number.MAX_SAFE_INTEGER, ...(tuned ? { settings: { initialWindowSize: HTTP2_WINDOW_BYTES } } : {}) });
  if (tuned) session.once('connect', () => session.setLocalWindowSize(HTTP2_WINDOW_BYTES));
  return {
    send: (payload) => new Promise<void>((resolve, reject) => {
      const req = session.request({ ':method': 'POST', ':path': '/v1/tensor', 'content-type': 'application/octet-stream' });
      req.on('error', reject);
      req.on('data', () => {});
      req.on('end', () => resolve());
      req.setTimeout(30_000, () => req.close(http2.constants.NGHTTP2_CANCEL));
      req.end(payload);
    }),
    close: () => session.close(),
  };
}

/** MB/s of `calls` sends with `concurrency` in flight. */
async function measure(send: Send, payload: Buffer, calls: number, concurrency: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < calls) {
      next++;
      await send(payload);
    }
  }));
  const s = (performance.now() - t0) / 1000;
  return (calls * payload.length) / s / 1e6;
}

interface Row {
  name: string;
  concurrency: number;
  mbPerS: Spread;
  vsRaw: Spread;
  perCallMs: number;
}

export async function transportFigure(o: { reps: number; calls: number; out?: string }): Promise<string> {
  const m = machine();
  const group = new ProcessGroup();
  const script = path.join(__dirname, 'transport-server.js');
  const servers = new Map<TransportMode, string>();
  const senders: { close(): void }[] = [];
  const rows: Row[] = [];
  try {
    for (const mode of new Set(VARIANTS.map((v) => v.server))) {
      const spec = movaServe('expert', `transport-${mode}`, []);
      servers.set(mode, (await group.start({ ...spec, args: [script, mode] })).address);
    }
    const payload = Buffer.alloc(PAYLOAD_BYTES);
    for (let i = 0; i < payload.length; i += 4) payload.writeFloatLE(Math.sin(i), i);
    const sends = VARIANTS.map((v) => {
      const addr = servers.get(v.server)!;
      const s = v.client.startsWith('grpc') ? grpcSender(addr, v.client === 'grpc-ours') : http2Sender(addr, v.client === 'http2-tuned');
      senders.push(s);
      return s.send;
    });
    for (const concurrency of [1, 4]) {
      const mbs = VARIANTS.map(() => [] as number[]);
      // Warm-up: connect, windows, and tens of calls for V8 to optimise both ends (see timeAlternating).
      for (const send of sends) await measure(send, payload, 40, concurrency);
      for (let r = 0; r < o.reps; r++) {
        const order = r % 2 === 0 ? VARIANTS.map((_, i) => i) : VARIANTS.map((_, i) => VARIANTS.length - 1 - i);
        for (const i of order) mbs[i]!.push(await measure(sends[i]!, payload, o.calls, concurrency));
        log(`transport c=${concurrency} rep ${r + 1}: ${VARIANTS.map((v, i) => `${v.name} ${mbs[i]!.at(-1)!.toFixed(0)} MB/s`).join('; ')}`);
      }
      const raw = mbs[0]!;
      VARIANTS.forEach((v, i) => {
        const x = mbs[i]!;
        rows.push({
          name: v.name,
          concurrency,
          mbPerS: spread(x, 0),
          vsRaw: spread(x.map((y, k) => y / (raw[k] ?? NaN)), 3),
          perCallMs: round((PAYLOAD_BYTES / 1e6 / median(x)) * 1000 * concurrency, 2),
        });
      });
    }
  } finally {
    for (const s of senders) s.close();
    await group.stop();
  }
  const table = [
    '| variant | in flight | MB/s | ÷ raw HTTP/2 (windows raised) | ms per 4 MiB call |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.concurrency} | ${fmt(r.mbPerS)} | **${fmt(r.vsRaw)}** | ${r.perCallMs} |`),
  ].join('\n');
  const after1 = rows.find((r) => r.concurrency === 1 && r.name.includes('(after)'))!;
  const before1 = rows.find((r) => r.concurrency === 1 && r.name.includes('(before)'))!;
  const headline = `Tensor transport (4 MiB, one call in flight): gRPC with our options ${after1.vsRaw.median}× raw HTTP/2 (before: ${before1.vsRaw.median}×) — target ≥ 0.7 ${after1.vsRaw.median >= 0.7 ? 'met' : 'missed'}`;
  writeFigure({
    name: 'transport',
    title: 'Figure 4 — tensor transport: gRPC vs raw HTTP/2 on loopback',
    machine: finishMachine(m),
    method: `Client: this process. Servers: one process per server kind (src/bench/transport-server.ts), 127.0.0.1. gRPC: \`inference.GRPCInferenceService/ModelInfer\` carrying a 4 MiB FP32 tensor in \`raw_input_contents\`, answered with 4 bytes. Raw HTTP/2: node:http2 POST of the same 4 MiB, answered with 4 bytes (session memory unbounded on both ends, as grpc-js does). "grpc-js defaults": only the message-size limits raised (a 4 MiB tensor exceeds grpc-js's 4 MiB default); "our options": \`channelOptions()\` on the client and \`startGrpcServer\` (\`serverOptions()\` + raised HTTP/2 windows) on the server, which also runs with the collector setting of every \`mova serve\` process (\`--no-incremental-marking\`, as does the tuned raw HTTP/2 server and this client); glibc's malloc settings apply to every process. ${o.reps} interleaved repetitions of ${o.calls} calls per variant and concurrency, after 40 warm-up calls per variant; median (min–max) over repetitions; the ratio is paired per repetition.`,
    body: table,
    headline,
    data: { payloadBytes: PAYLOAD_BYTES, reps: o.reps, calls: o.calls, rows },
  }, o.out);
  return headline;
}
