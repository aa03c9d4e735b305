/**
 * UltraFace (Linzaer/Ultra-Light-Fast-Generic-Face-Detector-1MB, version-RFB-320) decoder.
 *
 * The exported graph already decodes its SSD priors: `scores` [N,A,2] are softmaxed (background, face) and
 * `boxes` [N,A,4] are corners (x0,y0,x1,y1) normalised to the model input (A = 4420 anchors at 320×240).
 * As upstream's `detect_imgs_onnx.py` / `predict`: keep anchors with face probability > threshold, greedy NMS
 * (upstream `hard_nms`), then scale to the original image.
 */
import type { Placement } from '../../../src/core/image';
import { normalisedToOriginal, roundBox, roundScore, type Box } from './geometry';
import { nms } from './nms';
import { checkBatch, requireOutput, type DecoderOutputs } from './outputs';
import { intSetting, numberSetting, rejectUnknownSettings, stringSetting, type DecoderSettings } from './settings';

export interface Face {
  /** [x0, y0, x1, y1] in original-image pixels. */
  box: Box;
  /** Face probability. */
  score: number;
}

export interface FacesResult {
  faces: Face[];
}

export interface FacesSettings {
  /** Minimum face probability. @default 0.7 (upstream's `threshold`) */
  scoreThreshold: number;
  /** NMS IoU above which the lower-scored box is dropped. @default 0.3 */
  iouThreshold: number;
  /** Faces returned per image at most. @default 100 */
  maxDetections: number;
  /** @default "scores" */
  scoresOutput: string;
  /** @default "boxes" */
  boxesOutput: string;
}

export function facesSettings(settings: DecoderSettings): FacesSettings {
  rejectUnknownSettings(settings, ['scoreThreshold', 'iouThreshold', 'maxDetections', 'scoresOutput', 'boxesOutput']);
  return {
    scoreThreshold: numberSetting(settings, 'scoreThreshold', 0.7, 0, 1),
    iouThreshold: numberSetting(settings, 'iouThreshold', 0.3, 0, 1),
    maxDetections: intSetting(settings, 'maxDetections', 100, 10_000),
    scoresOutput: stringSetting(settings, 'scoresOutput', 'scores'),
    boxesOutput: stringSetting(settings, 'boxesOutput', 'boxes'),
  };
}

/** Decode hook: one `{faces}` per batch item, highest score first. */
export function decodeFaces(outputs: DecoderOutputs, placements: readonly Placement[], settings: DecoderSettings): FacesResult[] {
  const s = facesSettings(settings);
  const scores = requireOutput(outputs, s.scoresOutput, 'scoresOutput', 3);
  const boxes = requireOutput(outputs, s.boxesOutput, 'boxesOutput', 3);
  const [n = 0, anchors = 0, classes = 0] = scores.dims;
  if (classes !== 2 || boxes.dims[0] !== n || boxes.dims[1] !== anchors || boxes.dims[2] !== 4) {
    throw new Error(`ultraface outputs must be scores [N,A,2] and boxes [N,A,4], got [${scores.dims.join(',')}] and [${boxes.dims.join(',')}]`);
  }
  checkBatch(n, placements, s.scoresOutput);
  const results: FacesResult[] = [];
  for (let b = 0; b < n; b++) {
    const candidates: { box: Box; score: number }[] = [];
    for (let a = 0; a < anchors; a++) {
      const score = scores.data[(b * anchors + a) * 2 + 1] ?? 0;
      if (score <= s.scoreThreshold) continue;
      const o = (b * anchors + a) * 4;
      candidates.push({ box: [boxes.data[o] ?? 0, boxes.data[o + 1] ?? 0, boxes.data[o + 2] ?? 0, boxes.data[o + 3] ?? 0], score });
    }
    const placement = placements[b];
    if (!placement) break;
    const faces = nms(candidates, s.iouThreshold, { maxDetections: s.maxDetections }).map((c) => ({
      box: roundBox(normalisedToOriginal(c.box, placement)),
      score: roundScore(c.score),
    }));
    results.push({ faces });
  }
  return results;
}
