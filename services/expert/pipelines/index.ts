/**
 * Pipeline kind (registry `pipeline`) → factory. Modules load lazily, so an expert process only loads the
 * pipeline it serves.
 */
import type { ExpertEntry } from '../../../src/core/registry';
import type { PipelineFactory } from '../pipeline';
import { createSingleGraphPipeline } from './single-graph';

export const PIPELINES: Readonly<Record<ExpertEntry['pipeline'], PipelineFactory>> = {
  imagenet: async (ctx) => createSingleGraphPipeline(ctx, (await import('../decoders/imagenet.js')).decodeImagenet),
  faces: async (ctx) => {
    const { decodeFaces, facesSettings } = await import('../decoders/faces.js');
    const { iouThreshold, maxDetections } = facesSettings(ctx.entry.decoder);
    return createSingleGraphPipeline(ctx, decodeFaces, { key: 'faces', classAware: false, iouThreshold, maxDetections });
  },
  objects: async (ctx) => {
    const { decodeObjects, objectsSettings } = await import('../decoders/objects.js');
    const { iouThreshold, maxDetections } = objectsSettings(ctx.entry.decoder);
    return createSingleGraphPipeline(ctx, decodeObjects, { key: 'objects', classAware: true, iouThreshold, maxDetections });
  },
  ocr: async (ctx) => (await import('./ocr.js')).createOcrPipeline(ctx),
};
