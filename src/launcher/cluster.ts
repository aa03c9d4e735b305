/**
 * What `mova up` starts: first (when installed) a private Redis, then every expert, the router and fusion in
 * parallel; then the gateway, told each service's actual address through MOVA_<NAME>_ADDRESS.
 */
import { addressEnvKey } from '../core/addresses';
import type { Registry } from '../core/registry';
import { movaServe, type ProcessGroup, type ServiceSpec, type StartedService } from './process-group';
import { freePort, redisServerPath, redisSpec } from './redis';

export interface ClusterPlan {
  backends: ServiceSpec[];
  gateway: (started: readonly StartedService[]) => ServiceSpec;
  redisUrl: string | undefined;
  /** The fixed ports the services will bind (none with anyPorts); the gateway's HTTP port is its gRPC port + 1. */
  fixedPorts: number[];
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
  const fixedPorts: number[] = [];
  const port = (p: number | undefined): string => {
    const chosen = opts.anyPorts ? 0 : (p ?? 0);
    if (chosen > 0) fixedPorts.push(chosen);
    return String(chosen);
  };
  const redisBinary = opts.redis === false ? undefined : redisServerPath();
  const redisPort = redisBinary ? await freePort() : undefined;
  const redisUrl = redisPort ? `redis://127.0.0.1:${redisPort}` : undefined;
  // Each service binds a free metrics port itself and reports it (probing ports here and passing them on races
  // with the services' own ephemeral binds).
  const metricsArgs = opts.metrics ? ['--metrics-port', 'any'] : [];
  const backends: ServiceSpec[] = [
    ...(redisBinary && redisPort ? [redisSpec(redisBinary, redisPort)] : []),
    ...registry.experts.map((e) => movaServe('expert', e.name, ['--name', e.name, '--port', port(e.port), ...config, ...metricsArgs])),
    movaServe('router', 'router', ['--port', port(registry.router.port), ...config, ...metricsArgs]),
    movaServe('fusion', 'fusion', ['--port', port(registry.fusion.port), ...config, ...metricsArgs]),
  ];
  const gatewayPort = opts.anyPorts ? 0 : (opts.gatewayPort ?? 50050);
  if (gatewayPort > 0) fixedPorts.push(gatewayPort, gatewayPort + 1);
  const gateway = (started: readonly StartedService[]): ServiceSpec => {
    const addresses = Object.fromEntries(started.filter((s) => s.kind !== 'redis').map((s) => [addressEnvKey(s.name), s.address]));
    return movaServe('gateway', 'gateway', ['--port', String(gatewayPort), ...config, ...(redisUrl ? ['--redis', redisUrl] : []), ...metricsArgs], addresses);
  };
  return { backends, gateway, redisUrl, fixedPorts };
}

/**
 * Starts a plan's back ends: Redis first (its port was probed free and must be taken before the other services
 * bind their own ephemeral ports), then the rest in parallel. `adjust` may rewrite a spec (e.g. add env).
 */
export async function startBackendServices(group: ProcessGroup, specs: readonly ServiceSpec[], adjust: (s: ServiceSpec) => ServiceSpec = (s) => s): Promise<StartedService[]> {
  const redis = specs.filter((s) => s.kind === 'redis');
  const started = await Promise.all(redis.map((s) => group.start(adjust(s))));
  return [...started, ...(await Promise.all(specs.filter((s) => s.kind !== 'redis').map((s) => group.start(adjust(s)))))];
}
