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
}

export async function clusterPlan(registry: Registry, configPath: string, opts: PlanOptions = {}): Promise<ClusterPlan> {
  const config = ['--config', configPath];
  const port = (p: number | undefined): string => String(opts.anyPorts ? 0 : (p ?? 0));
  const redisBinary = opts.redis === false ? undefined : redisServerPath();
  const redisPort = redisBinary ? await freePort() : undefined;
  const redisUrl = redisPort ? `redis://127.0.0.1:${redisPort}` : undefined;
  const backends: ServiceSpec[] = [
    ...(redisBinary && redisPort ? [redisSpec(redisBinary, redisPort)] : []),
    ...registry.experts.map((e) => movaServe('expert', e.name, ['--name', e.name, '--port', port(e.port), ...config])),
    movaServe('router', 'router', ['--port', port(registry.router.port), ...config]),
    movaServe('fusion', 'fusion', ['--port', port(registry.fusion.port), ...config]),
  ];
  const gatewayPort = opts.anyPorts ? 0 : (opts.gatewayPort ?? 50050);
  const gateway = (started: readonly StartedService[]): ServiceSpec => {
    const env = Object.fromEntries(started.filter((s) => s.kind !== 'redis').map((s) => [addressEnvKey(s.name), s.address]));
    return movaServe('gateway', 'gateway', ['--port', String(gatewayPort), ...config, ...(redisUrl ? ['--redis', redisUrl] : [])], env);
  };
  return { backends, gateway, redisUrl };
}
