/**
 * The learned router's model and its trainer, in plain Float64 TypeScript (no Python, no autograd):
 *   img_n  = ((image − mean) · P) ⊙ s                   (P: top principal components of the training images)
 *   h      = relu(text · W1t + img_n · W1i + b1)        text: hashed n-gram features (sparse), H hidden units
 *   scores = sigmoid(h · W2 + b2)                      one score per domain label (multi-label)
 * Binary cross-entropy + L2, full-batch Adam, seeded initialisation: the same data and seed give bit-identical
 * weights.
 */
import { Rng } from '../router-data/rng';
import { applyPca, type Pca } from './pca';

export interface TrainData {
  /** Sparse text features per sample: [index, value] pairs. */
  text: { idx: Int32Array; val: Float64Array }[];
  /** Raw image embeddings [N × imageDim]. */
  image: Float64Array;
  /** Targets [N × L] in {0,1}. */
  y: Float64Array;
  n: number;
}

export interface MlpShape { textDim: number; imageDim: number; hidden: number; labels: number }

export interface MlpWeights extends MlpShape {
  pca: Pca;
  w1t: Float64Array; w1i: Float64Array; b1: Float64Array; w2: Float64Array; b2: Float64Array;
}

export interface TrainOptions {
  seed: number; steps: number; lr: number; l2: number;
  /**
   * Standard deviation of Gaussian noise added to the standardised image components, drawn afresh every step
   * (seeded). It smooths the scores in image space, so an image from a source never trained on is not routed by
   * whichever training photo it happens to lie nearest. 0 = off.
   */
  imageNoise?: number;
  onStep?: (step: number, loss: number) => void;
}

