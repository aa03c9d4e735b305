/**
 * Gateway configuration, compiled once: ports, queue (Redis or in-process), micro-batching, addresses of every
 * service (from the registry's ports, overridable per service by MOVA_<NAME>_ADDRESS, e.g.
 * MOVA_OCR_ADDRESS=dns:///mova-expert-ocr:8001), deadlines and limits.
 */
import { DEFAULT_REGISTRY_PATH, loadRegistry, type Registry } from '../src/core/registry';
import { ConfigError } from '../src/core/errors';
import { addressEnvKey } from '../src/core/addresses';
import { readFileSync } from 'node:fs';
import { tlsFilesFromEnv, type TlsFiles } from '../src/core/tls';

export interface GatewayOptions {
  registryPath?: string;
  host?: string;
  /** gRPC port. @default 50050 from the registry's gateway section, else 0 */
  port?: number;
  /** HTTP port (POST /v1/infer). @default port + 1 when port > 0, else 0 */
  httpPort?: number;
  /** Redis URL; unset = in-process queue. @default MOVA_REDIS_URL */
  redisUrl?: string;
  /** BullMQ queue shared by the gateways of one cluster. @default MOVA_QUEUE_NAME, else mova-infer */
  queueName?: string;
  maxBatchSize?: number;
  maxBatchDelayMs?: number;
  batchConcurrency?: number;
  maxQueueSize?: number;
  /** Default request budget. @default 10000 */
  defaultDeadlineMs?: number;
  /** Largest accepted request (bytes). @default 16 MiB */
  maxRequestBytes?: number;
  /** Routing policy to ask the router for on every request (e.g. `all` for a sparsity baseline). @default the router's */
  routingPolicy?: string;
  /** Run a batch worker in this process. @default true */
  worker?: boolean;
  /** Service address overrides by service name (`router`, `fusion`, or an expert name). */
  addresses?: Record<string, string>;
  /**
   * BullMQ job lock: a worker that stops renewing it for this long has its jobs taken over by another gateway.
   * A dead worker's jobs are re-run within lockDurationMs + stalledIntervalMs. @default MOVA_QUEUE_LOCK_DURATION_MS, else 10000
   */
  lockDurationMs?: number;
  /** How often workers look for stalled jobs. @default MOVA_QUEUE_STALLED_INTERVAL_MS, else 5000 */
  stalledIntervalMs?: number;
  /** Attempts per job for retryable failures (base expert or fusion unavailable). @default 3 */
  attempts?: number;
  /** First retry delay, doubled per attempt. @default 100 */
  backoffMs?: number;
  /** Accepted API keys as lowercase hex sha256 digests; empty = no authentication. @default MOVA_API_KEYS_SHA256 (comma-separated) or the file MOVA_API_KEYS_FILE (one digest per line) */
  apiKeySha256?: string[];
  /** Per-key token bucket: sustained requests/s (0 = unlimited). @default MOVA_RATE_LIMIT_RPS, else 0 */
  rateLimitPerS?: number;
  /** Per-key token bucket size. @default MOVA_RATE_LIMIT_BURST, else 2 × rateLimitPerS */
  rateLimitBurst?: number;
  /** TLS for the public gRPC port and for every outbound hop. @default from MOVA_TLS_* (see src/core/tls.ts) */
  tls?: TlsFiles;
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
  readonly routingPolicy: string | undefined;
  readonly addresses: Readonly<Record<string, string>>;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly attempts: number;
  readonly backoffMs: number;
  readonly apiKeySha256: readonly string[];
  readonly rateLimitPerS: number;
  readonly rateLimitBurst: number;
  readonly tls: TlsFiles | undefined;
}

function envNumber(env: NodeJS.ProcessEnv, key: string): number | undefined {
  const v = env[key];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ConfigError(key, `must be a number, got "${v}"`);
  return n;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function apiKeyDigests(o: GatewayOptions, env: NodeJS.ProcessEnv): string[] {
  let list = o.apiKeySha256;
  if (list === undefined && env.MOVA_API_KEYS_SHA256) list = env.MOVA_API_KEYS_SHA256.split(',');
  if (list === undefined && env.MOVA_API_KEYS_FILE) {
    list = readFileSync(env.MOVA_API_KEYS_FILE, 'utf8').split('\n').filter((l) => !l.trim().startsWith('#'));
  }
  const digests = (list ?? []).map((d) => d.trim().toLowerCase()).filter((d) => d !== '');
  digests.forEach((d, i) => {
    if (!SHA256_HEX.test(d)) throw new ConfigError(`gateway.apiKeySha256[${i}]`, 'must be a sha256 digest (64 hex characters) of the key, not the key itself');
  });
  return digests;
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
  const rate = o.rateLimitPerS ?? envNumber(env, 'MOVA_RATE_LIMIT_RPS') ?? 0;
  if (rate < 0) throw new ConfigError('gateway.rateLimitPerS', `must be ≥ 0, got ${rate}`);
  return Object.freeze({
    registry,
    host: o.host ?? '127.0.0.1',
    port,
    httpPort: positiveInt(o.httpPort ?? (port > 0 ? port + 1 : 0), 'httpPort'),
    redisUrl: o.redisUrl ?? (env.MOVA_REDIS_URL || undefined),
    queueName: o.queueName ?? (env.MOVA_QUEUE_NAME || 'mova-infer'),
    maxBatchSize: Math.max(1, positiveInt(o.maxBatchSize ?? 8, 'maxBatchSize')),
    maxBatchDelayMs: o.maxBatchDelayMs ?? 5,
    batchConcurrency: Math.max(1, positiveInt(o.batchConcurrency ?? 2, 'batchConcurrency')),
    maxQueueSize: positiveInt(o.maxQueueSize ?? 1024, 'maxQueueSize'),
    defaultDeadlineMs: positiveInt(o.defaultDeadlineMs ?? 10_000, 'defaultDeadlineMs'),
    maxRequestBytes: positiveInt(o.maxRequestBytes ?? 16 * 1024 * 1024, 'maxRequestBytes'),
    maxInstructionBytes: 8192,
    worker: o.worker ?? true,
    routingPolicy: o.routingPolicy,
    addresses: Object.freeze(addresses),
    lockDurationMs: positiveInt(o.lockDurationMs ?? envNumber(env, 'MOVA_QUEUE_LOCK_DURATION_MS') ?? 10_000, 'lockDurationMs'),
    stalledIntervalMs: positiveInt(o.stalledIntervalMs ?? envNumber(env, 'MOVA_QUEUE_STALLED_INTERVAL_MS') ?? 5_000, 'stalledIntervalMs'),
    attempts: Math.max(1, positiveInt(o.attempts ?? 3, 'attempts')),
    backoffMs: positiveInt(o.backoffMs ?? 100, 'backoffMs'),
    apiKeySha256: Object.freeze(apiKeyDigests(o, env)),
    rateLimitPerS: rate,
    rateLimitBurst: o.rateLimitBurst ?? envNumber(env, 'MOVA_RATE_LIMIT_BURST') ?? Math.max(1, Math.ceil(2 * rate)),
    tls: o.tls ?? tlsFilesFromEnv(env),
  });
}
