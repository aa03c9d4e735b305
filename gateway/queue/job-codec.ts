/** JSON-safe encoding of requests and results for BullMQ jobs (bytes as base64), and of errors with their code. */
import { MovaError } from '../../src/core/errors';
import type { GatewayRequest, GatewayResult } from '../request';

export type JobData = Omit<GatewayRequest, 'image'> & { image: string };
export type JobResult = Omit<GatewayResult, 'fused'> & { fused?: { datatype: 'FP32' | 'FP16'; shape: number[]; raw: string } };

export function encodeRequest(r: GatewayRequest): JobData {
  return { ...r, image: Buffer.from(r.image.buffer, r.image.byteOffset, r.image.byteLength).toString('base64') };
}

export function decodeRequest(d: JobData): GatewayRequest {
  return { ...d, image: new Uint8Array(Buffer.from(d.image, 'base64')) };
}

export function encodeResult(r: GatewayResult): JobResult {
  const { fused, ...rest } = r;
  return fused ? { ...rest, fused: { ...fused, raw: Buffer.from(fused.raw.buffer, fused.raw.byteOffset, fused.raw.byteLength).toString('base64') } } : rest;
}

export function decodeResult(j: JobResult): GatewayResult {
  const { fused, ...rest } = j;
  return fused ? { ...rest, fused: { ...fused, raw: new Uint8Array(Buffer.from(fused.raw, 'base64')) } } : rest;
}

/** Errors cross Redis as strings: "[code] message". */
export function encodeError(err: MovaError): string {
  return `[${err.code}] ${err.message}`;
}

export function decodeError(reason: string): MovaError {
  const m = /^\[(\d{1,2})\] ([\s\S]*)$/.exec(reason);
  return m ? new MovaError(Number(m[1]), m[2] ?? '') : new MovaError(13, reason);
}
