/**
 * Train the learned router (npm run train:router): data set → base embeddings → MLP (seeded, Float64 Adam) →
 * models/router/router.onnx + models/router/metrics.json. Deterministic: the same data and seed give the same file.
 *
 *   npm run train:router [-- --regen-data] [--recompute-embeddings] [--no-word-vectors] [--steps N] [--seed S] [--out DIR]
 *
 * Image embeddings come from the committed scripts/router-data/embeddings-<variant>.bin (see
 * router-data/embeddings.ts); --recompute-embeddings computes them on this machine and replaces the committed files.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_REGISTRY_PATH, PROJECT_ROOT } from '../src/core/registry';
import { ROUTER_LABELS } from '../services/router/labels';
import { defaultRouterTextEncoder, ROUTER_WORD_VECTORS } from '../services/router/text-input';
import { DATASET_PATH, generateDataset, loadDataset, toJsonl, type Sample } from './router-data/dataset';
import { computeEmbeddings, writeCommittedEmbeddings, type Embeddings } from './router-data/embeddings';
import { catalog } from './router-data/images';
import { concatTrainData, toTrainData } from './router-train/data';
import { exportRouterOnnx } from './router-train/export-onnx';
import { initMlp, mergeMlps, predict, train, type MlpWeights } from './router-train/mlp';
import { fitPca } from './router-train/pca';
import { Rng } from './router-data/rng';

export const DEFAULT_TRAIN: { seed: number; steps: number; lr: number; l2: number; hidden: number; components: number; augment: number; dropWords: number; ensemble: number; imageNoise: number } = Object.freeze({ seed: 1234, steps: 400, lr: 0.005, l2: 1e-4, hidden: 32, components: 16, augment: 0, dropWords: 0.2, ensemble: 3, imageNoise: 0.5 });

/**
 * Word-dropout augmentation: `copies` extra versions of every training sample with each word of its instruction
 * dropped with probability `p` (at least one word kept), same image and labels. Seeded, so training stays
 * deterministic. It teaches the model not to lean on any single word of a phrasing.
 */
export function augmentWordDropout(samples: readonly Sample[], copies: number, p: number, seed: number): Sample[] {
  if (copies <= 0) return [...samples];
  const r = new Rng(seed ^ 0x5bd1e995);
  const out: Sample[] = [...samples];
  for (let c = 0; c < copies; c++) {
    for (const s of samples) {
      const words = s.instruction.split(/\s+/).filter((w) => w !== '');
      const kept = words.filter(() => r.next() >= p);
      const text = (kept.length > 0 ? kept : [words[r.int(words.length)] ?? s.instruction]).join(' ');
      out.push({ ...s, instruction: text });
    }
  }
  return out;
}

/** Base-model variants whose embeddings join the registry's own in training (see trainRouter). */
export const TRAIN_EMBEDDING_VARIANTS: readonly string[] = ['float32'];

export interface TrainResult {
  onnx: Uint8Array;
  sha256: string;
  metrics: Record<string, unknown>;
}

function accuracy(samples: readonly Sample[], scores: Float64Array, threshold = 0.5): { top1: number; exact: number } {
  const L = ROUTER_LABELS.length;
  let top1 = 0, exact = 0;
  samples.forEach((s, i) => {
    const row = Array.from(scores.subarray(i * L, (i + 1) * L));
    const best = row.indexOf(Math.max(...row));
    const pred = row[best]! >= threshold ? ROUTER_LABELS[best]! : 'natural';
    if (best >= 0 && row[best]! >= threshold ? s.labels.includes(pred as never) : s.labels.length === 0) top1++;
    const chosen = ROUTER_LABELS.filter((_, l) => row[l]! >= threshold);
    if (chosen.length === s.labels.length && chosen.every((c) => s.labels.includes(c))) exact++;
  });
  return { top1: top1 / samples.length, exact: exact / samples.length };
}

export interface TrainRouterOptions extends Partial<typeof DEFAULT_TRAIN> {
  registryPath?: string;
  log?: (m: string) => void;
  /** Compute the image embeddings on this machine instead of reading the committed ones. */
  recomputeEmbeddings?: boolean;
  /** With recomputeEmbeddings: replace the committed embeddings with this machine's. */
  writeEmbeddings?: boolean;
  /** Extra base-model variants whose image embeddings are added to the training data (default: float32). */
  embeddingVariants?: readonly string[];
  /** Train on these instead of the data set's train split, and report `test` on `evalSamples` (hyper-parameter search). */
  trainSamples?: readonly Sample[];
  evalSamples?: readonly Sample[];
  /** Add the word-vector embedding of the instruction to the text input (services/router/text-input.ts). @default true */
  wordVectors?: boolean;
}

