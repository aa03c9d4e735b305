/** OCR decoders on synthetic data: DB boxes from probability maps, reading order, CTC charset and greedy decoding. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/core/errors';
import { ctcDecodeBatch, ctcGreedyDecode, loadCharset, parseCharset, type Charset } from '../../services/expert/decoders/ocr-ctc';
import { convexHull, dbBoxes, dbBoxesBatch, minAreaRect, parseDbSettings, quadBounds, readingOrder, type DbSettings, type Quad } from '../../services/expert/decoders/ocr-db';
import { parseOcrSettings, recBatches, recBucketWidth } from '../../services/expert/pipelines/ocr';
import { sampleCrop } from '../../services/expert/pipelines/ocr-geometry';

const DB: DbSettings = parseDbSettings({});

/** A width×height map at `background` with the given axis-aligned rectangles (inclusive pixel ranges) set to `value`. */
function map(width: number, height: number, rects: { x0: number; y0: number; x1: number; y1: number; value: number }[], background = 0.02): Float32Array {
  const m = new Float32Array(width * height).fill(background);
  for (const r of rects) for (let y = r.y0; y <= r.y1; y++) for (let x = r.x0; x <= r.x1; x++) m[y * width + x] = r.value;
  return m;
}

describe('DB post-processing', () => {
  it('has PaddleOCR defaults and rejects bad settings', () => {
    assert.deepEqual(DB, { thresh: 0.3, boxThresh: 0.6, unclipRatio: 1.5, minSize: 3, maxCandidates: 1000, scoreMode: 'fast' });
    assert.throws(() => parseDbSettings({ scoreMode: 'poly' }), (e: unknown) => e instanceof ConfigError && e.key === 'decoder.scoreMode');
    assert.throws(() => parseDbSettings({ thresh: 2 }), (e: unknown) => e instanceof ConfigError && e.key === 'decoder.thresh');
    assert.throws(() => parseOcrSettings({ boxTresh: 0.5 }), (e: unknown) => e instanceof ConfigError && e.key === 'decoder.boxTresh');
  });

  it('finds one box per text region, grown by area × ratio / perimeter, with the mean probability as score', () => {
    const m = map(120, 60, [{ x0: 10, y0: 10, x1: 49, y1: 19, value: 0.9 }, { x0: 70, y0: 35, x1: 109, y1: 44, value: 0.8 }]);
    const boxes = dbBoxes(m, 120, 60, DB);
    assert.equal(boxes.length, 2);
    const byX = [...boxes].sort((a, b) => quadBounds(a.quad)[0] - quadBounds(b.quad)[0]);
    // Pixel centres (i + 0.5) span 39 × 9; offset = 39·9·1.5 / (2·(39+9)) ≈ 5.48 on every side.
    const d = (39 * 9 * 1.5) / (2 * 48);
    const expected = [[10.5 - d, 10.5 - d, 49.5 + d, 19.5 + d], [70.5 - d, 35.5 - d, 109.5 + d, 44.5 + d]];
    byX.forEach((b, i) => {
      quadBounds(b.quad).forEach((v, k) => assert.ok(Math.abs(v - (expected[i]?.[k] ?? NaN)) < 1e-6, `box ${i}: ${quadBounds(b.quad).join(',')}`));
    });
    assert.ok(Math.abs((byX[0]?.score ?? 0) - 0.9) < 1e-6);
    assert.ok(Math.abs((byX[1]?.score ?? 0) - 0.8) < 1e-6);
    // Corner order is TL, TR, BR, BL.
    const [tl, tr, br, bl] = byX[0]?.quad ?? [];
    assert.ok(tl && tr && br && bl && tl[0] < tr[0] && tl[1] < bl[1] && br[0] > bl[0] && br[1] > tr[1]);
  });

  it('drops regions under the box threshold and regions under the minimum size', () => {
    const m = map(80, 40, [
      { x0: 5, y0: 5, x1: 40, y1: 14, value: 0.45 }, // above thresh 0.3, below boxThresh 0.6
      { x0: 60, y0: 5, x1: 61, y1: 20, value: 0.99 }, // 2 px wide: short side 1 < minSize 3
      { x0: 50, y0: 25, x1: 75, y1: 34, value: 0.95 },
    ]);
    const boxes = dbBoxes(m, 80, 40, DB);
    assert.equal(boxes.length, 1);
    assert.ok(quadBounds(boxes[0]?.quad ?? [[0, 0], [0, 0], [0, 0], [0, 0]])[0] > 40);
    assert.equal(dbBoxes(m, 80, 40, { ...DB, boxThresh: 0.4 }).length, 2);
  });

  it("scores a curved line's rectangle low in fast mode and its own pixels high in slow mode", () => {
    // A thin arc: its bounding rectangle is mostly background.
    const w = 200, h = 60;
    const m = new Float32Array(w * h).fill(0.02);
    for (let x = 10; x < 190; x++) {
      const yc = 40 - 25 * Math.sin((Math.PI * (x - 10)) / 180);
      for (let y = Math.round(yc) - 3; y <= Math.round(yc) + 3; y++) m[y * w + x] = 0.9;
    }
    assert.equal(dbBoxes(m, w, h, DB).length, 0);
    const slow = dbBoxes(m, w, h, { ...DB, scoreMode: 'slow' });
    assert.equal(slow.length, 1);
    assert.ok(Math.abs((slow[0]?.score ?? 0) - 0.9) < 1e-6);
  });

  it('keeps boxes inside the map', () => {
    const m = map(50, 20, [{ x0: 0, y0: 0, x1: 49, y1: 8, value: 0.9 }]);
    const [b] = dbBoxes(m, 50, 20, DB);
    assert.ok(b);
    const [x0, y0, x1, y1] = quadBounds(b.quad);
    assert.ok(x0 >= 0 && y0 >= 0 && x1 <= 50 && y1 <= 20);
  });

  it('fits rotated text with a rotated quad', () => {
    const w = 200, h = 120, angle = (12 * Math.PI) / 180;
    const m = new Float32Array(w * h).fill(0.01);
    const cos = Math.cos(angle), sin = Math.sin(angle);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const u = (x - 100) * cos + (y - 60) * sin;
        const v = -(x - 100) * sin + (y - 60) * cos;
        if (Math.abs(u) <= 70 && Math.abs(v) <= 8) m[y * w + x] = 0.9;
      }
    }
    const boxes = dbBoxes(m, w, h, DB);
    assert.equal(boxes.length, 1);
    const [tl, tr] = boxes[0]?.quad ?? [];
    assert.ok(tl && tr);
    const measured = (Math.atan2(tr[1] - tl[1], tr[0] - tl[0]) * 180) / Math.PI;
    assert.ok(Math.abs(measured - 12) < 1.5, `angle ${measured}`);
  });

  it('decodes every item of a [N,1,H,W] batch on its own', () => {
    const a = map(60, 30, [{ x0: 5, y0: 5, x1: 40, y1: 14, value: 0.9 }]);
    const b = map(60, 30, []);
    const both = new Float32Array(a.length * 2);
    both.set(a, 0);
    both.set(b, a.length);
    const out = dbBoxesBatch(both, [2, 1, 30, 60], DB);
    assert.equal(out.length, 2);
    assert.equal(out[0]?.length, 1);
    assert.equal(out[1]?.length, 0);
    assert.throws(() => dbBoxesBatch(both, [2, 3, 30, 60], DB), /expected \[N, 1, H, W\]/);
  });

  it('computes hulls and minimum-area rectangles', () => {
    const hull = convexHull([[0, 0], [10, 0], [10, 4], [0, 4], [5, 2], [3, 1]]);
    assert.equal(hull.length, 4);
    const r = minAreaRect(hull);
    assert.deepEqual([Math.max(r.w, r.h), Math.min(r.w, r.h)], [10, 4]);
    assert.deepEqual([r.cx, r.cy], [5, 2]);
  });
});

