/**
 * The contract every expert pipeline implements. A pipeline owns its onnxruntime sessions and runs
 * inside a worker thread (see src/core/worker-pool.ts): preprocess → run → decode, for a whole batch.
 */
import type { RgbImage } from '../../src/core/image';
import type { SessionSettings } from '../../src/core/ort-session';
import type { ExpertEntry } from '../../src/core/registry';

/** A dense float32 tensor in row-major order. */
export interface Float32Tensor {
  data: Float32Array;
  dims: number[];
}

export interface ExpertPipelineOutput {
  /** [N, T, C] token features (T = grid cells of the exposed feature map, C = its channels). */
  features: Float32Tensor;
  /** [N, C] pooled embedding. */
  pooled: Float32Tensor;
  /** One JSON-serialisable decoded result per batch item (labels, OCR lines, faces, objects). */
  decoded: unknown[];
}

export interface ExpertPipeline {
  /** Geometry of the preprocessed `pixel_values` input this pipeline accepts: [3, H, W]. */
  readonly inputShape: readonly [3, number, number];
  /** Token grid and width of `features`: T = gridH*gridW, C. */
  readonly featureGrid: { height: number; width: number; channels: number };
  /** Width of `pooled`. */
  readonly pooledWidth: number;
  /**
   * The smallest image size this pipeline resizes to (its model input), so a big image may be decoded smaller
   * (decodeImage's `atLeast`); undefined = it needs the image at full resolution (e.g. OCR crops).
   */
  readonly decodeSize?: { width: number; height: number };
  /** Run on decoded RGB images (any size; the pipeline resizes). */
  runImages(images: RgbImage[]): Promise<ExpertPipelineOutput>;
  /** Run on already-preprocessed pixels [N,3,H,W]; decoded coordinates are in input-pixel space. */
  runPixels(pixels: Float32Tensor): Promise<ExpertPipelineOutput>;
  dispose(): Promise<void>;
}

export interface PipelineContext {
  entry: ExpertEntry;
  /** Absolute paths of the entry's model files, checked against their sha256. */
  modelPaths: Record<string, string>;
  session: SessionSettings;
}

export type PipelineFactory = (ctx: PipelineContext) => Promise<ExpertPipeline>;
