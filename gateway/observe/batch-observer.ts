/**
 * Observes each gateway micro-batch: one `mova.batch` span around the orchestrator run, and per request its own
 * stage spans and metrics.
 *
 * Span model (a batch serves many requests, a span has one parent):
 *  - `mova.batch` is a child of the FIRST request's `mova.request` span and links to every other request's span.
 *    The outbound calls (`mova.batch.base|route|expert <name>|fusion`, CLIENT spans from traced-clients.ts) are its
 *    children, so each service's server span joins that trace through the gRPC traceparent.
 *  - Every request gets its own stage spans under its own `mova.request`: `mova.queue`, `mova.base`, `mova.route`,
 *    `mova.expert <name>` per chosen expert, `mova.fusion`, recorded after the batch with the batch's timings (the
 *    stages run in this order) and each linked to the `mova.batch` span. `mova.route` carries one `expert.skipped`
 *    event per unchosen expert with its score; chosen expert spans carry batch id, call size, score and reason.
 */
import { SpanKind, SpanStatusCode, context, trace, type Link, type Span, type SpanContext } from '@opentelemetry/api';
import { contextFromTraceparent, tracer } from '../../src/core/tracing';
import type { BatchHandler } from '../queue/types';
import type { GatewayRequest, GatewayResult } from '../request';
import { gatewayMetrics } from './gateway-metrics';

export interface BatchObserverOptions {
  /** Registry `cost` per routable expert (compute saved = cost of experts routing skipped). */
  costs: ReadonlyMap<string, number>;
  baseCost: number;
}

function requestSpanContext(r: GatewayRequest): SpanContext | undefined {
  const sc = trace.getSpanContext(contextFromTraceparent(r.traceparent));
  return sc && trace.isSpanContextValid(sc) && r.traceparent ? sc : undefined;
}

function recordMetrics(results: readonly GatewayResult[], o: BatchObserverOptions): void {
  const m = gatewayMetrics;
  for (const r of results) {
    const t = r.timings;
    m.stageSeconds.observe({ stage: 'queue' }, t.queueMs / 1000);
    m.stageSeconds.observe({ stage: 'base' }, t.baseMs / 1000);
    m.stageSeconds.observe({ stage: 'route' }, t.routeMs / 1000);
    m.stageSeconds.observe({ stage: 'experts' }, t.expertsMs / 1000);
    m.stageSeconds.observe({ stage: 'fusion' }, t.fusionMs / 1000);
    m.stageSeconds.observe({ stage: 'total' }, t.totalMs / 1000);
    for (const [name, ms] of Object.entries(t.expertMs)) m.expertSeconds.observe({ expert: name }, ms / 1000);
    const chosen = new Set(r.routing.chosen.map((c) => c.name));
    let used = o.baseCost;
    let saved = 0;
    for (const [name, cost] of o.costs) {
      const picked = chosen.has(name);
      m.activations.inc({ expert: name, decision: picked ? 'chosen' : 'skipped' });
      if (picked) used += cost;
      else saved += cost;
    }
    m.compute.inc({ kind: 'used' }, used);
    m.compute.inc({ kind: 'saved' }, saved);
    for (const name of r.missingExperts) m.degraded.inc({ expert: name });
    if (r.degraded && r.missingExperts.length === 0) m.degraded.inc({ expert: 'router' });
  }
}

function stageSpans(req: GatewayRequest, r: GatewayResult, batchLink: Link[], callSize: ReadonlyMap<string, number>): void {
  const parentSc = requestSpanContext(req);
  if (!parentSc) return;
  const parent = trace.setSpanContext(context.active(), parentSc);
  const t = tracer('mova-gateway');
  const common = { 'mova.batch.id': r.batchId, 'mova.batch.size': r.batchSize, 'mova.request.id': r.requestId };
  const span = (name: string, start: number, ms: number, attrs: Record<string, string | number> = {}): Span => {
    const s = t.startSpan(name, { kind: SpanKind.INTERNAL, startTime: start, links: batchLink, attributes: { ...common, ...attrs } }, parent);
    s.end(start + ms);
    return s;
  };
  const tm = r.timings;
  const batchStart = req.receivedAt + tm.queueMs;
  span('mova.queue', req.receivedAt, tm.queueMs);
  span('mova.base', batchStart, tm.baseMs);
  const routeStart = batchStart + tm.baseMs;
  const scoreOf = new Map(r.routing.scores.map((s) => [s.name, s.score]));
  const route = t.startSpan('mova.route', {
    startTime: routeStart,
    links: batchLink,
    attributes: { ...common, 'mova.routing.policy': r.routing.policy, 'mova.routing.reason': r.routing.reason, 'mova.routing.chosen': r.routing.chosen.map((c) => c.name).join(',') },
  }, parent);
  for (const e of r.experts) {
    if (e.status === 'skipped') route.addEvent('expert.skipped', { 'mova.expert': e.name, 'mova.routing.score': scoreOf.get(e.name) ?? 0 }, routeStart + tm.routeMs);
  }
  route.end(routeStart + tm.routeMs);
  const expertsStart = routeStart + tm.routeMs;
  for (const e of r.experts) {
    if (e.status === 'skipped') continue;
    const s = span(`mova.expert ${e.name}`, expertsStart, tm.expertMs[e.name] ?? e.latencyMs, {
      'mova.expert': e.name,
      'mova.expert.status': e.status,
      'mova.expert.call_size': callSize.get(e.name) ?? 0,
      'mova.routing.score': scoreOf.get(e.name) ?? 0,
      'mova.routing.reason': r.routing.reason,
      'mova.fusion.gate_weight': e.gateWeight,
    });
    if (e.status !== 'ok') s.setStatus({ code: SpanStatusCode.ERROR, message: e.error ?? e.status });
  }
  span('mova.fusion', expertsStart + tm.expertsMs, tm.fusionMs);
}

/** Wraps the batch handler: batch span as the active context during the run, then per-request spans and metrics. */
export function observeBatches(handler: BatchHandler, o: BatchObserverOptions): BatchHandler {
  return async (reqs) => {
    gatewayMetrics.batchSize.observe(reqs.length);
    const scs = reqs.map(requestSpanContext);
    const first = scs.find((sc) => sc !== undefined);
    const parent = first ? trace.setSpanContext(context.active(), first) : context.active();
    const links: Link[] = scs.flatMap((sc) => (sc && sc !== first ? [{ context: sc }] : []));
    const batch = tracer('mova-gateway').startSpan('mova.batch', { kind: SpanKind.INTERNAL, links, attributes: { 'mova.batch.size': reqs.length } }, parent);
    try {
      const results = await context.with(trace.setSpan(parent, batch), () => handler(reqs));
      const ok = results.filter((r): r is GatewayResult => !(r instanceof Error));
      if (ok[0]) batch.setAttribute('mova.batch.id', ok[0].batchId);
      recordMetrics(ok, o);
      const callSize = new Map<string, number>();
      for (const r of ok) for (const e of r.experts) if (e.status !== 'skipped') callSize.set(e.name, (callSize.get(e.name) ?? 0) + 1);
      const batchLink: Link[] = [{ context: batch.spanContext() }];
      results.forEach((r, i) => {
        if (!(r instanceof Error)) stageSpans(reqs[i]!, r, batchLink, callSize);
      });
      return results;
    } catch (err) {
      batch.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      batch.end();
    }
  };
}
