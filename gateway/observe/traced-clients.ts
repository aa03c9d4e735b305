/**
 * Decorators for the orchestrator's ports: every outbound batched call runs inside a CLIENT span (a child of the
 * batch span, so grpc-unary.ts sends it as the callee's parent) and is timed into `mova_gateway_call_*`.
 */
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { toGrpcStatus } from '../../src/core/errors';
import { tracer } from '../../src/core/tracing';
import type { OrchestratorDeps } from '../orchestrator';
import type { ExpertClient, FusionClient, RouterClient } from '../ports';
import { gatewayMetrics } from './gateway-metrics';

async function traced<T>(spanName: string, target: string, items: number, fn: () => Promise<T>): Promise<T> {
  const span = tracer('mova-gateway').startSpan(spanName, { kind: SpanKind.CLIENT, attributes: { 'mova.target': target, 'mova.call.items': items } });
  const t0 = performance.now();
  gatewayMetrics.callBatchSize.observe({ target }, items);
  try {
    const out = await context.with(trace.setSpan(context.active(), span), fn);
    gatewayMetrics.callSeconds.observe({ target, outcome: 'ok' }, (performance.now() - t0) / 1000);
    return out;
  } catch (err) {
    const st = toGrpcStatus(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: st.details });
    gatewayMetrics.callSeconds.observe({ target, outcome: 'error' }, (performance.now() - t0) / 1000);
    throw err;
  } finally {
    span.end();
  }
}

function tracedExpert(c: ExpertClient, stage: 'base' | 'expert'): ExpertClient {
  return {
    name: c.name,
    infer: (images, opts) => traced(`mova.batch.${stage} ${c.name}`, c.name, images.length, () => c.infer(images, opts)),
  };
}

function tracedRouter(c: RouterClient): RouterClient {
  return { route: (inputs, opts) => traced('mova.batch.route', 'router', inputs.length, () => c.route(inputs, opts)) };
}

function tracedFusion(c: FusionClient): FusionClient {
  return { fuse: (input, opts) => traced('mova.batch.fusion', 'fusion', input.base.dims[0] ?? 0, () => c.fuse(input, opts)) };
}

/** The same deps with every client traced and timed. */
export function instrumentOrchestratorDeps(d: OrchestratorDeps): OrchestratorDeps {
  return {
    ...d,
    base: tracedExpert(d.base, 'base'),
    experts: new Map([...d.experts].map(([name, c]) => [name, tracedExpert(c, 'expert')])),
    router: tracedRouter(d.router),
    fusion: tracedFusion(d.fusion),
  };
}
