/**
 * Hyper-parameter search for the router WITHOUT touching the held-out split: 4-fold cross-validation over the
 * training split, folds by template (so validation phrasings are unseen, as in the held-out split). Prints the
 * mean validation top-1 per configuration. Usage: node dist/scripts/router-train/sweep.js ['[{"augment":2}, ...]']
 */
import { loadDataset } from '../router-data/dataset';
import { DEFAULT_TRAIN, trainRouter } from '../train-router';

const GRID = process.argv[2] ? (JSON.parse(process.argv[2]) as Record<string, number>[]) : [
  { l2: 1e-3 }, { l2: 1e-4 }, { l2: 1e-4, hidden: 64 }, { l2: 1e-4, steps: 800, lr: 0.003 }, { l2: 1e-4, components: 8 }, { l2: 1e-4, components: 32 },
  { augment: 1 }, { augment: 2 }, { augment: 2, dropWords: 0.3 }, { augment: 4 },
];

async function main(): Promise<void> {
  const train = loadDataset().filter((s) => s.split === 'train');
  const templates = [...new Set(train.map((s) => s.template))].sort((a, b) => a - b);
  for (const g of GRID) {
    let top1 = 0, exact = 0;
    for (let f = 0; f < 4; f++) {
      const val = new Set(templates.filter((_, i) => i % 4 === f));
      const res = await trainRouter({ ...DEFAULT_TRAIN, ...g, trainSamples: train.filter((s) => !val.has(s.template)), evalSamples: train.filter((s) => val.has(s.template)) });
      const m = res.metrics.test as { top1: number; exact: number };
      top1 += m.top1 / 4; exact += m.exact / 4;
    }
    process.stdout.write(`${JSON.stringify(g)} cv top1 ${top1.toFixed(3)} exact ${exact.toFixed(3)}\n`);
  }
}

main().catch((err: unknown) => { process.stderr.write(`${String(err)}\n`); process.exit(1); });
