/** The gateway's Prometheus series (one place, so the dashboard and the README can be checked against it). */
import { BATCH_BUCKETS, counter, histogram } from '../../src/core/metrics';

export const gatewayMetrics = {
  requests: counter('mova_gateway_requests_total', 'Requests answered by this gateway front, by outcome (ok, degraded, or the gRPC code in lower case).', ['outcome']),
  requestSeconds: histogram('mova_gateway_request_duration_seconds', 'End-to-end request latency seen by the gateway front, by outcome.', ['outcome']),
  stageSeconds: histogram('mova_gateway_stage_duration_seconds', 'Per-request latency of each stage (queue, base, route, experts, fusion, total).', ['stage']),
  expertSeconds: histogram('mova_gateway_expert_duration_seconds', 'Per-request latency of each chosen expert call.', ['expert']),
  callSeconds: histogram('mova_gateway_call_duration_seconds', 'Outbound batched calls from the batch worker, by target (expert name, router, fusion) and outcome.', ['target', 'outcome']),
  callBatchSize: histogram('mova_gateway_call_batch_size', 'Items per outbound call, by target.', ['target'], BATCH_BUCKETS),
  batchSize: histogram('mova_gateway_batch_size', 'Requests per gateway micro-batch.', [], BATCH_BUCKETS),
  degraded: counter('mova_gateway_degraded_total', 'Degraded answers, by the expert that was missing (router when routing failed).', ['expert']),
  activations: counter('mova_gateway_expert_activations_total', 'Routing outcome per request and expert: chosen or skipped.', ['expert', 'decision']),
  compute: counter('mova_gateway_compute_cost_total', 'Registry cost units: used (base + chosen experts) and saved (experts routing skipped).', ['kind']),
};
