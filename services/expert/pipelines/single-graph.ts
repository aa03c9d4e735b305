/**
 * Generic pipeline for experts that are one ONNX graph: preprocess (sharp) → run → tokens/pooled → decode hook.
 * Internal feature values are exposed as outputs at load time (src/onnx/graph-edit.ts).
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../../../src/core/errors';
import { normaliseInto, resizeRgb, type Placement, type PreprocessSpec, type RgbImage } from '../../../src/core/image';
import { createSession, ort } from '../../../src/core/ort-session';
import type { ExpertEntry } from '../../../src/core/registry';
import { dropInitializerInputs, exposedName, exposeOutputs, type ExposedValue } from '../../../src/onnx/graph-edit';
import type { ExpertPipeline, ExpertPipelineOutput, Float32Tensor, PipelineContext } from '../pipeline';
import { preparedPath } from './prepared';
import { cropTile, mergeTileResults, placementInImage, tileGrid, type Detections, type Tile } from './tiles';
import { avgPoolNchw, checkDeclaredGrid, concatBatch, meanTokens, nchwToTokens } from './tokens';

export type DecoderSettings = ExpertEntry['decoder'];

/** Turns the graph's outputs for a batch into one decoded JSON value per item. */
export type DecodeHook = (outputs: Record<string, Float32Tensor>, placements: Placement[], settings: DecoderSettings) => unknown[];

export function preprocessSpec(entry: ExpertEntry): PreprocessSpec {
  const p = entry.preprocess;
  return { height: p.size[0], width: p.size[1], resize: p.resize, mean: p.mean, std: p.std, scale01: p.scale01, channelOrder: p.channelOrder, padValue: p.padValue };
}

/** Resize + normalise a batch of images into one [N,3,H,W] tensor. */
export async function imagesToTensor(images: RgbImage[], spec: PreprocessSpec): Promise<{ pixels: Float32Tensor; placements: Placement[] }> {
  const plane = 3 * spec.height * spec.width;
  const data = new Float32Array(images.length * plane);
  const resized = await Promise.all(images.map((img) => resizeRgb(img, spec)));
  resized.forEach(({ rgb }, i) => normaliseInto(rgb, spec, data, i * plane));
  return { pixels: { data, dims: [images.length, 3, spec.height, spec.width] }, placements: resized.map((r) => r.placement) };
}

function toFloat(t: ort.Tensor): Float32Tensor {
  if (t.type !== 'float32') throw new Error(`expected a float32 output, got ${t.type}`);
  return { data: t.data as Float32Array, dims: t.dims.map(Number) };
}

/** The first `n` rows of a batch tensor, in a buffer of their own. */
function firstRows(t: Float32Tensor, n: number): Float32Tensor {
  const per = t.data.length / (t.dims[0] || 1);
  return { data: t.data.slice(0, n * per), dims: [n, ...t.dims.slice(1)] };
}

/**
 * A pipeline around one graph. `detections` (detector pipelines) says where the decoded result keeps its
 * detections and how the decoder suppresses overlaps, which lets large images be tiled (registry `tiling`).
 */
