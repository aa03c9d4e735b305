/**
 * What `mova up` starts: first every expert, the router, fusion and (when installed) a private Redis, in
 * parallel; then the gateway, told each service's actual address through MOVA_<NAME>_ADDRESS.
 */
import { addressEnvKey } from '../core/addresses';
import type { Registry } from '../core/registry';
import { movaServe, type ServiceSpec, type StartedService } from './process-group';
import { freePort, redisServerPath, redisSpec } from './redis';

export interface ClusterPlan {
  backends: ServiceSpec[];
  gateway: (started: readonly StartedService[]) => ServiceSpec;
  redisUrl: string | undefined;
}

export interface PlanOptions {
  /** Start a private redis-server when one is on PATH. @default true */
  redis?: boolean;
  /** Gateway gRPC port (HTTP is the next one). @default 50050 */
  gatewayPort?: number;
  /** Ignore the registry's ports and let every service pick a free one. */
  anyPorts?: boolean;
  /** Give every project service a Prometheus /metrics port (free ports, reported as `metrics`). @default false */
  metrics?: boolean;
}

export async function clusterPlan(registry: Registry, configPath: string, opts: PlanOptions = {}): Promise<ClusterPlan> {
  const config = ['--config', configPath];
  const port = (p: number | undefined): string => String(opts.anyPorts ? 0 : (p ?? 0));
  const redisBinary = opts.redis === false ? undefined : redisServerPath();
  const redisPort = redisBinary ? await freePort() : undefined;
  const redisUrl = redisPort ? `redis://127.0.0.1:${redisPort}` : undefined;
  const metricsArgs = async (): Promise<string[]> => (opts.metrics ? ['--metrics-port', String(await freePort())] : []);
  const backends: ServiceSpec[] = [
    ...(redisBinary && redisPort ? [redisSpec(redisBinary, redisPort)] : []),
    ...(await Promise.all(registry.experts.map(async (e) => movaServe('expert', e.name, ['--name', e.name, '--port', port(e.port), ...config, ...(await metricsArgs())])))),
    movaServe('router', 'router', ['--port', port(registry.router.port), ...config, ...(await metricsArgs())]),
    movaServe('fusion', 'fusion', ['--port', port(registry.fusion.port), ...config, ...(await metricsArgs())]),
  ];
  const gatewayPort = opts.anyPorts ? 0 : (opts.gatewayPort ?? 50050);
  const gatewayMetrics = await metricsArgs();
  const gateway = (started: readonly StartedService[]): ServiceSpec => {
    const addresses = Object.fromEntries(started.filter((s) => s.kind !== 'redis').map((s) => [addressEnvKey(s.name), s.address]));
    return movaServe('gateway', 'gateway', ['--port', String(gatewayPort), ...config, ...(redisUrl ? ['--redis', redisUrl] : []), ...gatewayMetrics], addresses);
  };
  return { backends, gateway, redisUrl };
}
