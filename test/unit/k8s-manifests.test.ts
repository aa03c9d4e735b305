/**
 * Kubernetes manifests, checked offline: the registry-derived files equal the generator's output; `kubectl kustomize`
 * renders the base, both overlays and the KEDA component; every object validates against the Kubernetes schemas;
 * the project's rules hold. Deliberately broken copies of the manifests make the checks fail.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { parseRegistry, PROJECT_ROOT } from '../../src/core/registry';
import { diffGenerated, gpuRegistryText, renderAll } from '../../scripts/gen-k8s-experts';
import { checkRules, render, validateSchemas, type K8sObject, type RuleOptions } from '../helpers/k8s-rules';

const K8S = path.join(PROJECT_ROOT, 'k8s');
const REGISTRY_TEXT = readFileSync(path.join(PROJECT_ROOT, 'config/registry.yaml'), 'utf8');
const GPU_REGISTRY_TEXT = gpuRegistryText(REGISTRY_TEXT);
const REGISTRY = YAML.parse(REGISTRY_TEXT) as { experts: { name: string; port: number }[] };

const KIND_RULES: RuleOptions = { registryText: REGISTRY_TEXT, image: 'mova-cluster:dev', imagePullPolicy: 'IfNotPresent' };
const GPU_RULES: RuleOptions = { registryText: GPU_REGISTRY_TEXT, gpu: true, image: 'mova-cluster-gpu:latest' };

function problems(objects: K8sObject[], opts: RuleOptions): string[] {
  return [...validateSchemas(objects), ...checkRules(objects, opts)];
}

function assertClean(found: string[]): void {
  assert.deepEqual(found, [], `manifest problems:\n  ${found.join('\n  ')}`);
}

/** A kustomization in a temp dir that adds the KEDA component to an overlay (paths must be relative). */
function kedaKustomization(root: string, overlay: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mova-keda-'));
  const rel = (p: string): string => path.relative(dir, path.join(root, p));
  writeFileSync(path.join(dir, 'kustomization.yaml'), YAML.stringify({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [rel(`overlays/${overlay}`)],
    components: [rel('components/keda')],
  }));
  return dir;
}

describe('generated files', () => {
  it('k8s/base/registry.yaml, the gpu registry and k8s/base/experts equal the generator output', () => {
    const stale = diffGenerated(PROJECT_ROOT, renderAll(REGISTRY_TEXT));
    assert.deepEqual(stale, [], `out of date: run \`npm run build && node dist/scripts/gen-k8s-experts.js\`: ${stale.join(', ')}`);
  });

  it('the gpu registry differs from the registry only in every expert provider, and one worker per expert', () => {
    const base = YAML.parse(REGISTRY_TEXT) as { experts: Record<string, unknown>[] };
    const gpu = YAML.parse(GPU_REGISTRY_TEXT) as { experts: Record<string, unknown>[] };
    assert.deepEqual(gpu.experts.map((e) => e.provider), base.experts.map(() => 'webgpu'));
    // WebGPU runs one inference at a time per process: one worker, with the threads a lone call had on the CPU.
    const threads = (e: Record<string, unknown>): Record<string, unknown> => ({ workers: e.workers, intraOpThreads: e.intraOpThreads, soloThreads: e.soloThreads });
    assert.deepEqual(gpu.experts.map(threads), base.experts.map((e) => ({
      workers: e.workers === undefined ? undefined : 1,
      intraOpThreads: Math.max(Number(e.intraOpThreads ?? 1), Number(e.soloThreads ?? 0)),
      soloThreads: undefined,
    })));
    const rest = (e: Record<string, unknown>): Record<string, unknown> => {
      const { provider: _p, workers: _w, intraOpThreads: _t, soloThreads: _s, ...others } = e;
      return others;
    };
    assert.deepEqual({ ...gpu, experts: gpu.experts.map(rest) }, { ...base, experts: base.experts.map(rest) });
    assert.doesNotThrow(() => parseRegistry(gpu, 'registry.gpu.yaml', '/models'));
  });
});

