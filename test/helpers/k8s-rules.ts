/**
 * Offline checks of the rendered Kubernetes manifests: render with `kubectl kustomize`, validate every object
 * against the Kubernetes schemas (kubernetes-models), then the project's rules (probes, limits, security context,
 * one Deployment + Service per registry expert, ports, network policies, GPU requests, the registry ConfigMap).
 * Every check returns a list of problems naming the object; an empty list means the manifests pass.
 */
import { execFileSync } from 'node:child_process';
import YAML from 'yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { HorizontalPodAutoscaler, type IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy, type INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { addressEnvKey, expertResourceName } from '../../scripts/gen-k8s-experts';

export const NAMESPACE = 'mova';

/** A rendered object: only the type fields are known before validation. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

interface Validatable {
  validate(): void;
}

/** The kinds the manifests may contain, with their schema-validating models. */
const MODELS: Record<string, (data: K8sObject) => Validatable> = {
  'v1/Namespace': (d) => new Namespace(d as never),
  'v1/Service': (d) => new Service(d as never),
  'v1/ConfigMap': (d) => new ConfigMap(d as never),
  'v1/Secret': (d) => new Secret(d as never),
  'apps/v1/Deployment': (d) => new Deployment(d as never),
  'apps/v1/StatefulSet': (d) => new StatefulSet(d as never),
  'policy/v1/PodDisruptionBudget': (d) => new PodDisruptionBudget(d as never),
  'autoscaling/v2/HorizontalPodAutoscaler': (d) => new HorizontalPodAutoscaler(d as never),
  'networking.k8s.io/v1/NetworkPolicy': (d) => new NetworkPolicy(d as never),
};
/** Custom resources of the optional KEDA component: checked by rules only (no schema in kubernetes-models). */
const CUSTOM_KINDS = new Set(['keda.sh/v1alpha1/ScaledObject', 'keda.sh/v1alpha1/TriggerAuthentication']);

/** `kubectl kustomize DIR`, parsed. Throws with kubectl's message when rendering fails. */
export function render(dir: string): K8sObject[] {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new Error('kubectl not found on PATH: the manifest checks need `kubectl kustomize` (kustomize v5)');
    throw new Error(`kubectl kustomize ${dir} failed: ${e.stderr?.trim() || e.message}`);
  }
  return YAML.parseAllDocuments(out).map((doc, i) => {
    const o: unknown = doc.toJS();
    if (!isRecord(o) || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || !isRecord(o.metadata)
      || typeof o.metadata.name !== 'string') {
      throw new Error(`document ${i} of ${dir} is not a Kubernetes object`);
    }
    return o as K8sObject;
  });
}

