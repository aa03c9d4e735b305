/**
 * DB (Differentiable Binarization) post-processing for PaddleOCR text detection, following PaddleOCR's
 * DBPostProcess with `box_type: quad`: binarise the probability map at `thresh`, take each
 * connected text region, fit its minimum-area rectangle, drop it when its short side is under `minSize` or the
 * mean probability inside it (or over the region, `scoreMode: slow`) is under `boxThresh`, then grow ("unclip") it by area × `unclipRatio` / perimeter on
 * every side and drop it when its short side is under `minSize` + 2. Coordinates are continuous probability-map
 * pixel coordinates (pixel i spans [i, i + 1)), which are det-input pixels (the map has the input's size).
 * Rotated text yields rotated quads.
 */
import { ConfigError } from '../../../src/core/errors';
import { intSetting, numberSetting, stringSetting, type DecoderSettings } from './settings';

export type Point = [x: number, y: number];
/** Corners in order top-left, top-right, bottom-right, bottom-left. */
export type Quad = [Point, Point, Point, Point];

export interface DbSettings {
  /** Probability above which a pixel is text. @default 0.3 */
  thresh: number;
  /** Minimum mean probability inside a box. @default 0.6 */
  boxThresh: number;
  /** Growth of each box: offset distance = area × unclipRatio / perimeter. @default 1.5 */
  unclipRatio: number;
  /** Minimum short side (map pixels) before growing; + 2 after. @default 3 */
  minSize: number;
  /** At most this many regions per image. @default 1000 */
  maxCandidates: number;
  /**
   * What the box score averages: `fast` = the probability inside the fitted rectangle (PaddleOCR's default),
   * `slow` = the probability over the region's own pixels (PaddleOCR's polygon score; keeps curved or
   * photographed lines whose rectangle takes in much background). @default 'fast'
   */
  scoreMode: 'fast' | 'slow';
}

export const DB_SETTING_KEYS = ['thresh', 'boxThresh', 'unclipRatio', 'minSize', 'maxCandidates', 'scoreMode'] as const;

export function parseDbSettings(s: DecoderSettings): DbSettings {
  return {
    thresh: numberSetting(s, 'thresh', 0.3, 0, 1),
    boxThresh: numberSetting(s, 'boxThresh', 0.6, 0, 1),
    unclipRatio: numberSetting(s, 'unclipRatio', 1.5, 0, 10),
    minSize: numberSetting(s, 'minSize', 3, 0, 1000),
    maxCandidates: intSetting(s, 'maxCandidates', 1000, 100_000),
    scoreMode: scoreModeSetting(s),
  };
}

function scoreModeSetting(s: DecoderSettings): 'fast' | 'slow' {
  const v = stringSetting(s, 'scoreMode', 'fast');
  if (v !== 'fast' && v !== 'slow') throw new ConfigError('decoder.scoreMode', `must be "fast" or "slow", got ${JSON.stringify(v)}`);
  return v;
}

export interface DbBox {
  quad: Quad;
  /** Mean text probability inside the (un-grown) rectangle, or over the region (`scoreMode: slow`). */
  score: number;
}

interface Rect {
  cx: number;
  cy: number;
  /** Unit vector along the first side and its length; the second side is perpendicular. */
  ux: number;
  uy: number;
  w: number;
  h: number;
}

/** Convex hull (Andrew's monotone chain) of a point set, vertices in boundary order. */
export function convexHull(points: readonly Point[]): Point[] {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length <= 2) return pts;
  const cross = (o: Point, a: Point, b: Point): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Point[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2] as Point, lower[lower.length - 1] as Point, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i] as Point;
    while (upper.length >= 2 && cross(upper[upper.length - 2] as Point, upper[upper.length - 1] as Point, p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}

/** Minimum-area enclosing rectangle of a convex hull (rotating calipers over the hull's edges). */
export function minAreaRect(hull: readonly Point[]): Rect {
  const first = hull[0];
  if (!first) return { cx: 0, cy: 0, ux: 1, uy: 0, w: 0, h: 0 };
  if (hull.length === 1) return { cx: first[0], cy: first[1], ux: 1, uy: 0, w: 0, h: 0 };
  let best: Rect | undefined;
  let bestArea = Infinity;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i] as Point;
    const b = hull[(i + 1) % hull.length] as Point;
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (len === 0) continue;
    const ux = (b[0] - a[0]) / len;
    const uy = (b[1] - a[1]) / len;
    let minU = Infinity, maxU = -Infinity, minV = Infinity, maxV = -Infinity;
    for (const p of hull) {
      const u = p[0] * ux + p[1] * uy;
      const v = -p[0] * uy + p[1] * ux;
      if (u < minU) minU = u;
      if (u > maxU) maxU = u;
      if (v < minV) minV = v;
      if (v > maxV) maxV = v;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea - 1e-9) {
      bestArea = area;
      const cu = (minU + maxU) / 2;
      const cv = (minV + maxV) / 2;
      best = { cx: cu * ux - cv * uy, cy: cu * uy + cv * ux, ux, uy, w: maxU - minU, h: maxV - minV };
    }
  }
  return best ?? { cx: first[0], cy: first[1], ux: 1, uy: 0, w: 0, h: 0 };
}

