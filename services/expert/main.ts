/** Expert service wiring: worker pool → dynamic batcher → OIP v2 gRPC server. */
import path from 'node:path';
import { DynamicBatcher } from '../../src/core/batcher';
import { batcherMetrics } from '../../src/core/batcher-metrics';
import { startGrpcServer } from '../../src/core/grpc-server';
import { ModelStats } from '../../src/core/infer-stats';
import { logger } from '../../src/core/log';
import { loadInferenceProto } from '../../src/core/proto';
import { SharedMemoryRegions } from '../../src/core/shared-memory';
import { PACKAGE_VERSION } from '../../src/core/version';
import { WorkerPool } from '../../src/core/worker-pool';
import { executeBatch, runItems, type ExpertPool } from './batch';
import { compileExpertConfig, type ExpertServiceOptions } from './config';
import { expertHandlers } from './handlers';
import type { ItemResults } from './infer';
import { cachedRuns, ItemCache } from './response-cache';
import type { ExpertInfo, ExpertRunnerOptions, ExpertRunRequest, ExpertRunResult } from './runner';

export interface RunningExpert {
  address: string;
  port: number;
  name: string;
  info: ExpertInfo;
  stop(): Promise<void>;
}

export async function start(options: ExpertServiceOptions): Promise<RunningExpert> {
  const cfg = compileExpertConfig(options);
  const log = logger('expert', { expert: cfg.entry.name });
  const runnerOptions: ExpertRunnerOptions = {
    registryPath: cfg.registry.source,
    modelsDir: cfg.registry.modelsDir,
    expert: cfg.entry.name,
    intraOpThreads: cfg.intraOpThreads,
    soloThreads: cfg.soloThreads,
    maxPixels: cfg.maxPixels,
  };
  const pool: ExpertPool = await WorkerPool.start<ExpertRunRequest, ExpertRunResult, ExpertInfo>({
    module: path.join(__dirname, 'runner.js'),
    options: runnerOptions,
    size: cfg.workers,
    name: cfg.entry.name,
  });
  const b = cfg.entry.batching;
  const metrics = batcherMetrics('expert', { expert: cfg.entry.name });
  const stats = new ModelStats(cfg.entry.name);
  /**
   * One batch through the pool; a batch with any result counts as a model execution (ModelStatistics). Pipelines
   * that run a batch's items one by one (dynamicBatch false) split it item by item over idle workers.
   */
  const execute = async (reqs: ExpertRunRequest[]): Promise<(ItemResults | Error)[]> => {
    const results = await executeBatch(pool, reqs, { perItem: !cfg.entry.dynamicBatch });
    const timing = results.find((r): r is ItemResults => !(r instanceof Error))?.timing;
    if (timing) stats.executed(timing);
    return results;
  };
  const batcher = new DynamicBatcher<ExpertRunRequest, ItemResults>({
    maxBatchSize: b.maxBatchSize,
    maxQueueDelayMs: b.maxQueueDelayMs,
    maxQueueSize: b.maxQueueSize,
    concurrency: cfg.workers,
    sizeOf: runItems,
    execute: metrics.timed(execute),
    onBatch: (s) => metrics.onBatch(s),
  });
  metrics.watch(batcher);
  const cacheMegabytes = cfg.entry.responseCache?.maxMegabytes;
  const runs = cacheMegabytes ? cachedRuns(batcher, new ItemCache(cacheMegabytes * 1024 * 1024), cfg.entry.name) : batcher;
  let ready = false;
  const shm = new SharedMemoryRegions({ enabled: cfg.allowClientShm, maxReadBytes: cfg.maxMessageBytes });
  const proto = loadInferenceProto();
  const grpcServer = await startGrpcServer({
    host: cfg.host,
    port: cfg.port,
    limits: { maxMessageBytes: cfg.maxMessageBytes },
    services: [{
      definition: proto.inference.GRPCInferenceService.service,
      implementation: expertHandlers({ name: cfg.entry.name, version: PACKAGE_VERSION, info: pool.info, batcher: runs, isReady: () => ready, shm, stats, faultDelayMs: cfg.faultDelayMs }),
      healthName: 'inference.GRPCInferenceService',
    }],
    reflectionProtos: ['inference/grpc_service.proto'],
  });
  ready = true;
  grpcServer.setServing(true);
  log.info({ address: grpcServer.address, workers: cfg.workers, intraOpThreads: cfg.intraOpThreads, soloThreads: cfg.soloThreads, allowClientShm: cfg.allowClientShm, responseCacheMegabytes: cacheMegabytes ?? 0 }, 'expert serving');
  if (cfg.faultDelayMs > 0) log.warn({ faultDelayMs: cfg.faultDelayMs }, 'TEST-ONLY fault injection: every inference is delayed');
  return {
    address: grpcServer.address,
    port: grpcServer.port,
    name: cfg.entry.name,
    info: pool.info,
    async stop() {
      ready = false;
      grpcServer.setServing(false);
      await batcher.drain();
      await grpcServer.stop();
      await shm.close();
      await pool.stop();
    },
  };
}
