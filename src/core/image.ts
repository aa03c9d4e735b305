/**
 * Image decoding and preprocessing with sharp. Services receive encoded bytes (PNG/JPEG/WebP/...);
 * everything here guards against hostile input: a pixel limit against decompression bombs, and
 * undecodable bytes become InvalidArgumentError.
 */
import { imageSize } from 'image-size';
import sharp from 'sharp';
import { InvalidArgumentError, ResourceExhaustedError, errorMessage } from './errors';

/** Default decode limit: 40 megapixels (a 20000×20000 PNG is refused before its pixels are decoded). */
export const DEFAULT_MAX_PIXELS = 40_000_000;
/** Letterbox padding grey level when the preprocess spec gives none. */
export const DEFAULT_PAD_VALUE = 114;

/** An 8-bit RGB image in row-major HWC order. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  /**
   * Size of the encoded image (EXIF rotation applied) when it was decoded smaller than that (decodeImage's
   * `atLeast`); placements map model coordinates back to this size. Absent = the image is at full size.
   */
  original?: { width: number; height: number };
}

export type ResizeMode = 'stretch' | 'letterbox' | 'cover';

export interface PreprocessSpec {
  /** Model input height and width. */
  height: number;
  width: number;
  resize: ResizeMode;
  /** Per-channel mean and std applied to values scaled to [0,1] when `scale01`, else to raw 0..255 values. */
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  scale01: boolean;
  channelOrder: 'rgb' | 'bgr';
  /** Letterbox padding value (raw 0..255, before normalisation). */
  padValue?: number;
}

/** How model-input coordinates map back to the original image: orig = (x - padX) / scaleX. */
export interface Placement {
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
  originalWidth: number;
  originalHeight: number;
  /** Model input size the coordinates refer to. */
  inputWidth: number;
  inputHeight: number;
}

/**
 * Read only the header: size and format, with the pixel limit applied. Cheap; use it to validate at the edge.
 * PNG, JPEG, GIF and WebP headers are read in JavaScript (`image-size`: ~0.02 ms, where a libvips header read is a
 * thread-pool round trip of 0.5–1 ms on the gateway's critical path); other formats, and any header it cannot read,
 * go to libvips, whose message then names the problem.
 */
export async function probeImage(bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): Promise<{ width: number; height: number; format: string }> {
  const format = bytes.byteLength > 0 ? sniffImageFormat(bytes) : undefined;
  if (format === 'png' || format === 'jpeg' || format === 'gif' || format === 'webp') {
    let size: { width: number; height: number } | undefined;
    try {
      // image-size reads through a DataView that runs to the end of the underlying buffer, past the end of a view
      // (a request's image is a slice of the message): give it bytes that end where the image does — at most its
      // first 256 KiB (a JPEG header further in, behind big metadata, is left to libvips).
      const ends = bytes.byteOffset + bytes.byteLength === bytes.buffer.byteLength;
      // (Uint8Array's slice copies; a Buffer's `slice` would be another view.)
      size = imageSize(ends && bytes.byteLength <= PROBE_BYTES ? bytes : Uint8Array.prototype.slice.call(bytes, 0, PROBE_BYTES));
    } catch {
      size = undefined;
    }
    if (size && size.width > 0 && size.height > 0) {
      checkPixels(size.width, size.height, maxPixels);
      return { width: size.width, height: size.height, format };
    }
  }
  const { width, height, format: read } = await readHeader(bytes, maxPixels);
  return { width, height, format: read };
}

const PROBE_BYTES = 256 * 1024;

function checkPixels(width: number, height: number, maxPixels: number): void {
  if (width <= 0 || height <= 0) throw new InvalidArgumentError(`image has no pixels (${width}x${height})`);
  if (width * height > maxPixels) {
    throw new ResourceExhaustedError(`image is ${width}x${height} = ${width * height} pixels, over the limit of ${maxPixels} pixels`);
  }
}

/** The raster formats accepted, by their leading bytes. */
export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'tiff' | 'heif';
const ACCEPTED = 'PNG, JPEG, WebP, GIF, TIFF or AVIF';
const HEIF_BRANDS = new Set(['avif', 'avis', 'heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);
/** HEIF brands of HEVC-coded images (HEIC, as phones save photos): the libvips that ships with sharp cannot decode HEVC. */
const HEVC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx']);

/** The major brand of an ISO base media file (`ftyp` box first: HEIF, AVIF), or undefined. */
function isoBrand(bytes: Uint8Array): string | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 12));
  return b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp' ? b.toString('latin1', 8, 12) : undefined;
}

/**
 * An INVALID_ARGUMENT for bytes the decoder refused: libvips' message on one line (its repeated `source: bad seek`
 * probes dropped), or, for an HEVC-coded HEIF it could not read, what to send instead.
 */
