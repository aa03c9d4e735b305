/**
 * Pipeline kind (registry `pipeline`) → factory. Modules load lazily, so an expert process only loads the
 * pipeline it serves.
 */
import type { ExpertEntry } from '../../../src/core/registry';
import type { PipelineFactory } from '../pipeline';
import { createSingleGraphPipeline } from './single-graph';

export const PIPELINES: Readonly<Record<ExpertEntry['pipeline'], PipelineFactory>> = {
  imagenet: async (ctx) => createSingleGraphPipeline(ctx, (await import('../decoders/imagenet.js')).decodeImagenet),
  faces: async (ctx) => createSingleGraphPipeline(ctx, (await import('../decoders/faces.js')).decodeFaces, { key: 'faces', classAware: false }),
  objects: async (ctx) => createSingleGraphPipeline(ctx, (await import('../decoders/objects.js')).decodeObjects, { key: 'objects', classAware: true }),
  ocr: async (ctx) => (await import('./ocr.js')).createOcrPipeline(ctx),
};
