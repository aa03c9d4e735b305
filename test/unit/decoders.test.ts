/** Decoders on synthetic tensors: IoU/NMS, box mapping through placements, ImageNet top-k, faces, objects. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/core/errors';
import { resizeRgb, type Placement, type RgbImage } from '../../src/core/image';
import { decodeFaces } from '../../services/expert/decoders/faces';
import { inputToOriginal, modelInputSize, normalisedToOriginal, type Box } from '../../services/expert/decoders/geometry';
import { decodeImagenet, IMAGENET_LABELS, softmax, topKIndices } from '../../services/expert/decoders/imagenet';
import { iou, nms } from '../../services/expert/decoders/nms';
import { COCO_LABELS, decodeObjects } from '../../services/expert/decoders/objects';
import type { Float32Tensor } from '../../services/expert/pipeline';

const identity = (w: number, h: number): Placement => ({ scaleX: 1, scaleY: 1, padX: 0, padY: 0, originalWidth: w, originalHeight: h, inputWidth: w, inputHeight: h });

function assertBoxClose(actual: readonly number[], expected: readonly number[], tol: number): void {
  assert.equal(actual.length, 4);
  actual.forEach((v, i) => assert.ok(Math.abs(v - (expected[i] ?? NaN)) <= tol, `box ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`));
}

describe('iou', () => {
  it('is 1 for identical boxes, 0 for disjoint or touching ones', () => {
    assert.equal(iou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
    assert.equal(iou([0, 0, 10, 10], [20, 20, 30, 30]), 0);
    assert.equal(iou([0, 0, 10, 10], [10, 0, 20, 10]), 0);
  });
  it('computes intersection over union', () => {
    // 10x10 boxes shifted by 5 in x: inter 50, union 150.
    assert.equal(iou([0, 0, 10, 10], [5, 0, 15, 10]), 50 / 150);
    // contained box: inter 25, union 100.
    assert.equal(iou([0, 0, 10, 10], [0, 0, 5, 5]), 0.25);
  });
  it('is 0 for degenerate boxes', () => {
    assert.equal(iou([5, 5, 5, 5], [0, 0, 10, 10]), 0);
    assert.equal(iou([10, 10, 0, 0], [0, 0, 10, 10]), 0);
  });
});

describe('nms', () => {
  const a = { box: [0, 0, 10, 10] as Box, score: 0.9, classId: 0 };
  const b = { box: [1, 1, 11, 11] as Box, score: 0.8, classId: 0 }; // IoU with a = 81/119 ≈ 0.68
  const c = { box: [50, 50, 60, 60] as Box, score: 0.7, classId: 0 };
  const d = { box: [0, 0, 10, 10] as Box, score: 0.6, classId: 1 };

  it('keeps the best of overlapping boxes and all disjoint ones, best first', () => {
    assert.deepEqual(nms([c, b, a], 0.5), [a, c]);
  });
  it('keeps overlapping boxes whose IoU is at or below the threshold', () => {
    assert.deepEqual(nms([a, b], 0.7), [a, b]);
    const half = { box: [5, 0, 15, 10] as Box, score: 0.5 }; // IoU 1/3 with a
    assert.deepEqual(nms([a, half], 1 / 3), [a, half]);
    assert.deepEqual(nms([a, half], 0.3), [a]);
  });
  it('suppresses across classes unless class-aware', () => {
    assert.deepEqual(nms([a, d], 0.5), [a]);
    assert.deepEqual(nms([a, d], 0.5, { classAware: true }), [a, d]);
  });
  it('stops at maxDetections and keeps input order on ties', () => {
    assert.deepEqual(nms([a, c, d], 0.5, { classAware: true, maxDetections: 2 }), [a, c]);
    const t1 = { box: [0, 0, 1, 1] as Box, score: 0.5 };
    const t2 = { box: [5, 5, 6, 6] as Box, score: 0.5 };
    assert.deepEqual(nms([t2, t1], 0.5), [t2, t1]);
    assert.deepEqual(nms([], 0.5), []);
  });
});

describe('box mapping', () => {
  it('maps stretch, cover and identity placements', () => {
    // 640x480 stretched into 320x240: normalised (0.25..0.5) → 160..320 x, 120..240 y.
    const stretch: Placement = { scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 0, originalWidth: 640, originalHeight: 480, inputWidth: 320, inputHeight: 240 };
    assert.deepEqual(modelInputSize(stretch), { width: 320, height: 240 });
    assert.deepEqual(normalisedToOriginal([0.25, 0.25, 0.5, 0.5], stretch), [160, 120, 320, 240]);
    // 400x200 covering 100x100: scale 0.5 → 200x100, 50 px cropped on each side (padX = -50).
    const cover: Placement = { scaleX: 0.5, scaleY: 0.5, padX: -50, padY: 0, originalWidth: 400, originalHeight: 200, inputWidth: 100, inputHeight: 100 };
    assert.deepEqual(modelInputSize(cover), { width: 100, height: 100 });
    assert.deepEqual(normalisedToOriginal([0, 0, 1, 1], cover), [100, 0, 300, 200]);
    assert.deepEqual(normalisedToOriginal([0.5, 0.5, 0.75, 1], identity(352, 352)), [176, 176, 264, 352]);
  });
  it('maps letterbox placements when they carry the input size', () => {
    // 200x100 letterboxed into 100x100: content 100x50 at the top-left, padding below.
    const letterbox = { scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 0, originalWidth: 200, originalHeight: 100, inputWidth: 100, inputHeight: 100 };
    assert.deepEqual(normalisedToOriginal([0.1, 0.1, 0.5, 0.4], letterbox), [20, 20, 100, 80]);
  });
  it('clamps to the original image', () => {
    assert.deepEqual(normalisedToOriginal([-0.1, -0.2, 1.3, 1.01], identity(100, 50)), [0, 0, 100, 50]);
    assert.deepEqual(inputToOriginal([-5, 10, 500, 20], identity(100, 50)), [0, 10, 100, 20]);
  });

  /** A grey image with one white rectangle; returns the rectangle's bounds found in resized pixels. */
  function whiteBounds(img: RgbImage): Box {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        if ((img.data[(y * img.width + x) * 3] ?? 0) > 200) {
          x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x + 1); y1 = Math.max(y1, y + 1);
        }
      }
    }
    return [x0, y0, x1, y1];
  }

  for (const resize of ['stretch', 'letterbox', 'cover'] as const) {
    it(`agrees with resizeRgb's ${resize} placement on a real resize`, async () => {
      const w = 300, h = 200;
      const data = new Uint8Array(w * h * 3).fill(60);
      const rect: Box = [120, 40, 210, 140];
      for (let y = rect[1]; y < rect[3]; y++) data.fill(255, (y * w + rect[0]) * 3, (y * w + rect[2]) * 3);
      const { rgb, placement } = await resizeRgb({ data, width: w, height: h }, { width: 150, height: 150, resize, padValue: 0 });
      const mapped = inputToOriginal(whiteBounds(rgb), placement);
      // One resized pixel is ≤ 2 original pixels here; allow for resampling blur at the edges.
      assertBoxClose(mapped, rect, 5);
      const sized = { ...placement, inputWidth: 150, inputHeight: 150 };
      const b = whiteBounds(rgb);
      assertBoxClose(normalisedToOriginal([b[0] / 150, b[1] / 150, b[2] / 150, b[3] / 150], sized), rect, 5);
    });
  }
});