describe('reading order', () => {
  const rect = (x0: number, y0: number, x1: number, y1: number): Quad => [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
  it('groups boxes into rows top to bottom, left to right within a row', () => {
    const quads = [
      rect(300, 52, 360, 70), // row 2, right (slightly lower than its neighbour)
      rect(10, 10, 200, 30), // row 1
      rect(10, 50, 120, 70), // row 2, left
      rect(12, 90, 80, 110), // row 3
    ];
    assert.deepEqual(readingOrder(quads), [[1], [2, 0], [3]]);
    assert.deepEqual(readingOrder([]), []);
  });
  it('follows the reading direction of rotated lines', () => {
    // Two words on a line rising 10° to the right, and a second line below: by their vertical extents alone the
    // right word would start a row of its own.
    const t = Math.tan((10 * Math.PI) / 180);
    const word = (x: number, y: number): Quad => [[x, y], [x + 100, y - 100 * t], [x + 100, y + 30 - 100 * t], [x, y + 30]];
    const quads = [word(10, 100), word(160, 100 - 150 * t), word(10, 160)];
    assert.deepEqual(readingOrder(quads), [[0, 1], [2]]);
  });
});

describe('CTC decoding', () => {
  const charset: Charset = parseCharset('a\nb\nc\n', true); // blank, a, b, c, ' '
  /** One-hot-ish probabilities for a class sequence (the chosen class gets p, the rest share 1 − p). */
  function probs(seq: number[], p = 0.9): Float32Array {
    const out = new Float32Array(seq.length * charset.classes).fill((1 - p) / (charset.classes - 1));
    seq.forEach((c, t) => { out[t * charset.classes + c] = p; });
    return out;
  }

  it('puts the blank at 0, the key lines next and the space last', () => {
    assert.deepEqual(charset.chars, ['', 'a', 'b', 'c', ' ']);
    assert.equal(charset.classes, 5);
    assert.deepEqual(parseCharset('x\r\ny', false).chars, ['', 'x', 'y']);
  });

  it('collapses repeats, drops blanks, keeps repeats separated by a blank', () => {
    const seq = [0, 1, 1, 0, 1, 2, 2, 4, 3, 0, 0];
    const line = ctcGreedyDecode(probs(seq), 0, seq.length, charset);
    assert.equal(line.text, 'aab c');
    assert.ok(Math.abs(line.confidence - 0.9) < 1e-6);
  });

  it('averages the probability of the kept steps only', () => {
    const data = probs([1, 1, 0, 2]);
    data[1 * charset.classes + 1] = 0.99; // a repeated step: not counted
    data[3 * charset.classes + 2] = 0.5;
    const line = ctcGreedyDecode(data, 0, 4, charset);
    assert.equal(line.text, 'ab');
    assert.ok(Math.abs(line.confidence - (0.9 + 0.5) / 2) < 1e-6);
  });

  it('reads a blank gap as a space when the space probability there reaches spaceThresh', () => {
    // a, blank (space p = 0.05), b, blank (space p = 0.01), c, blank (0.3) at the end.
    const data = probs([1, 0, 2, 0, 3, 0]);
    const setSpace = (t: number, p: number): void => { data[t * charset.classes + 4] = p; };
    setSpace(1, 0.05);
    setSpace(3, 0.01);
    setSpace(5, 0.3);
    assert.equal(ctcGreedyDecode(data, 0, 6, charset).text, 'abc', 'off by default');
    assert.equal(ctcGreedyDecode(data, 0, 6, charset, 0.02).text, 'a bc', 'only the gap that reaches it, never a trailing space');
    assert.equal(ctcGreedyDecode(data, 0, 6, charset, 0.009).text, 'a b c');
    assert.equal(ctcGreedyDecode(data, 0, 6, charset, 0.1).text, 'abc');
    // No leading space, no doubled space next to one the model emitted, the same rule in batches.
    const lead = probs([0, 1, 4, 0, 2]);
    lead[0 * charset.classes + 4] = 0.5;
    lead[3 * charset.classes + 4] = 0.5;
    assert.equal(ctcGreedyDecode(lead, 0, 5, charset, 0.02).text, 'a b');
    assert.deepEqual(ctcDecodeBatch(data, [1, 6, 5], charset, 0.02).map((l) => l.text), ['a bc']);
    // A charset without a space class (its last class is a character) never gets one.
    const plain = parseCharset('a\nb\nc\nd\n', false);
    assert.equal(ctcGreedyDecode(data, 0, 6, plain, 0.001).text, 'abc');
  });

  it('gives an empty line with confidence 0 for all blanks', () => {
    assert.deepEqual(ctcGreedyDecode(probs([0, 0, 0]), 0, 3, charset), { text: '', confidence: 0 });
  });

  it('decodes a batch and checks its shape', () => {
    const a = probs([1, 0, 2]);
    const b = probs([3, 3, 0]);
    const both = new Float32Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    assert.deepEqual(ctcDecodeBatch(both, [2, 3, 5], charset).map((l) => l.text), ['ab', 'c']);
    assert.throws(() => ctcDecodeBatch(both, [2, 3, 6], charset), /expected \[N, T, 5\]/);
  });

  it('matches the key file to the model class count (with or without the space class)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mova-keys-'));
    try {
      const file = path.join(dir, 'keys.txt');
      writeFileSync(file, 'a\nb\nc\n');
      assert.equal(loadCharset(file, 5).chars[4], ' ');
      assert.equal(loadCharset(file, 4).chars.length, 4);
      assert.throws(() => loadCharset(file, 7), (e: unknown) => e instanceof ConfigError && e.key === 'files.keys');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('recognition input', () => {
  const s = parseOcrSettings({});
  it('buckets widths: at least the minimum, then multiples of the step, capped', () => {
    assert.equal(recBucketWidth(40, s), 320);
    assert.equal(recBucketWidth(320, s), 320);
    assert.equal(recBucketWidth(321, s), 400);
    assert.equal(recBucketWidth(5000, s), 1600);
  });

  it('batches crops of equal width, at most recBatchSize crops and recMaxBatchWidth columns per run', () => {
    assert.equal(s.recMaxBatchWidth, 2560);
    // Ten narrow crops: eight, then two. Three at 640: four would fit 2560 columns, so one run. Three at 1600: one each.
    const widths = [1600, 160, 640, 160, 160, 1600, 160, 160, 640, 160, 160, 160, 160, 640, 1600, 160];
    const groups = recBatches(widths, s);
    assert.deepEqual(groups.map((g) => g.map((i) => widths[i])), [
      [160, 160, 160, 160, 160, 160, 160, 160], [160, 160], [640, 640, 640], [1600], [1600], [1600],
    ]);
    assert.deepEqual(groups.flat().sort((a, b) => a - b), widths.map((_, i) => i), 'every crop exactly once');
    // 960 columns: two per run (1920 ≤ 2560 < 2880); a width over the budget still runs, alone.
    assert.deepEqual(recBatches([960, 960, 960, 4000], s).map((g) => g.length), [2, 1, 1]);
    assert.deepEqual(recBatches([], s), []);
    assert.throws(() => parseOcrSettings({ recMaxBatchWidth: 0 }), (e: unknown) => e instanceof ConfigError && e.key === 'decoder.recMaxBatchWidth');
  });

  it('detLargeSide: 1280 by default, 0 turns it off, anything else must be a whole number of pixels up to 8192', () => {
    assert.equal(s.detLargeSide, 1280);
    assert.equal(parseOcrSettings({ detLargeSide: 0 }).detLargeSide, 0);
    for (const bad of [-1, 12.5, 9000, '960']) {
      assert.throws(() => parseOcrSettings({ detLargeSide: bad }), (e: unknown) => e instanceof ConfigError && e.key === 'decoder.detLargeSide', String(bad));
    }
  });

  it('samples a quad upright at the recognition height', () => {
    // 40×10 image: left half black, right half white.
    const img = { width: 40, height: 10, data: new Uint8Array(40 * 10 * 3) };
    for (let y = 0; y < 10; y++) for (let x = 20; x < 40; x++) img.data.fill(255, (y * 40 + x) * 3, (y * 40 + x) * 3 + 3);
    const crop = sampleCrop(img, [[0, 0], [40, 0], [40, 10], [0, 10]], 48, 1000);
    assert.equal(crop.height, 48);
    assert.equal(crop.width, 192);
    assert.equal(crop.data[(24 * 192 + 10) * 3], 0);
    assert.equal(crop.data[(24 * 192 + 180) * 3], 255);
    // A tall quad is read as vertical text: turned 90° counter-clockwise, so the image's right side comes first.
    const tall = sampleCrop(img, [[30, 0], [34, 0], [34, 10], [30, 10]], 48, 1000);
    assert.ok(tall.width > tall.height);
  });
});
