/** Image decoding (formats, alpha, depth, colour spaces, limits, hostile bytes) and preprocessing geometry. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { InvalidArgumentError, ResourceExhaustedError } from '../../src/core/errors';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_MAX_PIXELS, cropRgb, decodeImage, isStandardSrgbProfile, normaliseInto, probeImage, resizeRgb, sniffImageFormat, type RgbImage } from '../../src/core/image';
import { PROJECT_ROOT } from '../../src/core/registry';

const RED = { r: 200, g: 30, b: 40 };

function solid(width: number, height: number, c: { r: number; g: number; b: number }): sharp.Sharp {
  return sharp({ create: { width, height, channels: 3, background: c } });
}

function pixel(img: RgbImage, x: number, y: number): [number, number, number] {
  const i = (y * img.width + x) * 3;
  return [img.data[i] ?? -1, img.data[i + 1] ?? -1, img.data[i + 2] ?? -1];
}

function assertPixel(actual: readonly number[], expected: readonly number[], tol: number, what: string): void {
  assert.ok(actual.every((v, i) => Math.abs(v - (expected[i] ?? NaN)) <= tol), `${what}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)} ±${tol}`);
}

/** An image whose left half is red and right half is blue (width must be even). */
function halves(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(x < width / 2 ? [255, 0, 0] : [0, 0, 255], (y * width + x) * 3);
  }
  return { data, width, height };
}

/** Every pixel holds (x, y, x+y) so crops can be checked exactly. */
function coords(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([x, y, x + y], (y * width + x) * 3);
  return { data, width, height };
}

function invalidImage(re: RegExp): (err: unknown) => boolean {
  return (err: unknown) => err instanceof InvalidArgumentError && re.test(err.message);
}