/** The rectangle's corners ordered like PaddleOCR's get_mini_boxes: TL, TR, BR, BL. */
export function rectCorners(r: Rect): Quad {
  const ax = (r.ux * r.w) / 2, ay = (r.uy * r.w) / 2;
  const bx = (-r.uy * r.h) / 2, by = (r.ux * r.h) / 2;
  const pts: Point[] = [
    [r.cx - ax - bx, r.cy - ay - by],
    [r.cx + ax - bx, r.cy + ay - by],
    [r.cx + ax + bx, r.cy + ay + by],
    [r.cx - ax + bx, r.cy - ay + by],
  ].sort((p, q) => (p[0] ?? 0) - (q[0] ?? 0)) as Point[];
  const [p0, p1, p2, p3] = pts as [Point, Point, Point, Point];
  const [tl, bl] = p1[1] > p0[1] ? [p0, p1] : [p1, p0];
  const [tr, br] = p3[1] > p2[1] ? [p2, p3] : [p3, p2];
  return [tl, tr, br, bl];
}

/** Mean of `prob` over the pixels inside a convex quad (pixel centres at integer coordinates, edges inclusive). */
export function quadMean(prob: Float32Array, width: number, height: number, offset: number, quad: Quad): number {
  const xs = quad.map((p) => p[0]);
  const ys = quad.map((p) => p[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)));
  const x1 = Math.min(width - 1, Math.ceil(Math.max(...xs)));
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const y1 = Math.min(height - 1, Math.ceil(Math.max(...ys)));
  let sum = 0;
  let count = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if (!insideConvex(quad, x, y, 0.5)) continue;
      sum += prob[offset + y * width + x] ?? 0;
      count++;
    }
  }
  return count > 0 ? sum / count : 0;
}

/** Whether (x, y) lies inside a convex polygon (any winding), allowing `tol` pixels outside its edges. */
function insideConvex(poly: readonly Point[], x: number, y: number, tol: number): boolean {
  let sign = 0;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i] as Point;
    const b = poly[(i + 1) % poly.length] as Point;
    const ex = b[0] - a[0], ey = b[1] - a[1];
    const len = Math.hypot(ex, ey) || 1;
    const d = (ex * (y - a[1]) - ey * (x - a[0])) / len;
    if (Math.abs(d) <= tol) continue;
    const s = Math.sign(d);
    if (sign === 0) sign = s;
    else if (s !== sign) return false;
  }
  return true;
}

/** A connected text region: the points spanning its outline and the mean probability over its pixels. */
interface Region {
  /** For every row, the leftmost and rightmost pixel (their convex hull is the region's convex hull). */
  points: Point[];
  mean: number;
}

/** Connected regions (8-connectivity) of the binarised map. */
function regions(bitmap: Uint8Array, prob: Float32Array, offset: number, width: number, height: number, max: number): Region[] {
  const label = new Int32Array(width * height);
  const out: Region[] = [];
  const stack: number[] = [];
  const rowMin = new Int32Array(height).fill(width);
  const rowMax = new Int32Array(height).fill(-1);
  let next = 0;
  for (let start = 0; start < bitmap.length && out.length < max; start++) {
    if (!bitmap[start] || label[start]) continue;
    next++;
    label[start] = next;
    stack.push(start);
    let yMin = height, yMax = -1;
    let sum = 0, count = 0;
    while (stack.length > 0) {
      const i = stack.pop() as number;
      sum += prob[offset + i] ?? 0;
      count++;
      const x = i % width;
      const y = (i - x) / width;
      if (y < yMin) yMin = y;
      if (y > yMax) yMax = y;
      if (x < (rowMin[y] as number)) rowMin[y] = x;
      if (x > (rowMax[y] as number)) rowMax[y] = x;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (bitmap[j] && !label[j]) {
            label[j] = next;
            stack.push(j);
          }
        }
      }
    }
    const pts: Point[] = [];
    for (let r = yMin; r <= yMax; r++) {
      const lo = rowMin[r] as number;
      const hi = rowMax[r] as number;
      rowMin[r] = width;
      rowMax[r] = -1;
      if (hi < lo) continue;
      pts.push([lo, r]);
      if (hi !== lo) pts.push([hi, r]);
    }
    out.push({ points: pts, mean: sum / count });
  }
  return out;
}

