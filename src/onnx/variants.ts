/**
 * Model variants by name: `original` (the file as shipped), `folded` (the file with constant affine maps folded
 * into its convolutions and hard-swish shortened, src/onnx/conv-fold.ts: float rounding only, a no-op for graphs
 * without such patterns), `float32` (quantized ops folded into float, a no-op for float graphs), `float16` (float32
 * first, then fp16 with fp32 inputs/outputs), `u8u8` (an int8 graph's s8 weights shifted to u8, src/onnx/u8-weights.ts:
 * exact int8 maths on x86 CPUs without VNNI; a no-op for float graphs). Which one a provider gets is the registry's
 * `variants` setting (src/core/prepared-models.ts resolves the CPU default and caches the results).
 */
import { onnx } from 'onnx-proto';
import { foldConvAffine } from './conv-fold';
import { toFloat16Variant } from './fp16-variant';
import { isQuantizedGraph, toFloat32Variant } from './float-variant';
import { usesExternalData } from './tensor-data';
import { shiftInt8Weights } from './u8-weights';
import { InvalidArgumentError } from '../core/errors';

export const MODEL_VARIANTS = ['original', 'folded', 'float32', 'float16', 'u8u8'] as const;
export type ModelVariant = (typeof MODEL_VARIANTS)[number];

export interface VariantOptions {
  /**
   * Internal values the pipeline reads (the registry's exposed values): they stay float32 in the fp16 variant and
   * keep their values in the folded one.
   */
  keepFloat32?: readonly string[];
  /** `folded` only: also shift int8 weights to u8 (src/onnx/u8-weights.ts), for CPUs whose u8×s8 kernels saturate. */
  shiftInt8Weights?: boolean;
}

/**
 * The float32, float16 and u8u8 variants rewrite weights, so they need the weights in the model: refuse (with what to
 * do) rather than write a model whose external tensors read as zeros. (`folded` leaves such a model unchanged.)
 */
function checkInlineWeights(model: onnx.IModelProto, variant: ModelVariant): void {
  if ((variant === 'float32' || variant === 'float16' || variant === 'u8u8') && usesExternalData(model)) {
    throw new InvalidArgumentError(`the ${variant} variant needs the model's weights inside the .onnx file, but this model keeps them in external data files; use variant "original" (or "folded") for it, or save it with its weights inline`);
  }
}

/**
 * The variant's model, or null when building it changes nothing (float32 of a float graph, folded of a graph without
 * the patterns): the source file then serves as it is. The model is decoded, and a fold run, once.
 */
export function deriveVariant(bytes: Uint8Array, variant: ModelVariant, options: VariantOptions = {}): Uint8Array | null {
  if (variant === 'original') return null;
  const model = onnx.ModelProto.decode(bytes);
  if (variant === 'folded') {
    const stats = foldConvAffine(model, options.keepFloat32 ?? []);
    const shifted = options.shiftInt8Weights && !usesExternalData(model) ? shiftInt8Weights(model) : 0;
    return Object.values(stats).some((n) => n > 0) || shifted > 0 ? onnx.ModelProto.encode(model).finish() : null;
  }
  checkInlineWeights(model, variant);
  if (variant === 'u8u8') return shiftInt8Weights(model) > 0 ? onnx.ModelProto.encode(model).finish() : null;
  if (variant === 'float32' && !isQuantizedGraph(model)) return null;
  toFloat32Variant(model);
  if (variant === 'float16') toFloat16Variant(model, options.keepFloat32 ? { keepFloat32: options.keepFloat32 } : {});
  return onnx.ModelProto.encode(model).finish();
}

/** Whether building `variant` from these bytes changes anything (float32 of a float graph does not). */
export function variantChangesModel(bytes: Uint8Array, variant: ModelVariant, options: VariantOptions = {}): boolean {
  return deriveVariant(bytes, variant, options) !== null;
}

/** Build a variant; returns the serialised model (the source bytes when the variant changes nothing). */
export function buildVariant(bytes: Uint8Array, variant: ModelVariant, options: VariantOptions = {}): Uint8Array {
  return deriveVariant(bytes, variant, options) ?? bytes;
}
