/**
 * Fusion service configuration: adapter geometry (explicit, or from the registry), weights, batching and process
 * settings, compiled once and frozen. Bad values fail at start with the offending key named.
 */
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/core/errors';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../src/core/grpc-options';
import type { ExecutionProvider } from '../../src/core/ort-session';
import { DEFAULT_REGISTRY_PATH, loadRegistry, type ExpertEntry, type Registry } from '../../src/core/registry';
import { compileAdapterConfig, type AdapterConfig, type AdapterOptions, type Grid } from './adapter-config';

export interface FusionBatchingOptions {
  /** Most requests (rows) in one adapter run; also the largest N of one Fuse call. @default 8 */
  maxBatchSize?: number;
  /** Longest a request waits for others to join its batch. @default 2 */
  maxQueueDelayMs?: number;
  /** Most rows waiting; beyond it Fuse fails with RESOURCE_EXHAUSTED. @default 256 */
  maxQueueSize?: number;
}

export interface FusionServiceOptions {
  /** Registry file (read only when `adapter` is omitted). @default config/registry.yaml */
  registryPath?: string;
  /** Models directory. @default as the registry resolves it */
  modelsDir?: string;
  /**
   * Adapter geometry and hyper-parameters. @default from the registry: the base expert's and every other expert's
   * `features.grid`/`features.channels` (slots in registry order, base excluded), `fusion.*` widths, top-K =
   * `router.maxExperts`. When given, the registry is not read at all.
   */
  adapter?: AdapterOptions;
  /**
   * Trained adapter weights (safetensors). @default registry `fusion.weights` (project-relative); none = the seeded,
   * untrained initialiser
   */
  weights?: string;
  /** Read only the tensors under this name prefix of the weights file. @default '' */
  weightsPrefix?: string;
  /** Seed of the untrained initialiser. @default registry `fusion.seed`, else 1234 */
  seed?: number;
  /** @default 127.0.0.1 */
  host?: string;
  /** @default registry `fusion.port`, else 0 (any free port) */
  port?: number;
  /** Inference worker threads. @default 1 */
  workers?: number;
  /** onnxruntime intra-op threads per worker. @default min(4, CPUs / workers) */
  intraOpThreads?: number;
  /** @default 'cpu' */
  provider?: ExecutionProvider;
  batching?: FusionBatchingOptions;
  /** Largest gRPC message. @default 64 MiB */
  maxMessageBytes?: number;
  /**
   * Serve Triton's system shared-memory extension: callers on this host may register /dev/shm objects and pass
   * FuseRequest tensors through them. Off by default (a registered region lets a caller make the server read that
   * object). @default MOVA_ALLOW_CLIENT_SHM=1, else false
   */
  allowClientShm?: boolean;
}

export interface FusionServiceConfig {
  readonly adapter: AdapterConfig;
  /** Absolute path of the weights file, or undefined for the seeded initialiser. */
  readonly weights: string | undefined;
  readonly weightsPrefix: string;
  readonly seed: number;
  readonly host: string;
  readonly port: number;
  readonly workers: number;
  readonly intraOpThreads: number;
  readonly provider: ExecutionProvider;
  readonly batching: Readonly<Required<FusionBatchingOptions>>;
  readonly maxMessageBytes: number;
  readonly allowClientShm: boolean;
}

/** The feature geometry an expert entry declares (schema-validated: `features.grid`, `features.channels`). */
function featureGeometry(entry: ExpertEntry): { grid: Grid; width: number } {
  return { grid: entry.features.grid, width: entry.features.channels };
}

/** Adapter options from the registry: base = the base expert, slots = the other experts in registry order. */
export function adapterOptionsFromRegistry(registry: Registry): AdapterOptions {
  const baseIndex = registry.experts.findIndex((e) => e.name === registry.base);
  const base = featureGeometry(registry.experts[baseIndex] as ExpertEntry);
  const experts = registry.experts.flatMap((e, i) => (i === baseIndex ? [] : [{ name: e.name, ...featureGeometry(e) }]));
  if (experts.length === 0) throw new ConfigError('experts', 'fusion needs at least one expert besides the base');
  const f = registry.fusion;
  return {
    baseGrid: base.grid,
    baseWidth: base.width,
    experts,
    adapterWidth: f.adapterWidth,
    heads: f.heads,
    blocks: f.blocks,
    outputWidth: f.outputWidth,
    contextWidth: f.contextWidth,
    topK: Math.max(1, Math.min(registry.router.maxExperts, experts.length)),
  };
}

function intIn(key: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(key, `must be an integer in [${min}, ${max}], got ${v}`);
  return v;
}

export function compileFusionConfig(o: FusionServiceOptions): FusionServiceConfig {
  const registry = o.adapter ? undefined : loadRegistry(o.registryPath ?? DEFAULT_REGISTRY_PATH, o.modelsDir);
  const adapter = registry
    ? compileAdapterConfig(adapterOptionsFromRegistry(registry), 'fusion.')
    : compileAdapterConfig(o.adapter as AdapterOptions, 'adapter.');
  // An explicit path resolves against the working directory; the registry's against the project root.
  const weights = o.weights !== undefined
    ? path.resolve(o.weights)
    : registry?.fusion.weights !== undefined ? path.resolve(registry.projectRoot, registry.fusion.weights) : undefined;
  const workers = intIn('workers', o.workers ?? 1, 1, 64);
  const cpus = Math.max(1, os.availableParallelism());
  const intraOpThreads = intIn('intraOpThreads', o.intraOpThreads ?? Math.max(1, Math.min(4, Math.floor(cpus / workers))), 1, 256);
  const b = o.batching ?? registry?.fusion.batching ?? {};
  const batching = Object.freeze({
    maxBatchSize: intIn('batching.maxBatchSize', b.maxBatchSize ?? 8, 1, 256),
    maxQueueDelayMs: b.maxQueueDelayMs ?? 2,
    maxQueueSize: intIn('batching.maxQueueSize', b.maxQueueSize ?? 256, 1, 1 << 20),
  });
  if (!(batching.maxQueueDelayMs >= 0 && batching.maxQueueDelayMs <= 10_000)) {
    throw new ConfigError('batching.maxQueueDelayMs', `must be in [0, 10000], got ${batching.maxQueueDelayMs}`);
  }
  if (batching.maxQueueSize < batching.maxBatchSize) {
    throw new ConfigError('batching.maxQueueSize', `must be at least maxBatchSize (${batching.maxBatchSize})`);
  }
  return Object.freeze({
    adapter,
    weights,
    weightsPrefix: o.weightsPrefix ?? '',
    seed: intIn('seed', o.seed ?? registry?.fusion.seed ?? 1234, -(2 ** 31), 2 ** 32 - 1),
    host: o.host ?? '127.0.0.1',
    port: intIn('port', o.port ?? registry?.fusion.port ?? 0, 0, 65535),
    workers,
    intraOpThreads,
    provider: o.provider ?? 'cpu',
    batching,
    maxMessageBytes: o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    allowClientShm: o.allowClientShm ?? ['1', 'true'].includes(process.env.MOVA_ALLOW_CLIENT_SHM ?? ''),
  });
}