type ILabelSelector = NonNullable<INetworkPolicy['spec']>['podSelector'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function id(o: K8sObject): string {
  return `${o.kind}/${o.metadata.name}`;
}

/** Schema validation: every object is a known kind and validates against its Kubernetes schema. */
export function validateSchemas(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const o of objects) {
    const key = `${o.apiVersion}/${o.kind}`;
    const model = MODELS[key];
    if (!model) {
      if (!CUSTOM_KINDS.has(key)) problems.push(`${id(o)}: unexpected kind ${key}`);
      continue;
    }
    try {
      model(o).validate();
    } catch (err) {
      problems.push(`${id(o)}: schema: ${(err as Error).message}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers over validated objects.

interface Workload {
  obj: K8sObject;
  template: IPodTemplateSpec;
}

function workloads(objects: readonly K8sObject[]): Workload[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((o) => ({ obj: o, template: (o.spec as { template: IPodTemplateSpec }).template }));
}

function podLabels(w: Workload): Record<string, string> {
  return w.template.metadata?.labels ?? {};
}

/** Kubernetes label-selector semantics (matchLabels AND matchExpressions). */
export function selects(selector: ILabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const val = labels[e.key];
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && val !== undefined && values.includes(val))) return false;
    if (e.operator === 'NotIn' && has && val !== undefined && values.includes(val)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function containers(w: Workload): IContainer[] {
  return [...(w.template.spec?.initContainers ?? []), ...(w.template.spec?.containers ?? [])];
}

function isMovaContainer(c: IContainer): boolean {
  return (c.image ?? '').split(':')[0]?.split('/').pop()?.startsWith('mova-cluster') ?? false;
}

function quantity(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

function byKind<T>(objects: readonly K8sObject[], kind: string): (K8sObject & T)[] {
  return objects.filter((o) => o.kind === kind) as (K8sObject & T)[];
}

// ---------------------------------------------------------------------------------------------------------------
// The rules.

export interface RuleOptions {
  /** The registry text the rendered ConfigMap must equal, byte for byte. */
  registryText: string;
  /** The gpu overlay: every expert requests a GPU, runs with the nvidia runtime and the webgpu provider. */
  gpu?: boolean;
  /** The image every mova container must use (overlays pin it). */
  image?: string;
  /** The imagePullPolicy every mova container must use. */
  imagePullPolicy?: string;
}

/** Every project rule; returns the problems found (empty = pass). */
export function checkRules(objects: readonly K8sObject[], opts: RuleOptions): string[] {
  return [
    ...checkNamespaces(objects),
    ...checkWorkloads(objects, opts),
    ...checkServices(objects),
    ...checkRegistry(objects, opts),
    ...checkAvailability(objects),
    ...checkNetworkPolicies(objects),
    ...checkGpu(objects, opts),
    ...checkScaledObjects(objects),
    ...checkMetricsScrape(objects),
  ];
}

/** Every mova service pod serves /metrics on a container port named `metrics` that its scrape annotations name. */
function checkMetricsScrape(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const w of workloads(objects)) {
    const component = podLabels(w)['app.kubernetes.io/component'] ?? '';
    if (!['gateway', 'router', 'fusion', 'expert'].includes(component)) continue;
    const ann = w.template.metadata?.annotations ?? {};
    const c = w.template.spec?.containers[0];
    const port = (c?.ports ?? []).find((p) => p.name === 'metrics')?.containerPort;
    const env = (c?.env ?? []).find((e) => e.name === 'MOVA_METRICS_PORT')?.value;
    if (port === undefined) problems.push(`${id(w.obj)}: no container port named metrics`);
    if (ann['prometheus.io/scrape'] !== 'true' || ann['prometheus.io/port'] !== String(port) || ann['prometheus.io/path'] !== '/metrics') {
      problems.push(`${id(w.obj)}: prometheus.io/{scrape,port,path} annotations do not name its metrics port ${port}`);
    }
    if (env !== String(port)) problems.push(`${id(w.obj)}: MOVA_METRICS_PORT (${env}) is not its metrics port ${port}`);
  }
  return problems;
}

function checkNamespaces(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  if (!objects.some((o) => o.kind === 'Namespace' && o.metadata.name === NAMESPACE)) problems.push(`Namespace/${NAMESPACE} is missing`);
  for (const o of objects) {
    if (o.kind !== 'Namespace' && o.metadata.namespace !== NAMESPACE) problems.push(`${id(o)}: namespace is ${o.metadata.namespace ?? '(none)'}, want ${NAMESPACE}`);
  }
  return problems;
}

/** Probes, resources, security context, a writable /tmp, image settings. */
function checkWorkloads(objects: readonly K8sObject[], opts: RuleOptions): string[] {
  const problems: string[] = [];
  for (const w of workloads(objects)) {
    const spec = w.template.spec;
    const where = id(w.obj);
    if (!spec) {
      problems.push(`${where}: no pod spec`);
      continue;
    }
    const podSec = spec.securityContext ?? {};
    if (podSec.runAsNonRoot !== true) problems.push(`${where}: pod securityContext.runAsNonRoot is not true`);
    for (const c of containers(w)) {
      const at = `${where} container ${c.name}`;
      const sec = c.securityContext ?? {};
      if (!c.readinessProbe) problems.push(`${at}: no readinessProbe`);
      if (!c.livenessProbe) problems.push(`${at}: no livenessProbe`);
      for (const kind of ['requests', 'limits'] as const) {
        for (const res of ['cpu', 'memory']) {
          if (quantity(c.resources?.[kind]?.[res]) === undefined) problems.push(`${at}: no resources.${kind}.${res}`);
        }
      }
      if (sec.allowPrivilegeEscalation !== false) problems.push(`${at}: securityContext.allowPrivilegeEscalation is not false`);
      if (sec.readOnlyRootFilesystem !== true) problems.push(`${at}: securityContext.readOnlyRootFilesystem is not true`);
      if (sec.privileged === true) problems.push(`${at}: privileged`);
      if (!(sec.capabilities?.drop ?? []).includes('ALL')) problems.push(`${at}: securityContext.capabilities.drop lacks ALL`);
      if (sec.runAsNonRoot === false || (sec.runAsNonRoot !== true && podSec.runAsNonRoot !== true)) problems.push(`${at}: may run as root`);
      const seccomp = sec.seccompProfile?.type ?? podSec.seccompProfile?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${at}: seccompProfile is ${seccomp ?? 'unset'}, want RuntimeDefault`);
      const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
      const tmpVolume = tmp ? (spec.volumes ?? []).find((v) => v.name === tmp.name) : undefined;
      if (!tmpVolume?.emptyDir) problems.push(`${at}: no emptyDir mounted at /tmp (the root filesystem is read-only)`);
      if (isMovaContainer(c)) {
        if (c.args?.[0] !== 'serve') problems.push(`${at}: args do not start with \`serve\``);
        const host = (c.env ?? []).find((e) => e.name === 'MOVA_HOST');
        if (host?.value !== '0.0.0.0') problems.push(`${at}: MOVA_HOST is not 0.0.0.0 (the pod would listen on loopback only)`);
        if (opts.image && c.image !== opts.image) problems.push(`${at}: image ${c.image ?? '(none)'}, want ${opts.image}`);
        if (opts.imagePullPolicy && c.imagePullPolicy !== opts.imagePullPolicy) {
          problems.push(`${at}: imagePullPolicy ${c.imagePullPolicy ?? '(default)'}, want ${opts.imagePullPolicy}`);
        }
        // gRPC services probe natively on their gRPC port.
        const grpcPort = (c.ports ?? []).find((p) => p.name === 'grpc')?.containerPort;
        if (c.args?.[1] !== 'gateway') {
          for (const [name, probe] of [['readiness', c.readinessProbe], ['liveness', c.livenessProbe]] as const) {
            if (probe && probe.grpc?.port !== grpcPort) problems.push(`${at}: ${name}Probe is not a gRPC probe on the grpc port ${grpcPort ?? '(none)'}`);
          }
        }
      }
    }
  }
  return problems;
}