export function initMlp(shape: MlpShape, seed: number, pca: Pca): MlpWeights {
  const r = new Rng(seed);
  const randn = (len: number, scale: number): Float64Array => Float64Array.from({ length: len }, () => r.normal() * scale);
  return {
    ...shape, pca,
    w1t: randn(shape.textDim * shape.hidden, Math.sqrt(2 / 40)),
    w1i: randn(pca.k * shape.hidden, Math.sqrt(2 / pca.k) * 0.5),
    b1: new Float64Array(shape.hidden),
    w2: randn(shape.hidden * shape.labels, Math.sqrt(1 / shape.hidden)),
    b2: new Float64Array(shape.labels).fill(-1),
  };
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Forward pass; returns hidden pre-activations [N×H] and scores [N×L]. `imgN` is the standardised image block. */
function forward(w: MlpWeights, d: TrainData, imgN: Float64Array): { z1: Float64Array; p: Float64Array } {
  const { hidden: H, labels: L } = w;
  const D = w.pca.k;
  const z1 = new Float64Array(d.n * H), p = new Float64Array(d.n * L);
  for (let i = 0; i < d.n; i++) {
    const zo = i * H;
    for (let h = 0; h < H; h++) z1[zo + h] = w.b1[h]!;
    const t = d.text[i]!;
    for (let k = 0; k < t.idx.length; k++) {
      const row = t.idx[k]! * H, v = t.val[k]!;
      for (let h = 0; h < H; h++) z1[zo + h]! += v * w.w1t[row + h]!;
    }
    for (let j = 0; j < D; j++) {
      const v = imgN[i * D + j]!;
      if (v === 0) continue;
      const row = j * H;
      for (let h = 0; h < H; h++) z1[zo + h]! += v * w.w1i[row + h]!;
    }
    for (let l = 0; l < L; l++) {
      let s = w.b2[l]!;
      for (let h = 0; h < H; h++) s += Math.max(0, z1[zo + h]!) * w.w2[h * L + l]!;
      p[i * L + l] = sigmoid(s);
    }
  }
  return { z1, p };
}

export function standardise(w: Pick<MlpWeights, 'pca'>, image: Float64Array, n: number): Float64Array {
  return applyPca(w.pca, image, n);
}

export function predict(w: MlpWeights, d: TrainData): Float64Array {
  return forward(w, d, standardise(w, d.image, d.n)).p;
}

export function train(w: MlpWeights, d: TrainData, o: TrainOptions): { finalLoss: number } {
  const { hidden: H, labels: L } = w;
  const D = w.pca.k;
  const clean = standardise(w, d.image, d.n);
  const noise = o.imageNoise ?? 0;
  const rng = new Rng(o.seed ^ 0x1b873593);
  const imgN = noise > 0 ? new Float64Array(clean.length) : clean;
  const params = [w.w1t, w.w1i, w.b1, w.w2, w.b2];
  const decayed = [true, true, false, true, false];
  const m = params.map((p) => new Float64Array(p.length)), v = params.map((p) => new Float64Array(p.length));
  const b1 = 0.9, b2 = 0.999, eps = 1e-8;
  let loss = 0;
  for (let step = 1; step <= o.steps; step++) {
    if (noise > 0) for (let k = 0; k < clean.length; k++) imgN[k] = clean[k]! + noise * rng.normal();
    const { z1, p } = forward(w, d, imgN);
    const g = params.map((q) => new Float64Array(q.length));
    const [gw1t, gw1i, gb1, gw2, gb2] = g as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    loss = 0;
    const dz1 = new Float64Array(H);
    for (let i = 0; i < d.n; i++) {
      dz1.fill(0);
      for (let l = 0; l < L; l++) {
        const pi = p[i * L + l]!, yi = d.y[i * L + l]!;
        loss -= (yi * Math.log(pi + 1e-12) + (1 - yi) * Math.log(1 - pi + 1e-12)) / d.n;
        const dz2 = (pi - yi) / d.n;
        gb2[l]! += dz2;
        for (let h = 0; h < H; h++) {
          const a = Math.max(0, z1[i * H + h]!);
          gw2[h * L + l]! += a * dz2;
          dz1[h]! += dz2 * w.w2[h * L + l]!;
        }
      }
      for (let h = 0; h < H; h++) if (z1[i * H + h]! <= 0) dz1[h] = 0;
      for (let h = 0; h < H; h++) gb1[h]! += dz1[h]!;
      const t = d.text[i]!;
      for (let k = 0; k < t.idx.length; k++) {
        const row = t.idx[k]! * H, val = t.val[k]!;
        for (let h = 0; h < H; h++) gw1t[row + h]! += val * dz1[h]!;
      }
      for (let j = 0; j < D; j++) {
        const val = imgN[i * D + j]!, row = j * H;
        for (let h = 0; h < H; h++) gw1i[row + h]! += val * dz1[h]!;
      }
    }
    const c1 = 1 - b1 ** step, c2 = 1 - b2 ** step;
    params.forEach((q, pi) => {
      const gq = g[pi]!, mq = m[pi]!, vq = v[pi]!, dec = decayed[pi] ? o.l2 : 0;
      for (let k = 0; k < q.length; k++) {
        const gk = gq[k]! + dec * q[k]!;
        mq[k] = b1 * mq[k]! + (1 - b1) * gk;
        vq[k] = b2 * vq[k]! + (1 - b2) * gk * gk;
        q[k]! -= (o.lr * (mq[k]! / c1)) / (Math.sqrt(vq[k]! / c2) + eps);
      }
    });
    o.onStep?.(step, loss);
  }
  return { finalLoss: loss };
}

/**
 * Average of several trained MLPs' logits as ONE wider MLP (same PCA, same inputs): hidden units concatenated,
 * output weights stacked and divided by the member count, output biases averaged. Exactly the mean-logit
 * ensemble, and exported like any single model.
 */
export function mergeMlps(members: readonly MlpWeights[]): MlpWeights {
  const first = members[0];
  if (!first) throw new Error('mergeMlps: no members');
  if (members.length === 1) return first;
  const M = members.length;
  const { textDim, labels: L, hidden: H } = first;
  const D = first.pca.k;
  const HM = H * M;
  const w1t = new Float64Array(textDim * HM), w1i = new Float64Array(D * HM), b1 = new Float64Array(HM);
  const w2 = new Float64Array(HM * L), b2 = new Float64Array(L);
  members.forEach((m, k) => {
    if (m.hidden !== H || m.pca !== first.pca) throw new Error('mergeMlps: members must share shape and PCA');
    for (let r = 0; r < textDim; r++) w1t.set(m.w1t.subarray(r * H, (r + 1) * H), r * HM + k * H);
    for (let r = 0; r < D; r++) w1i.set(m.w1i.subarray(r * H, (r + 1) * H), r * HM + k * H);
    b1.set(m.b1, k * H);
    for (let h = 0; h < H; h++) for (let l = 0; l < L; l++) w2[(k * H + h) * L + l] = m.w2[h * L + l]! / M;
    for (let l = 0; l < L; l++) b2[l]! += m.b2[l]! / M;
  });
  return { ...first, hidden: HM, w1t, w1i, b1, w2, b2 };
}
