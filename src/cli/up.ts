/**
 * `mova up`: starts the whole cluster locally as separate processes and prints ONE ready line of JSON on stdout
 * when every service is healthy. SIGINT/SIGTERM stops everything it started.
 */
import { DEFAULT_REGISTRY_PATH, loadRegistry } from '../core/registry';
import { logger } from '../core/log';
import { clusterPlan, startBackendServices } from '../launcher/cluster';
import { waitForPorts } from '../launcher/ports';
import { ProcessGroup, type StartedService } from '../launcher/process-group';
import { int, parse, str } from './args';

export async function upCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, { config: { type: 'string' }, 'no-redis': { type: 'boolean' }, port: { type: 'string' }, 'any-ports': { type: 'boolean' }, 'no-metrics': { type: 'boolean' } });
  const configPath = str(values.config, 'config') ?? process.env.MOVA_CONFIG ?? DEFAULT_REGISTRY_PATH;
  const registry = loadRegistry(configPath);
  const log = logger('up');
  const group = new ProcessGroup((name, code, signal) => {
    log.error({ service: name, code, signal }, 'service exited unexpectedly; stopping the cluster');
    void group.stop().then(() => process.exit(1));
  });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return; // e.g. Ctrl-C reaches both a re-exec wrapper and this process
    stopping = true;
    log.info({ signal }, 'stopping the cluster');
    void group.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  const services: StartedService[] = [];
  try {
    const plan = await clusterPlan(registry, configPath, {
      redis: values['no-redis'] !== true,
      gatewayPort: int(values.port, 'port') ?? 50050,
      anyPorts: values['any-ports'] === true,
      metrics: values['no-metrics'] !== true,
    });
    await waitForPorts('127.0.0.1', plan.fixedPorts, {
      onWait: (port) => log.warn({ port }, 'port held by a closing connection (TIME_WAIT from an earlier run); waiting for it'),
    });
    services.push(...(await startBackendServices(group, plan.backends)));
    services.push(await group.start(plan.gateway(services)));
  } catch (err) {
    log.error({ err: (err as Error).message }, 'cluster failed to start');
    await group.stop();
    process.exitCode = 1;
    return;
  }
  const gateway = services.find((s) => s.kind === 'gateway');
  process.stdout.write(`${JSON.stringify({
    ready: true,
    gateway: gateway ? { grpc: gateway.address, http: gateway.http ?? null } : null,
    services: services.map((s) => ({ name: s.name, kind: s.kind, address: s.address, ...(s.metrics ? { metrics: s.metrics } : {}), pid: s.pid })),
  })}\n`);
}
