/** Expert service configuration: the registry entry plus process-level settings, compiled once and frozen. */
import os from 'node:os';
import { ConfigError } from '../../src/core/errors';
import { DEFAULT_MAX_PIXELS } from '../../src/core/image';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../src/core/grpc-options';
import { DEFAULT_REGISTRY_PATH, findExpert, loadRegistry, type ExpertEntry, type Registry } from '../../src/core/registry';

export interface ExpertServiceOptions {
  /** Registry file. @default config/registry.yaml */
  registryPath?: string;
  /** Models directory. @default MOVA_MODELS_DIR, ../shared/models, or ~/.cache/mova/models */
  modelsDir?: string;
  /** Registry entry to serve. */
  name: string;
  /** @default 127.0.0.1 */
  host?: string;
  /** @default the entry's `port`, else 0 (any free port) */
  port?: number;
  /** Inference workers. @default the entry's `workers` */
  workers?: number;
  /** Intra-op threads per worker. @default the entry's `intraOpThreads`, capped so workers × threads ≤ CPUs */
  intraOpThreads?: number;
  /** Intra-op threads of a call that runs alone. @default the entry's `soloThreads`, capped at the CPUs; off when ≤ intraOpThreads */
  soloThreads?: number;
  /** Largest decoded image (pixels). @default 40 MP */
  maxPixels?: number;
  /** Largest gRPC message. @default 64 MiB */
  maxMessageBytes?: number;
  /**
   * Serve Triton's system shared-memory extension: clients on this host may register /dev/shm objects and pass
   * tensors through them. Off by default (a registered region lets a client make the server read and write that
   * object). @default MOVA_ALLOW_CLIENT_SHM=1, else false
   */
  allowClientShm?: boolean;
  /**
   * TEST-ONLY fault injection: every ModelInfer call waits this long before it is queued (a slow expert).
   * @default MOVA_FAULT_DELAY_MS, else 0. Never set it in production.
   */
  faultDelayMs?: number;
}

export interface ExpertServiceConfig {
  readonly registry: Registry;
  readonly entry: ExpertEntry;
  readonly host: string;
  readonly port: number;
  readonly workers: number;
  readonly intraOpThreads: number;
  /** Threads of a lone call (the first worker's second pipeline); equal to intraOpThreads when off. */
  readonly soloThreads: number;
  readonly maxPixels: number;
  readonly maxMessageBytes: number;
  readonly faultDelayMs: number;
  readonly allowClientShm: boolean;
}

/**
 * Intra-op threads of each worker (capped so workers × threads ≤ the CPUs) and of a call that runs alone
 * (soloThreads, capped at the CPUs; equal to intraOpThreads when off, and always on WebGPU, where CPU threads
 * are not what limits a call). In-process baselines use `soloThreads`: what one call gets when nothing else runs.
 */
export function expertThreads(
  entry: ExpertEntry,
  o: { workers?: number; intraOpThreads?: number; soloThreads?: number } = {},
  cpus: number = os.availableParallelism(),
): { intraOpThreads: number; soloThreads: number } {
  const cpuBudget = Math.max(1, cpus);
  const workers = o.workers ?? entry.workers;
  const intraOpThreads = Math.max(1, Math.min(o.intraOpThreads ?? entry.intraOpThreads, Math.floor(cpuBudget / workers) || 1));
  const solo = entry.provider === 'cpu' ? Math.min(o.soloThreads ?? entry.soloThreads ?? intraOpThreads, cpuBudget) : intraOpThreads;
  return { intraOpThreads, soloThreads: Math.max(intraOpThreads, solo) };
}

export function compileExpertConfig(o: ExpertServiceOptions): ExpertServiceConfig {
  const registry = loadRegistry(o.registryPath ?? DEFAULT_REGISTRY_PATH, o.modelsDir);
  const entry = findExpert(registry, o.name);
  const workers = o.workers ?? entry.workers;
  if (entry.provider === 'webgpu' && workers > 1) {
    throw new ConfigError('workers', `expert "${entry.name}" uses webgpu, which runs one inference at a time per process: use workers 1 and scale with pods`);
  }
  const { intraOpThreads, soloThreads } = expertThreads(entry, { ...o, workers });
  return Object.freeze({
    registry,
    entry,
    host: o.host ?? '127.0.0.1',
    port: o.port ?? entry.port ?? 0,
    workers,
    intraOpThreads,
    soloThreads,
    maxPixels: o.maxPixels ?? DEFAULT_MAX_PIXELS,
    maxMessageBytes: o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    faultDelayMs: o.faultDelayMs ?? Math.max(0, Number(process.env.MOVA_FAULT_DELAY_MS ?? 0) || 0),
    allowClientShm: o.allowClientShm ?? ['1', 'true'].includes(process.env.MOVA_ALLOW_CLIENT_SHM ?? ''),
  });
}