/** Every Service selects at least one workload, and each port's targetPort is a container port of each of them. */
function checkServices(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  const all = workloads(objects);
  for (const s of byKind<IService>(objects, 'Service')) {
    const selector = s.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) {
      problems.push(`${id(s)}: no selector`);
      continue;
    }
    const matched = all.filter((w) => selects({ matchLabels: selector }, podLabels(w)));
    if (matched.length === 0) problems.push(`${id(s)}: selects no Deployment or StatefulSet`);
    for (const port of s.spec?.ports ?? []) {
      const target = port.targetPort ?? port.port;
      for (const w of matched) {
        const found = w.template.spec?.containers.some((c) => (c.ports ?? []).some((cp) =>
          (typeof target === 'number' ? cp.containerPort === target : cp.name === target)
          && (cp.protocol ?? 'TCP') === (port.protocol ?? 'TCP')));
        if (!found) problems.push(`${id(s)} port ${port.name ?? port.port}: targetPort ${String(target)} is not a container port of ${id(w.obj)}`);
        if (typeof target === 'string') {
          const cp = w.template.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === target);
          if (cp && cp.containerPort !== port.port && s.spec?.clusterIP === 'None') {
            problems.push(`${id(s)} port ${port.name ?? port.port}: headless Service port ${port.port} differs from container port ${cp.containerPort} (DNS clients dial the pod directly)`);
          }
        }
      }
    }
  }
  return problems;
}

interface ParsedRegistry {
  experts: { name: string; port?: number; provider?: string }[];
  router: { port?: number };
  fusion: { port?: number };
}