describe('decodeImage', () => {
  it('PNG RGB: exact pixels, 3 channels, HWC', async () => {
    const png = await solid(5, 3, RED).png().toBuffer();
    const img = await decodeImage(png);
    assert.equal(img.width, 5);
    assert.equal(img.height, 3);
    assert.equal(img.data.length, 5 * 3 * 3);
    for (let i = 0; i < 15; i++) assert.deepEqual(pixel(img, i % 5, Math.floor(i / 5)), [200, 30, 40]);
  });

  it('JPEG RGB decodes close to the source colour', async () => {
    const jpg = await solid(16, 8, RED).jpeg({ quality: 95 }).toBuffer();
    const img = await decodeImage(jpg);
    assert.deepEqual([img.width, img.height], [16, 8]);
    assertPixel(pixel(img, 8, 4), [200, 30, 40], 6, 'jpeg centre');
  });

  it('RGBA is flattened onto white to 3 channels', async () => {
    // Four pixels: opaque red, transparent, half-transparent black, opaque blue.
    const rgba = Buffer.from([255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 0, 128, 0, 0, 255, 255]);
    const png = await sharp(rgba, { raw: { width: 2, height: 2, channels: 4 } }).png().toBuffer();
    assert.equal((await sharp(png).metadata()).channels, 4);
    const img = await decodeImage(png);
    assert.equal(img.data.length, 2 * 2 * 3);
    assert.deepEqual(pixel(img, 0, 0), [255, 0, 0]);
    assert.deepEqual(pixel(img, 1, 0), [255, 255, 255]);
    assertPixel(pixel(img, 0, 1), [127, 127, 127], 1, 'half-transparent black on white');
    assert.deepEqual(pixel(img, 1, 1), [0, 0, 255]);
  });

  it('16-bit PNG becomes 8-bit', async () => {
    const png16 = await solid(4, 2, RED).toColourspace('rgb16').png().toBuffer();
    assert.equal((await sharp(png16).metadata()).depth, 'ushort');
    assert.equal(png16[24], 16, 'IHDR bit depth');
    const img = await decodeImage(png16);
    assert.equal(img.data.length, 4 * 2 * 3);
    assertPixel(pixel(img, 3, 1), [200, 30, 40], 1, '16-bit');
  });

  it('grayscale (1 channel) and gray+alpha become 3 equal channels', async () => {
    const gray = await solid(3, 2, { r: 90, g: 90, b: 90 }).toColourspace('b-w').png().toBuffer();
    assert.equal((await sharp(gray).metadata()).channels, 1);
    const g = await decodeImage(gray);
    assert.equal(g.data.length, 3 * 2 * 3);
    assertPixel(pixel(g, 2, 1), [90, 90, 90], 1, 'gray');

    const ga = await sharp(Buffer.from([100, 255, 100, 0, 100, 128, 0, 255]), { raw: { width: 2, height: 2, channels: 2 } }).toColourspace('b-w').png().toBuffer();
    assert.equal((await sharp(ga).metadata()).channels, 2);
    const img = await decodeImage(ga);
    assert.equal(img.data.length, 2 * 2 * 3);
    assert.deepEqual(pixel(img, 0, 0), [100, 100, 100]);
    assert.deepEqual(pixel(img, 1, 0), [255, 255, 255]);
    assertPixel(pixel(img, 0, 1), [177, 177, 177], 1, 'gray 100 at alpha 128 on white');
    assert.deepEqual(pixel(img, 1, 1), [0, 0, 0]);
  });

  it('CMYK JPEG is converted to sRGB', async () => {
    const cmyk = await solid(8, 4, RED).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer();
    const meta = await sharp(cmyk).metadata();
    assert.equal(meta.space, 'cmyk');
    assert.equal(meta.channels, 4);
    const img = await decodeImage(cmyk);
    assert.equal(img.data.length, 8 * 4 * 3);
    // Without an embedded profile the round trip is approximate: still clearly red.
    const [r, g, b] = pixel(img, 4, 2);
    assert.ok(r > 170 && g < 70 && b < 70, `cmyk red decoded as ${r},${g},${b}`);
  });

  it('converts an embedded non-sRGB profile to sRGB, and an sRGB one (skipped, it is the identity) gives the same pixels', async () => {
    const fixture = (f: string): Buffer => readFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'images', f));
    const converted = async (b: Buffer): Promise<Buffer> => sharp(b).toColourspace('srgb').removeAlpha().raw().toBuffer();
    const maxDiff = (a: Uint8Array, b: Uint8Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? -999))), 0);
    // chelsea.png embeds "sRGB IEC61966-2.1": decoding without the conversion changes no pixel.
    const cat = fixture('chelsea.png');
    assert.equal(maxDiff((await decodeImage(cat)).data, await converted(cat)), 0);
    // rocket.jpg embeds "Adobe RGB (1998)": it is converted (ignoring it would shift colours by up to 55 levels).
    const rocket = fixture('rocket.jpg');
    const decoded = (await decodeImage(rocket)).data;
    assert.equal(maxDiff(decoded, await converted(rocket)), 0);
    assert.ok(maxDiff(decoded, await sharp(rocket, { ignoreIcc: true }).raw().toBuffer()) > 10);
    // A Display P3 photo is converted too: red in P3 is outside sRGB, so it clips to the sRGB primary.
    const p3 = await solid(4, 4, { r: 255, g: 0, b: 0 }).withIccProfile('p3').png().toBuffer();
    assertPixel(pixel(await decodeImage(p3), 0, 0), [255, 0, 0], 1, 'P3 red → sRGB');
  });

  it('isStandardSrgbProfile reads the profile description (ICC v2 desc and v4 mluc)', async () => {
    const icc = async (b: Buffer): Promise<Buffer> => (await sharp(b).metadata()).icc as Buffer;
    const fixture = (f: string): Buffer => readFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'images', f));
    assert.equal(isStandardSrgbProfile(await icc(fixture('chelsea.png'))), true); // v2, "sRGB IEC61966-2.1"
    assert.equal(isStandardSrgbProfile(await icc(fixture('rocket.jpg'))), false); // v2, "Adobe RGB (1998)"
    assert.equal(isStandardSrgbProfile(await icc(await solid(4, 4, RED).withIccProfile('srgb').png().toBuffer())), true); // v4 mluc
    assert.equal(isStandardSrgbProfile(await icc(await solid(4, 4, RED).withIccProfile('p3').png().toBuffer())), false);
    assert.equal(isStandardSrgbProfile(new Uint8Array(0)), false);
    assert.equal(isStandardSrgbProfile(Buffer.alloc(200, 0xff)), false);
    const truncated = (await icc(fixture('chelsea.png'))).subarray(0, 140);
    assert.equal(isStandardSrgbProfile(truncated), false);
  });

  it('decodes a big image small when the caller needs less (atLeast), keeping its full size for coordinates', async () => {
    // 2400x1600 with a red block at x 1200-1800, y 400-800, white elsewhere.
    const big = await sharp({ create: { width: 2400, height: 1600, channels: 3, background: '#ffffff' } })
      .composite([{ input: await solid(600, 400, RED).png().toBuffer(), left: 1200, top: 400 }]).jpeg({ quality: 95 }).toBuffer();
    const full = await decodeImage(big);
    assert.equal(full.original, undefined);
    const small = await decodeImage(big, undefined, { width: 320, height: 240 });
    assert.deepEqual(small.original, { width: 2400, height: 1600 });
    assert.ok(small.width >= 640 && small.height >= 480 && small.width < 1200, `${small.width}x${small.height}`);
    for (const resize of ['stretch', 'letterbox', 'cover'] as const) {
      const spec = { width: 320, height: 240, resize };
      const a = await resizeRgb(full, spec);
      const b = await resizeRgb(small, spec);
      assert.deepEqual(b.placement, a.placement, `${resize}: placement in full-size coordinates`);
      let diff = 0;
      for (let i = 0; i < a.rgb.data.length; i++) diff += Math.abs((a.rgb.data[i] ?? 0) - (b.rgb.data[i] ?? 0));
      assert.ok(diff / a.rgb.data.length < 2, `${resize}: mean pixel difference ${diff / a.rgb.data.length}`);
    }
    // EXIF rotation applies first: the recorded size is the upright one.
    const rotated = await sharp(big).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    const upright = await decodeImage(rotated, undefined, { width: 240, height: 320 });
    assert.deepEqual(upright.original, { width: 1600, height: 2400 });
    assert.ok(upright.height > upright.width, `${upright.width}x${upright.height}`);
    // Less than four times the size it needs (3x here): decoded in full.
    const medium = await decodeImage(big, undefined, { width: 800, height: 600 });
    assert.equal(medium.original, undefined);
    assert.equal(medium.width, 2400);
  });

  it('applies EXIF orientation', async () => {
    const jpg = await solid(8, 4, RED).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    assert.equal((await sharp(jpg).metadata()).orientation, 6);
    const img = await decodeImage(jpg);
    assert.deepEqual([img.width, img.height], [4, 8]);
  });

  it('WebP decodes', async () => {
    const webp = await solid(6, 6, RED).webp({ lossless: true }).toBuffer();
    assert.deepEqual(pixel(await decodeImage(webp), 5, 5), [200, 30, 40]);
  });

  it('accepts the raster formats by their magic bytes (PNG, JPEG, WebP, GIF, TIFF, AVIF) and decodes each', async () => {
    const encoded: [string, Buffer][] = [
      ['png', await solid(8, 8, RED).png().toBuffer()],
      ['jpeg', await solid(8, 8, RED).jpeg({ quality: 100 }).toBuffer()],
      ['webp', await solid(8, 8, RED).webp({ lossless: true }).toBuffer()],
      ['gif', await solid(8, 8, RED).gif().toBuffer()],
      ['tiff', await solid(8, 8, RED).tiff().toBuffer()],
      ['heif', await solid(8, 8, RED).avif({ lossless: true }).toBuffer()],
    ];
    for (const [format, bytes] of encoded) {
      assert.equal(sniffImageFormat(bytes), format);
      assertPixel(pixel(await decodeImage(bytes), 4, 4), [200, 30, 40], 12, format);
    }
  });

  it('refuses SVG (libvips would render it) and other non-raster or unknown files before decoding', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10" fill="red"/></svg>');
    assert.ok((await sharp(svg).metadata()).format === 'svg', 'libvips itself would decode it');
    for (const bytes of [svg, Buffer.from(`  \n<?xml version="1.0"?>${svg.toString()}`)]) {
      assert.equal(sniffImageFormat(bytes), undefined);
      await assert.rejects(decodeImage(bytes), invalidImage(/could not be decoded: SVG\/XML is not accepted; send PNG, JPEG, WebP, GIF, TIFF or AVIF/));
      await assert.rejects(probeImage(bytes), invalidImage(/SVG\/XML is not accepted/));
    }
    // A BMP header: a raster format libvips does not read.
    const bmp = Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]);
    await assert.rejects(decodeImage(bmp), invalidImage(/could not be decoded: not a known image file; send PNG, JPEG/));
  });

  it('empty bytes → InvalidArgumentError', async () => {
    await assert.rejects(decodeImage(new Uint8Array(0)), invalidImage(/image is empty \(0 bytes\)/));
  });

  it('garbage → InvalidArgumentError', async () => {
    await assert.rejects(decodeImage(Buffer.from('definitely not an image')), invalidImage(/could not be decoded/));
    const noise = new Uint8Array(512);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + 13) % 256;
    await assert.rejects(decodeImage(noise), InvalidArgumentError);
    // A PNG signature and nothing else.
    await assert.rejects(decodeImage(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), InvalidArgumentError);
  });

  it('a truncated PNG (valid header, missing pixel data) → InvalidArgumentError', async () => {
    const noisy = Buffer.alloc(64 * 64 * 3);
    for (let i = 0; i < noisy.length; i++) noisy[i] = (i * 2654435761) >>> 24;
    const png = await sharp(noisy, { raw: { width: 64, height: 64, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
    const truncated = png.subarray(0, Math.floor(png.length / 2));
    assert.deepEqual((await probeImage(truncated)).width, 64, 'the header alone still probes');
    await assert.rejects(decodeImage(truncated), invalidImage(/could not be decoded/));
  });

  it('an HEIC file (HEVC-coded HEIF) it cannot read says so and what to send; a broken HEIF gives a one-line message', async () => {
    const box = (brand: string): Buffer => Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from(`ftyp${brand}`), Buffer.alloc(4), Buffer.from(`mif1${brand}`), Buffer.alloc(200)]);
    for (const brand of ['heic', 'heix', 'hevc']) {
      await assert.rejects(decodeImage(box(brand)), invalidImage(/HEIC \(HEVC-coded HEIF, as phones save photos\) is not supported by this build; convert it to JPEG, or send PNG, JPEG, WebP, GIF, TIFF or AVIF/));
    }
    const avif = await solid(16, 16, RED).avif().toBuffer();
    await assert.rejects(decodeImage(avif.subarray(0, 40)), (err: unknown) => {
      assert.ok(err instanceof InvalidArgumentError);
      assert.match(err.message, /^image could not be decoded: /);
      assert.doesNotMatch(err.message, /\n|source: bad seek/, err.message);
      assert.doesNotMatch(err.message, /HEIC/);
      return true;
    });
  });

  it('over the pixel limit → ResourceExhaustedError (checked from the header); at the limit is fine', async () => {
    const png = await solid(20, 10, RED).png().toBuffer();
    await assert.rejects(decodeImage(png, 199), (err: unknown) => {
      assert.ok(err instanceof ResourceExhaustedError);
      assert.match(err.message, /20x10 = 200 pixels, over the limit of 199 pixels/);
      return true;
    });
    const ok = await decodeImage(png, 200);
    assert.deepEqual([ok.width, ok.height], [20, 10]);
    assert.equal(DEFAULT_MAX_PIXELS, 40_000_000);
  });

  it('probeImage reports size and format without decoding', async () => {
    assert.deepEqual(await probeImage(await solid(7, 5, RED).jpeg().toBuffer()), { width: 7, height: 5, format: 'jpeg' });
    await assert.rejects(probeImage(await solid(7, 5, RED).png().toBuffer(), 34), ResourceExhaustedError);
  });

  it('probeImage reads PNG, JPEG (progressive too), GIF and WebP headers in JavaScript exactly as libvips does; others and unreadable headers go to libvips', async () => {
    const made = [
      await solid(33, 17, RED).png().toBuffer(), await solid(33, 17, RED).jpeg({ progressive: true }).toBuffer(),
      await solid(33, 17, RED).gif().toBuffer(), await solid(33, 17, RED).webp({ lossless: true }).toBuffer(),
      await solid(33, 17, RED).webp().toBuffer(), await solid(33, 17, RED).tiff().toBuffer(),
    ];
    const fixtures = ['chelsea.png', 'dog.jpg', 'receipt-cafe.jpg', 'page.png'].map((f) => readFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'images', f)));
    for (const bytes of [...made, ...fixtures]) {
      const meta = await sharp(bytes).metadata();
      const probed = await probeImage(bytes);
      assert.deepEqual([probed.width, probed.height], [meta.width, meta.height], `${meta.format}`);
    }
    // A PNG whose IHDR is cut off: not readable in JavaScript, so libvips answers (and names the problem).
    const cut = made[0]!.subarray(0, 20);
    await assert.rejects(probeImage(cut), invalidImage(/could not be decoded/));
  });
});

