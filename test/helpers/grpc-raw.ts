/**
 * gRPC calls for hostile-input tests: hand-built protobuf bytes (so tests can send what no well-behaved client
 * would: invalid UTF-8 in a string field, over-long varints, garbage) and a status-only view of any call's outcome.
 */
import * as grpc from '@grpc/grpc-js';

/** Protobuf wire encoding, enough for requests: varints, length-delimited fields. */
export const pb = {
  varintBytes(v: bigint): Buffer {
    let x = BigInt.asUintN(64, v);
    const out: number[] = [];
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      out.push(b);
    } while (x > 0n);
    return Buffer.from(out);
  },
  varint(field: number, v: number | bigint): Buffer {
    return Buffer.concat([pb.varintBytes(BigInt(field << 3)), pb.varintBytes(BigInt(v))]);
  },
  bytes(field: number, data: Uint8Array): Buffer {
    return Buffer.concat([pb.varintBytes(BigInt((field << 3) | 2)), pb.varintBytes(BigInt(data.byteLength)), Buffer.from(data)]);
  },
  str(field: number, s: string): Buffer {
    return pb.bytes(field, Buffer.from(s, 'utf8'));
  },
};

export interface CallOutcome {
  code: grpc.status;
  details: string;
  /** Wall time of the call (ms). */
  ms: number;
}

/** A unary call with raw request bytes; resolves with the status (OK or not), never rejects. */
export function rawUnary(address: string, path: string, request: Buffer, timeoutMs: number, options: grpc.ChannelOptions = {}): Promise<CallOutcome> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 256 * 1024 * 1024, ...options });
  const t0 = performance.now();
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(path, (b) => b, (b) => b, request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err) => {
      client.close();
      resolve(err ? { code: err.code, details: err.details, ms: performance.now() - t0 } : { code: grpc.status.OK, details: '', ms: performance.now() - t0 });
    });
  });
}

/** Status of a promise-returning call: OK, or the ServiceError's code and details. */
export async function outcome(p: Promise<unknown>): Promise<CallOutcome> {
  const t0 = performance.now();
  try {
    await p;
    return { code: grpc.status.OK, details: '', ms: performance.now() - t0 };
  } catch (e) {
    const err = e as { code?: number; details?: string; message?: string };
    return { code: err.code ?? grpc.status.UNKNOWN, details: err.details ?? err.message ?? String(e), ms: performance.now() - t0 };
  }
}
