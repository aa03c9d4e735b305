/**
 * Geometry of the OCR pipeline (ocr.ts), pure functions: where detection runs (the letterbox content region, a larger
 * scale for elongated images) and how its feature map returns to the letterbox's token grid; how a detected quad is
 * sampled upright into a recognition crop, turned, squeezed; how lines of a page on its side are put in reading order.
 */
import { cropRgb, type Placement, type RgbImage } from '../../../src/core/image';
import type { Quad } from '../decoders/ocr-db';
import type { Float32Tensor } from '../pipeline';

/** Height and width of a detection input region (multiples of the network stride). */
export interface DetRegion {
  height: number;
  width: number;
}

/**
 * The detection region of one letterboxed image: its content (top-left, see resizeRgb) rounded up to `stride`, within
 * the input size. Detection on this region sees the same pixels at the same scale as on the whole letterbox, so
 * boxes keep their coordinates; the padding it skips costs compute and holds no text.
 */
export function detRegion(p: Placement, stride: number, inputHeight: number, inputWidth: number): DetRegion {
  const up = (v: number, max: number): number => Math.min(max, Math.max(stride, Math.ceil(v / stride) * stride));
  return { height: up(Math.round(p.originalHeight * p.scaleY), inputHeight), width: up(Math.round(p.originalWidth * p.scaleX), inputWidth) };
}

/**
 * Detection scale for an image of `width` × `height` with an input of `inputWidth` × `inputHeight`: the letterbox's,
 * raised for an elongated image up to the input's pixel count and eight times its long side, but never above
 * max(1, letterbox scale) (small images are not enlarged beyond the letterbox). A 480×2600 receipt: 0.25 → 0.57
 * (18 px text 4.4 → 10 px high); a 4188×74 banner 0.15 → 1; a square image or one that fits: unchanged.
 * createOcrPipeline uses it for images at least 3× longer than wide only: at 2–3× it cost spaces on test pages.
 */
export function detScale(width: number, height: number, inputWidth: number, inputHeight: number): number {
  const letterbox = Math.min(inputWidth / width, inputHeight / height);
  const budget = Math.sqrt((inputWidth * inputHeight) / (width * height));
  const longSide = (8 * Math.max(inputWidth, inputHeight)) / Math.max(width, height);
  return Math.max(letterbox, Math.min(budget, longSide, Math.max(1, letterbox)));
}

/**
 * An [1,C,H,W] map resized to [1,C,h,w] by averaging the source cells each target cell covers (the nearest cell
 * when a target cell covers none).
 */
export function resizeNchwArea(t: Float32Tensor, height: number, width: number): Float32Tensor {
  const [, c = 0, h = 0, w = 0] = t.dims;
  const out = new Float32Array(c * height * width);
  const span = (i: number, n: number, m: number): [number, number] => {
    const a = Math.floor((i * m) / n), b = Math.ceil(((i + 1) * m) / n);
    return b > a ? [a, b] : [Math.min(m - 1, a), Math.min(m, a + 1)];
  };
  for (let y = 0; y < height; y++) {
    const [y0, y1] = span(y, height, h);
    for (let x = 0; x < width; x++) {
      const [x0, x1] = span(x, width, w);
      const n = (y1 - y0) * (x1 - x0);
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) sum += t.data[(ch * h + yy) * w + xx] ?? 0;
        out[(ch * height + y) * width + x] = sum / n;
      }
    }
  }
  return { data: out, dims: [1, c, height, width] };
}

/** The top-left `region` of item `i` of an [N,C,H,W] tensor, as a [1,C,h,w] tensor (a copy). */
export function cropNchw(t: Float32Tensor, i: number, region: DetRegion): Float32Tensor {
  const [, c = 0, h = 0, w = 0] = t.dims;
  const out = new Float32Array(c * region.height * region.width);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < region.height; y++) {
      const src = ((i * c + ch) * h + y) * w;
      out.set(t.data.subarray(src, src + region.width), (ch * region.height + y) * region.width);
    }
  }
  return { data: out, dims: [1, c, region.height, region.width] };
}

