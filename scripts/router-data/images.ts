/**
 * The image catalogue of the router's data set: augmented photos (test/fixtures/images: crops, flips, colour
 * jitter), the same photos with text in the scene (a sign or label composited in), rendered documents and rendered
 * charts. Every image has a stable id and is regenerated from it deterministically; variant 3 of every source is
 * held out (never used in training).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { PROJECT_ROOT } from '../../src/core/registry';
import { escapeXml } from '../../src/render/documents';
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
  // Added 2026-11-30 from OpenCV's sample data (test/fixtures/images/README.md): with five source photos the router
  // leaned on the instruction alone, e.g. "Describe the building" on a photo of a building went to OCR.
  butterfly: { file: 'butterfly.jpg', kind: 'photo', objects: ['butterfly', 'leaf', 'wing'] },
  building: { file: 'building.jpg', kind: 'photo', objects: ['building', 'window', 'tree'] },
  dog: { file: 'dog.jpg', kind: 'photo', objects: ['dog', 'tongue', 'nose'] },
  smarties: { file: 'smarties.jpg', kind: 'photo', objects: ['sweet', 'candy', 'ball'] },
  desk: { file: 'desk-objects.jpg', kind: 'photo', objects: ['pencil', 'lighter', 'cap'] },
  street: { file: 'street.jpg', kind: 'photo', objects: ['house', 'roof', 'pavement'] },
  circuit: { file: 'circuit-board.jpg', kind: 'photo', objects: ['chip', 'capacitor', 'circuit board'] },
  basketball: { file: 'basketball.jpg', kind: 'face-photo', objects: ['ball', 'man', 'door'] },
};
const PHOTO_VARIANTS = 8;

/** Photos that also appear with scene text (`scene:<photo>:<v>`); face photos stay without, so faces stay faces. */
const SCENE_SOURCES = ['chelsea', 'coffee', 'rocket', 'building', 'street', 'desk'] as const;
/** Unseen photos given scene text for the evaluation (`scene:<photo>:0`, split unseen). */
const UNSEEN_SCENE_SOURCES = ['horse', 'coins'] as const;
const SCENE_OBJECTS = ['sign', 'label'];

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
  // Added 2026-11-30 from OpenCV's sample data: photos, real text in photos and photographed pages.
  squirrel: { file: 'squirrel.jpg', kind: 'photo', objects: ['squirrel'] },
  palace: { file: 'palace.jpg', kind: 'photo', objects: ['tower'] },
  aloe: { file: 'aloe.jpg', kind: 'photo', objects: ['plant'] },
  toys: { file: 'toys.jpg', kind: 'photo', objects: ['toy'] },
  apple: { file: 'apple.jpg', kind: 'photo', objects: ['apple'] },
  orange: { file: 'orange.jpg', kind: 'photo', objects: ['orange'] },
  painting: { file: 'starry-night.jpg', kind: 'photo', objects: ['tree'] },
  aerial: { file: 'aerial.jpg', kind: 'photo', objects: ['road'] },
  plate: { file: 'licence-plate.jpg', kind: 'scene-photo', objects: ['car', 'licence plate'] },
  teaboxes: { file: 'tea-boxes.jpg', kind: 'scene-photo', objects: ['box', 'label'] },
  sudoku: { file: 'sudoku.jpg', kind: 'document', objects: [] },
  bookpage: { file: 'book-page.png', kind: 'document', objects: [] },
  blurredpage: { file: 'text-motion.jpg', kind: 'document', objects: [] },
  // Added 2026-11-30: pages drawn by another renderer (ImageMagick, scripts/router-data/make-unseen-pages.sh) in
  // layouts the training documents do not have: a photographed receipt, an invoice, a slide, a phone screenshot.
  cafereceipt: { file: 'receipt-cafe.jpg', kind: 'document', objects: [] },
  receiptontable: { file: 'receipt-on-table.jpg', kind: 'document', objects: [] },
  invoice: { file: 'invoice.png', kind: 'document', objects: [] },
  slide: { file: 'slide.jpg', kind: 'document', objects: [] },
  chat: { file: 'chat-screenshot.png', kind: 'document', objects: [] },
};

