/**
 * JSON-safe encoding of requests and results for BullMQ jobs, and of errors with their code. The image does not
 * travel in the job: it is stored once as binary under its own Redis key (`imageKey`, see bullmq-queue.ts), which
 * keeps job data small (a 240 KB PNG as base64 in the job added ~4 ms per request to the queue hop) and the bytes
 * un-inflated. Fused tokens in results (when a client asks for them) likewise go under their own key, so the
 * events stream that carries every result stays small.
 */
import { MovaError } from '../../src/core/errors';
import type { GatewayRequest, GatewayResult } from '../request';

export type JobData = Omit<GatewayRequest, 'image'> & { imageKey: string; imageBytes: number };
/** A result as it crosses Redis: fused tokens (when asked for) stay out of it, under their own binary key. */
export type JobResult = Omit<GatewayResult, 'fused'> & { fused?: { datatype: 'FP32' | 'FP16'; shape: number[]; key: string; bytes: number } };

export function encodeRequest(r: GatewayRequest, imageKey: string): JobData {
  const { image, ...rest } = r;
  return { ...rest, imageKey, imageBytes: image.byteLength };
}

export function decodeRequest(d: JobData, image: Uint8Array): GatewayRequest {
  const { imageKey: _key, imageBytes: _bytes, ...rest } = d;
  return { ...rest, image };
}

export function encodeResult(r: GatewayResult, fusedKey: string): JobResult {
  const { fused, ...rest } = r;
  return fused ? { ...rest, fused: { datatype: fused.datatype, shape: fused.shape, key: fusedKey, bytes: fused.raw.byteLength } } : rest;
}

export function decodeResult(j: JobResult, fusedRaw: Uint8Array | undefined): GatewayResult {
  const { fused, ...rest } = j;
  return fused && fusedRaw ? { ...rest, fused: { datatype: fused.datatype, shape: fused.shape, raw: fusedRaw } } : rest;
}

/** Errors cross Redis as strings: "[code] message". */
export function encodeError(err: MovaError): string {
  return `[${err.code}] ${err.message}`;
}

export function decodeError(reason: string): MovaError {
  const m = /^\[(\d{1,2})\] ([\s\S]*)$/.exec(reason);
  return m ? new MovaError(Number(m[1]), m[2] ?? '') : new MovaError(13, reason);
}
