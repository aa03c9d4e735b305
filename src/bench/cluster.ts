/**
 * A whole cluster for the cluster-level figures: every back end as a process (plus a private Redis), and any number
 * of gateway processes in front of them, each with its own flags, environment and BullMQ queue name, so that
 * variants can be measured interleaved in one run. Everything listens on loopback only.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { addressEnvKey } from '../core/addresses';
import { DEFAULT_REGISTRY_PATH, loadRegistry } from '../core/registry';
import { clusterPlan, startBackendServices } from '../launcher/cluster';
import { movaServe, ProcessGroup, type StartedService } from '../launcher/process-group';
import { log } from './common';
import type { WatchedProcess } from './process-cpu';

export interface GatewayVariant {
  name: string;
  /** Use the private Redis (BullMQ) rather than the in-process queue. */
  redis: boolean;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Registry for this gateway (default: the cluster's). */
  configPath?: string;
}

export interface BenchCluster {
  configPath: string;
  addresses: Record<string, string>;
  redisUrl: string | undefined;
  group: ProcessGroup;
  /** Starts one more gateway; returns its gRPC address. */
  gateway(v: GatewayVariant): Promise<string>;
  /** Starts one more replica of an expert; returns its address. */
  replica(expert: string, index: number): Promise<string>;
  /** Every process started so far (back ends, Redis, gateways, replicas), by service name. */
  processes(): WatchedProcess[];
  stop(): Promise<void>;
}

/** A copy of the registry (YAML) with `edit` applied, in a temporary directory; returns its path. */
export function registryCopy(edit: (doc: Record<string, unknown>) => void, from = DEFAULT_REGISTRY_PATH): string {
  const doc = YAML.parse(readFileSync(from, 'utf8')) as Record<string, unknown>;
  edit(doc);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mova-bench-registry-')), 'registry.yaml');
  writeFileSync(file, YAML.stringify(doc));
  loadRegistry(file); // fail here, not in every service, when the edit broke it
  return file;
}

/** Every batcher in the cluster limited to batch 1: each expert's `batching` and `fusion.batching`. */
export function noBatchingRegistry(): string {
  return registryCopy((doc) => {
    for (const e of doc.experts as Record<string, unknown>[]) {
      e.batching = { ...(e.batching as object | undefined), maxBatchSize: 1 };
    }
    const fusion = (doc.fusion ?? {}) as Record<string, unknown>;
    fusion.batching = { maxQueueDelayMs: 2, maxQueueSize: 256, ...(fusion.batching as object | undefined), maxBatchSize: 1 };
    doc.fusion = fusion;
  });
}

export async function startBenchCluster(opts: { configPath?: string; redis?: boolean } = {}): Promise<BenchCluster> {
  const configPath = opts.configPath ?? DEFAULT_REGISTRY_PATH;
  const plan = await clusterPlan(loadRegistry(configPath), configPath, { anyPorts: true, redis: opts.redis ?? true });
  const group = new ProcessGroup((name, code, signal) => log(`${name} exited unexpectedly (code ${code}, signal ${signal})`));
  const t0 = performance.now();
  let services: StartedService[];
  try {
    services = await startBackendServices(group, plan.backends);
  } catch (err) {
    await group.stop();
    throw err;
  }
  log(`back ends ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const addresses = Object.fromEntries(services.filter((s) => s.kind !== 'redis').map((s) => [s.name, s.address]));
  const addressEnv = Object.fromEntries(Object.entries(addresses).map(([k, v]) => [addressEnvKey(k), v]));
  let queues = 0;
  return {
    configPath,
    addresses,
    redisUrl: plan.redisUrl,
    group,
    async gateway(v) {
      if (v.redis && !plan.redisUrl) throw new Error('no redis-server on PATH: cannot start a BullMQ gateway');
      const env: NodeJS.ProcessEnv = {
        ...addressEnv,
        MOVA_QUEUE_NAME: `mova-bench-${process.pid}-${queues++}`,
        MOVA_REDIS_URL: '',
        MOVA_RATE_LIMIT_RPS: '0',
        ...v.env,
      };
      const args = ['--port', '0', '--config', v.configPath ?? configPath, ...(v.redis && plan.redisUrl ? ['--redis', plan.redisUrl] : []), ...(v.args ?? [])];
      const started = await group.start(movaServe('gateway', `gateway-${v.name}`, args, env));
      services.push(started);
      return started.address;
    },
    async replica(expert, index) {
      const started = await group.start(movaServe('expert', `${expert}-${index}`, ['--name', expert, '--port', '0', '--config', configPath]));
      services.push(started);
      return started.address;
    },
    processes: () => services.map((s) => ({ name: s.name, pid: s.pid })),
    stop: () => group.stop(),
  };
}
