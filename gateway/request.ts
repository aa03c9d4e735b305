/** A gateway request and its result, as they travel through the queue (plain data; JSON-safe in queue/codec.ts). */

export type ExpertStatus = 'ok' | 'skipped' | 'failed' | 'timeout';

export interface GatewayRequest {
  requestId: string;
  image: Uint8Array;
  instruction: string;
  /** Absolute deadline, ms since epoch. */
  deadlineAt: number;
  /** When the gateway received it, ms since epoch. */
  receivedAt: number;
  maxExperts?: number;
  required: string[];
  excluded: string[];
  returnFeatures: boolean;
  featuresDtype: 'FP32' | 'FP16';
  /** W3C trace context of the request's span (set by the gateway front; travels in the BullMQ job). */
  traceparent?: string;
}

export interface ScoredExpert {
  name: string;
  score: number;
  domains: string[];
}

export interface ExpertOutcome {
  name: string;
  status: ExpertStatus;
  decoded?: unknown;
  error?: string;
  latencyMs: number;
  gateWeight: number;
}

export interface Timings {
  queueMs: number;
  baseMs: number;
  routeMs: number;
  expertMs: Record<string, number>;
  expertsMs: number;
  fusionMs: number;
  totalMs: number;
}

export interface GatewayResult {
  requestId: string;
  routing: { scores: ScoredExpert[]; chosen: ScoredExpert[]; policy: string; reason: string };
  experts: ExpertOutcome[];
  baseDecoded: unknown;
  fused?: { datatype: 'FP32' | 'FP16'; shape: number[]; raw: Uint8Array };
  timings: Timings;
  degraded: boolean;
  missingExperts: string[];
  batchSize: number;
  batchId: string;
}
