/** Gateway wiring: queue (BullMQ or in-process) + batch worker (orchestrator over gRPC clients) + gRPC and HTTP APIs. */
import { startGrpcServer } from '../src/core/grpc-server';
import { channelCredentials, serverCredentials } from '../src/core/tls';
import { ApiKeyGuard } from './auth';
import { logger } from '../src/core/log';
import { initTracing } from '../src/core/tracing';
import { observeBatches } from './observe/batch-observer';
import { observedQueue } from './observe/observed-queue';
import { instrumentOrchestratorDeps } from './observe/traced-clients';
import { loadProto } from '../src/core/proto';
import type { ProtoGrpcType } from '../src/generated/gateway';
import { instructionContext } from './context';
import { compileGatewayConfig, type GatewayOptions } from './config';
import { GrpcExpertClient } from './clients/expert-client';
import { GrpcFusionClient } from './clients/fusion-client';
import { GrpcRouterClient } from './clients/router-client';
import { gatewayHandlers } from './handlers';
import { startHttpGateway } from './http';
import { Orchestrator, type ExpertCallRecord } from './orchestrator';
import { BullmqQueue } from './queue/bullmq-queue';
import { MemoryQueue } from './queue/memory-queue';
import type { RequestQueue } from './queue/types';
import type { DescribeResponse__Output } from '../src/generated/mova/v1/DescribeResponse';

export interface RunningGateway {
  address: string;
  httpUrl: string;
  queueKind: 'memory' | 'bullmq';
  /** Expert calls made by this process's orchestrator, in order (for tests and metrics). */
  expertCalls: ExpertCallRecord[];
  stop(): Promise<void>;
}

async function describeWithRetry(fusion: GrpcFusionClient, timeoutMs: number): Promise<DescribeResponse__Output> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fusion.describe({ deadline: Date.now() + 2000 });
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export async function start(options: GatewayOptions = {}): Promise<RunningGateway> {
  const cfg = compileGatewayConfig(options);
  const log = logger('gateway');
  initTracing('mova-gateway');
  const micro = { maxBatchSize: cfg.maxBatchSize, maxBatchDelayMs: cfg.maxBatchDelayMs, batchConcurrency: cfg.batchConcurrency, maxQueueSize: cfg.maxQueueSize };
  const queue: RequestQueue = cfg.redisUrl
    ? await BullmqQueue.connect({ ...micro, redisUrl: cfg.redisUrl, queueName: cfg.queueName, attempts: cfg.attempts, backoffMs: cfg.backoffMs, lockDurationMs: cfg.lockDurationMs, stalledIntervalMs: cfg.stalledIntervalMs, log })
    : new MemoryQueue(micro);
  const expertCalls: ExpertCallRecord[] = [];
  const closers: (() => void)[] = [];
  if (cfg.worker) {
    const reg = cfg.registry;
    const creds = channelCredentials(cfg.tls);
    const experts = new Map(reg.experts.filter((e) => e.name !== reg.base).map((e) => [e.name, new GrpcExpertClient(e.name, cfg.addresses[e.name]!, creds)]));
    const base = new GrpcExpertClient(reg.base, cfg.addresses[reg.base]!, creds);
    const router = new GrpcRouterClient(cfg.addresses.router!, creds);
    const fusion = new GrpcFusionClient(cfg.addresses.fusion!, creds);
    closers.push(() => base.close(), () => router.close(), () => fusion.close(), ...[...experts.values()].map((c) => () => c.close()));
    const desc = await describeWithRetry(fusion, 30_000);
    const slots = desc.slots.map((s) => s.name);
    for (const name of experts.keys()) {
      if (!slots.includes(name)) throw new Error(`fusion has no slot for expert "${name}" (slots: ${slots.join(', ')})`);
    }
    const orchestrator = new Orchestrator(instrumentOrchestratorDeps({
      base,
      experts,
      slots,
      domains: new Map(reg.experts.map((e) => [e.name, e.domains])),
      router,
      fusion,
      contextOf: (instruction) => instructionContext(instruction, desc.context_width),
      expertDeadlineShare: 0.8,
      ...(cfg.routingPolicy !== undefined ? { routingPolicy: cfg.routingPolicy } : {}),
      log,
      onExpertCall: (call) => {
        expertCalls.push(call);
        if (expertCalls.length > 10_000) expertCalls.splice(0, 5_000);
      },
    }));
    const costs = new Map(reg.experts.filter((e) => e.name !== reg.base).map((e) => [e.name, e.cost]));
    const baseCost = reg.experts.find((e) => e.name === reg.base)?.cost ?? 1;
    await queue.startWorker(observeBatches((reqs) => orchestrator.runBatch(reqs), { costs, baseCost }));
  }
  let ready = false;
  // The front (gRPC and HTTP) submits through the observed queue: request span, traceparent, outcome metrics.
  const front = observedQueue(queue, log);
  const guard = new ApiKeyGuard(cfg);
  const proto = loadProto<ProtoGrpcType>('mova/v1/gateway.proto');
  const grpcServer = await startGrpcServer({
    host: cfg.host,
    port: cfg.port,
    limits: { maxMessageBytes: cfg.maxRequestBytes },
    credentials: serverCredentials(cfg.tls),
    services: [{ definition: proto.mova.v1.Gateway.service, implementation: gatewayHandlers(cfg, front, guard), healthName: 'mova.v1.Gateway' }],
    reflectionProtos: ['mova/v1/gateway.proto'],
  });
  const httpServer = await startHttpGateway(cfg, front, () => ready, log, guard);
  ready = true;
  grpcServer.setServing(true);
  const queueKind = cfg.redisUrl ? 'bullmq' : 'memory';
  log.info({ grpc: grpcServer.address, http: httpServer.url, queue: queueKind }, 'gateway serving');
  return {
    address: grpcServer.address,
    httpUrl: httpServer.url,
    queueKind,
    expertCalls,
    async stop() {
      ready = false;
      grpcServer.setServing(false);
      await httpServer.close();
      await grpcServer.stop();
      await queue.close();
      for (const c of closers) c();
    },
  };
}