function clampQuad(q: Quad, width: number, height: number): Quad {
  const c = (p: Point): Point => [Math.min(width, Math.max(0, p[0])), Math.min(height, Math.max(0, p[1]))];
  return [c(q[0]), c(q[1]), c(q[2]), c(q[3])];
}

/** DB boxes of one probability map stored at `offset` in `prob` (height × width, row-major). */
export function dbBoxes(prob: Float32Array, width: number, height: number, settings: DbSettings, offset = 0): DbBox[] {
  const bitmap = new Uint8Array(width * height);
  for (let i = 0; i < bitmap.length; i++) bitmap[i] = (prob[offset + i] ?? 0) > settings.thresh ? 1 : 0;
  const boxes: DbBox[] = [];
  for (const region of regions(bitmap, prob, offset, width, height, settings.maxCandidates)) {
    const rect = minAreaRect(convexHull(region.points));
    if (Math.min(rect.w, rect.h) < settings.minSize) continue;
    const score = settings.scoreMode === 'slow' ? region.mean : quadMean(prob, width, height, offset, rectCorners(rect));
    if (score < settings.boxThresh) continue;
    const grow = (rect.w * rect.h * settings.unclipRatio) / (2 * (rect.w + rect.h));
    const grown = { ...rect, w: rect.w + 2 * grow, h: rect.h + 2 * grow };
    if (Math.min(grown.w, grown.h) < settings.minSize + 2) continue;
    // Fitting works on pixel indices; pixel i covers [i, i + 1) in input coordinates, so shift to its centre.
    boxes.push({ quad: clampQuad(rectCorners({ ...grown, cx: grown.cx + 0.5, cy: grown.cy + 0.5 }), width, height), score });
  }
  return boxes;
}

/** DB boxes for every item of a [N, 1, H, W] probability map. */
export function dbBoxesBatch(prob: Float32Array, dims: readonly number[], settings: DbSettings): DbBox[][] {
  const [n = 0, c = 0, h = 0, w = 0] = dims;
  if (dims.length !== 4 || c !== 1 || prob.length !== n * h * w) {
    throw new Error(`detection output has dims [${dims.join(',')}]; expected [N, 1, H, W]`);
  }
  return Array.from({ length: n }, (_, i) => dbBoxes(prob, w, h, settings, i * h * w));
}

/** Axis-aligned bounds [x0, y0, x1, y1] of a quad. */
export function quadBounds(q: Quad): [number, number, number, number] {
  const xs = q.map((p) => p[0]);
  const ys = q.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** Centre, reading direction (unit vector along the top and bottom edges) and height of a quad. */
function lineFrame(q: Quad): { cx: number; cy: number; ux: number; uy: number; height: number } {
  const [tl, tr, br, bl] = q;
  let ux = tr[0] - tl[0] + br[0] - bl[0];
  let uy = tr[1] - tl[1] + br[1] - bl[1];
  const len = Math.hypot(ux, uy);
  [ux, uy] = len > 0 ? [ux / len, uy / len] : [1, 0];
  const cx = (tl[0] + tr[0] + br[0] + bl[0]) / 4;
  const cy = (tl[1] + tr[1] + br[1] + bl[1]) / 4;
  // Height: extent of the corners across the reading direction.
  const across = q.map((p) => -p[0] * uy + p[1] * ux);
  return { cx, cy, ux, uy, height: Math.max(...across) - Math.min(...across) };
}

/**
 * Reading order: boxes are grouped into rows — a box joins a row when its centre lies within a quarter of the
 * row's first box's height of the line through that box's centre along its reading direction (so slightly rotated
 * text still forms rows) — rows top to bottom, boxes in a row along the reading direction. Returns rows of indices
 * into `quads`.
 */
export function readingOrder(quads: readonly Quad[]): number[][] {
  const frames = quads.map(lineFrame);
  const order = frames.map((_, i) => i).sort((a, b) => (frames[a]?.cy ?? 0) - (frames[b]?.cy ?? 0));
  const rows: { first: ReturnType<typeof lineFrame>; items: number[] }[] = [];
  for (const i of order) {
    const f = frames[i] as ReturnType<typeof lineFrame>;
    const row = rows.find(({ first: r }) => Math.abs(-(f.cx - r.cx) * r.uy + (f.cy - r.cy) * r.ux) <= r.height / 4);
    if (row) row.items.push(i);
    else rows.push({ first: f, items: [i] });
  }
  rows.sort((a, b) => a.first.cy - b.first.cy);
  return rows.map(({ first: r, items }) => {
    const along = (i: number): number => ((frames[i]?.cx ?? 0) * r.ux) + ((frames[i]?.cy ?? 0) * r.uy);
    return items.sort((a, b) => along(a) - along(b));
  });
}
