/**
 * Box geometry for detector decoders: boxes are corners [x0, y0, x1, y1]. Detectors predict them in model-input
 * space (pixels or normalised to the input size); `Placement` (src/core/image.ts) maps input pixels back to the
 * original image: orig = (x - padX) / scaleX.
 */
import type { Placement } from '../../../src/core/image';

export type Box = [x0: number, y0: number, x1: number, y1: number];

/** Model input size (width × height) the placement's image was resized into. */
export function modelInputSize(p: Placement): { width: number; height: number } {
  return { width: p.inputWidth, height: p.inputHeight };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Map a box in model-input pixels to original-image pixels, clamped to the image. */
export function inputToOriginal(box: Readonly<Box>, p: Placement): Box {
  const w = p.originalWidth;
  const h = p.originalHeight;
  return [
    clamp((box[0] - p.padX) / p.scaleX, 0, w),
    clamp((box[1] - p.padY) / p.scaleY, 0, h),
    clamp((box[2] - p.padX) / p.scaleX, 0, w),
    clamp((box[3] - p.padY) / p.scaleY, 0, h),
  ];
}

/** Map a box normalised to the model input ([0,1] = whole input) to original-image pixels, clamped. */
export function normalisedToOriginal(box: Readonly<Box>, p: Placement): Box {
  const { width, height } = modelInputSize(p);
  return inputToOriginal([box[0] * width, box[1] * height, box[2] * width, box[3] * height], p);
}

/** Round box coordinates to 0.1 px for compact JSON (detector precision is far coarser). */
export function roundBox(b: Readonly<Box>): Box {
  return [Math.round(b[0] * 10) / 10, Math.round(b[1] * 10) / 10, Math.round(b[2] * 10) / 10, Math.round(b[3] * 10) / 10];
}

/** Round a probability to 4 decimals for JSON. */
export function roundScore(s: number): number {
  return Math.round(s * 1e4) / 1e4;
}
