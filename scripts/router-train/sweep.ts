/**
 * Hyper-parameter search for the router WITHOUT touching the held-out split: 4-fold cross-validation over the
 * training split. `template` folds (default) group samples by template, so validation phrasings are unseen, as in the
 * held-out split; `source` folds group them by source image (a photo with all its augmentations and scene-text
 * versions, a document or chart kind with all its renderings; dealt round-robin within each image kind), so
 * validation images are of sources never trained on, as on the unseen photos; `both` validates on new phrasings of
 * new sources (a fold's templates on the fold's sources; training drops both), which is what users bring. Prints the
 * mean validation top-1 per configuration. Usage: node dist/scripts/router-train/sweep.js ['[{...}, ...]'] [template|source|both]
 */
import { loadDataset, type Sample } from '../router-data/dataset';
import { catalog } from '../router-data/images';
import { DEFAULT_TRAIN, trainRouter } from '../train-router';

const GRID = process.argv[2] ? (JSON.parse(process.argv[2]) as Record<string, number>[]) : [
  { l2: 1e-3 }, { l2: 1e-4 }, { l2: 1e-4, hidden: 64 }, { l2: 1e-4, steps: 800, lr: 0.003 }, { l2: 1e-4, components: 8 }, { l2: 1e-4, components: 32 },
  { augment: 1 }, { augment: 2 }, { augment: 2, dropWords: 0.3 }, { augment: 4 },
];
const FOLDS = 4;

/** Source of an image id: `photo:chelsea:3` and `scene:chelsea:1` → chelsea; `document:receipt:2` → receipt. */
const sourceOf = (id: string): string => id.split(':')[1] ?? id;

/** Fold of every training sample. */
function folds(train: readonly Sample[], by: 'template' | 'source'): number[] {
  if (by === 'template') {
    const templates = [...new Set(train.map((s) => s.template))].sort((a, b) => a - b);
    return train.map((s) => templates.indexOf(s.template) % FOLDS);
  }
  const kindOf = new Map(catalog().map((c) => [sourceOf(c.id), c.kind === 'scene-photo' ? 'photo' : c.kind]));
  const sources = [...new Set(train.map((s) => sourceOf(s.image)))].sort();
  const fold = new Map<string, number>();
  for (const kind of [...new Set(sources.map((s) => kindOf.get(s)))]) {
    sources.filter((s) => kindOf.get(s) === kind).forEach((s, i) => fold.set(s, i % FOLDS));
  }
  return train.map((s) => fold.get(sourceOf(s.image)) ?? 0);
}

async function main(): Promise<void> {
  const by = process.argv[3] === 'source' || process.argv[3] === 'both' ? process.argv[3] : 'template';
  const train = loadDataset().filter((s) => s.split === 'train');
  const byTemplate = folds(train, 'template');
  const bySource = folds(train, 'source');
  const inFold = (i: number, f: number): { val: boolean; drop: boolean } => {
    if (by === 'template') return { val: byTemplate[i] === f, drop: byTemplate[i] === f };
    if (by === 'source') return { val: bySource[i] === f, drop: bySource[i] === f };
    return { val: byTemplate[i] === f && bySource[i] === f, drop: byTemplate[i] === f || bySource[i] === f };
  };
  for (const g of GRID) {
    let top1 = 0, exact = 0;
    for (let f = 0; f < FOLDS; f++) {
      const res = await trainRouter({ ...DEFAULT_TRAIN, ...g, trainSamples: train.filter((_, i) => !inFold(i, f).drop), evalSamples: train.filter((_, i) => inFold(i, f).val) });
      const m = res.metrics.test as { top1: number; exact: number };
      top1 += m.top1 / FOLDS; exact += m.exact / FOLDS;
    }
    process.stdout.write(`${JSON.stringify(g)} ${by} cv top1 ${top1.toFixed(3)} exact ${exact.toFixed(3)}\n`);
  }
}

main().catch((err: unknown) => { process.stderr.write(`${String(err)}\n`); process.exit(1); });
