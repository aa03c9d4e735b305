/**
 * The model file a pipeline loads for a role: the registry's variant for the session's provider
 * (`variants: { cpu: original, webgpu: float32 }`), prepared into the cache on demand (src/core/prepared-models.ts).
 */
import type { ExecutionProvider } from '../../../src/core/ort-session';
import { exposedFloatValues, preparedModelPath } from '../../../src/core/prepared-models';
import type { PipelineContext } from '../pipeline';

/** `provider` defaults to the session's; pass 'cpu' for a graph the pipeline always runs on the CPU. */
export function preparedPath(ctx: PipelineContext, role: string, provider: ExecutionProvider = ctx.session.provider): string {
  const source = ctx.modelPaths[role];
  if (!source) throw new Error(`expert ${ctx.entry.name}: no "${role}" model file`);
  return preparedModelPath({ source, variant: ctx.entry.variants[provider], keepFloat32: exposedFloatValues(ctx.entry) }).path;
}