describe('decodeImagenet', () => {
  it('has 1000 class names in the standard order', () => {
    assert.equal(IMAGENET_LABELS.length, 1000);
    assert.equal(IMAGENET_LABELS[0], 'tench');
    assert.equal(IMAGENET_LABELS[281], 'tabby');
    assert.equal(IMAGENET_LABELS[504], 'coffee mug');
    assert.equal(IMAGENET_LABELS[999], 'toilet tissue');
  });
  it('softmax sums to 1 and survives large logits', () => {
    const p = softmax([1000, 1000, 0]);
    assert.ok(Math.abs(p.reduce((s, v) => s + v, 0) - 1) < 1e-12);
    assert.ok(Math.abs((p[0] ?? 0) - 0.5) < 1e-12);
  });
  it('topKIndices returns the largest values first, lower index on ties', () => {
    assert.deepEqual(topKIndices([3, 1, 4, 1, 5, 9, 2, 6], 3), [5, 7, 4]);
    assert.deepEqual(topKIndices([1, 2, 2, 0], 2), [1, 2]);
    assert.deepEqual(topKIndices([1, 2], 5), [1, 0]);
  });
  it('returns top-5 softmax labels per batch item', () => {
    const logits = new Float32Array(2 * 1000);
    logits[281] = 10; logits[282] = 9; logits[283] = 8; logits[284] = 7; logits[285] = 6; logits[7] = 5;
    logits[1000 + 968] = 12;
    const out = decodeImagenet({ output: { data: logits, dims: [2, 1000] } }, [identity(1, 1), identity(1, 1)], {});
    assert.equal(out.length, 2);
    assert.deepEqual(out[0]?.labels.map((l) => l.classId), [281, 282, 283, 284, 285]);
    assert.equal(out[0]?.labels[0]?.label, 'tabby');
    const e = [10, 9, 8, 7, 6, 5].map(Math.exp);
    const z = e.reduce((s, v) => s + v, 0) + 994;
    assert.ok(Math.abs((out[0]?.labels[0]?.score ?? 0) - (e[0] ?? 0) / z) < 1e-4);
    assert.equal(out[1]?.labels[0]?.label, 'cup');
    assert.equal(decodeImagenet({ logits: { data: logits, dims: [2, 1000] } }, [identity(1, 1), identity(1, 1)], { output: 'logits', topK: 1 })[0]?.labels.length, 1);
  });
  it('rejects bad settings and missing outputs with the key named', () => {
    const t: Float32Tensor = { data: new Float32Array(1000), dims: [1, 1000] };
    assert.throws(() => decodeImagenet({ output: t }, [identity(1, 1)], { topk: 3 }), (e: unknown) => e instanceof ConfigError && e.key === 'decoder.topk');
    assert.throws(() => decodeImagenet({ output: t }, [identity(1, 1)], { topK: 0 }), (e: unknown) => e instanceof ConfigError && e.key === 'decoder.topK');
    assert.throws(() => decodeImagenet({ other: t }, [identity(1, 1)], {}), (e: unknown) => e instanceof ConfigError && e.key === 'decoder.output');
    assert.throws(() => decodeImagenet({ output: t }, [], {}), /placements/);
  });
});

