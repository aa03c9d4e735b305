/** Intersection-over-union and greedy non-maximum suppression (optionally per class). */
import type { Box } from './geometry';

/** Area of the intersection of two corner boxes (0 when they do not overlap). */
export function intersectionArea(a: Readonly<Box>, b: Readonly<Box>): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return iw > 0 && ih > 0 ? iw * ih : 0;
}

/** IoU of two corner boxes; degenerate (zero-area) boxes have IoU 0 with everything. */
export function iou(a: Readonly<Box>, b: Readonly<Box>): number {
  const inter = intersectionArea(a, b);
  if (inter === 0) return 0;
  const areaA = Math.max(0, a[2] - a[0]) * Math.max(0, a[3] - a[1]);
  const areaB = Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
  const union = areaA + areaB - inter;
  return union > 0 ? inter / union : 0;
}

export interface Candidate {
  box: Box;
  score: number;
  /** Class of the box; NMS with `classAware` only suppresses boxes of the same class. */
  classId?: number;
}

export interface NmsOptions {
  /** Only boxes of the same classId suppress each other. */
  classAware?: boolean;
  /** Stop after this many boxes are kept. */
  maxDetections?: number;
}

/**
 * Greedy NMS: visit candidates by descending score (ties keep input order) and keep one unless a kept box
 * (of the same class, when class-aware) overlaps it with IoU > `iouThreshold`. Returns kept candidates,
 * highest score first.
 */
export function nms<T extends Candidate>(candidates: readonly T[], iouThreshold: number, options: NmsOptions = {}): T[] {
  const max = options.maxDetections ?? Number.POSITIVE_INFINITY;
  const order = candidates.map((_, i) => i).sort((i, j) => (candidates[j]?.score ?? 0) - (candidates[i]?.score ?? 0) || i - j);
  const kept: T[] = [];
  for (const i of order) {
    if (kept.length >= max) break;
    const c = candidates[i];
    if (!c) continue;
    let suppressed = false;
    for (const k of kept) {
      if (options.classAware && k.classId !== c.classId) continue;
      if (iou(k.box, c.box) > iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(c);
  }
  return kept;
}