/** `base` [1,C,H,W] with its top-left overwritten by `part` [1,C,h,w] (a copy; h ≤ H, w ≤ W). */
export function overlayNchw(base: Float32Tensor, part: Float32Tensor): Float32Tensor {
  const [, c = 0, h = 0, w = 0] = base.dims;
  const [, pc = 0, ph = 0, pw = 0] = part.dims;
  if (pc !== c || ph > h || pw > w) throw new Error(`cannot overlay [${part.dims.join(',')}] on [${base.dims.join(',')}]`);
  const out = Float32Array.from(base.data);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < ph; y++) out.set(part.data.subarray((ch * ph + y) * pw, (ch * ph + y + 1) * pw), (ch * h + y) * w);
  }
  return { data: out, dims: [...base.dims] };
}

function bilinear(img: RgbImage, x: number, y: number, out: number[]): void {
  const fx = Math.min(img.width - 1, Math.max(0, x));
  const fy = Math.min(img.height - 1, Math.max(0, y));
  const x0 = Math.floor(fx), y0 = Math.floor(fy);
  const x1 = Math.min(img.width - 1, x0 + 1), y1 = Math.min(img.height - 1, y0 + 1);
  const ax = fx - x0, ay = fy - y0;
  for (let c = 0; c < 3; c++) {
    const p00 = img.data[(y0 * img.width + x0) * 3 + c] ?? 0;
    const p01 = img.data[(y0 * img.width + x1) * 3 + c] ?? 0;
    const p10 = img.data[(y1 * img.width + x0) * 3 + c] ?? 0;
    const p11 = img.data[(y1 * img.width + x1) * 3 + c] ?? 0;
    out[c] = (out[c] ?? 0) + (p00 * (1 - ax) + p01 * ax) * (1 - ay) + (p10 * (1 - ax) + p11 * ax) * ay;
  }
}

/** Width (longer of top and bottom edges) and height (longer of the sides) of a quad, at least 1 each. */
function quadSize([tl, tr, br, bl]: Quad): { w: number; h: number } {
  return {
    w: Math.max(Math.hypot(tr[0] - tl[0], tr[1] - tl[1]), Math.hypot(br[0] - bl[0], br[1] - bl[1]), 1),
    h: Math.max(Math.hypot(bl[0] - tl[0], bl[1] - tl[1]), Math.hypot(br[0] - tr[0], br[1] - tr[1]), 1),
  };
}

/** A quad at least 1.5× taller than wide: vertical text, read top to bottom (PaddleOCR's get_rotate_crop_image). */
export function isVerticalQuad(q: Quad): boolean {
  const { w, h } = quadSize(q);
  return h / w >= 1.5;
}

/**
 * The quad in the coordinates of the page turned right way up, corners in reading order (TL, TR, BR, BL), for a
 * page of `width` × `height` whose lines mostly run `vertical` (top to bottom: its top is on the right; with
 * `upsideDown`, bottom to top: its top is on the left) or horizontally (`upsideDown`: its top is at the bottom).
 * Used only to order lines; boxes stay in image pixels.
 */
export function uprightQuad(q: Quad, width: number, height: number, vertical: boolean, upsideDown: boolean): Quad {
  const [tl, tr, br, bl] = q;
  if (!vertical) {
    if (!upsideDown) return q;
    const f = (p: readonly [number, number]): [number, number] => [width - p[0], height - p[1]];
    return [f(br), f(bl), f(tl), f(tr)];
  }
  if (!upsideDown) {
    const f = (p: readonly [number, number]): [number, number] => [p[1], width - p[0]];
    return [f(tr), f(br), f(bl), f(tl)];
  }
  const f = (p: readonly [number, number]): [number, number] => [height - p[1], p[0]];
  return [f(bl), f(tl), f(tr), f(br)];
}

/**
 * Sample the quad (TL, TR, BR, BL, image pixels) upright at `height` rows, width by aspect ratio (at most
 * `maxWidth`), with edge replication and k×k supersampling (k ≤ 4) when shrinking. A quad at least 1.5× taller than wide
 * is treated as vertical text and turned 90° counter-clockwise (PaddleOCR's get_rotate_crop_image).
 */
