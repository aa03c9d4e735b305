/**
 * ImageNet-1k classifier decoder: logits [N,1000] → softmax → top-k labels with class names
 * (data/imagenet-classes.json, see data/README.md).
 */
import type { Placement } from '../../../src/core/image';
import IMAGENET_CLASSES from './data/imagenet-classes.json';
import { roundScore } from './geometry';
import { checkBatch, requireOutput, type DecoderOutputs } from './outputs';
import { intSetting, rejectUnknownSettings, stringSetting, type DecoderSettings } from './settings';

export interface ImagenetLabel {
  label: string;
  classId: number;
  /** Softmax probability. */
  score: number;
}

export interface ImagenetResult {
  labels: ImagenetLabel[];
}

export interface ImagenetSettings {
  /** Graph output holding the logits. @default "output" */
  output: string;
  /** Labels to return per image. @default 5 */
  topK: number;
}

export const IMAGENET_LABELS: readonly string[] = IMAGENET_CLASSES;

export function imagenetSettings(settings: DecoderSettings): ImagenetSettings {
  rejectUnknownSettings(settings, ['output', 'topK']);
  return { output: stringSetting(settings, 'output', 'output'), topK: intSetting(settings, 'topK', 5, 1000) };
}

/** Softmax of one row of logits (computed in float64, max-shifted). */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] ?? 0);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] ?? 0) - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / sum;
  return out;
}

/** Indices of the k largest values, largest first (ties: lower index first). */
export function topKIndices(values: ArrayLike<number>, k: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    if (idx.length === k && v <= (values[idx[k - 1] ?? 0] ?? 0)) continue;
    let pos = idx.length;
    while (pos > 0 && (values[idx[pos - 1] ?? 0] ?? 0) < v) pos--;
    idx.splice(pos, 0, i);
    if (idx.length > k) idx.pop();
  }
  return idx;
}

/** Decode hook: one `{labels}` per batch item. Placements are not needed (no geometry). */
export function decodeImagenet(outputs: DecoderOutputs, placements: readonly Placement[], settings: DecoderSettings): ImagenetResult[] {
  const s = imagenetSettings(settings);
  const logits = requireOutput(outputs, s.output, 'output', 2);
  const [n = 0, classes = 0] = logits.dims;
  checkBatch(n, placements, s.output);
  const results: ImagenetResult[] = [];
  for (let b = 0; b < n; b++) {
    const probs = softmax(logits.data.subarray(b * classes, (b + 1) * classes));
    const labels = topKIndices(probs, Math.min(s.topK, classes)).map((classId) => ({
      label: IMAGENET_LABELS[classId] ?? `class ${classId}`,
      classId,
      score: roundScore(probs[classId] ?? 0),
    }));
    results.push({ labels });
  }
  return results;
}
