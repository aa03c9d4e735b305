/**
 * The `ocr` pipeline: PaddleOCR PP-OCR text detection + recognition as one expert.
 *
 *   images ─► letterbox to the registry size ─► det graph ─┬─► exposed internal map ─► features [N,T,C], pooled
 *                                                          └─► probability map ─► DB boxes (ocr-db.ts)
 *   (image by image on the CPU, when the entry does not batch detection: only the letterbox's content region,
 *   rounded up to the stride, goes through the det graph; the skipped padding's tokens take the values a blank
 *   letterbox gives. An elongated image (a long receipt, a banner) is detected at a larger scale, within the
 *   letterbox's pixel count and eight times its long side, and its feature map is averaged onto the letterbox's
 *   token grid)
 *   boxes ─► crops from the ORIGINAL image (rotated quads sampled upright) ─► [cls graph: turn crops read as 180°]
 *         ─► rec graph, batched over every crop of the batch in width buckets ─► greedy CTC (ocr-ctc.ts)
 *         ─► lines in reading order (of the page turned right way up when most of its lines were upside down)
 *   a page most of whose lines are vertical (lying on its side) is read again turned a quarter (runImages), and the
 *   reading with more text kept; a page whose lines lean 8-40° is read again turned straight. Images at least 1.2 × detLargeSide long are detected at detLargeSide instead of
 *   the letterbox, and a smaller one whose text came out small (or not at all) is read again detected at that larger
 *   scale (the reading with more text kept); a blank CTC gap with enough space probability reads as a space (spaceThresh).
 *
 * Det preprocessing comes from the registry (PaddleOCR: BGR, ImageNet mean/std on x/255). Rec preprocessing is
 * fixed by the model family: BGR, (x/255 − 0.5)/0.5, height from the graph, width by aspect ratio, padded with
 * zeros (after normalisation) to at least `recMinWidth` like PaddleOCR's TextRecognizer. Each crop's padded width
 * depends only on its own aspect ratio (a bucket), so a crop reads the same whatever else is in the batch.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { ConfigError, InvalidArgumentError } from '../../../src/core/errors';
import { DEFAULT_PAD_VALUE, normaliseInto, resizeRgb, type Placement, type PreprocessSpec, type RgbImage } from '../../../src/core/image';
import { createSession, ort } from '../../../src/core/ort-session';
import { exposedName, exposeOutputs } from '../../../src/onnx/graph-edit';
import { roundBox, roundScore, type Box } from '../decoders/geometry';
import { ctcDecodeBatch, loadCharset, type Charset, type CtcLine } from '../decoders/ocr-ctc';
import { DB_SETTING_KEYS, dbBoxesBatch, parseDbSettings, quadBounds, readingOrder, type DbBox, type DbSettings, type Quad } from '../decoders/ocr-db';
import { intSetting, numberSetting, rejectUnknownSettings, type DecoderSettings } from '../decoders/settings';
import type { ExpertPipeline, ExpertPipelineOutput, Float32Tensor, PipelineContext, PipelineFactory } from '../pipeline';
import { boxFromRotated90, cropNchw, detRegion, detScale, isVerticalQuad, middleColumns, overlayNchw, resizeColumns, resizeNchwArea, rotate180, rotate90, sampleCrop, uprightQuad, type DetRegion } from './ocr-geometry';
import { preparedPath } from './prepared';
import { identityPlacement, imagesToTensor, preprocessSpec } from './single-graph';
import { avgPoolNchw, checkDeclaredGrid, concatBatch, meanTokens, nchwToTokens } from './tokens';

export interface OcrLine {
  text: string;
  /** Mean per-character probability of the recognised text. */
  confidence: number;
  /** Axis-aligned bounds [x0, y0, x1, y1] in original-image pixels (input pixels for `pixel_values`). */
  box: Box;
}

export interface OcrResult {
  /** Detected lines in reading order. */
  lines: OcrLine[];
  /** Lines joined in reading order: boxes on one visual row by a space, rows by "\n". */
  text: string;
}