export function sampleCrop(img: RgbImage, quad: Quad, height: number, maxWidth: number): RgbImage {
  const [tl, tr, br, bl] = quad;
  const { w, h } = quadSize(quad);
  const vertical = h / w >= 1.5;
  // Origin and unit axes (per source pixel) of the upright crop.
  const [o, uEnd, vEnd, cw, ch] = vertical ? [tr, br, tl, h, w] : [tl, tr, bl, w, h];
  const ux = (uEnd[0] - o[0]) / cw, uy = (uEnd[1] - o[1]) / cw;
  const vx = (vEnd[0] - o[0]) / ch, vy = (vEnd[1] - o[1]) / ch;
  const outW = Math.max(1, Math.min(Math.floor(maxWidth), Math.ceil((height * cw) / ch)));
  const sx = cw / outW, sy = ch / height;
  // Supersampling factor: about one sample per source pixel when shrinking, capped to bound the cost on huge images.
  const k = Math.min(4, Math.max(1, Math.ceil(Math.max(sx, sy))));
  const data = new Uint8Array(outW * height * 3);
  const acc = [0, 0, 0];
  for (let oy = 0; oy < height; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      acc[0] = acc[1] = acc[2] = 0;
      for (let j = 0; j < k; j++) {
        const cv = (oy + (j + 0.5) / k) * sy;
        for (let i = 0; i < k; i++) {
          const cu = (ox + (i + 0.5) / k) * sx;
          bilinear(img, o[0] + cu * ux + cv * vx - 0.5, o[1] + cu * uy + cv * vy - 0.5, acc);
        }
      }
      const d = (oy * outW + ox) * 3;
      for (let c = 0; c < 3; c++) data[d + c] = Math.round((acc[c] ?? 0) / (k * k));
    }
  }
  return { data, width: outW, height };
}

/**
 * The image turned a quarter clockwise (width and height swap): pixel (x, y) goes to (H − 1 − y, x). Its `original`
 * size, when it was decoded smaller, swaps too.
 */
export function rotate90(img: RgbImage): RgbImage {
  const { width: w, height: h } = img;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const from = (y * w + x) * 3;
      const to = (x * h + (h - 1 - y)) * 3;
      data[to] = img.data[from] ?? 0;
      data[to + 1] = img.data[from + 1] ?? 0;
      data[to + 2] = img.data[from + 2] ?? 0;
    }
  }
  return { data, width: h, height: w, ...(img.original ? { original: { width: img.original.height, height: img.original.width } } : {}) };
}

/** A box [x0, y0, x1, y1] of the image turned by rotate90 back in the image's own pixels (`height`: its height). */
export function boxFromRotated90(box: readonly [number, number, number, number], height: number): [number, number, number, number] {
  const [x0, y0, x1, y1] = box;
  return [y0, height - x1, y1, height - x0];
}

/** The image turned by 180°. */
export function rotate180(img: RgbImage): RgbImage {
  const n = img.width * img.height;
  const data = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    const q = (n - 1 - p) * 3;
    data[p * 3] = img.data[q] ?? 0;
    data[p * 3 + 1] = img.data[q + 1] ?? 0;
    data[p * 3 + 2] = img.data[q + 2] ?? 0;
  }
  return { data, width: img.width, height: img.height };
}

/** The middle `width` columns of the image (the image itself when it is not wider). */
export function middleColumns(img: RgbImage, width: number): RgbImage {
  if (img.width <= width) return img;
  return cropRgb(img, Math.floor((img.width - width) / 2), 0, Math.floor((img.width - width) / 2) + width, img.height);
}

/** The image resized to `width` columns (linear between neighbouring columns; rows unchanged). */
export function resizeColumns(img: RgbImage, width: number): RgbImage {
  if (width === img.width) return img;
  const data = new Uint8Array(width * img.height * 3);
  const scale = img.width / width;
  for (let x = 0; x < width; x++) {
    const fx = Math.min(img.width - 1, Math.max(0, (x + 0.5) * scale - 0.5));
    const x0 = Math.floor(fx), x1 = Math.min(img.width - 1, x0 + 1), a = fx - x0;
    for (let y = 0; y < img.height; y++) {
      for (let c = 0; c < 3; c++) {
        const v0 = img.data[(y * img.width + x0) * 3 + c] ?? 0, v1 = img.data[(y * img.width + x1) * 3 + c] ?? 0;
        data[(y * width + x) * 3 + c] = Math.round(v0 * (1 - a) + v1 * a);
      }
    }
  }
  return { data, width, height: img.height };
}
