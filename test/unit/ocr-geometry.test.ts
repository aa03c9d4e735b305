import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Placement } from '../../src/core/image';
import { boxFromRotated90, cropNchw, detRegion, detScale, isVerticalQuad, middleColumns, overlayNchw, resizeColumns, resizeNchwArea, rotate180, rotate90, uprightQuad } from '../../services/expert/pipelines/ocr-geometry';

const placement = (ow: number, oh: number, scale: number): Placement => ({ scaleX: scale, scaleY: scale, padX: 0, padY: 0, originalWidth: ow, originalHeight: oh, inputWidth: 640, inputHeight: 640 });

test('detection region: the letterbox content rounded up to the stride, within the input', () => {
  // 640x239 notice at scale 1: 640 x 256.
  assert.deepEqual(detRegion(placement(640, 239, 1), 32, 640, 640), { height: 256, width: 640 });
  // 480x374 receipt scaled by 4/3: content 640 x 499 -> 640 x 512.
  assert.deepEqual(detRegion(placement(480, 374, 640 / 480), 32, 640, 640), { height: 512, width: 640 });
  // A square image fills the input; a 1-pixel-high strip still gets one stride.
  assert.deepEqual(detRegion(placement(512, 512, 1.25), 32, 640, 640), { height: 640, width: 640 });
  assert.deepEqual(detRegion(placement(640, 1, 1), 32, 640, 640), { height: 32, width: 640 });
});

test('cropNchw takes the top-left region of one item; overlayNchw writes it back over a base', () => {
  // Two items [2, 2 channels, 3 rows, 4 columns], values encode (item, channel, y, x).
  const dims = [2, 2, 3, 4];
  const data = new Float32Array(2 * 2 * 3 * 4).map((_, k) => k);
  const t = { data, dims };
  const v = (i: number, c: number, y: number, x: number): number => ((i * 2 + c) * 3 + y) * 4 + x;
  const crop = cropNchw(t, 1, { height: 2, width: 3 });
  assert.deepEqual(crop.dims, [1, 2, 2, 3]);
  assert.deepEqual(Array.from(crop.data), [v(1, 0, 0, 0), v(1, 0, 0, 1), v(1, 0, 0, 2), v(1, 0, 1, 0), v(1, 0, 1, 1), v(1, 0, 1, 2),
    v(1, 1, 0, 0), v(1, 1, 0, 1), v(1, 1, 0, 2), v(1, 1, 1, 0), v(1, 1, 1, 1), v(1, 1, 1, 2)]);
  const base = { data: new Float32Array(2 * 3 * 4).fill(-1), dims: [1, 2, 3, 4] };
  const merged = overlayNchw(base, crop);
  assert.deepEqual(merged.dims, [1, 2, 3, 4]);
  assert.equal(merged.data[(0 * 3 + 1) * 4 + 2], v(1, 0, 1, 2));
  assert.equal(merged.data[(1 * 3 + 0) * 4 + 0], v(1, 1, 0, 0));
  assert.equal(merged.data[(0 * 3 + 0) * 4 + 3], -1, 'outside the region the base stays');
  assert.equal(merged.data[(1 * 3 + 2) * 4 + 0], -1);
  assert.ok(base.data.every((x) => x === -1), 'the base is not modified');
  assert.throws(() => overlayNchw(crop, base), /cannot overlay/);
});

test('rotate180 reverses the pixels; resizeColumns resamples columns only', () => {
  const img = { data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), width: 2, height: 2 };
  assert.deepEqual(Array.from(rotate180(img).data), [10, 11, 12, 7, 8, 9, 4, 5, 6, 1, 2, 3]);
  assert.deepEqual(rotate180(rotate180(img)), img);
  // A 4-wide grey ramp squeezed to 2 columns (pairs averaged) and stretched to 8 (linear between sample centres).
  const ramp = { data: Uint8Array.from([0, 0, 0, 30, 30, 30, 60, 60, 60, 90, 90, 90]), width: 4, height: 1 };
  assert.deepEqual(Array.from(resizeColumns(ramp, 2).data), [15, 15, 15, 75, 75, 75]);
  const wide = resizeColumns(ramp, 8);
  assert.deepEqual([wide.width, wide.height], [8, 1]);
  assert.deepEqual(Array.from(wide.data).filter((_, k) => k % 3 === 0), [0, 8, 23, 38, 53, 68, 83, 90]);
  assert.equal(resizeColumns(ramp, 4), ramp);
});