describe('decodeFaces', () => {
  /** UltraFace-shaped outputs: per item a list of anchors (face probability, normalised box). */
  function faceOutputs(items: { p: number; box: Box }[][]): Record<string, Float32Tensor> {
    const anchors = Math.max(...items.map((i) => i.length));
    const scores = new Float32Array(items.length * anchors * 2);
    const boxes = new Float32Array(items.length * anchors * 4);
    items.forEach((item, b) => item.forEach(({ p, box }, a) => {
      scores.set([1 - p, p], (b * anchors + a) * 2);
      boxes.set(box, (b * anchors + a) * 4);
    }));
    return { scores: { data: scores, dims: [items.length, anchors, 2] }, boxes: { data: boxes, dims: [items.length, anchors, 4] } };
  }

  it('thresholds, suppresses overlaps (IoU > 0.3) and maps to original pixels per item', () => {
    const outputs = faceOutputs([
      [
        { p: 0.95, box: [0.25, 0.25, 0.5, 0.5] },
        { p: 0.9, box: [0.26, 0.26, 0.51, 0.51] }, // duplicate of the first
        { p: 0.8, box: [0.6, 0.1, 0.7, 0.3] },
        { p: 0.69, box: [0.0, 0.6, 0.1, 0.8] }, // under the 0.7 default threshold
      ],
      [{ p: 0.99, box: [0.1, 0.1, 0.2, 0.2] }],
    ]);
    // Item 0: 640x480 stretched into 320x240; item 1: preprocessed pixels (identity).
    const placements: Placement[] = [
      { scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 0, originalWidth: 640, originalHeight: 480, inputWidth: 320, inputHeight: 240 },
      identity(320, 240),
    ];
    const out = decodeFaces(outputs, placements, {});
    assert.deepEqual(out, [
      { faces: [{ box: [160, 120, 320, 240], score: 0.95 }, { box: [384, 48, 448, 144], score: 0.8 }] },
      { faces: [{ box: [32, 24, 64, 48], score: 0.99 }] },
    ]);
    const loose = decodeFaces(outputs, placements, { scoreThreshold: 0.5, iouThreshold: 0.99, maxDetections: 3 });
    assert.equal(loose[0]?.faces.length, 3);
  });
  it('rejects outputs of the wrong shape', () => {
    const bad = { scores: { data: new Float32Array(6), dims: [1, 2, 3] }, boxes: { data: new Float32Array(8), dims: [1, 2, 4] } };
    assert.throws(() => decodeFaces(bad, [identity(1, 1)], {}), /scores \[N,A,2\]/);
  });
});