describe('generated expert resources', () => {
  it('an expert with a response cache asks for its bound on top of its workers\' memory', () => {
    const memory = (text: string): unknown => {
      const docs = YAML.parseAllDocuments(renderAll(text).get('k8s/base/experts/mobilenetv2.yaml') ?? '').map((d) => d.toJSON() as K8sObject);
      const deployment = docs.find((d) => d.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { resources: { requests: { memory: string }; limits: { memory: string } } }[] } } } };
      const r = deployment.spec.template.spec.containers[0]!.resources;
      return { request: r.requests.memory, limit: r.limits.memory };
    };
    const doc = YAML.parse(REGISTRY_TEXT) as { experts: Record<string, unknown>[] };
    const entry = doc.experts.find((e) => e.name === 'mobilenetv2')!;
    assert.equal(entry.responseCache, undefined, 'the default registry leaves the cache off');
    assert.deepEqual(memory(REGISTRY_TEXT), { request: '384Mi', limit: '1024Mi' });
    entry.responseCache = { maxMegabytes: 64 };
    assert.deepEqual(memory(YAML.stringify(doc)), { request: '448Mi', limit: '1088Mi' });
  });
});

describe('rendered manifests', () => {
  const rendered = new Map<string, K8sObject[]>();
  let kedaDir = '';
  before(() => {
    for (const dir of ['base', 'overlays/kind-cpu', 'overlays/gpu']) rendered.set(dir, render(path.join(K8S, dir)));
    kedaDir = kedaKustomization(K8S, 'kind-cpu');
    rendered.set('keda', render(kedaDir));
  });
  after(() => {
    if (kedaDir) rmSync(kedaDir, { recursive: true, force: true });
  });

  const get = (dir: string): K8sObject[] => {
    const objects = rendered.get(dir);
    assert.ok(objects, `${dir} not rendered`);
    return objects;
  };

  it('base passes the schemas and the rules', () => assertClean(problems(get('base'), { registryText: REGISTRY_TEXT })));
  it('kind-cpu passes the schemas and the rules', () => assertClean(problems(get('overlays/kind-cpu'), KIND_RULES)));
  it('gpu passes the schemas and the rules', () => assertClean(problems(get('overlays/gpu'), GPU_RULES)));
  it('kind-cpu + the KEDA component passes, with a ScaledObject in place of the gateway HPA', () => {
    const objects = get('keda');
    assertClean(problems(objects, KIND_RULES));
    assert.ok(objects.some((o) => o.kind === 'ScaledObject' && o.metadata.name === 'mova-gateway'));
    assert.ok(!objects.some((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'mova-gateway'));
  });

  it('every registry expert has a Deployment and a headless Service on its registry port', () => {
    const objects = get('overlays/kind-cpu');
    for (const e of REGISTRY.experts) {
      const name = `mova-expert-${e.name}`;
      assert.ok(objects.some((o) => o.kind === 'Deployment' && o.metadata.name === name), `${name} Deployment`);
      const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === name);
      assert.ok(svc, `${name} Service`);
      assert.deepEqual((svc.spec as { ports: { port: number }[] }).ports.map((p) => p.port), [e.port]);
    }
  });

  it('the GPU is asked for by every expert pod and by nothing else', () => {
    const gpuPods = get('overlays/gpu')
      .filter((o) => o.kind === 'Deployment' && JSON.stringify(o.spec).includes('nvidia.com/gpu'))
      .map((o) => o.metadata.name)
      .sort();
    assert.deepEqual(gpuPods, REGISTRY.experts.map((e) => `mova-expert-${e.name}`).sort());
    assert.ok(!JSON.stringify(get('overlays/kind-cpu')).includes('nvidia.com/gpu'));
  });
});

