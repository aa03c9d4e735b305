/**
 * Model variants by name: `original` (the file as shipped), `folded` (the file with constant affine maps folded
 * into its convolutions and hard-swish shortened, src/onnx/conv-fold.ts: float rounding only, a no-op for graphs
 * without such patterns), `float32` (quantized ops folded into float, a no-op for float graphs), `float16` (float32
 * first, then fp16 with fp32 inputs/outputs). Which one a provider gets is the registry's `variants` setting;
 * src/core/prepared-models.ts caches the results.
 */
import { onnx } from 'onnx-proto';
import { foldConvAffine } from './conv-fold';
import { toFloat16Variant } from './fp16-variant';
import { isQuantizedGraph, toFloat32Variant } from './float-variant';

export const MODEL_VARIANTS = ['original', 'folded', 'float32', 'float16'] as const;
export type ModelVariant = (typeof MODEL_VARIANTS)[number];

export interface VariantOptions {
  /**
   * Internal values the pipeline reads (the registry's exposed values): they stay float32 in the fp16 variant and
   * keep their values in the folded one.
   */
  keepFloat32?: readonly string[];
}

/** Whether building `variant` from these bytes changes anything (float32 of a float graph does not). */
export function variantChangesModel(bytes: Uint8Array, variant: ModelVariant, options: VariantOptions = {}): boolean {
  if (variant === 'original') return false;
  if (variant === 'float16') return true;
  if (variant === 'folded') return Object.values(foldConvAffine(onnx.ModelProto.decode(bytes), options.keepFloat32 ?? [])).some((n) => n > 0);
  return isQuantizedGraph(onnx.ModelProto.decode(bytes));
}

/** Build a variant; returns the serialised model. */
export function buildVariant(bytes: Uint8Array, variant: ModelVariant, options: VariantOptions = {}): Uint8Array {
  if (variant === 'original') return bytes;
  if (variant === 'folded') {
    const folded = onnx.ModelProto.decode(bytes);
    foldConvAffine(folded, options.keepFloat32 ?? []);
    return onnx.ModelProto.encode(folded).finish();
  }
  const model = toFloat32Variant(onnx.ModelProto.decode(bytes));
  if (variant === 'float16') toFloat16Variant(model, options.keepFloat32 ? { keepFloat32: options.keepFloat32 } : {});
  return onnx.ModelProto.encode(model).finish();
}
