/**
 * Starts the cluster's back-end services as real processes (every expert, router, fusion, and a private Redis on a
 * free port when redis-server is installed), each on a free port. Tests then start gateways in-process against them.
 */
import { DEFAULT_REGISTRY_PATH, loadRegistry } from '../../src/core/registry';
import { clusterPlan, startBackendServices } from '../../src/launcher/cluster';
import { ProcessGroup, type StartedService } from '../../src/launcher/process-group';

export interface Backends {
  addresses: Record<string, string>;
  services: StartedService[];
  redisUrl: string | undefined;
  group: ProcessGroup;
  stop(): Promise<void>;
}

/**
 * `env` is added to every backend's environment (e.g. MOVA_TLS_* to run the cluster with mutual TLS); `metrics`
 * gives every backend a /metrics port (StartedService.metrics).
 */
export async function startBackends(opts: { redis?: boolean; configPath?: string; env?: NodeJS.ProcessEnv; metrics?: boolean } = {}): Promise<Backends> {
  const configPath = opts.configPath ?? DEFAULT_REGISTRY_PATH;
  const plan = await clusterPlan(loadRegistry(configPath), configPath, { anyPorts: true, redis: opts.redis ?? true, metrics: opts.metrics ?? false });
  const group = new ProcessGroup((name, code, signal) => {
    process.stderr.write(`backend ${name} exited unexpectedly (code ${code}, signal ${signal})\n`);
  });
  try {
    const services = await startBackendServices(group, plan.backends, (s) => (opts.env && s.kind !== 'redis' ? { ...s, env: { ...s.env, ...opts.env } } : s));
    const addresses = Object.fromEntries(services.filter((s) => s.kind !== 'redis').map((s) => [s.name, s.address]));
    return { addresses, services, redisUrl: plan.redisUrl, group, stop: () => group.stop() };
  } catch (err) {
    await group.stop();
    throw err;
  }
}