export interface OcrSettings {
  db: DbSettings;
  /** Lines whose confidence is below this are dropped (PaddleOCR's drop_score). @default 0.5 */
  dropScore: number;
  /** Crops per recognition run. @default 8 */
  recBatchSize: number;
  /** Minimum recognition input width (PaddleOCR pads to 320 at height 48). @default 320 */
  recMinWidth: number;
  /** Recognition widths above the minimum round up to a multiple of this. @default 80 */
  recWidthStep: number;
  /** Wider crops are squeezed to this width. @default 1600 */
  recMaxWidth: number;
  /**
   * Most input columns (crops × width) in one recognition run: wide crops run in smaller batches. Measured on 2 CPU
   * threads (PP-OCRv4 rec, ms per crop at batch 1/2/4/8): width 160 5.2/4.7/4.1/3.8, width 640 16.6/14.8/13.9/16.9,
   * width 1600 36.2/36.2/45.6/60.4 — batching pays up to about 2560 columns and costs beyond. @default 2560
   */
  recMaxBatchWidth: number;
  /**
   * With a `cls` file (PaddleOCR's text angle classifier): a crop votes "upside down" when the classifier gives 180°
   * at least this probability; when more than half of an image's crops do, the image lies upside down and all its
   * crops are turned 180° before recognition. Turning single crops as PaddleOCR does (cls_thresh 0.9) cost more than
   * it fixed: its false turns raised the character error rate on upright test pages 0.5 -> 1.5% and 0.5 -> 6.8%.
   * With the vote at 0.9, pages turned by 270° were missed (13.5%); at 0.5 every orientation reads (0.1-0.6%).
   * @default 0.5
   */
  clsThresh: number;
  /**
   * An image whose long side is at least 1.2× this (and that is not elongated) is detected with its long side at this
   * many pixels instead of the letterbox's: in the 640 letterbox a 300 dpi A4 page (3508 px) shrinks 5.5× and 7 pt
   * print (~22 px) falls to ~4 px, under what the detector finds; an 1800 px screenshot's 16 px text falls to 6 px
   * and loses letters and spaces. 0 turns it off. @default 1280
   */
  detLargeSide: number;
  /**
   * A run of blank steps between two characters reads as a space when the recogniser's space probability reaches
   * this there (ocr-ctc.ts); 1 leaves spaces to the arg-max alone. eval:ocr, character error rate with spaces on
   * the drawn loose / tight pages: off 0.54 / 1.61%, 0.15 0.29 / 0.14%, 0.08 0.11 / 0.02%, 0.01–0.04 0.11 / 0.02%,
   * 0.003 adds a false space on a banner; on the real photos (receipts, invoice, slide, book page) 0.02 restores
   * the spaces of "12 Mill Road, Leeds", "VAT 20%", "28/11/2026 09:41", "Date: 14 October" and adds one false
   * space ("np.zeros_ like"). @default 0.02
   */
  spaceThresh: number;
}

const REC_KEYS = ['dropScore', 'recBatchSize', 'recMinWidth', 'recWidthStep', 'recMaxWidth', 'recMaxBatchWidth', 'clsThresh', 'detLargeSide', 'spaceThresh'] as const;

/** detLargeSide applies from this multiple of it on (smaller images keep the letterbox's scale: every eval:ocr page
 * up to 1280 px reads as before). */
const LARGE_FROM = 1.2;

/** PaddleOCR's angle classifier input (cls_image_shape 3,48,192) and its labels (0°, 180°). */
const CLS_HEIGHT = 48;
const CLS_WIDTH = 192;

export function parseOcrSettings(s: DecoderSettings): OcrSettings {
  rejectUnknownSettings(s, [...DB_SETTING_KEYS, ...REC_KEYS]);
  const recMinWidth = intSetting(s, 'recMinWidth', 320, 8192);
  return {
    db: parseDbSettings(s),
    dropScore: numberSetting(s, 'dropScore', 0.5, 0, 1),
    recBatchSize: intSetting(s, 'recBatchSize', 8, 256),
    recMinWidth,
    recWidthStep: intSetting(s, 'recWidthStep', 80, 8192),
    recMaxWidth: numberSetting(s, 'recMaxWidth', 1600, recMinWidth, 8192),
    recMaxBatchWidth: intSetting(s, 'recMaxBatchWidth', 2560, 1 << 20),
    clsThresh: numberSetting(s, 'clsThresh', 0.5, 0, 1),
    detLargeSide: intSetting(s, 'detLargeSide', 1280, 8192, 0),
    spaceThresh: numberSetting(s, 'spaceThresh', 0.02, 0.001, 1),
  };
}

/** Skews (degrees) from which, and up to which, a page is read again turned straight. */
const SKEW_FROM = 8;
const SKEW_TO = 40;

/**
 * Small text: an image whose lines came out under this median height in the detector's input pixels (boxes as DB
 * grows them; or that gave no line but some text-like response) is detected again at a larger scale (detLargeSide on
 * its long side, at most its own size), when that enlarges it at least FINE_GAIN times. The letterbox shrinks a
 * 1440-pixel screenshot's 11 px type to ~5 px, which the detector misses (boxes of lines it still reads measured
 * 14-20 px there, of lines it lost 10-11 px).
 */
const SMALL_TEXT_PX = 13;
const FINE_GAIN = 1.3;