/** The registry ConfigMap equals the registry; every expert has its Deployment, headless Service and address. */
function checkRegistry(objects: readonly K8sObject[], opts: RuleOptions): string[] {
  const problems: string[] = [];
  const registry = YAML.parse(opts.registryText) as ParsedRegistry;
  const maps = objects.filter((o) => o.kind === 'ConfigMap');
  const registryMaps = maps.filter((o) => /^mova-registry(-[a-z0-9]+)?$/.test(o.metadata.name));
  if (registryMaps.length !== 1) problems.push(`want exactly one mova-registry ConfigMap, found ${registryMaps.length}`);
  for (const cm of registryMaps) {
    const data = (cm.data ?? {}) as Record<string, string>;
    if (data['registry.yaml'] !== opts.registryText) problems.push(`${id(cm)}: data["registry.yaml"] differs from the registry file`);
    if (Object.keys(data).length !== 1) problems.push(`${id(cm)}: unexpected keys ${Object.keys(data).join(', ')}`);
  }
  // Every mova pod mounts that ConfigMap and points MOVA_CONFIG at it.
  for (const w of workloads(objects)) {
    for (const c of containers(w).filter(isMovaContainer)) {
      const mount = (c.volumeMounts ?? []).find((m) => m.name && w.template.spec?.volumes?.find((v) => v.name === m.name)?.configMap?.name === registryMaps[0]?.metadata.name);
      const config = (c.env ?? []).find((e) => e.name === 'MOVA_CONFIG')?.value;
      if (!mount || config !== `${mount.mountPath}/registry.yaml`) problems.push(`${id(w.obj)} container ${c.name}: MOVA_CONFIG does not point at the mounted registry ConfigMap`);
    }
  }

  const deployments = byKind<Record<string, unknown>>(objects, 'Deployment');
  const services = byKind<IService>(objects, 'Service');
  const wantAddresses = new Map<string, string>();
  for (const e of registry.experts) {
    const name = expertResourceName(e.name);
    const d = workloads(objects).find((w) => w.obj.kind === 'Deployment' && w.obj.metadata.name === name);
    const svc = services.find((s) => s.metadata.name === name);
    if (!d) problems.push(`expert ${e.name}: no Deployment ${name}`);
    if (!svc) problems.push(`expert ${e.name}: no Service ${name}`);
    if (e.port === undefined) {
      problems.push(`expert ${e.name}: no port in the registry`);
      continue;
    }
    wantAddresses.set(addressEnvKey(e.name), `dns:///${name}:${e.port}`);
    if (d) {
      const c = d.template.spec?.containers[0];
      const args = c?.args ?? [];
      if (args[1] !== 'expert' || args[args.indexOf('--name') + 1] !== e.name || args[args.indexOf('--port') + 1] !== String(e.port)) {
        problems.push(`${id(d.obj)}: args ${JSON.stringify(args)} do not serve expert ${e.name} on port ${e.port}`);
      }
      if (!(c?.ports ?? []).some((p) => p.name === 'grpc' && p.containerPort === e.port)) problems.push(`${id(d.obj)}: no grpc container port ${e.port}`);
    }
    if (svc) {
      if (svc.spec?.clusterIP !== 'None') problems.push(`${id(svc)}: not headless (clusterIP: None)`);
      if (!(svc.spec?.ports ?? []).some((p) => p.port === e.port)) problems.push(`${id(svc)}: no port ${e.port}`);
    }
  }
  const known = new Set(registry.experts.map((e) => expertResourceName(e.name)));
  for (const d of deployments) {
    if (d.metadata.labels?.['app.kubernetes.io/component'] === 'expert' && !known.has(d.metadata.name)) problems.push(`${id(d)}: not an expert of the registry`);
  }
  if (registry.router.port !== undefined) wantAddresses.set(addressEnvKey('router'), `dns:///mova-router:${registry.router.port}`);
  if (registry.fusion.port !== undefined) wantAddresses.set(addressEnvKey('fusion'), `dns:///mova-fusion:${registry.fusion.port}`);

  // The gateway gets every service's address (envFrom ConfigMaps plus env).
  const gw = workloads(objects).find((w) => w.obj.metadata.name === 'mova-gateway');
  const gc = gw?.template.spec?.containers[0];
  if (!gw || !gc) {
    problems.push('no mova-gateway Deployment');
  } else {
    const env = new Map<string, string>();
    for (const src of gc.envFrom ?? []) {
      const cm = maps.find((m) => m.metadata.name === src.configMapRef?.name);
      for (const [k, v] of Object.entries((cm?.data ?? {}) as Record<string, string>)) env.set(k, v);
    }
    for (const e of gc.env ?? []) if (e.value !== undefined) env.set(e.name, e.value);
    for (const [key, want] of wantAddresses) {
      if (env.get(key) !== want) problems.push(`${id(gw.obj)}: ${key} is ${env.get(key) ?? 'unset'}, want ${want}`);
    }
    const redis = env.get('MOVA_REDIS_URL');
    if (!redis || !/^redis:\/\/:\$\(REDIS_PASSWORD\)@mova-redis:6379\/\d+$/.test(redis)) problems.push(`${id(gw.obj)}: MOVA_REDIS_URL ${redis ?? 'unset'} does not reach mova-redis with the Secret's password`);
  }
  return problems;
}

