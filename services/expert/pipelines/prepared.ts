/**
 * The model file a pipeline loads for a role: the registry's variant for the session's provider
 * (`variants: { cpu: original, webgpu: float32 }`), prepared into the cache on demand (src/core/prepared-models.ts).
 */
import type { ExecutionProvider } from '../../../src/core/ort-session';
import { exposedFloatValues, preparedModelPath } from '../../../src/core/prepared-models';
import { logger } from '../../../src/core/log';
import type { PipelineContext } from '../pipeline';

/** `provider` defaults to the session's; pass 'cpu' for a graph the pipeline always runs on the CPU. */
export function preparedPath(ctx: PipelineContext, role: string, provider: ExecutionProvider = ctx.session.provider): string {
  const source = ctx.modelPaths[role];
  if (!source) throw new Error(`expert ${ctx.entry.name}: no "${role}" model file`);
  const prepared = preparedModelPath({ source, variant: ctx.entry.variants[provider], keepFloat32: exposedFloatValues(ctx.entry) });
  if (prepared.int8WeightsAsU8) {
    logger('expert', { expert: ctx.entry.name }).info({ role, file: prepared.path }, 'int8 weights loaded as u8: this CPU\'s u8×s8 kernels saturate (x86 without VNNI), its u8×u8 ones are exact; variants.cpu: original keeps the faster saturating ones');
  }
  return prepared.path;
}