export function catalog(): CatalogImage[] {
  const out: CatalogImage[] = [];
  for (const [name, p] of Object.entries(PHOTOS)) {
    for (let v = 0; v < PHOTO_VARIANTS; v++) {
      out.push({ id: `photo:${name}:${v}`, kind: p.kind, split: v % VARIANTS === HELD_OUT_VARIANT ? 'test' : 'train', objects: p.objects });
    }
  }
  for (const [name, p] of Object.entries(UNSEEN_PHOTOS)) out.push({ id: `photo:${name}:0`, kind: p.kind, split: 'unseen', objects: p.objects });
  for (const name of SCENE_SOURCES) {
    const objects = [...(PHOTOS[name]?.objects ?? []), ...SCENE_OBJECTS];
    for (let v = 0; v < PHOTO_VARIANTS; v++) out.push({ id: `scene:${name}:${v}`, kind: 'scene-photo', split: v % VARIANTS === HELD_OUT_VARIANT ? 'test' : 'train', objects });
  }
  for (const name of UNSEEN_SCENE_SOURCES) out.push({ id: `scene:${name}:0`, kind: 'scene-photo', split: 'unseen', objects: [...(UNSEEN_PHOTOS[name]?.objects ?? []), ...SCENE_OBJECTS] });
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

const SIGN_WORDS = ('OPEN CLOSED EXIT SALE CAFE BAKERY PHARMACY HOTEL PARKING STATION MARKET MUSEUM LIBRARY GARAGE ' +
  'POLICE TAXI TICKETS FRESH COFFEE BOOKS FLOWERS PIZZA BAR NORTH SOUTH MAIN STREET AVENUE ROAD PLATFORM GATE ' +
  'WELCOME DANGER KEEP OUT NO ENTRY ONE WAY STOP SLOW ZONE FARM EGGS HONEY APPLES').split(' ');
const SIGN_COLOURS: readonly (readonly [string, string])[] = [
  ['#1d4e89', '#ffffff'], ['#0b6e4f', '#ffffff'], ['#b22222', '#ffffff'], ['#f2c300', '#111111'], ['#ffffff', '#111111'], ['#222222', '#f5f5f5'],
];

/** Text in the scene: a sign or label with one to three short lines, at a random place, size and slight angle. */
async function withSceneText(photo: Buffer, seed: number): Promise<Buffer> {
  const r = new Rng(seed ^ 0x2545f491);
  const meta = await sharp(photo).metadata();
  const W = meta.width ?? 1, H = meta.height ?? 1;
  const lines = Array.from({ length: 1 + r.int(3) }, () => {
    const words = Array.from({ length: 1 + r.int(2) }, () => r.pick(SIGN_WORDS));
    if (r.next() < 0.3) words.push(r.next() < 0.5 ? `${1 + r.int(99)}` : `$${1 + r.int(20)}.${r.int(10)}0`);
    return words.join(' ');
  });
  const size = Math.max(12, Math.round(Math.min(W, H) * (0.05 + 0.05 * r.next())));
  const pad = Math.round(size * 0.6);
  const longest = Math.max(...lines.map((l) => l.length));
  const sw = Math.min(W - 4, Math.round(longest * size * 0.68 + 2 * pad));
  const sh = Math.min(H - 4, Math.round(lines.length * size * 1.3 + 2 * pad));
  const [bg, fg] = r.pick(SIGN_COLOURS);
  const angle = r.int(11) - 5;
  const body = lines.map((l, i) => `<text x="${sw / 2}" y="${pad + size * (1 + i * 1.3) - size * 0.2}" font-family="'DejaVu Sans', sans-serif" font-weight="bold" font-size="${size}" text-anchor="middle" fill="${fg}" textLength="${Math.min(sw - 2 * pad, Math.round(l.length * size * 0.66))}" lengthAdjust="spacingAndGlyphs">${escapeXml(l)}</text>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${sw}" height="${sh}"><g transform="rotate(${angle} ${sw / 2} ${sh / 2})">` +
    `<rect x="1" y="1" width="${sw - 2}" height="${sh - 2}" rx="${Math.round(size / 4)}" fill="${bg}" stroke="#555" stroke-width="2"/>${body}</g></svg>`;
  const sign = await sharp(Buffer.from(svg)).png().toBuffer();
  return sharp(photo).composite([{ input: sign, left: r.int(Math.max(1, W - sw)), top: r.int(Math.max(1, H - sh)) }]).png().toBuffer();
}

/** Encoded PNG bytes of a catalogue image, regenerated from its id. */
export async function renderImage(id: string): Promise<Buffer> {
  const [kind, name, v] = id.split(':') as [string, string, string];
  const variant = Number(v);
  const seed = seedOf(id);
  if (kind === 'photo' || kind === 'scene') {
    const p = PHOTOS[name] ?? UNSEEN_PHOTOS[name];
    if (!p) throw new Error(`unknown photo ${name}`);
    const photo = await augmentPhoto(p.file, variant, seed);
    return kind === 'scene' ? withSceneText(photo, seed) : photo;
  }
  if (kind === 'document') return renderDocument(name as (typeof DOCUMENT_KINDS)[number], seed);
  if (kind === 'chart') return renderChart(name as (typeof CHART_KINDS)[number], seed);
  throw new Error(`unknown image id ${id}`);
}