describe('resizeRgb', () => {
  const src = halves(40, 20); // left half red, right half blue

  it('stretch fills the input size; scales differ per axis', async () => {
    const { rgb, placement } = await resizeRgb(src, { width: 16, height: 16, resize: 'stretch' });
    assert.deepEqual([rgb.width, rgb.height, rgb.data.length], [16, 16, 16 * 16 * 3]);
    assert.deepEqual(placement, { scaleX: 0.4, scaleY: 0.8, padX: 0, padY: 0, originalWidth: 40, originalHeight: 20, inputWidth: 16, inputHeight: 16 });
    assertPixel(pixel(rgb, 2, 8), [255, 0, 0], 2, 'left');
    assertPixel(pixel(rgb, 13, 8), [0, 0, 255], 2, 'right');
  });

  it('letterbox keeps the aspect ratio, content top-left, padding right/bottom with padValue', async () => {
    const { rgb, placement } = await resizeRgb(src, { width: 16, height: 16, resize: 'letterbox', padValue: 7 });
    assert.deepEqual([rgb.width, rgb.height], [16, 16]);
    assert.deepEqual(placement, { scaleX: 0.4, scaleY: 0.4, padX: 0, padY: 0, originalWidth: 40, originalHeight: 20, inputWidth: 16, inputHeight: 16 });
    // Content: 16×8 at the top; rows 8..15 are padding.
    assertPixel(pixel(rgb, 1, 1), [255, 0, 0], 2, 'content left');
    assertPixel(pixel(rgb, 14, 6), [0, 0, 255], 2, 'content right');
    for (const [x, y] of [[0, 8], [8, 12], [15, 15]] as const) assert.deepEqual(pixel(rgb, x, y), [7, 7, 7], `pad at ${x},${y}`);
  });

  it('letterbox pads on the right for tall images; default pad value is 114', async () => {
    const tall = halves(10, 40);
    const { rgb, placement } = await resizeRgb(tall, { width: 20, height: 20, resize: 'letterbox' });
    assert.equal(placement.scaleX, 0.5);
    assert.equal(placement.scaleY, 0.5);
    assert.deepEqual(pixel(rgb, 19, 10), [114, 114, 114]);
    assertPixel(pixel(rgb, 1, 10), [255, 0, 0], 2, 'content');
  });

  it('cover fills the input, crops the overflow centrally, and records a negative pad', async () => {
    const { rgb, placement } = await resizeRgb(src, { width: 16, height: 16, resize: 'cover' });
    assert.deepEqual([rgb.width, rgb.height], [16, 16]);
    // scale = max(16/40, 16/20) = 0.8 → 32×16, 8 columns cropped each side.
    const { padY, ...rest } = placement;
    assert.deepEqual(rest, { scaleX: 0.8, scaleY: 0.8, padX: -8, originalWidth: 40, originalHeight: 20, inputWidth: 16, inputHeight: 16 });
    assert.ok(padY === 0, `padY ${padY}`); // -0 here; equal to 0 in arithmetic
    // orig x = (x - padX) / scale: the red/blue edge at orig 20 lands at input x = 20·0.8 − 8 = 8.
    assertPixel(pixel(rgb, 5, 8), [255, 0, 0], 2, 'left of the edge');
    assertPixel(pixel(rgb, 10, 8), [0, 0, 255], 2, 'right of the edge');
    assert.equal((5 - placement.padX) / placement.scaleX < 20, true);
    assert.equal((10 - placement.padX) / placement.scaleX > 20, true);
  });

  it('records non-square input sizes', async () => {
    for (const resize of ['stretch', 'letterbox', 'cover'] as const) {
      const { rgb, placement } = await resizeRgb(src, { width: 32, height: 24, resize });
      assert.deepEqual([rgb.width, rgb.height], [32, 24], resize);
      assert.deepEqual([placement.inputWidth, placement.inputHeight, placement.originalWidth, placement.originalHeight], [32, 24, 40, 20], resize);
    }
  });
});