describe('decodeObjects', () => {
  /** FastestDet-shaped [1, 85, H, W] map with given cells set. */
  function detMap(h: number, w: number, cells: { row: number; col: number; obj: number; cls: number; p: number; reg?: number[] }[]): Float32Tensor {
    const plane = h * w;
    const data = new Float32Array(85 * plane);
    for (const c of cells) {
      const cell = c.row * w + c.col;
      data[cell] = c.obj;
      (c.reg ?? [0, 0, 0, 0]).forEach((v, i) => { data[(1 + i) * plane + cell] = v; });
      for (let k = 0; k < 80; k++) data[(5 + k) * plane + cell] = (1 - c.p) / 79;
      data[(5 + c.cls) * plane + cell] = c.p;
    }
    return { data, dims: [1, 85, h, w] };
  }

  it('has the 80 COCO names', () => {
    assert.equal(COCO_LABELS.length, 80);
    assert.equal(COCO_LABELS[0], 'person');
    assert.equal(COCO_LABELS[15], 'cat');
    assert.equal(COCO_LABELS[41], 'cup');
    assert.equal(COCO_LABELS[79], 'toothbrush');
  });
  it('decodes cell offsets and sizes, scores obj^0.6·cls^0.4, and maps to original pixels', () => {
    // Cell (row 1, col 2) of a 4x4 grid; tanh(0.5)=0.4621 offsets, sigmoid(0)=0.5 sizes.
    const map = detMap(4, 4, [{ row: 1, col: 2, obj: 0.9, cls: 15, p: 0.8, reg: [0.5, -0.5, 0, 0] }]);
    const placement: Placement = { scaleX: 0.5, scaleY: 0.25, padX: 0, padY: 0, originalWidth: 704, originalHeight: 1408, inputWidth: 352, inputHeight: 352 };
    const [res] = decodeObjects({ 758: map }, [placement], {});
    // Stretch placement: normalised coordinates scale by the original size (704 x 1408); y0 < 0 is clamped.
    const cx = (2 + Math.tanh(0.5)) / 4;
    const cy = (1 + Math.tanh(-0.5)) / 4;
    assert.equal(res?.objects.length, 1);
    const o = res?.objects[0];
    assert.equal(o?.label, 'cat');
    assert.equal(o?.classId, 15);
    assert.ok(Math.abs((o?.score ?? 0) - Math.pow(0.9, 0.6) * Math.pow(0.8, 0.4)) < 1e-4);
    assertBoxClose(o?.box ?? [], [(cx - 0.25) * 704, 0, (cx + 0.25) * 704, (cy + 0.25) * 1408], 0.06);
  });
  it('applies the threshold and per-class NMS', () => {
    const map = detMap(4, 4, [
      { row: 1, col: 1, obj: 0.95, cls: 0, p: 0.9 },
      { row: 2, col: 1, obj: 0.9, cls: 0, p: 0.9, reg: [0, -2, 0, 0] }, // same size, shifted up ~1 cell → overlaps row 1
      { row: 2, col: 2, obj: 0.9, cls: 41, p: 0.9, reg: [-2, -2, 0, 0] }, // overlaps too, but another class
      { row: 3, col: 3, obj: 0.3, cls: 56, p: 0.9 }, // 0.3^0.6·0.9^0.4 ≈ 0.47 < 0.65
    ]);
    const out = decodeObjects({ 758: map }, [identity(352, 352)], {})[0]?.objects ?? [];
    assert.deepEqual(out.map((o) => o.label), ['person', 'cup']);
    const product = decodeObjects({ 758: map }, [identity(352, 352)], { objectnessExponent: 1, classExponent: 1, scoreThreshold: 0.2, iouThreshold: 0.99 })[0]?.objects ?? [];
    assert.deepEqual(product.map((o) => o.label), ['person', 'person', 'cup', 'chair']);
    assert.ok(Math.abs((product[0]?.score ?? 0) - 0.95 * 0.9) < 1e-4);
  });
  it('decodes every item of a batch with its own placement', () => {
    const one = detMap(2, 2, [{ row: 0, col: 0, obj: 0.99, cls: 2, p: 0.99 }]);
    const two = detMap(2, 2, [{ row: 1, col: 1, obj: 0.99, cls: 5, p: 0.99 }]);
    const data = new Float32Array(one.data.length * 2);
    data.set(one.data, 0);
    data.set(two.data, one.data.length);
    const out = decodeObjects({ 758: { data, dims: [2, 85, 2, 2] } }, [identity(100, 100), identity(200, 200)], {});
    assert.deepEqual(out.map((r) => r.objects.map((o) => o.label)), [['car'], ['bus']]);
    // Cell (0,0) of 2x2 with zero regression: centre (0,0), half size 0.25 → [0,0,25,25] after clamping.
    assert.deepEqual(out[0]?.objects[0]?.box, [0, 0, 25, 25]);
    assert.deepEqual(out[1]?.objects[0]?.box, [50, 50, 150, 150]);
  });
});
