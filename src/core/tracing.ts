/**
 * OpenTelemetry tracing, one provider per process. Spans are always created (so every request has a trace id for
 * its logs and for propagation) but only EXPORTED when an OTLP endpoint is configured: MOVA_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_ENDPOINT (base URL, `/v1/traces` is appended; OTLP over HTTP/JSON), or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (full URL). Context travels as W3C `traceparent` in gRPC metadata
 * (src/core/grpc-call.ts, gateway/clients/grpc-unary.ts) and in the BullMQ job (GatewayRequest.traceparent).
 */
import { context, propagation, trace, type Context, type TextMapGetter, type TextMapSetter, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Forwards to processors that may be added after the provider is built (tests add an in-memory exporter). */
class FanoutProcessor implements SpanProcessor {
  readonly processors: SpanProcessor[] = [];
  onStart(span: Span, parent: Context): void {
    for (const p of this.processors) p.onStart(span, parent);
  }
  onEnd(span: ReadableSpan): void {
    for (const p of this.processors) p.onEnd(span);
  }
  async forceFlush(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.forceFlush()));
  }
  async shutdown(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.shutdown()));
  }
}

interface TracingState {
  provider: BasicTracerProvider;
  fanout: FanoutProcessor;
  serviceName: string;
  /** Where spans are exported, or undefined (spans are created, not exported). */
  endpoint: string | undefined;
}

let state: TracingState | undefined;

/** The OTLP/HTTP traces URL from the environment, or undefined when tracing export is off. */
export function otlpTracesUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.MOVA_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!base) return undefined;
  return base.endsWith('/v1/traces') ? base : `${base.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * Sets up tracing for this process (idempotent: the first call names the service). Returns where spans are
 * exported, or undefined.
 */
export function initTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (state) return state.endpoint;
  const fanout = new FanoutProcessor();
  const endpoint = otlpTracesUrl(env);
  if (endpoint) {
    const delay = Number(env.OTEL_BSP_SCHEDULE_DELAY ?? 1000);
    fanout.processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: endpoint }), { scheduledDelayMillis: Number.isFinite(delay) ? delay : 1000 }));
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.namespace': 'mova' }),
    spanProcessors: [fanout],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  state = { provider, fanout, serviceName, endpoint };
  return endpoint;
}

/** Adds a span processor (e.g. SimpleSpanProcessor(new InMemorySpanExporter()) in tests). Initialises tracing if needed. */
export function addSpanProcessor(processor: SpanProcessor, serviceName = 'mova'): void {
  initTracing(serviceName);
  state!.fanout.processors.push(processor);
}

/** Exports what is buffered and stops (on shutdown). */
export async function shutdownTracing(): Promise<void> {
  await state?.provider.forceFlush().catch(() => undefined);
}

export function tracer(scope = 'mova'): Tracer {
  return trace.getTracer(scope);
}

/** The active (or given) context's trace id, or undefined when there is no valid span. */
export function traceIdOf(ctx: Context = context.active()): string | undefined {
  const sc = trace.getSpanContext(ctx);
  return sc && trace.isSpanContextValid(sc) ? sc.traceId : undefined;
}

/** W3C `traceparent` of the given context, or undefined. */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
}

/** The context a `traceparent` string describes (ROOT when absent or malformed). */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  if (!traceparent) return context.active();
  return propagation.extract(context.active(), { traceparent });
}

/** Carrier adapters for gRPC metadata (structural: anything with get/set of string values). */
export interface MetadataLike {
  get(key: string): (string | Buffer)[];
  set(key: string, value: string): void;
}

export const metadataGetter: TextMapGetter<MetadataLike> = {
  keys: () => ['traceparent', 'tracestate'],
  get: (carrier, key) => {
    const v = carrier.get(key)[0];
    return typeof v === 'string' ? v : undefined;
  },
};

export const metadataSetter: TextMapSetter<MetadataLike> = {
  set: (carrier, key, value) => carrier.set(key, value),
};
