/**
 * The image catalogue of the router's data set: augmented photos (test/fixtures/images: crops, flips, colour
 * jitter), rendered documents and rendered charts. Every image has a stable id and is regenerated from it
 * deterministically; variant 3 of every source is held out (never used in training).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { PROJECT_ROOT } from '../../src/core/registry';
import { CHART_KINDS, DOCUMENT_KINDS, renderChart, renderDocument } from './render';
import { Rng } from './rng';
import type { ImageKind } from './templates';

export interface CatalogImage {
  id: string;
  kind: ImageKind;
  /** `unseen`: source photos that neither split uses, for the extra evaluation on unseen kinds of images. */
  split: 'train' | 'test' | 'unseen';
  /** Objects the image shows (fills `{obj}` in templates). */
  objects: readonly string[];
}

export const VARIANTS = 4;
const HELD_OUT_VARIANT = 3;

const PHOTOS: Readonly<Record<string, { file: string; kind: ImageKind; objects: string[] }>> = {
  chelsea: { file: 'chelsea.png', kind: 'photo', objects: ['cat', 'whisker', 'ear'] },
  coffee: { file: 'coffee.jpg', kind: 'photo', objects: ['cup', 'saucer', 'spoon'] },
  rocket: { file: 'rocket.jpg', kind: 'photo', objects: ['rocket', 'launch tower', 'cloud'] },
  astronaut: { file: 'astronaut.jpg', kind: 'face-photo', objects: ['flag', 'helmet', 'suit'] },
  camera: { file: 'camera.png', kind: 'face-photo', objects: ['camera', 'tripod', 'coat'] },
};
const PHOTO_VARIANTS = 8;

/**
 * Source photos used by neither split (scripts/eval-router.ts evaluates the held-out templates on them): new kinds of
 * image, not augmentations of the training photos. One variant each, unaugmented.
 */
const UNSEEN_PHOTOS: Readonly<Record<string, { file: string; kind: ImageKind; objects: string[] }>> = {
  coins: { file: 'coins.png', kind: 'photo', objects: ['coin'] },
  clock: { file: 'clock_motion.png', kind: 'photo', objects: ['clock'] },
  moon: { file: 'moon.png', kind: 'photo', objects: ['crater'] },
  horse: { file: 'horse.png', kind: 'photo', objects: ['horse'] },
  handwriting: { file: 'text.png', kind: 'document', objects: [] },
};

export function catalog(): CatalogImage[] {
  const out: CatalogImage[] = [];
  for (const [name, p] of Object.entries(PHOTOS)) {
    for (let v = 0; v < PHOTO_VARIANTS; v++) {
      out.push({ id: `photo:${name}:${v}`, kind: p.kind, split: v % VARIANTS === HELD_OUT_VARIANT ? 'test' : 'train', objects: p.objects });
    }
  }
  for (const [name, p] of Object.entries(UNSEEN_PHOTOS)) out.push({ id: `photo:${name}:0`, kind: p.kind, split: 'unseen', objects: p.objects });
  for (const k of DOCUMENT_KINDS) {
    for (let v = 0; v < VARIANTS; v++) out.push({ id: `document:${k}:${v}`, kind: 'document', split: v === HELD_OUT_VARIANT ? 'test' : 'train', objects: [] });
  }
  for (const k of CHART_KINDS) {
    for (let v = 0; v < VARIANTS; v++) out.push({ id: `chart:${k}:${v}`, kind: 'chart', split: v === HELD_OUT_VARIANT ? 'test' : 'train', objects: [] });
  }
  return out;
}

function seedOf(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619) >>> 0;
  return h;
}

async function augmentPhoto(file: string, variant: number, seed: number): Promise<Buffer> {
  const src = readFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'images', file));
  if (variant === 0) return sharp(src).png().toBuffer();
  const r = new Rng(seed);
  const meta = await sharp(src).metadata();
  const W = meta.width ?? 1, H = meta.height ?? 1;
  const scale = 0.6 + 0.35 * r.next();
  const cw = Math.max(16, Math.floor(W * scale)), ch = Math.max(16, Math.floor(H * scale));
  let img = sharp(src).extract({ left: r.int(W - cw + 1), top: r.int(H - ch + 1), width: cw, height: ch });
  if (r.next() < 0.5) img = img.flop();
  img = img.modulate({ brightness: 0.8 + 0.4 * r.next(), saturation: 0.7 + 0.6 * r.next(), hue: r.int(30) - 15 });
  return img.png().toBuffer();
}

/** Encoded PNG bytes of a catalogue image, regenerated from its id. */
export async function renderImage(id: string): Promise<Buffer> {
  const [kind, name, v] = id.split(':') as [string, string, string];
  const variant = Number(v);
  const seed = seedOf(id);
  if (kind === 'photo') {
    const p = PHOTOS[name] ?? UNSEEN_PHOTOS[name];
    if (!p) throw new Error(`unknown photo ${name}`);
    return augmentPhoto(p.file, variant, seed);
  }
  if (kind === 'document') return renderDocument(name as (typeof DOCUMENT_KINDS)[number], seed);
  if (kind === 'chart') return renderChart(name as (typeof CHART_KINDS)[number], seed);
  throw new Error(`unknown image id ${id}`);
}
