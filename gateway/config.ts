/**
 * Gateway configuration, compiled once: ports, queue (Redis or in-process), micro-batching, addresses of every
 * service (from the registry's ports, overridable per service by MOVA_<NAME>_ADDRESS, e.g.
 * MOVA_OCR_ADDRESS=dns:///mova-expert-ocr:8001), deadlines and limits.
 */
import { DEFAULT_REGISTRY_PATH, loadRegistry, type Registry } from '../src/core/registry';
import { ConfigError } from '../src/core/errors';
import { addressEnvKey } from '../src/core/addresses';

export interface GatewayOptions {
  registryPath?: string;
  host?: string;
  /** gRPC port. @default 50050 from the registry's gateway section, else 0 */
  port?: number;
  /** HTTP port (POST /v1/infer). @default port + 1 when port > 0, else 0 */
  httpPort?: number;
  /** Redis URL; unset = in-process queue. @default MOVA_REDIS_URL */
  redisUrl?: string;
  queueName?: string;
  maxBatchSize?: number;
  maxBatchDelayMs?: number;
  batchConcurrency?: number;
  maxQueueSize?: number;
  /** Default request budget. @default 10000 */
  defaultDeadlineMs?: number;
  /** Largest accepted request (bytes). @default 16 MiB */
  maxRequestBytes?: number;
  /** Run a batch worker in this process. @default true */
  worker?: boolean;
  /** Service address overrides by service name (`router`, `fusion`, or an expert name). */
  addresses?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
}

export interface GatewayConfig {
  readonly registry: Registry;
  readonly host: string;
  readonly port: number;
  readonly httpPort: number;
  readonly redisUrl: string | undefined;
  readonly queueName: string;
  readonly maxBatchSize: number;
  readonly maxBatchDelayMs: number;
  readonly batchConcurrency: number;
  readonly maxQueueSize: number;
  readonly defaultDeadlineMs: number;
  readonly maxRequestBytes: number;
  readonly maxInstructionBytes: number;
  readonly worker: boolean;
  readonly addresses: Readonly<Record<string, string>>;
}

function positiveInt(v: number, key: string): number {
  if (!Number.isInteger(v) || v < 0) throw new ConfigError(`gateway.${key}`, `must be a non-negative integer, got ${v}`);
  return v;
}

export function compileGatewayConfig(o: GatewayOptions = {}): GatewayConfig {
  const env = o.env ?? process.env;
  const registry = loadRegistry(o.registryPath ?? DEFAULT_REGISTRY_PATH);
  const addresses: Record<string, string> = {};
  const local = (port: number | undefined): string | undefined => (port ? `127.0.0.1:${port}` : undefined);
  const defaults: [string, string | undefined][] = [
    ...registry.experts.map((e): [string, string | undefined] => [e.name, local(e.port)]),
    ['router', local(registry.router.port)],
    ['fusion', local(registry.fusion.port)],
  ];
  for (const [name, addr] of defaults) {
    const chosen = o.addresses?.[name] ?? env[addressEnvKey(name)] ?? addr;
    if (!chosen) throw new ConfigError(`addresses.${name}`, `no address for "${name}": set a port in the registry or ${addressEnvKey(name)}`);
    addresses[name] = chosen;
  }
  const port = positiveInt(o.port ?? 0, 'port');
  return Object.freeze({
    registry,
    host: o.host ?? '127.0.0.1',
    port,
    httpPort: positiveInt(o.httpPort ?? (port > 0 ? port + 1 : 0), 'httpPort'),
    redisUrl: o.redisUrl ?? (env.MOVA_REDIS_URL || undefined),
    queueName: o.queueName ?? 'mova-infer',
    maxBatchSize: positiveInt(o.maxBatchSize ?? 8, 'maxBatchSize'),
    maxBatchDelayMs: o.maxBatchDelayMs ?? 5,
    batchConcurrency: positiveInt(o.batchConcurrency ?? 2, 'batchConcurrency'),
    maxQueueSize: positiveInt(o.maxQueueSize ?? 1024, 'maxQueueSize'),
    defaultDeadlineMs: positiveInt(o.defaultDeadlineMs ?? 10_000, 'defaultDeadlineMs'),
    maxRequestBytes: positiveInt(o.maxRequestBytes ?? 16 * 1024 * 1024, 'maxRequestBytes'),
    maxInstructionBytes: 8192,
    worker: o.worker ?? true,
    addresses: Object.freeze(addresses),
  });
}