/** A line quad's height: the mean length of its two shorter opposite sides. */
function lineHeight([a, b, c, d]: Quad): number {
  const len = (p: readonly number[], q: readonly number[]): number => Math.hypot((q[0] ?? 0) - (p[0] ?? 0), (q[1] ?? 0) - (p[1] ?? 0));
  return Math.min((len(a, b) + len(d, c)) / 2, (len(a, d) + len(b, c)) / 2);
}

/**
 * The median angle (degrees, −90..90, clockwise positive in image coordinates) of the long sides of a page's line
 * quads; 0 with fewer than two lines.
 */
function lineSkew(quads: readonly Quad[]): number {
  const angles = quads.flatMap(([a, b, , d]) => {
    const top = [b[0] - a[0], b[1] - a[1]], side = [d[0] - a[0], d[1] - a[1]];
    const [dx, dy] = Math.hypot(top[0]!, top[1]!) >= Math.hypot(side[0]!, side[1]!) ? top : side;
    let deg = (Math.atan2(dy!, dx!) * 180) / Math.PI;
    if (deg > 90) deg -= 180;
    if (deg <= -90) deg += 180;
    return [deg];
  }).sort((x, y) => x - y);
  return angles.length < 2 ? 0 : (angles[angles.length >> 1] ?? 0);
}

/**
 * The image rotated by `degrees` (clockwise positive) about its centre on a canvas that holds it all, padded with
 * its border colour, and the map of a box of the rotated image back to the image's own pixels (axis-aligned bounds).
 */
async function rotateRgb(img: RgbImage, degrees: number): Promise<{ image: RgbImage; back: (box: Box) => Box }> {
  const corner = [img.data[0] ?? 255, img.data[1] ?? 255, img.data[2] ?? 255];
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .rotate(degrees, { background: { r: corner[0]!, g: corner[1]!, b: corner[2]! } }).raw().toBuffer({ resolveWithObject: true });
  const sx = (img.original?.width ?? img.width) / img.width, sy = (img.original?.height ?? img.height) / img.height;
  const rad = (degrees * Math.PI) / 180, cos = Math.cos(rad), sin = Math.sin(rad);
  const cx = img.width / 2, cy = img.height / 2, rcx = info.width / 2, rcy = info.height / 2;
  const toSource = (x: number, y: number): [number, number] => {
    // Undo the rotation about the centres (the box is in the rotated image's own pixels, unscaled).
    const dx = x - rcx, dy = y - rcy;
    return [(cx + dx * cos + dy * sin) * sx, (cy - dx * sin + dy * cos) * sy];
  };
  return {
    image: { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height },
    back: ([x0, y0, x1, y1]) => {
      const pts = [toSource(x0, y0), toSource(x1, y0), toSource(x1, y1), toSource(x0, y1)];
      return [Math.min(...pts.map((p) => p[0])), Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[1]))];
    },
  };
}

/** Whether most of a reading's lines are vertical (boxes at least 1.5× taller than wide): a page on its side. */
function isSideways(r: OcrResult): boolean {
  const vertical = r.lines.filter((l) => l.box[3] - l.box[1] >= 1.5 * (l.box[2] - l.box[0])).length;
  return vertical > 0 && vertical * 2 > r.lines.length;
}

/** How much a reading found: its characters (spaces aside), each weighed by its line's confidence. */
function readingWeight(r: OcrResult): number {
  return r.lines.reduce((s, l) => s + l.text.replace(/\s+/g, '').length * l.confidence, 0);
}

/** An upright crop of one detected box, at recognition height, with where it came from. */
interface Crop {
  item: number;
  quad: Quad;
  rgb: RgbImage;
}

/** How one image of a batch is detected (see detPlan in createOcrPipeline). */
interface DetPlan {
  /** The letterbox content region (its tokens receive the feature map). */
  region: DetRegion;
  /** An elongated image's own, larger detection input, and where the image sits in it. */
  input?: Float32Tensor;
  placement?: Placement;
}

function floatOutput(out: ort.InferenceSession.ReturnType, name: string): Float32Tensor {
  const t = out[name];
  if (!t) throw new Error(`graph output "${name}" missing`);
  if (t.type !== 'float32') throw new Error(`graph output "${name}" is ${t.type}, expected float32`);
  return { data: t.data as Float32Array, dims: t.dims.map(Number) };
}

/**
 * Recognition runs for crops of the given input widths: crop indices grouped by equal width (narrowest first), each
 * group at most `recBatchSize` crops and `recMaxBatchWidth` columns, but never empty.
 */
