/**
 * The router's labelled data set: (image id, instruction, useful domains), split train/test by template AND by
 * image, so held-out instructions are new phrasings over new images. Generated deterministically from the
 * templates and the image catalogue; the result is committed as scripts/router-data/dataset.jsonl.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/core/registry';
import { isRouterLabel, type RouterLabel } from '../../services/router/labels';
import { catalog } from './images';
import { Rng } from './rng';
import { isHeldOutTemplate, TEMPLATES } from './templates';

export interface Sample {
  id: number;
  split: 'train' | 'test';
  category: string;
  template: number;
  image: string;
  instruction: string;
  /** Useful specialist domains, primary first; empty = the base expert alone. */
  labels: RouterLabel[];
}

export const DATASET_PATH = path.join(PROJECT_ROOT, 'scripts', 'router-data', 'dataset.jsonl');
const FILLS_PER_TEMPLATE = 5;
/** Phrasing wrappers (shared by both splits; the split is by template and image). */
const PREFIXES = ['', '', 'Please tell me: ', 'Can you help? ', 'Quick question. ', 'Hey, ', 'I need to know: ', 'Looking at this image, ', 'In this picture: ', 'Could you answer this? '];
const SUFFIXES = ['', '', ' Thanks!', ' Please be brief.', ' Answer in one word if you can.', ' Be precise.', ' (for my notes)'];

function phrase(r: Rng, text: string): string {
  const p = r.pick(PREFIXES);
  const body = p === '' ? text : p.endsWith(': ') || p.endsWith(', ') ? text.charAt(0).toLowerCase() + text.slice(1) : text;
  return `${p}${body}${r.pick(SUFFIXES)}`;
}

export function generateDataset(seed = 7): Sample[] {
  const images = catalog();
  const out: Sample[] = [];
  TEMPLATES.forEach((t, ti) => {
    const split = isHeldOutTemplate(ti) ? 'test' : 'train';
    const pool = images.filter((im) => im.split === split && t.images.includes(im.kind));
    const r = new Rng(seed * 1000 + ti);
    for (let k = 0; k < FILLS_PER_TEMPLATE; k++) {
      const im = r.pick(pool);
      const obj = im.objects.length > 0 ? r.pick(im.objects) : 'object';
      out.push({ id: out.length, split, category: t.category, template: ti, image: im.id, instruction: phrase(r, t.text.replace(/\{obj\}/g, obj)), labels: [...t.labels] });
    }
  });
  return out;
}

/**
 * The extra evaluation set: every HELD-OUT template on every unseen source photo of a kind it applies to (no
 * phrasing wrappers, `{obj}` filled with the photo's first object). Not part of dataset.jsonl; never trained on.
 */
export function unseenPhotoSamples(): Sample[] {
  const images = catalog().filter((im) => im.split === 'unseen');
  const out: Sample[] = [];
  TEMPLATES.forEach((t, ti) => {
    if (!isHeldOutTemplate(ti)) return;
    for (const im of images.filter((x) => t.images.includes(x.kind))) {
      if (t.text.includes('{obj}') && im.objects.length === 0) continue;
      out.push({ id: out.length, split: 'test', category: t.category, template: ti, image: im.id, instruction: t.text.replace(/\{obj\}/g, im.objects[0] ?? 'object'), labels: [...t.labels] });
    }
  });
  return out;
}

export function toJsonl(samples: readonly Sample[]): string {
  return samples.map((s) => JSON.stringify(s)).join('\n') + '\n';
}

export function loadDataset(file = DATASET_PATH): Sample[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((line, i) => {
    const s = JSON.parse(line) as Sample;
    if (typeof s.instruction !== 'string' || typeof s.image !== 'string' || !Array.isArray(s.labels) || !s.labels.every(isRouterLabel)) {
      throw new Error(`${file}:${i + 1}: malformed sample`);
    }
    return s;
  });
}
