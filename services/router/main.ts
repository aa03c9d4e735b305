/** Router service wiring: registry → learned model + policies → mova.v1.Router gRPC server. */
import { startGrpcServer } from '../../src/core/grpc-server';
import { logger } from '../../src/core/log';
import { loadProto } from '../../src/core/proto';
import type { ProtoGrpcType as RouterProto } from '../../src/generated/router';
import { buildRouter } from './build';
import { compileRouterConfig, type RouterServiceOptions } from './config';
import { routerHandlers } from './handlers';
import { observeRouter } from './router-metrics';

export const ROUTER_PROTO = 'mova/v1/router.proto';

export interface RunningRouter {
  address: string;
  port: number;
  stop(): Promise<void>;
}

export async function start(options: RouterServiceOptions = {}): Promise<RunningRouter> {
  const cfg = compileRouterConfig(options);
  const log = logger('router');
  const { router, model } = await buildRouter(cfg);
  // Warm-up: the first session run pays for allocations.
  await router.route([{ instruction: 'warm up', pooled: null, required: [], excluded: [] }]);
  const proto = loadProto<RouterProto>(ROUTER_PROTO);
  const server = await startGrpcServer({
    host: cfg.host,
    port: cfg.port,
    limits: { maxMessageBytes: cfg.maxMessageBytes },
    services: [{
      definition: proto.mova.v1.Router.service,
      implementation: routerHandlers({ router: observeRouter(router), embeddingWidth: model.imageDim }),
      healthName: 'mova.v1.Router',
    }],
    reflectionProtos: [ROUTER_PROTO],
  });
  server.setServing(true);
  log.info({ address: server.address, policy: cfg.policy, experts: cfg.specialists.map((s) => s.name), model: cfg.modelPath }, 'router serving');
  return {
    address: server.address,
    port: server.port,
    async stop() {
      server.setServing(false);
      await server.stop();
    },
  };
}