describe('normaliseInto', () => {
  const img: RgbImage = { data: new Uint8Array([255, 0, 51, 0, 255, 102]), width: 2, height: 1 };

  it('writes CHW planes, scaled to [0,1], minus mean, over std', () => {
    const out = new Float32Array(6);
    normaliseInto(img, { mean: [0.5, 0, 0.1], std: [0.5, 1, 0.2], scale01: true, channelOrder: 'rgb' }, out);
    const expected = [(1 - 0.5) / 0.5, (0 - 0.5) / 0.5, 0, 1, (0.2 - 0.1) / 0.2, (0.4 - 0.1) / 0.2];
    expected.forEach((v, i) => assert.ok(Math.abs((out[i] ?? NaN) - v) < 1e-6, `out[${i}] = ${out[i]} vs ${v}`));
  });

  it('bgr order, raw 0..255 values and an offset into a batch tensor', () => {
    const out = new Float32Array(2 + 6).fill(-9);
    normaliseInto(img, { mean: [0, 0, 0], std: [1, 1, 1], scale01: false, channelOrder: 'bgr' }, out, 2);
    assert.deepEqual(Array.from(out), [-9, -9, 51, 102, 0, 255, 255, 0]);
  });

  it('refuses an output that is too small', () => {
    assert.throws(() => normaliseInto(img, { mean: [0, 0, 0], std: [1, 1, 1], scale01: true, channelOrder: 'rgb' }, new Float32Array(6), 1), RangeError);
  });
});

