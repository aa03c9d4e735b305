/**
 * FastestDet (dog-qiuqiu/FastestDet, `example/onnx-runtime/FastestDet.onnx`) decoder: COCO objects.
 *
 * The graph's single output [N, 5+C, H, W] holds per grid cell: objectness (already sigmoid), box regression
 * (raw: x offset, y offset, width, height) and C class probabilities (already softmaxed over classes).
 * As upstream's examples (runtime.py, ncnn FastestDet.cpp, utils/tool.py `handle_preds`):
 *   score = obj^objectnessExponent · maxClass^classExponent     (ncnn example: 0.6 / 0.4; runtime.py: 1 / 1)
 *   cx = (col + tanh(tx)) / W,  cy = (row + tanh(ty)) / H,  w = sigmoid(tw),  h = sigmoid(th)
 * all normalised to the model input; then class-aware greedy NMS and scaling to the original image.
 */
import type { Placement } from '../../../src/core/image';
import COCO_CLASSES from './data/coco-classes.json';
import { normalisedToOriginal, roundBox, roundScore, type Box } from './geometry';
import { nms } from './nms';
import { checkBatch, requireOutput, type DecoderOutputs } from './outputs';
import { intSetting, numberSetting, rejectUnknownSettings, stringSetting, type DecoderSettings } from './settings';

export const COCO_LABELS: readonly string[] = COCO_CLASSES;

export interface DetectedObject {
  label: string;
  classId: number;
  score: number;
  /** [x0, y0, x1, y1] in original-image pixels. */
  box: Box;
}

export interface ObjectsResult {
  objects: DetectedObject[];
}

export interface ObjectsSettings {
  /** Minimum combined score. @default 0.65 (upstream's ncnn example) */
  scoreThreshold: number;
  /** Per-class NMS IoU above which the lower-scored box is dropped. @default 0.45 (upstream) */
  iouThreshold: number;
  /** Objects returned per image at most. @default 100 */
  maxDetections: number;
  /** @default 0.6 */
  objectnessExponent: number;
  /** @default 0.4 */
  classExponent: number;
  /** Graph output holding the prediction map. @default "758" */
  output: string;
}

export function objectsSettings(settings: DecoderSettings): ObjectsSettings {
  rejectUnknownSettings(settings, ['scoreThreshold', 'iouThreshold', 'maxDetections', 'objectnessExponent', 'classExponent', 'output']);
  return {
    scoreThreshold: numberSetting(settings, 'scoreThreshold', 0.65, 0, 1),
    iouThreshold: numberSetting(settings, 'iouThreshold', 0.45, 0, 1),
    maxDetections: intSetting(settings, 'maxDetections', 100, 10_000),
    objectnessExponent: numberSetting(settings, 'objectnessExponent', 0.6, 0, 4),
    classExponent: numberSetting(settings, 'classExponent', 0.4, 0, 4),
    output: stringSetting(settings, 'output', '758'),
  };
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Decode hook: one `{objects}` per batch item, highest score first. */
export function decodeObjects(outputs: DecoderOutputs, placements: readonly Placement[], settings: DecoderSettings): ObjectsResult[] {
  const s = objectsSettings(settings);
  const map = requireOutput(outputs, s.output, 'output', 4);
  const [n = 0, channels = 0, h = 0, w = 0] = map.dims;
  const classes = channels - 5;
  if (classes < 1) throw new Error(`fastestdet output must be [N,5+C,H,W], got [${map.dims.join(',')}]`);
  checkBatch(n, placements, s.output);
  const plane = h * w;
  const results: ObjectsResult[] = [];
  for (let b = 0; b < n; b++) {
    const base = b * channels * plane;
    const at = (c: number, cell: number): number => map.data[base + c * plane + cell] ?? 0;
    const candidates: { box: Box; score: number; classId: number }[] = [];
    for (let row = 0; row < h; row++) {
      for (let col = 0; col < w; col++) {
        const cell = row * w + col;
        let classId = 0;
        let best = Number.NEGATIVE_INFINITY;
        for (let c = 0; c < classes; c++) {
          const p = at(5 + c, cell);
          if (p > best) {
            best = p;
            classId = c;
          }
        }
        const obj = at(0, cell);
        const score = Math.pow(Math.max(0, obj), s.objectnessExponent) * Math.pow(Math.max(0, best), s.classExponent);
        if (score <= s.scoreThreshold) continue;
        const cx = (col + Math.tanh(at(1, cell))) / w;
        const cy = (row + Math.tanh(at(2, cell))) / h;
        const bw = sigmoid(at(3, cell));
        const bh = sigmoid(at(4, cell));
        candidates.push({ box: [cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], score, classId });
      }
    }
    const placement = placements[b];
    if (!placement) break;
    const objects = nms(candidates, s.iouThreshold, { classAware: true, maxDetections: s.maxDetections }).map((c) => ({
      label: COCO_LABELS[c.classId] ?? `class ${c.classId}`,
      classId: c.classId,
      score: roundScore(c.score),
      box: roundBox(normalisedToOriginal(c.box, placement)),
    }));
    results.push({ objects });
  }
  return results;
}
