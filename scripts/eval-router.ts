/**
 * Evaluate routing policies on the held-out split (npm run eval:router): per policy, top-1 accuracy, exact-set
 * accuracy, mean experts chosen and expert compute saved versus `all` (registry costs, base included), plus the
 * routing cost per request at batch 32 (base encoder excluded). Writes bench/router-eval.md and .json.
 *
 * Scoring (ground truth sets, top-1): scripts/router-data/scoring.ts. `llm` needs an endpoint and is not evaluated here.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_REGISTRY_PATH, PROJECT_ROOT } from '../src/core/registry';
import { buildRouter } from '../services/router/build';
import { compileRouterConfig } from '../services/router/config';
import type { PolicyName } from '../services/router/policy';
import { loadDataset, unseenPhotoSamples } from './router-data/dataset';
import { cpuDescription } from '../src/core/cpu';
import { committedEmbeddingsOrigin, computeEmbeddings } from './router-data/embeddings';
import { catalog } from './router-data/images';
import { exactSetCorrect, routeItems, top1Correct, truthSets } from './router-data/scoring';
import { wildSamples } from './router-data/wild';

const POLICIES: PolicyName[] = ['learned', 'rules', 'all', 'none'];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' }, out: { type: 'string' }, iterations: { type: 'string' }, 'this-machine': { type: 'boolean' } } });
  const registryPath = values.config ?? DEFAULT_REGISTRY_PATH;
  const cfg = compileRouterConfig({ registryPath });
  const { router } = await buildRouter(cfg);
  const sp = cfg.specialists;
  const cost = new Map(sp.map((s) => [s.name, s.cost]));
  const baseCost = cfg.registry.experts.find((e) => e.name === cfg.registry.base)?.cost ?? 1;
  const allCost = baseCost + sp.reduce((a, s) => a + s.cost, 0);
  const test = loadDataset().filter((s) => s.split === 'test');
  // The committed embeddings (what the router was trained on), or with --this-machine the base expert's embeddings
  // computed here: the router's accuracy on this CPU's numbers (int8 kernels differ between CPUs).
  const emb = await computeEmbeddings(catalog().map((c) => c.id), registryPath, () => {}, { recompute: values['this-machine'] ?? false });
  const embNote = emb.source === 'committed' ? `the committed ${emb.variant} ones (${committedEmbeddingsOrigin(emb.variant)})` : `computed on this machine (${cpuDescription()})`;
  const truth = truthSets(test, sp);
  const rows: Record<string, number | string>[] = [];
  for (const policy of POLICIES) {
    const items = routeItems(test, emb, policy);
    const decisions = await router.route(items);
    let top1 = 0, exact = 0, chosen = 0, spent = 0;
    decisions.forEach((d, i) => {
      const t = truth[i] as Set<string>;
      if (top1Correct(d.chosen, t)) top1++;
      if (exactSetCorrect(d.chosen, t)) exact++;
      chosen += d.chosen.length;
      spent += baseCost + d.chosen.reduce((a, c) => a + (cost.get(c) ?? 0), 0);
    });
    const n = decisions.length;
    const iterations = Number(values.iterations ?? 200);
    const batch = items.slice(0, 32);
    for (let i = 0; i < 20; i++) await router.route(batch);
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) await router.route(batch);
    const msPerRequest = (performance.now() - t0) / iterations / batch.length;
    rows.push({ policy, n, top1: top1 / n, exactSet: exact / n, meanChosen: chosen / n, computeSavedVsAll: 1 - spent / n / allCost, msPerRequestAtBatch32: msPerRequest });
  }
  // Extra: held-out templates on source photos neither split uses (new kinds of image, not augmentations).
  const unseen = unseenPhotoSamples();
  const unseenTruth = truthSets(unseen, sp);
  const unseenRows: { policy: PolicyName; n: number; top1: number; byCategory: Record<string, string> }[] = [];
  for (const policy of ['learned', 'rules'] as PolicyName[]) {
    const decisions = await router.route(routeItems(unseen, emb, policy));
    const cats = new Map<string, [number, number]>();
    let top1 = 0;
    decisions.forEach((d, i) => {
      const ok = top1Correct(d.chosen, unseenTruth[i] as Set<string>);
      if (ok) top1++;
      const c = cats.get(unseen[i]!.category) ?? [0, 0];
      cats.set(unseen[i]!.category, [c[0] + (ok ? 1 : 0), c[1] + 1]);
    });
    unseenRows.push({ policy, n: unseen.length, top1: top1 / unseen.length, byCategory: Object.fromEntries([...cats].map(([k, [a, b]]) => [k, `${a}/${b}`])) });
  }
  const unseenPhotos = [...new Set(unseen.map((s) => `${s.image.split(':')[0] === 'scene' ? 'scene text on ' : ''}${s.image.split(':')[1]}`))].join(', ');
  // Extra: the hand-written in-the-wild instructions (scripts/router-data/wild.ts), never trained on.
  const wild = wildSamples();
  const wildTruth = truthSets(wild, sp);
  const wildRows: { policy: PolicyName; n: number; top1: number; exact: number; misses: string[] }[] = [];
  for (const policy of ['learned', 'rules'] as PolicyName[]) {
    const decisions = await router.route(routeItems(wild, emb, policy));
    let top1 = 0, exact = 0;
    const misses: string[] = [];
    decisions.forEach((d, i) => {
      const t = wildTruth[i] as Set<string>;
      if (top1Correct(d.chosen, t)) top1++;
      else misses.push(`"${wild[i]!.instruction}" on ${wild[i]!.image} → ${d.chosen.join('+') || 'none'} (want ${[...t].join('+') || 'none'})`);
      if (exactSetCorrect(d.chosen, t)) exact++;
    });
    wildRows.push({ policy, n: wild.length, top1: top1 / wild.length, exact: exact / wild.length, misses });
  }
  const metrics = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'models', 'router', 'metrics.json'), 'utf8')) as { test: { top1: number; exact: number }; testByEmbeddings?: Record<string, { top1: number; exact: number }> };
  const pct = (x: unknown): string => `${(Number(x) * 100).toFixed(1)}%`;
  const md = [
    `# Router evaluation (held-out split: ${test.length} samples, new templates × new images)`,
    '',
    `Registry: ${path.relative(PROJECT_ROOT, registryPath)}; experts ${sp.map((s) => `${s.name} (${s.domains.join('+')}, cost ${s.cost})`).join(', ')}; base cost ${baseCost}; threshold ${cfg.threshold}, max experts ${cfg.maxExperts}.`,
    `Machine: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, node ${process.version}. Routing cost excludes the base encoder. Image embeddings: ${embNote}.`,
    '',
    '| policy | top-1 | exact set | mean chosen | compute saved vs all | routing ms/request @32 |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.policy} | ${pct(r.top1)} | ${pct(r.exactSet)} | ${Number(r.meanChosen).toFixed(2)} | ${pct(r.computeSavedVsAll)} | ${Number(r.msPerRequestAtBatch32).toFixed(4)} |`),
    '',
    `Learned model, domain level (models/router/metrics.json): top-1 ${pct(metrics.test.top1)}, exact label set ${pct(metrics.test.exact)}.`,
    ...(metrics.testByEmbeddings ? [`By base-model variant of the image embeddings (the router is trained on all of them): ${Object.entries(metrics.testByEmbeddings).map(([v, m]) => `${v} top-1 ${pct(m.top1)}, exact ${pct(m.exact)}`).join('; ')}.`] : []),
    '',
    `Unseen source photos (${unseenPhotos}; scikit-image and OpenCV sample photos and pages drawn with ImageMagick, never in either split): every held-out template that applies to them, ${unseen.length} samples:`,
    '',
    '| policy | top-1 | by category (correct/total) |',
    '|---|---|---|',
    ...unseenRows.map((r) => `| ${r.policy} | ${pct(r.top1)} | ${Object.entries(r.byCategory).map(([k, v]) => `${k} ${v}`).join(', ')} |`),
    '',
    `In-the-wild instructions (scripts/router-data/wild.ts: ${wild.length} hand-written, free-form questions, written apart from the templates and never trained on, over held-out and unseen images):`,
    '',
    '| policy | top-1 | exact set | misses |',
    '|---|---|---|---|',
    ...wildRows.map((r) => `| ${r.policy} | ${pct(r.top1)} | ${pct(r.exact)} | ${r.misses.length === 0 ? '–' : r.misses.join('; ')} |`),
    '',
    '`llm` is not evaluated (no LLM endpoint here; its HTTP contract and parsing are covered by test/unit/router-llm.test.ts).',
    '',
  ].join('\n');
  const out = values.out ?? path.join(PROJECT_ROOT, 'bench');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'router-eval.md'), md);
  writeFileSync(path.join(out, 'router-eval.json'), JSON.stringify({ samples: test.length, embeddings: embNote, rows, learnedDomainLevel: metrics.test, unseenPhotos: { samples: unseen.length, rows: unseenRows }, wild: { samples: wild.length, rows: wildRows } }, null, 2) + '\n');
  process.stdout.write(md);
}

main().catch((err: unknown) => { process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`); process.exit(1); });