/** Every Deployment/StatefulSet has a PDB; the gateway and every expert are autoscaled (HPA or KEDA). */
function checkAvailability(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  const pdbs = byKind<IPodDisruptionBudget>(objects, 'PodDisruptionBudget');
  const hpas = byKind<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
  const scaled = objects.filter((o) => o.kind === 'ScaledObject').map((o) => (o.spec as { scaleTargetRef?: { name?: string } } | undefined)?.scaleTargetRef?.name);
  for (const w of workloads(objects)) {
    if (!pdbs.some((p) => p.spec?.selector && selects(p.spec.selector, podLabels(w)))) problems.push(`${id(w.obj)}: no PodDisruptionBudget`);
    const component = w.obj.metadata.labels?.['app.kubernetes.io/component'];
    if (component === 'gateway' || component === 'expert') {
      const n = hpas.filter((h) => h.spec?.scaleTargetRef.kind === w.obj.kind && h.spec.scaleTargetRef.name === w.obj.metadata.name).length
        + scaled.filter((s) => s === w.obj.metadata.name).length;
      if (n !== 1) problems.push(`${id(w.obj)}: ${n} autoscalers (HPA or ScaledObject), want 1`);
    }
  }
  for (const h of hpas) {
    const ref = h.spec?.scaleTargetRef;
    if (!workloads(objects).some((w) => w.obj.kind === ref?.kind && w.obj.metadata.name === ref.name)) problems.push(`${id(h)}: targets a missing ${ref?.kind ?? '?'}/${ref?.name ?? '?'}`);
  }
  return problems;
}

/** Default deny; DNS egress; ingress to anything but the gateway only from the gateway (KEDA may read Redis). */
function checkNetworkPolicies(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  const policies = byKind<INetworkPolicy>(objects, 'NetworkPolicy');
  const denyAll = policies.some((p) => Object.keys(p.spec?.podSelector ?? {}).length === 0 && !p.spec?.ingress && !p.spec?.egress
    && (p.spec?.policyTypes ?? []).includes('Ingress') && (p.spec?.policyTypes ?? []).includes('Egress'));
  if (!denyAll) problems.push('no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)');
  const dns = policies.some((p) => Object.keys(p.spec?.podSelector ?? {}).length === 0
    && (p.spec?.egress ?? []).some((r) => (r.ports ?? []).some((port) => port.port === 53)));
  if (!dns) problems.push('no NetworkPolicy allows DNS egress for every pod');
  for (const w of workloads(objects)) {
    const labels = podLabels(w);
    const component = labels['app.kubernetes.io/component'];
    const applying = policies.filter((p) => selects(p.spec?.podSelector, labels));
    if (applying.length === 0) problems.push(`${id(w.obj)}: no NetworkPolicy selects it`);
    if (component === 'gateway') continue;
    for (const p of applying) {
      for (const rule of p.spec?.ingress ?? []) {
        const from = rule.from ?? [];
        if (from.length === 0) problems.push(`${id(p)}: lets anyone reach ${id(w.obj)}`);
        for (const peer of from) {
          const fromGateway = !peer.namespaceSelector && !peer.ipBlock && peer.podSelector?.matchLabels?.['app.kubernetes.io/component'] === 'gateway';
          const kedaToRedis = component === 'redis' && !peer.podSelector && !peer.ipBlock
            && peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'keda';
          // Prometheus in namespace `monitoring` may reach the `metrics` port only.
          const scrape = !peer.podSelector && !peer.ipBlock && peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'monitoring'
            && (rule.ports ?? []).length > 0 && (rule.ports ?? []).every((port) => port.port === 'metrics');
          if (!fromGateway && !kedaToRedis && !scrape) problems.push(`${id(p)}: lets ${JSON.stringify(peer)} reach ${id(w.obj)} (only the gateway may)`);
        }
        if ((rule.ports ?? []).length === 0) problems.push(`${id(p)}: ingress to ${id(w.obj)} on every port`);
      }
    }
  }
  return problems;
}

