/**
 * Prometheus metrics: ONE registry per process (`metricsRegistry`), get-or-create metric helpers (so a service
 * started twice in one process, as tests do, reuses its series instead of throwing), process metrics
 * (collectDefaultMetrics, once), and a `/metrics` HTTP endpoint on its own port.
 *
 * Naming: `mova_<service>_<what>_<unit>`; durations in seconds, counters end in `_total`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type CollectFunction } from 'prom-client';

export const metricsRegistry = new Registry();

let defaultsCollected = false;

/** Process metrics (CPU, memory, event-loop lag, GC, handles) under `mova_process_*` / `mova_nodejs_*`. Idempotent. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'mova_' });
}

/** Latency buckets (seconds): 1 ms … 30 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Batch-size buckets (items). */
export const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];

function existing<T>(name: string, kind: new (...args: never[]) => T): T | undefined {
  const m = metricsRegistry.getSingleMetric(name);
  if (m === undefined) return undefined;
  if (!(m instanceof kind)) throw new TypeError(`metric ${name} is already registered with another type`);
  return m;
}

export function counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return existing<Counter<L>>(name, Counter) ?? new Counter<L>({ name, help, labelNames, registers: [metricsRegistry] });
}

export function histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = [], buckets: number[] = LATENCY_BUCKETS): Histogram<L> {
  return existing<Histogram<L>>(name, Histogram) ?? new Histogram<L>({ name, help, labelNames, buckets, registers: [metricsRegistry] });
}

const gaugeReaders = new Map<string, { read: (g: Gauge<string>) => void | Promise<void> }>();

/**
 * A gauge whose value is read at scrape time. `read` may be async (e.g. BullMQ counts) and may be replaced by a
 * later call with the same name (the last started service in a process wins).
 */
export function sampledGauge<L extends string>(name: string, help: string, labelNames: readonly L[], read: (g: Gauge<L>) => void | Promise<void>): Gauge<L> {
  const prior = existing<Gauge<L>>(name, Gauge);
  const readers = prior ? gaugeReaders.get(name) : undefined;
  if (prior && readers) {
    readers.read = read as (g: Gauge<string>) => void | Promise<void>;
    return prior;
  }
  const holder = { read: read as (g: Gauge<string>) => void | Promise<void> };
  gaugeReaders.set(name, holder);
  const collect: CollectFunction<Gauge<L>> = async function collect(this: Gauge<L>) {
    try {
      await holder.read(this as unknown as Gauge<string>);
    } catch {
      // A failing sampler (Redis down) leaves the last value: a scrape must never fail because of one gauge.
    }
  };
  return new Gauge<L>({ name, help, labelNames, registers: [metricsRegistry], collect });
}

export function secondsSince(t0: number): number {
  return (performance.now() - t0) / 1000;
}

export interface MetricsServer {
  port: number;
  /** http://host:port/metrics */
  url: string;
  close(): Promise<void>;
}

/** `GET /metrics` (Prometheus text format) on its own port; 0 picks a free one. */
export async function startMetricsServer(opts: { port: number; host?: string }): Promise<MetricsServer> {
  collectProcessMetrics();
  const host = opts.host ?? '0.0.0.0';
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('GET /metrics\n');
      return;
    }
    metricsRegistry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': metricsRegistry.contentType });
        res.end(text);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`metrics failed: ${String(err)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    port,
    url: `http://${shown}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
