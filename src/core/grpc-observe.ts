/**
 * Server-side observability for every unary gRPC method (used by grpc-call.ts `unary()`): a SERVER span whose
 * parent is the caller's W3C traceparent from the metadata, and `mova_grpc_server_*` metrics by method and code.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import * as grpc from '@grpc/grpc-js';
import { statusName } from './errors';
import { counter, histogram, secondsSince } from './metrics';
import { metadataGetter, tracer, type MetadataLike } from './tracing';

const handled = counter('mova_grpc_server_handled_total', 'Unary gRPC calls handled, by method and status code (failures by reason).', ['method', 'code']);
const duration = histogram('mova_grpc_server_handling_seconds', 'Unary gRPC call handling time.', ['method']);

export function observeServerCall(method: string, code: grpc.status, startedAt: number): void {
  handled.inc({ method, code: statusName(code) });
  duration.observe({ method }, secondsSince(startedAt));
}

export interface ServerSpan<T> {
  result: Promise<T>;
  end(code: grpc.status, message?: string): void;
}

/** Runs `fn` inside a SERVER span continuing the caller's trace. */
export function withServerSpan<T>(method: string, metadata: MetadataLike, fn: () => Promise<T>): ServerSpan<T> {
  const parent = propagation.extract(context.active(), metadata, metadataGetter);
  const span = tracer('mova-grpc').startSpan(`grpc ${method}`, { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.method': method } }, parent);
  const ctx = trace.setSpan(parent, span);
  const result = context.with(ctx, () => new Promise<T>((resolve) => resolve(fn())));
  return {
    result,
    end(code, message) {
      span.setAttribute('rpc.grpc.status_code', code);
      if (code !== grpc.status.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: message ?? grpc.status[code] ?? '' });
      span.end();
    },
  };
}