export async function trainRouter(opts: TrainRouterOptions = {}): Promise<TrainResult> {
  const o = { ...DEFAULT_TRAIN, ...opts };
  const log = opts.log ?? (() => {});
  const samples = loadDataset();
  const ids = catalog().map((c) => c.id);
  // One set of image embeddings per base-model variant (the registry's own first): the router then routes the base
  // expert's embeddings alike whether it runs int8 on a CPU (whose kernels differ between CPUs) or float on a GPU.
  const variants = opts.embeddingVariants ?? TRAIN_EMBEDDING_VARIANTS;
  const embs: Embeddings[] = [];
  for (const v of [undefined, ...variants]) {
    const e = await computeEmbeddings(ids, opts.registryPath ?? DEFAULT_REGISTRY_PATH, log, { recompute: opts.recomputeEmbeddings ?? false, ...(v ? { variant: v } : {}) });
    if (embs.some((x) => x.variant === e.variant)) continue;
    if (opts.recomputeEmbeddings && opts.writeEmbeddings) writeCommittedEmbeddings(ids, e);
    embs.push(e);
  }
  const emb = embs[0]!;
  const trainSet = opts.trainSamples ?? samples.filter((s) => s.split === 'train');
  const testSet = opts.evalSamples ?? samples.filter((s) => s.split === 'test');
  const augmented = augmentWordDropout(trainSet, o.augment, o.dropWords, o.seed);
  const textEncoder = defaultRouterTextEncoder(opts.wordVectors ?? true);
  const trainData = concatTrainData(embs.map((e) => toTrainData(augmented, e, textEncoder)));
  const shape = { textDim: textEncoder.dim, imageDim: emb.width, hidden: o.hidden, labels: ROUTER_LABELS.length };
  const trainIds = [...new Set(trainSet.map((s) => s.image))].sort();
  const trainImages = embs.flatMap((e) => trainIds.map((id) => Float64Array.from(e.byId.get(id) ?? [])));
  const pca = fitPca(trainImages, o.components);
  const t0 = performance.now();
  // `ensemble` members differ only in their initialisation seed (seed, seed+1, ...); their mean logit is the model.
  const members: MlpWeights[] = [];
  let finalLoss = 0;
  for (let k = 0; k < o.ensemble; k++) {
    const m = initMlp(shape, o.seed + k, pca);
    const res = train(m, trainData, { seed: o.seed + k, steps: o.steps, lr: o.lr, l2: o.l2, imageNoise: o.imageNoise, onStep: (s, l) => { if (s % 50 === 0) log(`member ${k} step ${s} loss ${l.toFixed(4)}`); } });
    finalLoss += res.finalLoss / o.ensemble;
    members.push(m);
  }
  const w = mergeMlps(members);
  const trainMs = performance.now() - t0;
  const metrics = {
    seed: o.seed, steps: o.steps, lr: o.lr, l2: o.l2, imageNoise: o.imageNoise, hidden: o.hidden, ensemble: o.ensemble, components: o.components, augment: o.augment, dropWords: o.dropWords, labels: ROUTER_LABELS,
    textDim: textEncoder.dim, imageDim: emb.width,
    samples: { train: trainSet.length, test: testSet.length, instructions: new Set(samples.map((s) => s.instruction)).size },
    datasetSha256: createHash('sha256').update(toJsonl(samples)).digest('hex'),
    finalTrainLoss: Number(finalLoss.toFixed(6)),
    embeddingVariants: embs.map((e) => e.variant),
    train: accuracy(trainSet, predict(w, toTrainData(trainSet, emb, textEncoder))),
    test: accuracy(testSet, predict(w, toTrainData(testSet, emb, textEncoder))),
    /** Held-out accuracy with each variant's embeddings (the first is `test`). */
    testByEmbeddings: Object.fromEntries(embs.map((e) => [e.variant, accuracy(testSet, predict(w, toTrainData(testSet, e, textEncoder)))])),
  };
  const onnx = exportRouterOnnx(w, ROUTER_LABELS, { seed: String(o.seed), steps: String(o.steps), dataset_sha256: metrics.datasetSha256, ...(textEncoder.vectors ? { word_vectors: path.basename(ROUTER_WORD_VECTORS), word_dims: String(textEncoder.vectors.dims) } : {}) });
  log(`trained in ${(trainMs / 1000).toFixed(1)} s: train ${JSON.stringify(metrics.train)} test ${JSON.stringify(metrics.test)}`);
  return { onnx, sha256: createHash('sha256').update(onnx).digest('hex'), metrics };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'regen-data': { type: 'boolean' }, 'recompute-embeddings': { type: 'boolean' }, 'no-word-vectors': { type: 'boolean' }, steps: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } } });
  const log = (m: string): void => { process.stderr.write(`train-router: ${m}\n`); };
  if (values['regen-data']) {
    const samples = generateDataset();
    writeFileSync(DATASET_PATH, toJsonl(samples));
    log(`wrote ${samples.length} samples to ${DATASET_PATH}`);
  }
  const res = await trainRouter({
    ...(values['recompute-embeddings'] ? { recomputeEmbeddings: true, writeEmbeddings: true } : {}),
    ...(values.steps ? { steps: Number(values.steps) } : {}),
    ...(values.seed ? { seed: Number(values.seed) } : {}),
    ...(values['no-word-vectors'] ? { wordVectors: false } : {}),
    log,
  });
  const out = path.resolve(values.out ?? path.join(PROJECT_ROOT, 'models', 'router'));
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'router.onnx'), res.onnx);
  // The model reads its word vectors from its own directory.
  if (!values['no-word-vectors'] && path.resolve(path.dirname(ROUTER_WORD_VECTORS)) !== out) copyFileSync(ROUTER_WORD_VECTORS, path.join(out, path.basename(ROUTER_WORD_VECTORS)));
  writeFileSync(path.join(out, 'metrics.json'), JSON.stringify({ ...res.metrics, onnxSha256: res.sha256 }, null, 2) + '\n');
  log(`wrote ${path.join(out, 'router.onnx')} (sha256 ${res.sha256})`);
}

if (require.main === module) {
  main().catch((err: unknown) => { process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`); process.exit(1); });
}
