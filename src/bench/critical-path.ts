/**
 * The critical path of one request computed in-process, with the same models and inputs as the cluster:
 * decode → base expert → router → the chosen experts (one after another here; the cluster runs them in parallel,
 * so the path counts only the slowest) → fusion when the gateway would run it (an expert was chosen; the figure's
 * requests never ask for the fused tokens, which would make it run too). No network, no queue, no worker threads.
 */
import { loadRegistry } from '../core/registry';
import { decodeImage } from '../core/image';
import { instructionContext } from '../../gateway/context';
import { expertThreads } from '../../services/expert/config';
import { createExpertPipeline } from '../../services/expert/runner';
import type { ExpertPipeline } from '../../services/expert/pipeline';
import { buildRouter } from '../../services/router/build';
import { compileRouterConfig } from '../../services/router/config';
import { buildAdapterGraph } from '../../services/fusion/adapter-graph';
import { compileFusionConfig } from '../../services/fusion/config';
import { createRunner, type FusionRunRequest } from '../../services/fusion/runner';
import { initWeights, loadWeightsFile } from '../../services/fusion/weights';

export interface PathTimings {
  decodeMs: number;
  baseMs: number;
  routeMs: number;
  expertMs: Record<string, number>;
  fusionMs: number;
  chosen: string[];
  /** decode + base + route + max(expert) + fusion (0 when the gateway skips it) */
  criticalMs: number;
}

export interface InProcessPath {
  run(image: Uint8Array, instruction: string): Promise<PathTimings>;
  dispose(): Promise<void>;
}

export async function createInProcessPath(registryPath: string): Promise<InProcessPath> {
  const registry = loadRegistry(registryPath);
  const pipelines = new Map<string, ExpertPipeline>();
  for (const e of registry.experts) {
    // The threads one call gets in the cluster when nothing else runs (a lone request at concurrency 1).
    pipelines.set(e.name, await createExpertPipeline({ registryPath, modelsDir: registry.modelsDir, expert: e.name, intraOpThreads: expertThreads(e).soloThreads }));
  }
  const { router } = await buildRouter(compileRouterConfig({ registryPath }));
  const cfg = compileFusionConfig({ registryPath });
  const c = cfg.adapter;
  const weights = cfg.weights === undefined ? initWeights(c, cfg.seed) : loadWeightsFile(c, cfg.weights, { prefix: cfg.weightsPrefix });
  const fusion = await createRunner({
    model: buildAdapterGraph(c, weights),
    geometry: { tokens: c.tokens, baseWidth: c.baseWidth, contextWidth: c.contextWidth, slots: c.experts.map((e) => [e.tokens, e.width]) },
    provider: cfg.provider,
    intraOpThreads: cfg.intraOpThreads,
  });
  const base = pipelines.get(registry.base) as ExpertPipeline;
  const now = (): number => performance.now();
  return {
    async run(bytes, instruction) {
      let t = now();
      // One full-size decode shared by every stage. (The cluster's single-graph experts decode images at least four
      // times their input size smaller, `decodeSize`; the figure's photos are all below that, so both paths decode alike.)
      const rgb = await decodeImage(bytes);
      const decodeMs = now() - t;
      t = now();
      const b = await base.runImages([rgb]);
      const baseMs = now() - t;
      t = now();
      const [decision] = await router.route([{ instruction, pooled: b.pooled.data, required: [], excluded: [] }]);
      const routeMs = now() - t;
      const chosen = decision?.chosen ?? [];
      const expertMs: Record<string, number> = {};
      const features = new Map<string, Float32Array>();
      for (const name of chosen) {
        const p = pipelines.get(name);
        if (!p) continue;
        t = now();
        const out = await p.runImages([rgb]);
        expertMs[name] = now() - t;
        features.set(name, out.features.data);
      }
      const mask = new Float32Array(c.maxExperts);
      const req: FusionRunRequest = {
        n: 1,
        tokens: 'float32',
        base: b.features.data,
        // As the gateway sends them: each chosen slot with this one row, the others empty.
        experts: c.experts.map((e, j) => {
          const f = features.get(e.name);
          if (f) mask[j] = 1;
          return f ? { rows: Int32Array.of(0), data: f } : { rows: new Int32Array(0), data: new Float32Array(0) };
        }),
        mask,
        context: instructionContext(instruction, c.contextWidth),
      };
      t = now();
      // The gateway fuses only requests with an expert's tokens (or that asked for the fused tokens: none here).
      if (features.size > 0) await fusion.run(req, { solo: true });
      const fusionMs = features.size > 0 ? now() - t : 0;
      const slowest = Math.max(0, ...Object.values(expertMs));
      return { decodeMs, baseMs, routeMs, expertMs, fusionMs, chosen, criticalMs: decodeMs + baseMs + routeMs + slowest + fusionMs };
    },
    async dispose() {
      await fusion.dispose?.();
      for (const p of pipelines.values()) await p.dispose();
    },
  };
}
