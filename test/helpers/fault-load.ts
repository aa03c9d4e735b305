/**
 * A small closed-loop load driver for fault tests that accounts for every request: each one ends as `ok`,
 * `degraded`, `errored` (a status the gateway sent) or `lost` (no answer from the gateway: the client's own deadline
 * fired, or it never settled). sent = ok + degraded + errored + lost, always.
 */
import * as grpc from '@grpc/grpc-js';
import { channelOptions } from '../../src/core/grpc-options';
import { loadProto } from '../../src/core/proto';
import type { ProtoGrpcType } from '../../src/generated/gateway';
import type { GatewayClient } from '../../src/generated/mova/v1/Gateway';
import type { InferRequest } from '../../src/generated/mova/v1/InferRequest';
import type { InferResponse__Output } from '../../src/generated/mova/v1/InferResponse';
import { percentile } from '../../src/loadtest/stats';

export type Outcome = 'ok' | 'degraded' | 'errored' | 'lost';

export interface RequestRecord {
  id: string;
  startMs: number;
  endMs: number;
  outcome: Outcome;
  response?: InferResponse__Output;
  error?: { code: number; details: string };
}

export interface LoadReport {
  sent: number;
  ok: number;
  degraded: number;
  errored: number;
  lost: number;
  /** p99 latency of answered requests (ok or degraded). */
  p99Ms: number;
  /** p99 latency of every request, errors included (how long a client waits for its error, too). */
  p99AllMs: number;
  maxMs: number;
  /** Error details (first 100 characters) → count. */
  errors: Record<string, number>;
}

export class GatewayCaller {
  private readonly client: GatewayClient;

  constructor(address: string, credentials = grpc.credentials.createInsecure()) {
    const proto = loadProto<ProtoGrpcType>('mova/v1/gateway.proto');
    this.client = new proto.mova.v1.Gateway(address, credentials, channelOptions()) as unknown as GatewayClient;
  }

  /** One call; the client deadline is `timeoutMs` (set it above the request's deadline_ms so the gateway answers first). */
  call(req: InferRequest, timeoutMs: number, metadata = new grpc.Metadata()): Promise<InferResponse__Output> {
    return new Promise((resolve, reject) => {
      this.client.Infer(req, metadata, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(err);
        else if (!res) reject(new Error('empty response'));
        else resolve(res);
      });
    });
  }

  close(): void {
    this.client.close();
  }
}

/** Client-side deadline (no answer from the gateway) as opposed to a DEADLINE_EXCEEDED the gateway sent. */
function isClientDeadline(err: { code?: number; details?: string }): boolean {
  return err.code === grpc.status.DEADLINE_EXCEEDED && !/deadline passed after|while queued or running|deadline exceeded$/.test(err.details ?? '');
}

export async function record(id: string, t0: number, p: Promise<InferResponse__Output>): Promise<RequestRecord> {
  const startMs = performance.now() - t0;
  try {
    const response = await p;
    if (response.request_id !== id) throw new Error(`answer for ${response.request_id} arrived on request ${id}`);
    return { id, startMs, endMs: performance.now() - t0, outcome: response.degraded ? 'degraded' : 'ok', response };
  } catch (e) {
    const err = e as { code?: number; details?: string; message?: string };
    const error = { code: err.code ?? grpc.status.UNKNOWN, details: err.details ?? err.message ?? String(e) };
    return { id, startMs, endMs: performance.now() - t0, outcome: isClientDeadline(err) ? 'lost' : 'errored', error };
  }
}

export interface DriveOptions {
  concurrency: number;
  durationMs: number;
  /** Builds request number i (request_id is set by the driver). */
  request: (i: number) => InferRequest;
  caller: GatewayCaller;
  /** Client deadline per call. @default request deadline_ms + 5000 */
  timeoutMs?: number;
  /** Fault actions at given offsets (ms after the load starts); awaited before the load is considered done. */
  faults?: { atMs: number; run: () => Promise<void> }[];
  tag?: string;
}

export async function drive(o: DriveOptions): Promise<{ records: RequestRecord[]; report: LoadReport; t0: number; faultAt: number[] }> {
  const t0 = performance.now();
  const records: RequestRecord[] = [];
  let i = 0;
  const faultAt: number[] = [];
  const faults = (o.faults ?? []).map(async (f, k) => {
    await new Promise((r) => setTimeout(r, f.atMs));
    faultAt[k] = performance.now() - t0;
    await f.run();
  });
  await Promise.all([
    ...Array.from({ length: o.concurrency }, async () => {
      while (performance.now() - t0 < o.durationMs) {
        const n = i++;
        const id = `${o.tag ?? 'load'}-${n}`;
        const req = { ...o.request(n), request_id: id };
        const timeout = o.timeoutMs ?? Number(req.deadline_ms ?? 10_000) + 5000;
        records.push(await record(id, t0, o.caller.call(req, timeout)));
      }
    }),
    ...faults,
  ]);
  return { records, report: summariseRecords(records), t0, faultAt };
}

export function summariseRecords(records: readonly RequestRecord[]): LoadReport {
  const lat = records.filter((r) => r.outcome === 'ok' || r.outcome === 'degraded').map((r) => r.endMs - r.startMs).sort((a, b) => a - b);
  const errors: Record<string, number> = {};
  for (const r of records) {
    if (r.error) errors[r.error.details.slice(0, 100)] = (errors[r.error.details.slice(0, 100)] ?? 0) + 1;
  }
  const count = (o: Outcome): number => records.filter((r) => r.outcome === o).length;
  return {
    sent: records.length,
    ok: count('ok'),
    degraded: count('degraded'),
    errored: count('errored'),
    lost: count('lost'),
    p99Ms: Math.round(percentile(lat, 99) || 0),
    p99AllMs: Math.round(percentile(records.map((r) => r.endMs - r.startMs).sort((a, b) => a - b), 99) || 0),
    maxMs: Math.round(lat[lat.length - 1] ?? 0),
    errors,
  };
}