function decodeFailure(err: unknown, bytes: Uint8Array): InvalidArgumentError {
  if (HEVC_BRANDS.has(isoBrand(bytes) ?? '')) {
    return new InvalidArgumentError(`image could not be decoded: HEIC (HEVC-coded HEIF, as phones save photos) is not supported by this build; convert it to JPEG, or send ${ACCEPTED}`);
  }
  const lines = errorMessage(err).split('\n').map((l) => l.replace(/source: bad seek to \d+/g, '').trim().replace(/:$/, '')).filter((l) => l !== '');
  return new InvalidArgumentError(`image could not be decoded: ${lines.join('; ')}`);
}

/**
 * The image format from the file's magic bytes, or undefined. Only these reach the decoder: libvips also renders
 * SVG (an XML document: parsing, fonts, external references) from the same entry point, which an image API fed by
 * untrusted clients has no reason to offer.
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = (off: number, text: string): boolean => b.length >= off + text.length && b.toString('latin1', off, off + text.length) === text;
  if (at(0, '\x89PNG\r\n\x1a\n')) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (at(0, 'GIF87a') || at(0, 'GIF89a')) return 'gif';
  if (at(0, 'RIFF') && at(8, 'WEBP')) return 'webp';
  if (at(0, 'II*\0') || at(0, 'MM\0*') || at(0, 'II+\0') || at(0, 'MM\0+')) return 'tiff';
  if (HEIF_BRANDS.has(isoBrand(bytes) ?? '')) return 'heif';
  return undefined;
}

async function readHeader(bytes: Uint8Array, maxPixels: number): Promise<{ width: number; height: number; oriented: { width: number; height: number }; format: string; icc: Buffer | undefined }> {
  if (bytes.byteLength === 0) throw new InvalidArgumentError('image is empty (0 bytes)');
  if (!sniffImageFormat(bytes)) {
    const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 64)).toString('latin1').trimStart();
    const what = head.startsWith('<') ? 'SVG/XML is not accepted' : 'not a known image file';
    throw new InvalidArgumentError(`image could not be decoded: ${what}; send ${ACCEPTED}`);
  }
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false, pages: 1 }).metadata();
  } catch (err) {
    throw decodeFailure(err, bytes);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  checkPixels(width, height, maxPixels);
  const oriented = { width: meta.autoOrient?.width ?? width, height: meta.autoOrient?.height ?? height };
  return { width, height, oriented, format: meta.format ?? 'unknown', icc: meta.icc };
}

/** Descriptions of the standard sRGB profiles (HP/Microsoft's and libvips' own): converting from them to sRGB is the identity. */
const SRGB_DESCRIPTION = /^sRGB( IEC ?61966-2[.-]1| built-in)?$/;

/**
 * Whether an embedded ICC profile is plain sRGB, read from its `desc` tag (ICC v2 `desc` or v4 `mluc`). Such a
 * profile needs no colour conversion, and skipping libvips' conversion saves ~8 ms on a 450×300 photo here; any
 * other profile (Adobe RGB, Display P3, "black scaled" sRGB, ...) is still converted to sRGB. Malformed → false.
 */
export function isStandardSrgbProfile(icc: Uint8Array): boolean {
  const b = Buffer.from(icc.buffer, icc.byteOffset, icc.byteLength);
  try {
    if (b.length < 132 || b.toString('latin1', 16, 20) !== 'RGB ') return false;
    const count = b.readUInt32BE(128);
    for (let i = 0; i < count && 132 + i * 12 + 12 <= b.length; i++) {
      const entry = 132 + i * 12;
      if (b.toString('latin1', entry, entry + 4) !== 'desc') continue;
      const off = b.readUInt32BE(entry + 4);
      const type = b.toString('latin1', off, off + 4);
      let text = '';
      if (type === 'desc') {
        const n = b.readUInt32BE(off + 8);
        text = b.toString('latin1', off + 12, off + 12 + n);
      } else if (type === 'mluc' && b.readUInt32BE(off + 8) > 0) {
        const len = b.readUInt32BE(off + 20), at = b.readUInt32BE(off + 24);
        const utf16be = b.subarray(off + at, off + at + len);
        text = Buffer.from(utf16be).swap16().toString('utf16le');
      }
      return SRGB_DESCRIPTION.test(text.replace(/[\0\s]+$/, ''));
    }
  } catch {
    return false;
  }
  return false;
}

/**
 * Decode any supported image to 8-bit sRGB (alpha flattened on white, EXIF rotation applied, an embedded colour
 * profile converted to sRGB unless it already is sRGB).
 *
 * `atLeast`: the smallest size the caller will resize to (a model input). An image at least four times that in both
 * directions is decoded at about twice that size instead of in full (JPEG and WebP shrink while decoding), and
 * `original` records its full size: a 12 MP photo for a 224×224 model decodes in ~27 instead of ~84 ms here. The
 * later resize to the model input then starts from ≥ 2× its size, so the model sees nearly the same pixels.
 */
