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
  readonly maxPixels: number;
  readonly maxMessageBytes: number;
  readonly faultDelayMs: number;
  readonly allowClientShm: boolean;
}

export function compileExpertConfig(o: ExpertServiceOptions): ExpertServiceConfig {
  const registry = loadRegistry(o.registryPath ?? DEFAULT_REGISTRY_PATH, o.modelsDir);
  const entry = findExpert(registry, o.name);
  const workers = o.workers ?? entry.workers;
  if (entry.provider === 'webgpu' && workers > 1) {
    throw new ConfigError('workers', `expert "${entry.name}" uses webgpu, which runs one inference at a time per process: use workers 1 and scale with pods`);
  }
  const cpuBudget = Math.max(1, os.availableParallelism());
  const intraOpThreads = Math.max(1, Math.min(o.intraOpThreads ?? entry.intraOpThreads, Math.floor(cpuBudget / workers) || 1));
  return Object.freeze({
    registry,
    entry,
    host: o.host ?? '127.0.0.1',
    port: o.port ?? entry.port ?? 0,
    workers,
    intraOpThreads,
    maxPixels: o.maxPixels ?? DEFAULT_MAX_PIXELS,
    maxMessageBytes: o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    faultDelayMs: o.faultDelayMs ?? Math.max(0, Number(process.env.MOVA_FAULT_DELAY_MS ?? 0) || 0),
    allowClientShm: o.allowClientShm ?? ['1', 'true'].includes(process.env.MOVA_ALLOW_CLIENT_SHM ?? ''),
  });
}