/** gpu: every expert pod asks for one GPU, the nvidia runtime, tolerations and graphics capability; webgpu provider.
 *  Otherwise: no pod asks for a GPU and every expert is on the cpu provider. */
function checkGpu(objects: readonly K8sObject[], opts: RuleOptions): string[] {
  const problems: string[] = [];
  const registry = YAML.parse(opts.registryText) as ParsedRegistry;
  for (const e of registry.experts) {
    const provider = e.provider ?? 'cpu';
    const want = opts.gpu ? 'webgpu' : 'cpu';
    if (provider !== want) problems.push(`registry expert ${e.name}: provider ${provider}, want ${want}`);
  }
  for (const w of workloads(objects)) {
    const expert = w.obj.metadata.labels?.['app.kubernetes.io/component'] === 'expert';
    const spec = w.template.spec;
    for (const c of containers(w)) {
      const at = `${id(w.obj)} container ${c.name}`;
      const limit = quantity(c.resources?.limits?.['nvidia.com/gpu']);
      const request = quantity(c.resources?.requests?.['nvidia.com/gpu']);
      if (opts.gpu && expert) {
        if (limit !== '1') problems.push(`${at}: resources.limits["nvidia.com/gpu"] is ${limit ?? 'unset'}, want 1`);
        if (request !== undefined && request !== limit) problems.push(`${at}: GPU request ${request} differs from its limit ${limit ?? 'unset'}`);
        const caps = (c.env ?? []).find((e) => e.name === 'NVIDIA_DRIVER_CAPABILITIES')?.value ?? '';
        for (const cap of ['compute', 'utility', 'graphics']) {
          if (!caps.split(',').includes(cap)) problems.push(`${at}: NVIDIA_DRIVER_CAPABILITIES lacks ${cap}`);
        }
      } else if (limit !== undefined || request !== undefined) {
        problems.push(`${at}: requests a GPU`);
      }
    }
    if (opts.gpu && expert) {
      if (spec?.runtimeClassName !== 'nvidia') problems.push(`${id(w.obj)}: runtimeClassName is ${spec?.runtimeClassName ?? 'unset'}, want nvidia`);
      if (!(spec?.tolerations ?? []).some((t) => t.key === 'nvidia.com/gpu')) problems.push(`${id(w.obj)}: no toleration for nvidia.com/gpu`);
    }
  }
  return problems;
}

/** The KEDA example: scales an existing Deployment on the BullMQ wait list, authenticated by the Redis Secret. */
function checkScaledObjects(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  interface Trigger { type?: string; metadata?: Record<string, string>; authenticationRef?: { name?: string } }
  for (const so of objects.filter((o) => o.kind === 'ScaledObject')) {
    const spec = (so.spec ?? {}) as { scaleTargetRef?: { name?: string }; triggers?: Trigger[] };
    const target = spec.scaleTargetRef?.name;
    if (!objects.some((o) => o.kind === 'Deployment' && o.metadata.name === target)) problems.push(`${id(so)}: targets a missing Deployment ${target ?? '?'}`);
    const redis = (spec.triggers ?? []).find((t) => t.type === 'redis');
    if (redis?.metadata?.listName !== 'bull:mova-infer:wait') problems.push(`${id(so)}: no redis trigger on the list bull:mova-infer:wait`);
    const auth = objects.find((o) => o.kind === 'TriggerAuthentication' && o.metadata.name === redis?.authenticationRef?.name);
    const ref = (auth?.spec as { secretTargetRef?: { name?: string; key?: string }[] } | undefined)?.secretTargetRef ?? [];
    for (const r of ref) {
      const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === r.name);
      if (!secret || !Object.keys((secret.data ?? {}) as Record<string, string>).includes(r.key ?? '')) problems.push(`${id(so)}: TriggerAuthentication names a missing Secret key ${r.name ?? '?'}/${r.key ?? '?'}`);
    }
    if (!auth || ref.length === 0) problems.push(`${id(so)}: the redis trigger has no TriggerAuthentication with a Secret`);
  }
  return problems;
}