export async function createSingleGraphPipeline(ctx: PipelineContext, decode: DecodeHook, detections?: Detections): Promise<ExpertPipeline> {
  const { entry } = ctx;
  const modelPath = preparedPath(ctx, 'model');
  const featureValue: ExposedValue = { name: entry.features.value };
  const pooledValue: ExposedValue | undefined = entry.pooled.value
    ? { name: entry.pooled.value, ...(entry.pooled.dequantize ? { dequantize: entry.pooled.dequantize } : {}) }
    : undefined;
  const bytes = exposeOutputs(dropInitializerInputs(readFileSync(modelPath)), pooledValue ? [featureValue, pooledValue] : [featureValue]);
  const session = await createSession(bytes, ctx.session);
  const inputName = session.inputNames[0];
  if (!inputName) throw new Error(`expert ${entry.name}: model has no input`);
  const spec = preprocessSpec(entry);
  const tiled = detections && entry.tiling ? { detections, tiling: entry.tiling } : undefined;

  async function runBatch(pixels: Float32Tensor): Promise<Record<string, Float32Tensor>> {
    const n = pixels.dims[0] ?? 0;
    if (entry.dynamicBatch || n <= 1) {
      const out = await session.run({ [inputName as string]: new ort.Tensor('float32', pixels.data, pixels.dims) });
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, toFloat(v)]));
    }
    // Fixed batch-1 graph: run items one after another and concatenate.
    const per = pixels.data.length / n;
    const parts: Record<string, Float32Tensor[]> = {};
    for (let i = 0; i < n; i++) {
      const item = new ort.Tensor('float32', pixels.data.subarray(i * per, (i + 1) * per), [1, ...pixels.dims.slice(1)]);
      const out = await session.run({ [inputName as string]: item });
      for (const [k, v] of Object.entries(out)) (parts[k] ??= []).push(toFloat(v));
    }
    return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, concatBatch(v)]));
  }

  async function run(pixels: Float32Tensor, placements: Placement[]): Promise<ExpertPipelineOutput & { mapWidth: number }> {
    const outputs = await runBatch(pixels);
    const fmap = outputs[exposedName(featureValue)];
    if (!fmap) throw new Error(`expert ${entry.name}: feature value missing from outputs`);
    // Results own their buffers (copies of onnxruntime's outputs), so the worker can move them to the main thread.
    const features = entry.features.layout === 'NCHW' ? nchwToTokens(avgPoolNchw(fmap, entry.features.poolKernel)) : { data: fmap.data.slice(), dims: fmap.dims };
    let pooled: Float32Tensor;
    const p = pooledValue ? outputs[exposedName(pooledValue)] : undefined;
    if (p) {
      const n = p.dims[0] ?? 0;
      pooled = { data: p.data.slice(), dims: [n, p.data.length / (n || 1)] };
    } else {
      pooled = meanTokens(features);
    }
    return { features, pooled, decoded: decode(outputs, placements, entry.decoder), mapWidth: fmap.dims[3] ?? 1 };
  }

  // Probe once with a blank input to learn the token grid (this also warms the session up).
  const blank: Float32Tensor = { data: new Float32Array(3 * spec.height * spec.width), dims: [1, 3, spec.height, spec.width] };
  const probe = await run(blank, [identityPlacement(spec.width, spec.height)]);
  const tokens = probe.features.dims[1] ?? 0;
  const channels = probe.features.dims[2] ?? 0;
  const gridW = entry.features.layout === 'NCHW' ? Math.ceil(probe.mapWidth / entry.features.poolKernel) : tokens;
  const gridH = tokens / gridW;
  checkDeclaredGrid(entry, gridH, gridW, channels);

  return {
    inputShape: [3, spec.height, spec.width],
    featureGrid: { height: gridH, width: gridW, channels },
    pooledWidth: probe.pooled.dims[1] ?? 0,
    // Tiled images keep enough pixels for their tiles (decodeImage decodes at twice this size at least).
    decodeSize: tiled
      ? { width: Math.ceil((spec.width * tiled.tiling.maxPerSide) / 2), height: Math.ceil((spec.height * tiled.tiling.maxPerSide) / 2) }
      : { width: spec.width, height: spec.height },
    async runImages(images) {
      const n = images.length;
      const sizes = images.map((img) => img.original ?? { width: img.width, height: img.height });
      const tiles = tiled ? sizes.flatMap((s, i) => tileGrid(s.width, s.height, spec.width, spec.height, tiled.tiling).map((tile) => ({ image: i, tile }))) : [];
      // The tiles' crops run as extra batch items after the images; features and pooled come from the images only.
      const crops = await Promise.all(tiles.map(({ image, tile }) => cropTile(images[image] as RgbImage, tile)));
      const { pixels, placements } = await imagesToTensor([...images, ...crops], spec);
      const out = await run(pixels, placements.map((p, k) => {
        const t = tiles[k - n];
        return t ? placementInImage(p, t.tile, sizes[t.image] as { width: number; height: number }) : p;
      }));
      if (!tiled || tiles.length === 0) return { features: out.features, pooled: out.pooled, decoded: out.decoded };
      const decoded = out.decoded.slice(0, n).map((whole, i) => {
        const mine: { tile: Tile; result: unknown }[] = [];
        tiles.forEach((t, k) => {
          if (t.image === i) mine.push({ tile: t.tile, result: out.decoded[n + k] });
        });
        return mine.length === 0 ? whole : mergeTileResults(whole, mine, sizes[i] as { width: number; height: number }, tiled.detections, tiled.tiling.maxFraction);
      });
      return { features: firstRows(out.features, n), pooled: firstRows(out.pooled, n), decoded };
    },
    async runPixels(pixels) {
      const [n = 0, c, hh, ww] = pixels.dims;
      if (pixels.dims.length !== 4 || c !== 3 || hh !== spec.height || ww !== spec.width) {
        throw new InvalidArgumentError(`pixel_values must have shape [N,3,${spec.height},${spec.width}], got [${pixels.dims.join(',')}]`);
      }
      const { features, pooled, decoded } = await run(pixels, Array.from({ length: n }, () => identityPlacement(spec.width, spec.height)));
      return { features, pooled, decoded };
    },
    async dispose() {
      await session.release();
    },
  };
}

export function identityPlacement(width: number, height: number): Placement {
  return { scaleX: 1, scaleY: 1, padX: 0, padY: 0, originalWidth: width, originalHeight: height, inputWidth: width, inputHeight: height };
}
