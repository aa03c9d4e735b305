/** Fusion service wiring: adapter graph (built once) → worker pool → dynamic batcher → mova.v1.Fusion gRPC server. */
import path from 'node:path';
import { DynamicBatcher } from '../../src/core/batcher';
import { batcherMetrics } from '../../src/core/batcher-metrics';
import { ConfigError, errorMessage } from '../../src/core/errors';
import { startGrpcServer, type RunningGrpcServer } from '../../src/core/grpc-server';
import { ModelStats } from '../../src/core/infer-stats';
import { logger } from '../../src/core/log';
import { loadProto } from '../../src/core/proto';
import { SharedMemoryRegions } from '../../src/core/shared-memory';
import { WorkerPool } from '../../src/core/worker-pool';
import type { ProtoGrpcType as FusionProto } from '../../src/generated/fusion';
import type { AdapterConfig } from './adapter-config';
import { buildAdapterGraph } from './adapter-graph';
import { executeFuseBatch, type FusionPool } from './batch';
import { compileFusionConfig, type FusionServiceConfig, type FusionServiceOptions } from './config';
import { describeAdapter, type FuseJob, type FuseJobResult } from './fuse-request';
import { FUSION_MODEL_NAME, fusionHandlers } from './handlers';
import type { FusionRunnerOptions, FusionRunRequest, FusionRunResult } from './runner';
import { initWeights, loadWeightsFile, type AdapterWeights } from './weights';

export const FUSION_PROTO = 'mova/v1/fusion.proto';

export interface RunningFusion {
  address: string;
  port: number;
  adapter: AdapterConfig;
  /** False when serving seeded (untrained) weights. */
  trained: boolean;
  stop(): Promise<void>;
}

function loadWeights(cfg: FusionServiceConfig): AdapterWeights {
  if (cfg.weights === undefined) return initWeights(cfg.adapter, cfg.seed);
  try {
    return loadWeightsFile(cfg.adapter, cfg.weights, { prefix: cfg.weightsPrefix });
  } catch (err) {
    throw new ConfigError('fusion.weights', errorMessage(err), { cause: err });
  }
}

/** One all-zero request through every worker's session, so the first real call does not pay for the set-up. */
async function warmUp(pool: FusionPool, c: AdapterConfig): Promise<void> {
  const job = (): FuseJob => ({
    n: 1,
    tokens: 'float32',
    base: new Float32Array(c.tokens * c.baseWidth),
    experts: c.experts.map(() => null),
    mask: new Float32Array(c.maxExperts),
    context: new Float32Array(c.contextWidth),
    fusedDatatype: 'FP32',
  });
  await Promise.all(Array.from({ length: pool.size }, () => executeFuseBatch(pool, c, [job()])));
}

export async function start(options: FusionServiceOptions): Promise<RunningFusion> {
  const cfg = compileFusionConfig(options);
  const c = cfg.adapter;
  const log = logger('fusion');
  const runnerOptions: FusionRunnerOptions = {
    model: buildAdapterGraph(c, loadWeights(cfg)),
    geometry: {
      tokens: c.tokens,
      baseWidth: c.baseWidth,
      contextWidth: c.contextWidth,
      slots: c.experts.map((e) => [e.tokens, e.width]),
    },
    provider: cfg.provider,
    intraOpThreads: cfg.intraOpThreads,
  };
  const pool: FusionPool = await WorkerPool.start<FusionRunRequest, FusionRunResult, null>({
    module: path.join(__dirname, 'runner.js'),
    options: runnerOptions,
    size: cfg.workers,
    name: 'fusion',
  });
  const metrics = batcherMetrics('fusion');
  const stats = new ModelStats(FUSION_MODEL_NAME);
  const batcher = new DynamicBatcher<FuseJob, FuseJobResult>({
    ...cfg.batching,
    concurrency: cfg.workers,
    sizeOf: (job) => job.n,
    execute: metrics.timed(async (jobs: FuseJob[]) => {
      const results = await executeFuseBatch(pool, c, jobs);
      if (results[0]) stats.executed(results[0].timing); // one adapter run, whatever the number of calls in it
      return results;
    }),
    onBatch: (s) => metrics.onBatch(s),
  });
  metrics.watch(batcher);
  const proto = loadProto<FusionProto>(FUSION_PROTO);
  const trained = cfg.weights !== undefined;
  const shm = new SharedMemoryRegions({ enabled: cfg.allowClientShm, maxReadBytes: cfg.maxMessageBytes });
  let grpcServer: RunningGrpcServer;
  try {
    await warmUp(pool, c);
    grpcServer = await startGrpcServer({
      host: cfg.host,
      port: cfg.port,
      limits: { maxMessageBytes: cfg.maxMessageBytes },
      services: [{
        definition: proto.mova.v1.Fusion.service,
        implementation: fusionHandlers({ adapter: c, batcher, describe: describeAdapter(c, cfg.batching.maxBatchSize, !trained), shm, stats }),
        healthName: 'mova.v1.Fusion',
      }],
      reflectionProtos: [FUSION_PROTO],
    });
  } catch (err) {
    await pool.stop();
    await shm.close();
    throw err;
  }
  grpcServer.setServing(true);
  log.info({
    address: grpcServer.address,
    slots: c.experts.map((e) => e.name),
    weights: cfg.weights ?? `seeded (untrained, seed ${cfg.seed})`,
    workers: cfg.workers,
    intraOpThreads: cfg.intraOpThreads,
    allowClientShm: cfg.allowClientShm,
  }, 'fusion serving');
  const server = grpcServer;
  return {
    address: server.address,
    port: server.port,
    adapter: c,
    trained,
    async stop() {
      server.setServing(false);
      await batcher.drain();
      await server.stop();
      await pool.stop();
      await shm.close();
    },
  };
}
