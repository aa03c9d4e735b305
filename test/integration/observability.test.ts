/**
 * Observability through a real cluster: backends as processes (with /metrics ports, exporting spans to a local
 * OTLP receiver), a gateway in-process on BullMQ (its spans in an in-memory exporter, its /metrics served here),
 * and a second gateway as a process whose logs are checked for request id, trace id and no secrets.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { start, type RunningGateway } from '../../gateway/main';
import { addressEnvKey } from '../../src/core/addresses';
import { startMetricsServer, type MetricsServer } from '../../src/core/metrics';
import { addSpanProcessor } from '../../src/core/tracing';
import { callGateway } from '../../src/cli/infer';
import { renderReceipt } from '../../src/render/documents';
import { startBackends, type Backends } from '../helpers/cluster';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { scrape, value, type Sample } from '../helpers/prometheus';

const ROOT = path.join(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const ROUTABLE = ['ppocr', 'ultraface', 'fastestdet'];
const BASE = 'mobilenetv2';

describe('observability', { timeout: 180_000 }, () => {
  const exporter = new InMemorySpanExporter();
  let otlp: OtlpReceiver;
  let backends: Backends;
  let gw: RunningGateway;
  let metrics: MetricsServer;
  let receipt: Buffer;

  before(async () => {
    addSpanProcessor(new SimpleSpanProcessor(exporter), 'mova-gateway');
    otlp = await startOtlpReceiver();
    [backends, receipt] = await Promise.all([
      startBackends({ redis: true, metrics: true, env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: '50' } }),
      renderReceipt({ shop: 'CORNER MARKET', items: [['Apples', '3.20'], ['Bread', '2.75']], total: '5.95', date: '2026-11-02' }),
    ]);
    assert.ok(backends.redisUrl, 'redis-server must be installed for this test');
    gw = await start({ port: 0, httpPort: 0, addresses: backends.addresses, redisUrl: backends.redisUrl, queueName: `obs-${process.pid}`, maxBatchSize: 8, maxBatchDelayMs: 5 });
    metrics = await startMetricsServer({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await gw?.stop();
    await metrics?.close();
    await backends?.stop();
    await otlp?.close();
  });

  const metricsOf = (name: string): string => {
    const url = backends.services.find((s) => s.name === name)?.metrics;
    assert.ok(url, `${name} has no metrics endpoint`);
    return url;
  };
  const scrapeAll = async (): Promise<Record<string, Sample[]>> => {
    const names = [BASE, ...ROUTABLE, 'router', 'fusion'];
    const got = await Promise.all([scrape(metrics.url), ...names.map((n) => scrape(metricsOf(n)))]);
    return Object.fromEntries([['gateway', got[0]!], ...names.map((n, i) => [n, got[i + 1]!])]);
  };

  it('counts requests, stages, expert calls, routing decisions and fusion batches exactly', async () => {
    const before = await scrapeAll();
    const callsBefore = gw.expertCalls.length;
    // Sequential requests: every gateway batch and every expert batch holds exactly one call.
    const a = await callGateway(gw.address, { image: receipt, instruction: 'What is the total amount on this receipt?', deadline_ms: 60_000 }, 60_000);
    const b = await callGateway(gw.address, { image: receipt, instruction: 'Describe this picture.', deadline_ms: 60_000 }, 60_000);
    assert.equal(a.degraded || b.degraded, false);
    const after = await scrapeAll();
    const delta = (svc: string, name: string, labels: Record<string, string> = {}): number => value(after[svc]!, name, labels) - value(before[svc]!, name, labels);
    const g = 'gateway';
    assert.equal(delta(g, 'mova_gateway_requests_total', { outcome: 'ok' }), 2);
    assert.equal(delta(g, 'mova_gateway_request_duration_seconds_count', { outcome: 'ok' }), 2);
    for (const stage of ['queue', 'base', 'route', 'experts', 'fusion', 'total']) {
      assert.equal(delta(g, 'mova_gateway_stage_duration_seconds_count', { stage }), 2, `stage ${stage}`);
    }
    assert.equal(delta(g, 'mova_gateway_batch_size_count'), 2);
    const calls = gw.expertCalls.slice(callsBefore);
    const chosen = [...a.routing!.chosen, ...b.routing!.chosen].map((c) => c.name);
    for (const name of ROUTABLE) {
      const n = chosen.filter((c) => c === name).length;
      assert.equal(delta(g, 'mova_gateway_expert_activations_total', { expert: name, decision: 'chosen' }), n, `${name} chosen`);
      assert.equal(delta(g, 'mova_gateway_expert_activations_total', { expert: name, decision: 'skipped' }), 2 - n, `${name} skipped`);
      const made = calls.filter((c) => c.expert === name).length;
      assert.equal(made, n);
      assert.equal(delta(g, 'mova_gateway_call_batch_size_count', { target: name }), made);
      // The expert process saw exactly those calls, one batch each.
      assert.equal(delta(name, 'mova_expert_requests_total', { expert: name }), made, `${name} requests`);
      assert.equal(delta(name, 'mova_expert_batch_size_count', { expert: name }), made, `${name} batches`);
      assert.equal(delta(name, 'mova_grpc_server_handled_total', { method: 'ModelInfer', code: 'OK' }), made);
    }
    assert.ok(chosen.includes('ppocr'), `chosen: ${chosen.join(',')}`);
    assert.equal(delta(BASE, 'mova_expert_batch_size_count', { expert: BASE }), calls.filter((c) => c.expert === BASE).length);
    assert.equal(delta(BASE, 'mova_expert_items_total', { expert: BASE }), 2);
    assert.ok(delta(g, 'mova_gateway_compute_cost_total', { kind: 'saved' }) > 0, 'routing saved compute');
    assert.equal(delta('router', 'mova_router_decisions_total', { policy: 'learned' }), 2);
    assert.equal(delta('router', 'mova_router_experts_chosen_count'), 2);
    assert.equal(delta('router', 'mova_router_experts_chosen_sum'), chosen.length);
    // Fusion runs only for requests with an expert's tokens to fuse (none here asked for the fused tokens).
    const fused = [a, b].filter((r) => r.routing!.chosen.length > 0).length;
    assert.equal(delta('fusion', 'mova_fusion_batch_size_count'), fused);
    assert.equal(delta('fusion', 'mova_fusion_items_total'), fused);
    // Gauges and process metrics exist.
    assert.ok(after[g]!.some((s) => s.name === 'mova_gateway_queue_waiting'));
    assert.ok(after.fusion!.some((s) => s.name === 'mova_fusion_queue_depth'));
    assert.ok(after.router!.some((s) => s.name === 'mova_process_cpu_user_seconds_total'));
  });

  it('records one connected trace per request: a span per stage and chosen expert, a skip event per unchosen one', async () => {
    exporter.reset();
    const requestId = `obs-trace-${process.pid}`;
    const res = await callGateway(gw.address, { image: receipt, instruction: 'What is the total amount on this receipt?', request_id: requestId, deadline_ms: 60_000 }, 60_000);
    const chosen = res.routing!.chosen.map((c) => c.name);
    assert.ok(chosen.includes('ppocr'));
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === 'mova.request' && s.attributes['mova.request.id'] === requestId);
    assert.ok(root, 'no mova.request span');
    const traceId = root.spanContext().traceId;
    const mine = spans.filter((s) => s.spanContext().traceId === traceId);
    const names = mine.map((s) => s.name);
    for (const n of ['grpc Infer', 'mova.queue', 'mova.base', 'mova.route', 'mova.fusion', 'mova.batch', 'mova.batch.route', 'mova.batch.fusion', `mova.batch.base ${BASE}`]) {
      assert.ok(names.includes(n), `no ${n} span in ${names.join(', ')}`);
    }
    const byName = (n: string): ReadableSpan => mine.find((s) => s.name === n)!;
    for (const e of chosen) {
      const s = byName(`mova.expert ${e}`);
      assert.ok(s, `no span for chosen expert ${e}`);
      assert.equal(s.attributes['mova.batch.id'], res.batch_id);
      assert.equal(typeof s.attributes['mova.routing.score'], 'number');
      assert.match(String(s.attributes['mova.routing.reason']), /./);
      assert.ok(names.includes(`mova.batch.expert ${e}`));
    }
    const skipped = byName('mova.route').events.filter((ev) => ev.name === 'expert.skipped').map((ev) => ev.attributes?.['mova.expert']);
    assert.deepEqual([...skipped].sort(), ROUTABLE.filter((e) => !chosen.includes(e)).sort());
    // The services' server spans (exported over OTLP by their processes) join the same trace.
    const deadline = Date.now() + 5_000;
    const remote = (): typeof otlp.spans => otlp.spans.filter((s) => s.traceId === traceId);
    const wanted = [`mova-expert-${BASE}`, ...chosen.map((e) => `mova-expert-${e}`), 'mova-router', 'mova-fusion'];
    while (!wanted.every((w) => remote().some((s) => s.service === w)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const w of wanted) assert.ok(remote().some((s) => s.service === w), `no span from ${w} in the trace`);
    // Connected: every span but the root's has its parent in the trace.
    const ids = new Set([...mine.map((s) => s.spanContext().spanId), ...remote().map((s) => s.spanId)]);
    const orphans = [
      ...mine.filter((s) => s.parentSpanContext && !ids.has(s.parentSpanContext.spanId)).map((s) => s.name),
      ...remote().filter((s) => s.parentSpanId && !ids.has(s.parentSpanId)).map((s) => `${s.service}:${s.name}`),
    ];
    assert.deepEqual(orphans, [], 'spans whose parent is not in the trace');
    assert.equal(mine.filter((s) => !s.parentSpanContext).length, 1, 'exactly one root span');
  });

  it('logs request id and trace id on every request line, never the image or the API key', async () => {
    const apiKey = `obs-secret-key-${process.pid}-abcdef`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MOVA_LOG_LEVEL: 'debug',
      MOVA_API_KEYS_SHA256: createHash('sha256').update(apiKey).digest('hex'),
      ...Object.fromEntries(Object.entries(backends.addresses).map(([n, a]) => [addressEnvKey(n), a])),
    };
    const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', 'gateway', '--port', '0', '--http-port', '0'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    try {
      const ready = await new Promise<{ http: string }>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', (l) => resolve(JSON.parse(l) as { http: string }));
        child.once('exit', (code) => reject(new Error(`gateway exited (${code}): ${stderr}`)));
      });
      const image64 = receipt.toString('base64');
      const requestId = `obs-log-${process.pid}`;
      const res = await fetch(`${ready.http}/v1/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body: JSON.stringify({ image: image64, instruction: 'What is the total amount on this receipt?', request_id: requestId }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      await new Promise((r) => setTimeout(r, 200));
      const lines = stderr.split('\n').filter((l) => l.includes(requestId)).map((l) => JSON.parse(l) as { requestId?: string; traceId?: string; msg: string });
      assert.ok(lines.some((l) => l.msg === 'request done'), stderr);
      for (const l of lines) {
        assert.equal(l.requestId, requestId);
        assert.match(l.traceId ?? '', /^[0-9a-f]{32}$/, `no trace id on: ${JSON.stringify(l)}`);
      }
      assert.ok(!stderr.includes(image64.slice(0, 64)), 'image bytes in the logs');
      assert.ok(!stderr.includes(apiKey), 'API key in the logs');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