export function recBatches(widths: readonly number[], s: Pick<OcrSettings, 'recBatchSize' | 'recMaxBatchWidth'>): number[][] {
  const order = widths.map((_, i) => i).sort((a, b) => (widths[a] as number) - (widths[b] as number));
  const groups: number[][] = [];
  let start = 0;
  while (start < order.length) {
    const width = widths[order[start] as number] as number;
    const most = Math.max(1, Math.min(s.recBatchSize, Math.floor(s.recMaxBatchWidth / width)));
    let end = start + 1;
    while (end < order.length && end - start < most && widths[order[end] as number] === width) end++;
    groups.push(order.slice(start, end));
    start = end;
  }
  return groups;
}

/** Recognition input width for a crop: at least `recMinWidth`, above it a multiple of `recWidthStep`. */
export function recBucketWidth(cropWidth: number, s: Pick<OcrSettings, 'recMinWidth' | 'recWidthStep' | 'recMaxWidth'>): number {
  if (cropWidth <= s.recMinWidth) return s.recMinWidth;
  return Math.min(Math.ceil(cropWidth / s.recWidthStep) * s.recWidthStep, Math.max(s.recMinWidth, Math.floor(s.recMaxWidth)));
}

/** Write a crop into a [3, H, width] slot of the rec batch at `offset`: BGR, (x/255 − 0.5)/0.5, zeros to the right. */
function writeRecInput(rgb: RgbImage, out: Float32Array, offset: number, width: number): void {
  const plane = rgb.height * width;
  for (let c = 0; c < 3; c++) {
    const src = 2 - c;
    for (let y = 0; y < rgb.height; y++) {
      const row = offset + c * plane + y * width;
      for (let x = 0; x < rgb.width && x < width; x++) out[row + x] = (rgb.data[(y * rgb.width + x) * 3 + src] ?? 0) / 127.5 - 1;
    }
  }
}

/** Undo the det normalisation of item `i` of a [N,3,H,W] tensor back to 8-bit RGB (for runPixels crops). */
function pixelsToRgb(pixels: Float32Tensor, i: number, spec: PreprocessSpec): RgbImage {
  const [, , height = 0, width = 0] = pixels.dims;
  const plane = width * height;
  const data = new Uint8Array(plane * 3);
  const k = spec.scale01 ? 255 : 1;
  const src = pixels.data;
  for (let c = 0; c < 3; c++) {
    const dst = spec.channelOrder === 'rgb' ? c : 2 - c;
    const base = (i * 3 + c) * plane;
    // v = (x·std + mean)·k, rounded half up and clamped to 0..255 (constants hoisted: this runs 1.2 M times per page).
    const scale = (spec.std[c] ?? 1) * k;
    const offset = (spec.mean[c] ?? 0) * k + 0.5;
    for (let p = 0, o = dst; p < plane; p++, o += 3) {
      const v = src[base + p]! * scale + offset;
      data[o] = v <= 0 ? 0 : v >= 255 ? 255 : v | 0;
    }
  }
  return { data, width, height };
}

function quadToOriginal(q: Quad, p: Placement): Quad {
  const f = (pt: readonly [number, number]): [number, number] => [
    Math.min(p.originalWidth, Math.max(0, (pt[0] - p.padX) / p.scaleX)),
    Math.min(p.originalHeight, Math.max(0, (pt[1] - p.padY) / p.scaleY)),
  ];
  return [f(q[0]), f(q[1]), f(q[2]), f(q[3])];
}

