/** Router service configuration: the registry's router settings plus process-level options, compiled once. */
import path from 'node:path';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../src/core/grpc-options';
import { DEFAULT_REGISTRY_PATH, loadRegistry, type Registry } from '../../src/core/registry';
import type { PolicyName, Specialist } from './policy';

export interface RouterServiceOptions {
  /** Registry file. @default config/registry.yaml */
  registryPath?: string;
  /** @default 127.0.0.1 */
  host?: string;
  /** @default the registry's router.port, else 0 (any free port) */
  port?: number;
  /** Learned model file. @default the registry's router.model, resolved against the project root */
  modelPath?: string;
  /** Default policy. @default the registry's router.policy */
  policy?: PolicyName;
  /** Largest gRPC message. @default 64 MiB */
  maxMessageBytes?: number;
}

export interface RouterServiceConfig {
  readonly registry: Registry;
  readonly specialists: readonly Specialist[];
  readonly host: string;
  readonly port: number;
  readonly modelPath: string;
  readonly policy: PolicyName;
  readonly maxExperts: number;
  readonly threshold: number;
  readonly maxMessageBytes: number;
}

export function specialistsOf(registry: Registry): Specialist[] {
  return registry.experts.filter((e) => e.name !== registry.base)
    .map((e) => ({ name: e.name, domains: [...e.domains], expertise: [...e.expertise], cost: e.cost }));
}

export function compileRouterConfig(o: RouterServiceOptions = {}): RouterServiceConfig {
  const registry = loadRegistry(o.registryPath ?? DEFAULT_REGISTRY_PATH);
  const r = registry.router;
  const model = o.modelPath ?? r.model;
  return Object.freeze({
    registry,
    specialists: specialistsOf(registry),
    host: o.host ?? '127.0.0.1',
    port: o.port ?? r.port ?? 0,
    modelPath: path.isAbsolute(model) ? model : path.join(registry.projectRoot, model),
    policy: o.policy ?? r.policy,
    maxExperts: r.maxExperts,
    threshold: r.threshold,
    maxMessageBytes: o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
  });
}