export async function decodeImage(bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS, atLeast?: { width: number; height: number }): Promise<RgbImage> {
  const { icc, oriented } = await readHeader(bytes, maxPixels);
  const ignoreIcc = icc !== undefined && isStandardSrgbProfile(icc);
  const box = atLeast ? { width: Math.max(1, 2 * atLeast.width), height: Math.max(1, 2 * atLeast.height) } : undefined;
  const reduce = box !== undefined && oriented.width >= 2 * box.width && oriented.height >= 2 * box.height;
  try {
    let pipeline = sharp(bytes, { limitInputPixels: maxPixels, pages: 1, ignoreIcc }).rotate();
    if (reduce) pipeline = pipeline.resize({ width: box.width, height: box.height, fit: 'outside' });
    const { data, info } = await pipeline
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
    const image: RgbImage = { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
    return reduce ? { ...image, original: { ...oriented } } : image;
  } catch (err) {
    throw decodeFailure(err, bytes);
  }
}

/** Resize an RGB image into the spec's geometry; returns the resized RGB pixels and where they sit. */
export async function resizeRgb(img: RgbImage, spec: Pick<PreprocessSpec, 'height' | 'width' | 'resize' | 'padValue'>): Promise<{ rgb: RgbImage; placement: Placement }> {
  const input = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
  const pad = spec.padValue ?? DEFAULT_PAD_VALUE;
  // Placements refer to the full-size image, also when it was decoded smaller (img.original).
  const ow = img.original?.width ?? img.width;
  const oh = img.original?.height ?? img.height;
  let placement: Placement;
  let pipeline: sharp.Sharp;
  if (spec.resize === 'stretch') {
    pipeline = input.resize(spec.width, spec.height, { fit: 'fill' });
    placement = { scaleX: spec.width / ow, scaleY: spec.height / oh, padX: 0, padY: 0, originalWidth: ow, originalHeight: oh, inputWidth: spec.width, inputHeight: spec.height };
  } else if (spec.resize === 'letterbox') {
    const scale = Math.min(spec.width / ow, spec.height / oh);
    const w = Math.max(1, Math.round(ow * scale));
    const h = Math.max(1, Math.round(oh * scale));
    // Content sits at the top-left; padding goes right and bottom (keeps coordinates simple).
    pipeline = input.resize(w, h, { fit: 'fill' }).extend({ top: 0, left: 0, right: spec.width - w, bottom: spec.height - h, background: { r: pad, g: pad, b: pad } });
    placement = { scaleX: w / ow, scaleY: h / oh, padX: 0, padY: 0, originalWidth: ow, originalHeight: oh, inputWidth: spec.width, inputHeight: spec.height };
  } else {
    const scale = Math.max(spec.width / ow, spec.height / oh);
    const w = ow * scale;
    const h = oh * scale;
    pipeline = input.resize(spec.width, spec.height, { fit: 'cover', position: 'centre' });
    placement = { scaleX: scale, scaleY: scale, padX: -(w - spec.width) / 2, padY: -(h - spec.height) / 2, originalWidth: ow, originalHeight: oh, inputWidth: spec.width, inputHeight: spec.height };
  }
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { rgb: { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height }, placement };
}

/** Write HWC RGB pixels into `out` (CHW float32, normalised per spec) at element offset `offset`. */
export function normaliseInto(rgb: RgbImage, spec: Pick<PreprocessSpec, 'mean' | 'std' | 'scale01' | 'channelOrder'>, out: Float32Array, offset = 0): void {
  const plane = rgb.width * rgb.height;
  if (out.length < offset + 3 * plane) throw new RangeError('normaliseInto: output tensor too small');
  const k = spec.scale01 ? 1 / 255 : 1;
  for (let c = 0; c < 3; c++) {
    const src = spec.channelOrder === 'rgb' ? c : 2 - c;
    const mean = spec.mean[c] ?? 0;
    const invStd = 1 / (spec.std[c] ?? 1);
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = ((rgb.data[i * 3 + src] ?? 0) * k - mean) * invStd;
  }
}

/** Crop an axis-aligned region (clamped to the image) out of an RGB image. */
export function cropRgb(img: RgbImage, x0: number, y0: number, x1: number, y1: number): RgbImage {
  const left = Math.max(0, Math.min(img.width - 1, Math.floor(x0)));
  const top = Math.max(0, Math.min(img.height - 1, Math.floor(y0)));
  const right = Math.max(left + 1, Math.min(img.width, Math.ceil(x1)));
  const bottom = Math.max(top + 1, Math.min(img.height, Math.ceil(y1)));
  const width = right - left;
  const height = bottom - top;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const src = ((top + y) * img.width + left) * 3;
    data.set(img.data.subarray(src, src + width * 3), y * width * 3);
  }
  return { data, width, height };
}
