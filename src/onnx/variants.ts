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
import { usesExternalData } from './tensor-data';
import { InvalidArgumentError } from '../core/errors';

export const MODEL_VARIANTS = ['original', 'folded', 'float32', 'float16'] as const;
export type ModelVariant = (typeof MODEL_VARIANTS)[number];

export interface VariantOptions {
  /**
   * Internal values the pipeline reads (the registry's exposed values): they stay float32 in the fp16 variant and
   * keep their values in the folded one.
   */
  keepFloat32?: readonly string[];
}

/**
 * The float32 and float16 variants rewrite every weight, so they need the weights in the model: refuse (with what to
 * do) rather than write a model whose external tensors read as zeros. (`folded` leaves such a model unchanged.)
 */
function checkInlineWeights(model: onnx.IModelProto, variant: ModelVariant): void {
  if ((variant === 'float32' || variant === 'float16') && usesExternalData(model)) {
    throw new InvalidArgumentError(`the ${variant} variant needs the model's weights inside the .onnx file, but this model keeps them in external data files; use variant "original" (or "folded") for it, or save it with its weights inline`);
  }
}

/** Whether building `variant` from these bytes changes anything (float32 of a float graph does not). */
export function variantChangesModel(bytes: Uint8Array, variant: ModelVariant, options: VariantOptions = {}): boolean {
  if (variant === 'original') return false;
  checkInlineWeights(onnx.ModelProto.decode(bytes), variant);
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
  const source = onnx.ModelProto.decode(bytes);
  checkInlineWeights(source, variant);
  const model = toFloat32Variant(source);
  if (variant === 'float16') toFloat16Variant(model, options.keepFloat32 ? { keepFloat32: options.keepFloat32 } : {});
  return onnx.ModelProto.encode(model).finish();
}