describe('broken copies fail the checks', () => {
  let root = '';
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'mova-k8s-'));
  });
  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Copy k8s/ to a fresh dir, apply `edit` to one file's YAML documents, render the overlay there. */
  function renderBroken(file: string, overlay: string, edit: (docs: Record<string, unknown>[]) => void): K8sObject[] {
    const dir = mkdtempSync(path.join(root, 'copy-'));
    cpSync(K8S, dir, { recursive: true });
    const p = path.join(dir, file);
    const docs = YAML.parseAllDocuments(readFileSync(p, 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
    edit(docs);
    writeFileSync(p, docs.map((d) => YAML.stringify(d)).join('---\n'));
    return render(path.join(dir, overlay));
  }

  type Container = Record<string, unknown>;
  const firstContainer = (docs: Record<string, unknown>[], kind: string): Container => {
    const doc = docs.find((d) => d.kind === kind);
    const c = (doc as { spec: { template: { spec: { containers: Container[] } } } } | undefined)?.spec.template.spec.containers[0];
    assert.ok(c, `no ${kind} container`);
    return c;
  };
  const expectFailure = (found: string[], pattern: RegExp): void => {
    assert.ok(found.some((p) => pattern.test(p)), `expected a problem matching ${pattern}, got:\n  ${found.join('\n  ')}`);
  };

  it('a container without probes', () => {
    const objects = renderBroken('base/gateway.yaml', 'overlays/kind-cpu', (docs) => {
      const c = firstContainer(docs, 'Deployment');
      delete c.readinessProbe;
      delete c.livenessProbe;
    });
    const found = problems(objects, KIND_RULES);
    expectFailure(found, /Deployment\/mova-gateway container gateway: no readinessProbe/);
    expectFailure(found, /Deployment\/mova-gateway container gateway: no livenessProbe/);
  });

  it('an expert without limits or security context', () => {
    const expert = REGISTRY.experts[0]?.name ?? 'missing';
    const objects = renderBroken(`base/experts/${expert}.yaml`, 'overlays/gpu', (docs) => {
      const c = firstContainer(docs, 'Deployment');
      c.resources = { requests: { cpu: '1', memory: '1Gi' } };
      c.securityContext = { allowPrivilegeEscalation: true };
    });
    const found = problems(objects, GPU_RULES);
    expectFailure(found, new RegExp(`mova-expert-${expert} container expert: no resources.limits.cpu`));
    expectFailure(found, new RegExp(`mova-expert-${expert} container expert: securityContext.allowPrivilegeEscalation`));
    expectFailure(found, new RegExp(`mova-expert-${expert} container expert: securityContext.readOnlyRootFilesystem`));
  });

  it('a Service whose port does not match the container', () => {
    const objects = renderBroken('base/router.yaml', 'overlays/kind-cpu', (docs) => {
      const svc = docs.find((d) => d.kind === 'Service') as { spec: { ports: { targetPort: unknown }[] } };
      const port = svc.spec.ports[0];
      assert.ok(port);
      port.targetPort = 9999;
    });
    expectFailure(problems(objects, KIND_RULES), /Service\/mova-router port grpc: targetPort 9999 is not a container port/);
  });

  it('a missing expert Deployment', () => {
    const expert = REGISTRY.experts[REGISTRY.experts.length - 1]?.name ?? 'missing';
    const objects = renderBroken(`base/experts/${expert}.yaml`, 'overlays/kind-cpu', (docs) => {
      docs.splice(docs.findIndex((d) => d.kind === 'Deployment'), 1);
    });
    expectFailure(problems(objects, KIND_RULES), new RegExp(`expert ${expert}: no Deployment mova-expert-${expert}`));
  });

  it('a gpu overlay without the GPU patch', () => {
    const objects = renderBroken('overlays/gpu/kustomization.yaml', 'overlays/gpu', (docs) => {
      const k = docs[0] as { patches: { path?: string }[] };
      k.patches = k.patches.filter((p) => p.path !== 'expert-gpu.yaml');
    });
    const found = problems(objects, GPU_RULES);
    expectFailure(found, /container expert: resources.limits\["nvidia.com\/gpu"\] is unset, want 1/);
    expectFailure(found, /runtimeClassName is unset, want nvidia/);
  });

  it('a registry copy that drifted from config/registry.yaml', () => {
    const project = mkdtempSync(path.join(root, 'project-'));
    const dir = path.join(project, 'k8s');
    cpSync(K8S, dir, { recursive: true });
    writeFileSync(path.join(dir, 'base/registry.yaml'), `${REGISTRY_TEXT}# edited by hand\n`);
    expectFailure(problems(render(path.join(dir, 'overlays/kind-cpu')), KIND_RULES), /data\["registry.yaml"\] differs from the registry file/);
    assert.deepEqual(diffGenerated(project, renderAll(REGISTRY_TEXT)), ['k8s/base/registry.yaml']);
  });

  it('an object that breaks the Kubernetes schema', () => {
    const objects = renderBroken('base/fusion.yaml', 'overlays/kind-cpu', (docs) => {
      const c = firstContainer(docs, 'Deployment');
      c.ports = [{ name: 'grpc', containerPort: 'fifty' }];
    });
    expectFailure(validateSchemas(objects), /Deployment\/mova-fusion: schema: .*containerPort must be integer/);
  });

  it('a NetworkPolicy that opens a backend to everyone', () => {
    const objects = renderBroken('base/network-policies.yaml', 'overlays/kind-cpu', (docs) => {
      const np = docs.find((d) => (d.metadata as { name: string }).name === 'mova-backends') as { spec: { ingress: Record<string, unknown>[] } };
      np.spec.ingress = [{ ports: [{ port: 'grpc', protocol: 'TCP' }] }];
    });
    expectFailure(problems(objects, KIND_RULES), /NetworkPolicy\/mova-backends: lets anyone reach Deployment\/mova-router/);
  });
});
