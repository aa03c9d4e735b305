/**
 * The gateway front's view of a request: a RequestQueue decorator that opens the request's span (a child of the
 * gRPC Infer span, or a new trace for HTTP), puts its W3C traceparent into the request (it travels in the BullMQ
 * job to whichever gateway runs the batch), logs with request id and trace id, and counts the outcome.
 */
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { toGrpcStatus } from '../../src/core/errors';
import type { Logger } from '../../src/core/log';
import { sampledGauge } from '../../src/core/metrics';
import { traceparentOf, tracer } from '../../src/core/tracing';
import type { GatewayRequest, GatewayResult } from '../request';
import type { RequestQueue } from '../queue/types';
import { gatewayMetrics } from './gateway-metrics';

function outcomeOf(result: GatewayResult | undefined, err: unknown): string {
  if (result) return result.degraded ? 'degraded' : 'ok';
  return (GrpcStatus[toGrpcStatus(err).code] ?? 'unknown').toLowerCase();
}

export function observedQueue(inner: RequestQueue, log: Logger): RequestQueue {
  sampledGauge('mova_gateway_queue_waiting', 'Requests waiting for a batch (BullMQ: waiting jobs in Redis).', [], async (g) => g.set((await inner.stats()).waiting));
  sampledGauge('mova_gateway_queue_running', 'Batches running now in this gateway process.', [], async (g) => g.set((await inner.stats()).running));
  return {
    startWorker: (h) => inner.startWorker(h),
    stats: () => inner.stats(),
    close: () => inner.close(),
    async submit(request: GatewayRequest, signal?: AbortSignal): Promise<GatewayResult> {
      const span = tracer('mova-gateway').startSpan('mova.request', {
        kind: SpanKind.SERVER,
        attributes: { 'mova.request.id': request.requestId, 'mova.instruction.bytes': Buffer.byteLength(request.instruction) },
      });
      const ctx = trace.setSpan(context.active(), span);
      // Lines logged in the span's context get its trace id from the logger's mixin (src/core/log.ts).
      const rlog = log.child({ requestId: request.requestId });
      const inSpan = (f: () => void): void => context.with(ctx, f);
      const t0 = performance.now();
      inSpan(() => rlog.debug({ deadlineMs: request.deadlineAt - request.receivedAt, imageBytes: request.image.byteLength }, 'request received'));
      let result: GatewayResult | undefined;
      let error: unknown;
      try {
        const traceparent = traceparentOf(ctx);
        result = await context.with(ctx, () => inner.submit(traceparent ? { ...request, traceparent } : request, signal));
        return result;
      } catch (err) {
        error = err;
        throw err;
      } finally {
        const outcome = outcomeOf(result, error);
        const seconds = (performance.now() - t0) / 1000;
        gatewayMetrics.requests.inc({ outcome });
        gatewayMetrics.requestSeconds.observe({ outcome }, seconds);
        span.setAttribute('mova.outcome', outcome);
        if (result) {
          span.setAttributes({ 'mova.batch.id': result.batchId, 'mova.batch.size': result.batchSize, 'mova.routing.chosen': result.routing.chosen.map((c) => c.name).join(',') });
          inSpan(() => rlog.info({ outcome, ms: Math.round(seconds * 1000), batchId: result!.batchId, chosen: result!.routing.chosen.map((c) => c.name), missing: result!.missingExperts }, 'request done'));
        } else {
          const st = toGrpcStatus(error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: st.details });
          inSpan(() => rlog.info({ outcome, ms: Math.round(seconds * 1000), err: st.details }, 'request failed'));
        }
        span.end();
      }
    },
  };
}
