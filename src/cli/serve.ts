/**
 * `mova serve <kind>`: run one service in the foreground until SIGINT/SIGTERM (what a pod runs). With
 * `--metrics-port N|any` (or MOVA_METRICS_PORT; 0 = off, any = a free port, named in the ready line) it also serves
 * Prometheus `/metrics` on that port; tracing is
 * exported when MOVA_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT is set (src/core/tracing.ts).
 */
import { logger } from '../core/log';
import { startMetricsServer, type MetricsServer } from '../core/metrics';
import { initTracing, shutdownTracing } from '../core/tracing';
import { int, parse, required, str, UsageError } from './args';

export interface StoppableService {
  address: string;
  /** HTTP endpoint, for services that have one (the gateway). */
  httpUrl?: string;
  stop(): Promise<void>;
}

interface StartOptions {
  name?: string;
  port?: number;
  httpPort?: number;
  config?: string;
  host?: string;
  redisUrl?: string;
  worker?: boolean;
  maxBatchSize?: number;
  maxBatchDelayMs?: number;
  routingPolicy?: string;
  allowClientShm?: boolean;
}

type Starter = (o: StartOptions) => Promise<StoppableService>;

/** Only the options that were given (exactOptionalPropertyTypes-friendly spreading). */
function given<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const STARTERS: Record<string, () => Promise<Starter>> = {
  expert: async () => {
    const { start } = await import('../../services/expert/main.js');
    return (o) => start({ name: required(o.name, 'name'), ...given({ port: o.port, registryPath: o.config, host: o.host, allowClientShm: o.allowClientShm }) });
  },
  router: async () => {
    const { start } = await import('../../services/router/main.js');
    return (o) => start(given({ port: o.port, registryPath: o.config, host: o.host }));
  },
  fusion: async () => {
    const { start } = await import('../../services/fusion/main.js');
    return (o) => start(given({ port: o.port, registryPath: o.config, host: o.host, allowClientShm: o.allowClientShm }));
  },
  gateway: async () => {
    const { start } = await import('../../gateway/main.js');
    return (o) => start(given({
      port: o.port, httpPort: o.httpPort, registryPath: o.config, host: o.host, redisUrl: o.redisUrl, worker: o.worker,
      maxBatchSize: o.maxBatchSize, maxBatchDelayMs: o.maxBatchDelayMs, routingPolicy: o.routingPolicy,
    }));
  },
};

export async function serveCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    name: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    config: { type: 'string' },
    'http-port': { type: 'string' },
    redis: { type: 'string' },
    'no-worker': { type: 'boolean' },
    'max-batch-size': { type: 'string' },
    'max-batch-delay-ms': { type: 'string' },
    'routing-policy': { type: 'string' },
    'metrics-port': { type: 'string' },
    'allow-client-shm': { type: 'boolean' },
  });
  const kind = positionals[0];
  const load = kind ? STARTERS[kind] : undefined;
  if (!kind || !load) throw new UsageError(`mova serve <${Object.keys(STARTERS).join('|')}> [--name NAME] [--port N] [--config FILE] [--allow-client-shm]`);
  const starter = await load();
  const serviceName = kind === 'expert' && values.name !== undefined ? `mova-expert-${String(values.name)}` : `mova-${kind}`;
  initTracing(serviceName);
  const port = int(values.port, 'port');
  const name = str(values.name, 'name');
  const config = str(values.config, 'config') ?? process.env.MOVA_CONFIG;
  const host = str(values.host, 'host') ?? process.env.MOVA_HOST;
  const svc = await starter(given({
    name,
    port,
    httpPort: int(values['http-port'], 'http-port'),
    config,
    host,
    redisUrl: str(values.redis, 'redis') ?? (process.env.MOVA_REDIS_URL || undefined),
    worker: values['no-worker'] === true ? false : undefined,
    maxBatchSize: int(values['max-batch-size'], 'max-batch-size'),
    maxBatchDelayMs: int(values['max-batch-delay-ms'], 'max-batch-delay-ms'),
    routingPolicy: str(values['routing-policy'], 'routing-policy'),
    allowClientShm: values['allow-client-shm'] === true ? true : undefined,
  }));
  const log = logger('serve', { kind });
  // `any` = a free port the kernel picks (reported in the ready line); 0 = off.
  const metricsSetting = values['metrics-port'] ?? (process.env.MOVA_METRICS_PORT || undefined);
  const metricsPort = metricsSetting === 'any' ? 'any' : (int(metricsSetting, 'metrics-port') ?? 0);
  let metrics: MetricsServer | undefined;
  if (metricsPort !== 0) metrics = await startMetricsServer({ port: metricsPort === 'any' ? 0 : metricsPort, host: host ?? '127.0.0.1' });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    svc.stop().then(() => Promise.all([metrics?.close(), shutdownTracing()])).then(() => process.exit(0), (err: unknown) => {
      log.error({ err: String(err) }, 'shutdown failed');
      process.exit(1);
    });
  };
  // Handlers before the ready line: a launcher may signal as soon as it reads it, and a signal that arrives before
  // a listener exists kills the process outright (seen once in CI: the re-exec wrapper then exited by SIGTERM).
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // One machine-readable line for launchers; logs go to stderr.
  process.stdout.write(`${JSON.stringify({ ready: true, kind, name: name ?? kind, address: svc.address, ...(svc.httpUrl ? { http: svc.httpUrl } : {}), ...(metrics ? { metrics: metrics.url } : {}), pid: process.pid })}\n`);
}