describe('cropRgb', () => {
  const img = coords(10, 8);

  it('copies an interior region exactly', () => {
    const c = cropRgb(img, 2, 3, 5, 7);
    assert.deepEqual([c.width, c.height], [3, 4]);
    assert.deepEqual(pixel(c, 0, 0), [2, 3, 5]);
    assert.deepEqual(pixel(c, 2, 3), [4, 6, 10]);
    assert.equal(c.data.length, 3 * 4 * 3);
  });

  it('floors the start and ceils the end of fractional boxes', () => {
    const c = cropRgb(img, 1.7, 0.2, 3.1, 1.5);
    assert.deepEqual([c.width, c.height], [3, 2]); // x 1..4, y 0..2
    assert.deepEqual(pixel(c, 0, 0), [1, 0, 1]);
  });

  it('clamps boxes that stick out of the image', () => {
    const c = cropRgb(img, -5, -3, 4, 2);
    assert.deepEqual([c.width, c.height], [4, 2]);
    assert.deepEqual(pixel(c, 0, 0), [0, 0, 0]);
    const d = cropRgb(img, 7, 6, 50, 40);
    assert.deepEqual([d.width, d.height], [3, 2]);
    assert.deepEqual(pixel(d, 2, 1), [9, 7, 16]);
    const all = cropRgb(img, -100, -100, 100, 100);
    assert.deepEqual([all.width, all.height], [10, 8]);
    assert.deepEqual(Array.from(all.data), Array.from(img.data));
  });

  it('degenerate and fully outside boxes still give at least one pixel inside the image', () => {
    const empty = cropRgb(img, 4, 4, 4, 4);
    assert.deepEqual([empty.width, empty.height], [1, 1]);
    assert.deepEqual(pixel(empty, 0, 0), [4, 4, 8]);
    const inverted = cropRgb(img, 6, 5, 2, 1);
    assert.deepEqual([inverted.width, inverted.height], [1, 1]);
    const beyond = cropRgb(img, 20, 20, 30, 30);
    assert.deepEqual([beyond.width, beyond.height], [1, 1]);
    assert.deepEqual(pixel(beyond, 0, 0), [9, 7, 16]);
    const before = cropRgb(img, -20, -20, -10, -10);
    assert.deepEqual(pixel(before, 0, 0), [0, 0, 0]);
  });

  it('does not alias the source pixels', () => {
    const c = cropRgb(img, 0, 0, 2, 2);
    c.data[0] = 99;
    assert.equal(img.data[0], 0);
  });
});