test('rotate90 turns a quarter clockwise; boxFromRotated90 maps a box of the turned image back', () => {
  // 3 x 2 image, pixel value = 10·y + x (grey): turned, it is 2 x 3 and its top row is the old left column, bottom up.
  const px = (x: number, y: number): number[] => [10 * y + x, 10 * y + x, 10 * y + x];
  const img = { data: Uint8Array.from([...px(0, 0), ...px(1, 0), ...px(2, 0), ...px(0, 1), ...px(1, 1), ...px(2, 1)]), width: 3, height: 2 };
  const r = rotate90(img);
  assert.deepEqual([r.width, r.height], [2, 3]);
  assert.deepEqual(Array.from(r.data).filter((_, k) => k % 3 === 0), [10, 0, 11, 1, 12, 2]);
  const four = rotate90(rotate90(rotate90(r)));
  assert.deepEqual(four.data, img.data);
  assert.deepEqual(rotate90({ ...img, original: { width: 300, height: 200 } }).original, { width: 200, height: 300 });
  // A box around pixel (2, 0) of the 3 x 2 image sits around pixel (1, 2) of the turned one; mapped back it is the original box.
  assert.deepEqual(boxFromRotated90([1, 2, 2, 3], 2), [2, 0, 3, 1]);
});

test('lines of a page on its side or upside down are ordered from the page\'s top', () => {
  type Q = [[number, number], [number, number], [number, number], [number, number]];
  const box = (x0: number, y0: number, x1: number, y1: number): Q => [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
  assert.equal(isVerticalQuad(box(0, 0, 10, 40)), true);
  assert.equal(isVerticalQuad(box(0, 0, 40, 10)), false);
  // A 100x200 page turned 90° clockwise (its top on the right): the first line is the rightmost vertical box.
  const first = box(80, 10, 90, 150), second = box(60, 10, 70, 150);
  const [a, b] = [first, second].map((q) => uprightQuad(q, 100, 200, true, false));
  assert.ok(a![0][1] < b![0][1], 'the rightmost line comes first');
  assert.ok(a![1][0] > a![0][0] && Math.abs(a![1][1] - a![0][1]) < 1e-9, 'and runs left to right');
  // Turned 90° counter-clockwise (top on the left): the leftmost line comes first.
  const [c, d] = [box(10, 50, 20, 190), box(30, 50, 40, 190)].map((q) => uprightQuad(q, 100, 200, true, true));
  assert.ok(c![0][1] < d![0][1] && c![1][0] > c![0][0]);
  // Upside down: the bottom line comes first, still left to right.
  const [e, f] = [box(10, 180, 90, 190), box(10, 160, 90, 170)].map((q) => uprightQuad(q, 100, 200, false, true));
  assert.ok(e![0][1] < f![0][1] && e![1][0] > e![0][0]);
  // Upright: unchanged.
  assert.deepEqual(uprightQuad(first, 100, 200, false, false), first);
});

test('detection scale: the letterbox\'s, larger for elongated images within the pixel budget and 8x the long side', () => {
  assert.equal(detScale(640, 640, 640, 640), 1);
  assert.equal(detScale(1280, 1280, 640, 640), 0.5);
  assert.equal(detScale(300, 200, 640, 640), 640 / 300, 'small images keep the letterbox scale');
  // A 480x2600 receipt: 0.246 -> the pixel budget, sqrt(640*640 / (480*2600)) = 0.574.
  assert.ok(Math.abs(detScale(480, 2600, 640, 640) - Math.sqrt((640 * 640) / (480 * 2600))) < 1e-12);
  // A 3800x96 banner: 1 (never enlarged); a 20000x40 one: capped by 8 x 640 on the long side.
  assert.equal(detScale(3800, 96, 640, 640), 1);
  assert.ok(Math.abs(detScale(20000, 40, 640, 640) - 5120 / 20000) < 1e-12);
  // Never enlarged beyond 1 when the letterbox itself shrinks.
  assert.equal(detScale(700, 60, 640, 640), 1);
});

test('resizeNchwArea averages the covered cells; middleColumns takes the centre', () => {
  // One channel, 2x4 -> 1x2: each target cell averages a 2x2 block.
  const t = { data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), dims: [1, 1, 2, 4] };
  assert.deepEqual(Array.from(resizeNchwArea(t, 1, 2).data), [3.5, 5.5]);
  // Enlarging falls back to the nearest cell.
  assert.deepEqual(Array.from(resizeNchwArea({ data: Float32Array.from([1, 2]), dims: [1, 1, 1, 2] }, 1, 4).data), [1, 1, 2, 2]);
  const img = { data: Uint8Array.from({ length: 6 * 3 }, (_, k) => Math.floor(k / 3)), width: 6, height: 1 };
  assert.deepEqual(Array.from(middleColumns(img, 2).data), [2, 2, 2, 3, 3, 3]);
  assert.equal(middleColumns(img, 8), img);
});
