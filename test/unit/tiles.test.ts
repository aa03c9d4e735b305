/** Tiling of large images for detectors: the grid, placements back to the image, and the merge of tile results. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Placement } from '../../src/core/image';
import { inputToOriginal, type Box } from '../../services/expert/decoders/geometry';
import { mergeTileResults, placementInImage, tileGrid, type Tile } from '../../services/expert/pipelines/tiles';

const S = { from: 2.5, maxPerSide: 4, overlap: 0.25, maxFraction: 0.08 };

describe('tileGrid', () => {
  it('leaves images up to `from` × the input alone', () => {
    assert.deepEqual(tileGrid(800, 600, 320, 240, S), []);
    assert.deepEqual(tileGrid(640, 480, 320, 240, S), []);
  });
  it('covers a large image with overlapping tiles, at most maxPerSide per side', () => {
    const tiles = tileGrid(4000, 3000, 320, 240, S);
    assert.equal(tiles.length, 16);
    for (const t of tiles) assert.ok(t.x >= 0 && t.y >= 0 && t.x + t.width <= 4000 && t.y + t.height <= 3000, JSON.stringify(t));
    assert.deepEqual([tiles[0]!.x, tiles[0]!.y], [0, 0]);
    assert.deepEqual([tiles[15]!.x + tiles[15]!.width, tiles[15]!.y + tiles[15]!.height], [4000, 3000]);
    // Neighbours overlap by more than a quarter of a cell.
    assert.ok(tiles[0]!.x + tiles[0]!.width - tiles[1]!.x >= 1000 * 0.25, JSON.stringify(tiles.slice(0, 2)));
    // Every pixel lies in some tile.
    for (const [x, y] of [[0, 0], [3999, 2999], [2000, 1500], [1234, 2345]] as const) {
      assert.ok(tiles.some((t) => x >= t.x && x < t.x + t.width && y >= t.y && y < t.y + t.height), `${x},${y}`);
    }
  });
  it('tiles only the long side of a panorama', () => {
    const tiles = tileGrid(3000, 500, 320, 240, S);
    assert.equal(tiles.length, 4);
    assert.ok(tiles.every((t) => t.y === 0 && t.height === 500));
  });
});

describe('placementInImage', () => {
  it('maps tile-input coordinates back to the whole image', () => {
    // A 1000x750 tile at (2000, 1500), stretched into 320x240.
    const tile: Tile = { x: 2000, y: 1500, width: 1000, height: 750 };
    const p: Placement = { scaleX: 0.32, scaleY: 0.32, padX: 0, padY: 0, originalWidth: 1000, originalHeight: 750, inputWidth: 320, inputHeight: 240 };
    const q = placementInImage(p, tile, { width: 4000, height: 3000 });
    assert.deepEqual(inputToOriginal([0, 0, 320, 240], q).map(Math.round), [2000, 1500, 3000, 2250]);
    assert.deepEqual(inputToOriginal([160, 120, 161, 121], q).map((v) => Math.round(v * 100) / 100), [2500, 1875, 2503.13, 1878.13]);
  });
});

describe('mergeTileResults', () => {
  const image = { width: 2000, height: 1000 };
  const left: Tile = { x: 0, y: 0, width: 1200, height: 1000 };
  const right: Tile = { x: 800, y: 0, width: 1200, height: 1000 };
  const face = (box: Box, score: number): { box: Box; score: number } => ({ box, score });

  it('keeps one of the same face seen by the whole image and a tile, and drops faces cut by an inner tile edge', () => {
    const merged = mergeTileResults(
      { faces: [face([100, 100, 200, 220], 0.8)] },
      [
        { tile: left, result: { faces: [face([102, 98, 201, 222], 0.95), face([1150, 300, 1199, 400], 0.9)] } },
        { tile: right, result: { faces: [face([1150, 300, 1260, 410], 0.93), face([1700, 500, 1800, 620], 0.91)] } },
      ],
      image, { key: 'faces', classAware: false, iouThreshold: 0.3, maxDetections: 100 }, 0.2,
    ) as { faces: { box: Box; score: number }[] };
    assert.deepEqual(merged.faces.map((f) => f.score), [0.95, 0.93, 0.91]);
    // The left tile's face at its right edge (x1 = 1199 of 1200) was cut; the right tile saw it whole.
    assert.ok(!merged.faces.some((f) => f.box[2] === 1199), JSON.stringify(merged.faces));
  });
  it('keeps faces at the image border (not an inner edge) and keeps other fields of the result', () => {
    const merged = mergeTileResults({ faces: [], note: 'x' }, [{ tile: left, result: { faces: [face([0, 0, 60, 80], 0.9)] } }], image, { key: 'faces', classAware: false, iouThreshold: 0.3, maxDetections: 100 }, 0.2);
    assert.deepEqual(merged, { faces: [face([0, 0, 60, 80], 0.9)], note: 'x' });
  });
  it('drops tile detections that are large in the image or lie mostly inside a stronger one', () => {
    const merged = mergeTileResults(
      { faces: [face([300, 300, 420, 450], 0.99)] },
      [{ tile: left, result: { faces: [face([500, 500, 950, 980], 0.97), face([340, 320, 400, 400], 0.96), face([600, 100, 650, 160], 0.9)] } }],
      image, { key: 'faces', classAware: false, iouThreshold: 0.3, maxDetections: 100 }, 0.2,
    ) as { faces: { box: Box; score: number }[] };
    // 450x480 is over a fifth of the 2000x1000 image; the 60x80 box lies inside the 0.99 face; the last one is new.
    assert.deepEqual(merged.faces.map((f) => f.score), [0.99, 0.9]);
  });
  it('suppresses overlaps per class when class-aware', () => {
    const obj = (box: Box, score: number, classId: number): { box: Box; score: number; classId: number } => ({ box, score, classId });
    const merged = mergeTileResults(
      { objects: [obj([300, 300, 500, 600], 0.8, 0)] },
      [{ tile: left, result: { objects: [obj([305, 300, 500, 600], 0.9, 0), obj([300, 300, 500, 600], 0.7, 56)] } }],
      image, { key: 'objects', classAware: true, iouThreshold: 0.45, maxDetections: 100 }, 0.5,
    ) as { objects: { score: number; classId: number }[] };
    assert.deepEqual(merged.objects.map((o) => [o.classId, o.score]), [[0, 0.9], [56, 0.7]]);
  });
});