export const createOcrPipeline: PipelineFactory = async (ctx: PipelineContext): Promise<ExpertPipeline> => {
  const { entry } = ctx;
  const detPath = ctx.modelPaths.det, recPath = ctx.modelPaths.rec, keysPath = ctx.modelPaths.keys;
  if (!detPath || !recPath || !keysPath) throw new ConfigError(`experts.${entry.name}.files`, 'the ocr pipeline needs files det, rec and keys');
  const settings = parseOcrSettings(entry.decoder);
  const spec = preprocessSpec(entry);
  if (spec.height % 32 !== 0 || spec.width % 32 !== 0) {
    throw new ConfigError(`experts.${entry.name}.preprocess.size`, `must be multiples of 32 for text detection, got ${spec.height}x${spec.width}`);
  }

  const featureValue = { name: entry.features.value };
  const det = await createSession(exposeOutputs(readFileSync(preparedPath(ctx, 'det')), [featureValue]), ctx.session);
  // Recognition stays on the CPU provider: on WebGPU some of its nodes fall back to the CPU and it ran ~7× slower
  // (shared/models/README.md: 594 vs 84 ms at 16×3×48×320 on an H100), while detection gains ~3×.
  const rec = await createSession(preparedPath(ctx, 'rec', 'cpu'), { ...ctx.session, provider: 'cpu' });
  // The optional angle classifier is tiny (~0.5 ms per crop on 2 threads); it runs where recognition does.
  const cls = ctx.modelPaths.cls ? await createSession(preparedPath(ctx, 'cls', 'cpu'), { ...ctx.session, provider: 'cpu' }) : undefined;
  const clsInput = cls?.inputNames[0];
  const clsOutput = cls?.outputNames[0];
  const detInput = det.inputNames[0];
  const probName = det.outputNames.find((n) => n !== exposedName(featureValue));
  const recInput = rec.inputNames[0];
  const recOutput = rec.outputNames[0];
  const recMeta = rec.inputMetadata[0];
  const recOutMeta = rec.outputMetadata[0];
  if (!detInput || !probName || !recInput || !recOutput || !recMeta?.isTensor || !recOutMeta?.isTensor) {
    throw new Error(`expert ${entry.name}: unexpected det/rec graph inputs or outputs`);
  }
  const [recHeight, recClasses] = [recMeta.shape[2], recOutMeta.shape[2]].map((d) => {
    if (typeof d !== 'number' || d <= 0) throw new Error(`expert ${entry.name}: recognition graph must have a fixed input height and class count`);
    return d;
  }) as [number, number];
  const charset: Charset = loadCharset(keysPath, recClasses);

  /** Feature map of a letterbox with no content (set after the probe below, when detection runs image by image). */
  let blankFmap: Float32Tensor | undefined;

  /** Det once: per item the probability map's DB boxes and its pixels at or above the DB threshold; the exposed feature map. */
  async function detOnce(input: Float32Tensor): Promise<{ boxes: DbBox[][]; textPixels: number[]; fmap: Float32Tensor }> {
    const out = await det.run({ [detInput as string]: new ort.Tensor('float32', input.data, input.dims) });
    const prob = floatOutput(out, probName as string);
    const n = prob.dims[0] ?? 0;
    const per = prob.data.length / (n || 1);
    const textPixels = Array.from({ length: n }, (_, i) => {
      let count = 0;
      for (let k = i * per; k < (i + 1) * per; k++) if ((prob.data[k] ?? 0) >= settings.db.thresh) count++;
      return count;
    });
    return { boxes: dbBoxesBatch(prob.data, prob.dims, settings.db), textPixels, fmap: floatOutput(out, exposedName(featureValue)) };
  }

  /**
   * Detection for a batch. With `plans` (image by image only), each item runs on its own input — its letterbox
   * content region, or a larger rendering of an elongated image — and its feature map is brought onto the letterbox's
   * token grid over `blankFmap`.
   */
  async function runDet(pixels: Float32Tensor, plans?: readonly DetPlan[]): Promise<{ boxes: DbBox[][]; textPixels: number[]; fmap: Float32Tensor }> {
    if (entry.dynamicBatch && !plans) return detOnce(pixels);
    const n = pixels.dims[0] ?? 0;
    const per = pixels.data.length / (n || 1);
    const boxes: DbBox[][] = [];
    const textPixels: number[] = [];
    const fmaps: Float32Tensor[] = [];
    for (let i = 0; i < n; i++) {
      const plan = plans?.[i];
      const r = plan?.region;
      const whole = !plan || (!plan.input && r?.height === spec.height && r.width === spec.width);
      const input = whole ? { data: pixels.data.subarray(i * per, (i + 1) * per), dims: [1, ...pixels.dims.slice(1)] } : (plan.input ?? cropNchw(pixels, i, plan.region));
      const one = await detOnce(input);
      boxes.push(one.boxes[0] ?? []);
      textPixels.push(one.textPixels[0] ?? 0);
      if (whole || !blankFmap) fmaps.push(one.fmap);
      else fmaps.push(overlayNchw(blankFmap, plan.input ? resizeNchwArea(one.fmap, plan.region.height / stride, plan.region.width / stride) : one.fmap));
    }
    return { boxes, textPixels, fmap: concatBatch(fmaps) };
  }

  /** An image of `width` × `height` as detection sees it: long side, elongated (≥ 3:1), large (≥ LARGE_FROM × detLargeSide). */
  function detShape(width: number, height: number): { long: number; elongated: boolean; large: boolean } {
    const long = Math.max(width, height);
    const elongated = long >= 3 * Math.min(width, height);
    return { long, elongated, large: !elongated && settings.detLargeSide > 0 && long >= LARGE_FROM * settings.detLargeSide };
  }

  /**
   * How image `img` is detected: its letterbox content region, or — elongated — a larger rendering of its own (boxes
   * then map back through `placement`), whose feature map is averaged onto the letterbox content region's tokens.
   */
  async function detPlan(img: RgbImage, letterbox: Placement, fine = false): Promise<DetPlan> {
    const region = detRegion(letterbox, stride, spec.height, spec.width);
    const ow = letterbox.originalWidth, oh = letterbox.originalHeight;
    const shape = detShape(ow, oh);
    const { long, elongated } = shape;
    const large = shape.large || (fine && !elongated && settings.detLargeSide > 0);
    const scale = large ? Math.min(1, settings.detLargeSide / long) : detScale(ow, oh, spec.width, spec.height);
    if (!(elongated || large) || scale <= letterbox.scaleX * 1.05) return { region };
    const width = Math.ceil(Math.max(1, Math.round(ow * scale)) / stride) * stride;
    const height = Math.ceil(Math.max(1, Math.round(oh * scale)) / stride) * stride;
    const { rgb, placement } = await resizeRgb(img, { ...spec, width, height, resize: 'letterbox' });
    const data = new Float32Array(3 * width * height);
    normaliseInto(rgb, spec, data);
    return { region, input: { data, dims: [1, 3, height, width] }, placement };
  }

  async function recognise(crops: readonly Crop[]): Promise<CtcLine[]> {
    const result: CtcLine[] = new Array<CtcLine>(crops.length);
    const widths = crops.map((c) => recBucketWidth(c.rgb.width, settings));
    for (const group of recBatches(widths, settings)) {
      const width = widths[group[0] as number] as number;
      const slot = 3 * recHeight * width;
      const data = new Float32Array(group.length * slot);
      group.forEach((ci, j) => writeRecInput((crops[ci] as Crop).rgb, data, j * slot, width));
      const out = await rec.run({ [recInput as string]: new ort.Tensor('float32', data, [group.length, 3, recHeight, width]) });
      const probs = floatOutput(out, recOutput as string);
      ctcDecodeBatch(probs.data, probs.dims, charset, settings.spaceThresh).forEach((line, j) => {
        result[group[j] as number] = line;
      });
    }
    return result;
  }

  /** Which images lie upside down: most of their crops read as turned by 180° (all false without a classifier). */
  async function upsideDown(crops: readonly Crop[], images: number): Promise<boolean[]> {
    const up = new Array<number>(images).fill(0), all = new Array<number>(images).fill(0);
    if (!cls || !clsInput || !clsOutput) return up.map(() => false);
    const slot = 3 * CLS_HEIGHT * CLS_WIDTH;
    for (let start = 0; start < crops.length; start += settings.recBatchSize) {
      const group = crops.slice(start, start + settings.recBatchSize);
      const data = new Float32Array(group.length * slot);
      // As PaddleOCR's TextClassifier: height 48, width by aspect ratio up to 192 (squeezed beyond), zeros to the right;
      // of a long line only its middle (at most twice that width) is classified, so it is squeezed at most 2×.
      group.forEach((c, j) => writeRecInput(resizeColumns(middleColumns(c.rgb, 2 * CLS_WIDTH), Math.min(CLS_WIDTH, c.rgb.width)), data, j * slot, CLS_WIDTH));
      const out = floatOutput(await cls.run({ [clsInput]: new ort.Tensor('float32', data, [group.length, 3, CLS_HEIGHT, CLS_WIDTH]) }), clsOutput);
      group.forEach((c, j) => {
        all[c.item]! += 1;
        if ((out.data[j * 2 + 1] ?? 0) >= settings.clsThresh) up[c.item]! += 1;
      });
    }
    return up.map((n, i) => n * 2 > (all[i] ?? 0));
  }

  async function run(pixels: Float32Tensor, sources: readonly RgbImage[], placements: readonly Placement[], plans?: readonly DetPlan[]): Promise<ExpertPipelineOutput & { gridWidth: number; skews: number[]; detHeights: number[]; textPixels: number[] }> {
    const { boxes, textPixels, fmap } = await runDet(pixels, plans);
    const nchw = entry.features.layout === 'NCHW';
    const pooledMap = nchw ? avgPoolNchw(fmap, entry.features.poolKernel) : fmap;
    const features = nchw ? nchwToTokens(pooledMap) : fmap;
    const pooled = meanTokens(features);
    const crops: Crop[] = [];
    boxes.forEach((items, i) => {
      const src = sources[i] as RgbImage;
      for (const b of items) {
        const quad = quadToOriginal(b.quad, plans?.[i]?.placement ?? (placements[i] as Placement));
        crops.push({ item: i, quad, rgb: sampleCrop(src, quad, recHeight, settings.recMaxWidth) });
      }
    });
    const turned = await upsideDown(crops, sources.length);
    for (const c of crops) if (turned[c.item]) c.rgb = rotate180(c.rgb);
    const texts = await recognise(crops);
    const perItem: { line: OcrLine; quad: Quad }[][] = sources.map(() => []);
    crops.forEach((c, j) => {
      const line = texts[j];
      const text = line?.text.trim() ?? '';
      if (!line || text === '' || line.confidence < settings.dropScore) return;
      perItem[c.item]?.push({ line: { text, confidence: roundScore(line.confidence), box: roundBox(quadBounds(c.quad)) }, quad: c.quad });
    });
    const decoded: OcrResult[] = perItem.map((found, i) => {
      const lines = found.map((f) => f.line);
      // An image lying on its side or upside down is read from what is its top.
      const src = sources[i] as RgbImage;
      const vertical = found.filter((x) => isVerticalQuad(x.quad)).length * 2 > found.length;
      const rows = readingOrder(found.map((x) => uprightQuad(x.quad, src.width, src.height, vertical, turned[i] ?? false)));
      return {
        lines: rows.flat().map((i) => lines[i] as OcrLine),
        text: rows.map((r) => r.map((i) => lines[i]?.text ?? '').join(' ')).join('\n'),
      };
    });
    // Each image's median line height in its detector input's pixels (NaN without lines): small text is read again.
    const detHeights = perItem.map((found, i) => {
      const scale = (plans?.[i]?.placement ?? placements[i])?.scaleX ?? 1;
      const h = found.map((f) => lineHeight(f.quad) * scale).sort((x, y) => x - y);
      return h.length === 0 ? Number.NaN : (h[h.length >> 1] ?? Number.NaN);
    });
    return { features, pooled, decoded, gridWidth: (nchw ? pooledMap.dims[3] : features.dims[1]) ?? 1, skews: perItem.map((found) => lineSkew(found.map((f) => f.quad))), detHeights, textPixels };
  }

  const inputPlacement = identityPlacement(spec.width, spec.height);
  // Probe once with a blank input to learn the token grid; this also warms both sessions up.
  const blank: Float32Tensor = { data: new Float32Array(3 * spec.height * spec.width), dims: [1, 3, spec.height, spec.width] };
  const probe = await run(blank, [pixelsToRgb(blank, 0, spec)], [inputPlacement]);
  await rec.run({ [recInput]: new ort.Tensor('float32', new Float32Array(3 * recHeight * settings.recMinWidth), [1, 3, recHeight, settings.recMinWidth]) });
  const tokens = probe.features.dims[1] ?? 0;
  const channels = probe.features.dims[2] ?? 0;
  const gridW = probe.gridWidth;
  const gridH = tokens / gridW;
  checkDeclaredGrid(entry, gridH, gridW, channels);
  // Image by image on the CPU, detection runs on each image's content region (or an elongated image's own larger
  // input); the feature tokens of the padding it skips are those of a letterbox with no content (the pad colour
  // everywhere), computed once here. WebGPU keeps the fixed letterbox: its kernels are built per input shape, and
  // shapes that change with every image are untested on a GPU here.
  const stride = spec.width / gridW;
  if (!entry.dynamicBatch && ctx.session.provider === 'cpu' && entry.features.layout === 'NCHW' && Number.isInteger(stride) && stride === spec.height / gridH) {
    const pad = spec.padValue ?? DEFAULT_PAD_VALUE;
    const { pixels: padded } = await imagesToTensor([{ data: new Uint8Array(3 * spec.width * spec.height).fill(pad), width: spec.width, height: spec.height }], spec);
    blankFmap = (await detOnce(padded)).fmap;
  }

  interface Reading extends ExpertPipelineOutput {
    decoded: OcrResult[];
    skews: number[];
    detHeights: number[];
    /** Per image: detector pixels at or above the DB threshold (0: nothing text-like at all). */
    textPixels: number[];
    /** Per image: whether it was detected at the larger, small-text scale. */
    fine: boolean[];
  }

  async function readImages(images: RgbImage[], fine: readonly boolean[] = []): Promise<Reading> {
    const { pixels, placements } = await imagesToTensor(images, spec);
    const plans = blankFmap ? await Promise.all(images.map((img, i) => detPlan(img, placements[i] as Placement, fine[i] ?? false))) : undefined;
    const { features, pooled, decoded, skews, detHeights, textPixels } = await run(pixels, images, placements, plans);
    return { features, pooled, decoded: decoded as OcrResult[], skews, detHeights, textPixels, fine: images.map((_, i) => fine[i] ?? false) };
  }

  /**
   * Whether image `i` of a reading had small text (or none) that a larger detection scale may find: CPU image by
   * image only, not an elongated or already large image, the larger scale enlarges it at least FINE_GAIN times, and
   * the detector saw something text-like (a photo with nothing of the kind is not detected again).
   */
  function smallText(img: RgbImage, reading: Reading, i: number): boolean {
    if (!blankFmap || settings.detLargeSide <= 0 || reading.fine[i] || (reading.textPixels[i] ?? 0) === 0) return false;
    const w = img.original?.width ?? img.width, h = img.original?.height ?? img.height;
    const { long, elongated, large } = detShape(w, h);
    if (elongated || large) return false;
    const letterbox = Math.min(spec.width / w, spec.height / h);
    if (Math.min(1, settings.detLargeSide / long) < FINE_GAIN * letterbox) return false;
    const height = reading.detHeights[i] ?? Number.NaN;
    return Number.isNaN(height) || height < SMALL_TEXT_PX;
  }

  /**
   * Read images `which` again, each turned by `turn` (which also maps a box of the turned image back), and put a
   * reading that `keep` takes over the first one, its boxes mapped back; the tokens stay those of the image as sent.
   */
  async function readAgain(
    images: RgbImage[],
    first: Reading,
    which: number[],
    turn: (img: RgbImage, i: number) => Promise<{ image: RgbImage; back: (box: Box) => Box }>,
    keep: (again: OcrResult, before: OcrResult, againSkew: number) => boolean,
    fine: (i: number) => boolean = (i) => first.fine[i] ?? false,
  ): Promise<void> {
    if (which.length === 0) return;
    const turned = await Promise.all(which.map((i) => turn(images[i] as RgbImage, i)));
    const again = await readImages(turned.map((t) => t.image), which.map(fine));
    which.forEach((i, k) => {
      const reading = again.decoded[k] as OcrResult;
      if (!keep(reading, first.decoded[i] as OcrResult, again.skews[k] ?? 0)) return;
      const back = (turned[k] as { back: (box: Box) => Box }).back;
      first.decoded[i] = { lines: reading.lines.map((l) => ({ ...l, box: roundBox(back(l.box)) })), text: reading.text };
      first.skews[i] = again.skews[k] ?? 0;
      first.fine[i] = again.fine[k] ?? false;
    });
  }

  return {
    inputShape: [3, spec.height, spec.width],
    featureGrid: { height: gridH, width: gridW, channels },
    pooledWidth: probe.pooled.dims[1] ?? 0,
    async runImages(images) {
      const first = await readImages(images);
      // Small text (or none found) in an image the letterbox shrank: detected again at a larger scale, kept when it
      // found more text (by confidence). The passes below then use that scale for the image too.
      await readAgain(images, first, images.flatMap((img, i) => (smallText(img, first, i) ? [i] : [])),
        async (img) => ({ image: img, back: (box: Box) => box }),
        (again, before) => readingWeight(again) > readingWeight(before),
        () => true);
      // A page photographed at a slant (its lines' median angle 8-40°): the detector splits slanted lines (fragments
      // overlap, so the slanted reading even repeats characters) and the reading order mixes them up. The page is read
      // again turned straight; that reading is kept when its lines came out straight and it found at least three
      // quarters of the text the slanted one did.
      const skew = (i: number): number => Math.abs(first.skews[i] ?? 0);
      await readAgain(images, first, images.flatMap((_, i) => (skew(i) >= SKEW_FROM && skew(i) <= SKEW_TO ? [i] : [])),
        (img, i) => rotateRgb(img, -(first.skews[i] ?? 0)),
        (again, before, againSkew) => Math.abs(againSkew) < SKEW_FROM / 2 && readingWeight(again) >= 0.75 * readingWeight(before));
      // A page on its side (most of its lines vertical) is read again turned a quarter: the detector finds horizontal
      // lines far better (vertical ones come out in pieces, their ends cut off), and the angle classifier then tells
      // which of the two upright ways it is. The reading with more text (by confidence) is kept.
      await readAgain(images, first, images.flatMap((_, i) => (isSideways(first.decoded[i] as OcrResult) ? [i] : [])),
        async (img) => {
          const height = img.original?.height ?? img.height;
          return { image: rotate90(img), back: (box: Box) => boxFromRotated90(box, height) };
        },
        (again, before) => readingWeight(again) > readingWeight(before));
      return first;
    },
    async runPixels(pixels) {
      const [n = 0, c, hh, ww] = pixels.dims;
      if (pixels.dims.length !== 4 || c !== 3 || hh !== spec.height || ww !== spec.width) {
        throw new InvalidArgumentError(`pixel_values must have shape [N,3,${spec.height},${spec.width}], got [${pixels.dims.join(',')}]`);
      }
      const sources = Array.from({ length: n }, (_, i) => pixelsToRgb(pixels, i, spec));
      const { features, pooled, decoded } = await run(pixels, sources, sources.map(() => inputPlacement));
      return { features, pooled, decoded };
    },
    async dispose() {
      await det.release();
      await rec.release();
      await cls?.release();
    },
  };
};
