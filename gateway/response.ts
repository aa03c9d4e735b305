/** GatewayResult → the wire shapes: the gRPC InferResponse and the HTTP JSON body (same field names). */
import type { InferResponse } from '../src/generated/mova/v1/InferResponse';
import type { GatewayResult } from './request';

const round = (x: number): number => Math.round(x * 1000) / 1000;

export function toInferResponse(r: GatewayResult): InferResponse {
  return {
    request_id: r.requestId,
    routing: {
      scores: r.routing.scores,
      chosen: r.routing.chosen,
      policy: r.routing.policy,
      reason: r.routing.reason,
    },
    experts: r.experts.map((e) => ({
      name: e.name,
      status: e.status,
      decoded_json: e.decoded === undefined ? '' : JSON.stringify(e.decoded),
      error: e.error ?? '',
      latency_ms: round(e.latencyMs),
      gate_weight: e.gateWeight,
    })),
    base_decoded_json: JSON.stringify(r.baseDecoded ?? null),
    ...(r.fused ? { fused: { datatype: r.fused.datatype, shape: r.fused.shape, raw: Buffer.from(r.fused.raw.buffer, r.fused.raw.byteOffset, r.fused.raw.byteLength) } } : {}),
    timings: {
      queue_ms: round(r.timings.queueMs),
      base_ms: round(r.timings.baseMs),
      route_ms: round(r.timings.routeMs),
      expert_ms: Object.fromEntries(Object.entries(r.timings.expertMs).map(([k, v]) => [k, round(v)])),
      experts_ms: round(r.timings.expertsMs),
      fusion_ms: round(r.timings.fusionMs),
      total_ms: round(r.timings.totalMs),
    },
    degraded: r.degraded,
    missing_experts: r.missingExperts,
    batch_size: r.batchSize,
    batch_id: r.batchId,
  };
}

/** The HTTP JSON body: the proto's field names; decoded results as JSON values; fused raw bytes as base64. */
export function toJsonResponse(r: GatewayResult): Record<string, unknown> {
  const p = toInferResponse(r);
  return {
    ...p,
    experts: r.experts.map((e, i) => ({ ...p.experts?.[i], decoded_json: undefined, decoded: e.decoded ?? null })),
    base_decoded_json: undefined,
    base_decoded: r.baseDecoded ?? null,
    fused: r.fused ? { datatype: r.fused.datatype, shape: r.fused.shape, raw: Buffer.from(r.fused.raw).toString('base64') } : null,
  };
}
