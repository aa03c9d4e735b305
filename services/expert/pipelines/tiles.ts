/**
 * Detectors on large images: a fixed-size detector (UltraFace's 320×240, FastestDet's 352×352) sees a 4000×3000
 * group photo at a twelfth of its size, where a 120-pixel face is 10 pixels wide and no longer found. Such an image
 * is also run as a grid of overlapping tiles, each shrunk at most `from`× (registry `tiling`), and the tiles'
 * detections are merged with the whole image's: detections cut by a tile's inner edge are dropped (the overlap
 * shows them whole in a neighbouring tile, or the whole-image pass finds them), and so are detections that are not
 * small in the whole image (`maxFraction`); then one NMS over everything, and tile detections mostly inside a
 * stronger one (part of an object) are dropped.
 */
import sharp from 'sharp';
import type { Placement, RgbImage } from '../../../src/core/image';
import type { Box } from '../decoders/geometry';
import { intersectionArea, nms } from '../decoders/nms';

export interface TilingSettings {
  /** An image is tiled when one side is more than `from` × the model input's. */
  from: number;
  /** Tiles per side at most. */
  maxPerSide: number;
  /** Each tile reaches this fraction of its cell into its neighbours. */
  overlap: number;
  /**
   * Tiles only add detections smaller than this fraction of the image in both dimensions: larger ones are the whole
   * image pass's to find, and a tile's zoomed-in view of a large structure (a flag, a hand, half a face) is where a
   * small detector's false positives come from.
   */
  maxFraction: number;
}

/** A tile in original-image pixels. */
export interface Tile {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The tiles of an image `width`×`height` for a model input `inputWidth`×`inputHeight`; none when it is small. */
export function tileGrid(width: number, height: number, inputWidth: number, inputHeight: number, s: TilingSettings): Tile[] {
  if (width <= s.from * inputWidth && height <= s.from * inputHeight) return [];
  const cols = Math.max(1, Math.min(s.maxPerSide, Math.ceil(width / (s.from * inputWidth))));
  const rows = Math.max(1, Math.min(s.maxPerSide, Math.ceil(height / (s.from * inputHeight))));
  if (cols * rows <= 1) return [];
  const tw = Math.min(width, Math.ceil((width / cols) * (1 + s.overlap)));
  const th = Math.min(height, Math.ceil((height / rows) * (1 + s.overlap)));
  const tiles: Tile[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      tiles.push({
        x: cols === 1 ? 0 : Math.round((c * (width - tw)) / (cols - 1)),
        y: rows === 1 ? 0 : Math.round((r * (height - th)) / (rows - 1)),
        width: tw,
        height: th,
      });
    }
  }
  return tiles;
}

/** The pixels of `tile` (original-image pixels) cut out of `img` (which may have been decoded smaller). */
export async function cropTile(img: RgbImage, tile: Tile): Promise<RgbImage> {
  const rx = img.width / (img.original?.width ?? img.width);
  const ry = img.height / (img.original?.height ?? img.height);
  const left = Math.min(img.width - 1, Math.floor(tile.x * rx));
  const top = Math.min(img.height - 1, Math.floor(tile.y * ry));
  const width = Math.max(1, Math.min(img.width - left, Math.round(tile.width * rx)));
  const height = Math.max(1, Math.min(img.height - top, Math.round(tile.height * ry)));
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .extract({ left, top, width, height })
    .raw()
    .toBuffer();
  // The crop's `original` is the tile's size in original pixels, so the placement resizeRgb gives maps to it.
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height, original: { width: tile.width, height: tile.height } };
}

/** A placement for the tile (from resizeRgb on the crop) re-expressed in the whole image's pixels. */
export function placementInImage(p: Placement, tile: Tile, image: { width: number; height: number }): Placement {
  return { ...p, padX: p.padX - tile.x * p.scaleX, padY: p.padY - tile.y * p.scaleY, originalWidth: image.width, originalHeight: image.height };
}

/**
 * How a detector's decoded result holds its detections (`{faces: [...]}` or `{objects: [...]}`, each with a box
 * and a score) and the decoder's own NMS settings, which the merge applies again over whole image and tiles.
 */
export interface Detections {
  key: string;
  /** Only detections of the same `classId` suppress each other. */
  classAware: boolean;
  iouThreshold: number;
  maxDetections: number;
}

interface Detection {
  box: Box;
  score: number;
  classId?: number;
}

function cutByInnerEdge(box: Readonly<Box>, tile: Tile, image: { width: number; height: number }): boolean {
  const eps = 2;
  return (tile.x > 0 && box[0] <= tile.x + eps)
    || (tile.y > 0 && box[1] <= tile.y + eps)
    || (tile.x + tile.width < image.width && box[2] >= tile.x + tile.width - eps)
    || (tile.y + tile.height < image.height && box[3] >= tile.y + tile.height - eps);
}

/** Intersection of `a` and `b` over the area of `a`. */
function insideShare(a: Readonly<Box>, b: Readonly<Box>): number {
  const area = (a[2] - a[0]) * (a[3] - a[1]);
  return area > 0 ? intersectionArea(a, b) / area : 0;
}

/**
 * One image's decoded result from its whole-image result and its tiles' results (boxes already in the image's
 * pixels): tile detections cut by an inner tile edge or not small in the image are dropped, then NMS over all of
 * them, then tile detections lying mostly (> 60%) inside a stronger detection of the same class.
 */
export function mergeTileResults(
  whole: unknown,
  tiles: readonly { tile: Tile; result: unknown }[],
  image: { width: number; height: number },
  d: Detections,
  maxFraction: number,
): unknown {
  const list = (r: unknown): Detection[] => ((r as Record<string, unknown>)[d.key] as Detection[] | undefined) ?? [];
  const fromTiles = new Set<Detection>();
  const small = (b: Readonly<Box>): boolean => b[2] - b[0] <= maxFraction * image.width && b[3] - b[1] <= maxFraction * image.height;
  for (const { tile, result } of tiles) {
    for (const x of list(result)) if (small(x.box) && !cutByInnerEdge(x.box, tile, image)) fromTiles.add(x);
  }
  const kept = nms([...list(whole), ...fromTiles], d.iouThreshold, { classAware: d.classAware, maxDetections: d.maxDetections });
  const merged = kept.filter((x, i) => !fromTiles.has(x) || !kept.some((y, j) => j < i && (!d.classAware || y.classId === x.classId) && insideShare(x.box, y.box) > 0.6));
  return { ...(whole as object), [d.key]: merged };
}
