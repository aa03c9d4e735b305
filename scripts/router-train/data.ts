/** Turn labelled samples + image embeddings into the trainer's arrays (sparse text features, dense images). */
import { ROUTER_LABELS } from '../../services/router/labels';
import { defaultRouterTextEncoder, type RouterTextEncoder } from '../../services/router/text-input';
import type { Sample } from '../router-data/dataset';
import type { Embeddings } from '../router-data/embeddings';
import type { TrainData } from './mlp';

export function toTrainData(samples: readonly Sample[], emb: Embeddings, enc: RouterTextEncoder = defaultRouterTextEncoder()): TrainData {
  const f = new Float64Array(enc.dim);
  const L = ROUTER_LABELS.length;
  const image = new Float64Array(samples.length * emb.width);
  const y = new Float64Array(samples.length * L);
  const text = samples.map((s, i) => {
    const e = emb.byId.get(s.image);
    if (!e) throw new Error(`no embedding for image ${s.image}`);
    image.set(e, i * emb.width);
    for (const l of s.labels) y[i * L + ROUTER_LABELS.indexOf(l)] = 1;
    enc.encodeInto(s.instruction, f);
    const idx: number[] = [], val: number[] = [];
    for (let k = 0; k < enc.dim; k++) if (f[k] !== 0) { idx.push(k); val.push(f[k]!); }
    return { idx: Int32Array.from(idx), val: Float64Array.from(val) };
  });
  return { text, image, y, n: samples.length };
}

/** Several data sets as one (rows in order). */
export function concatTrainData(parts: readonly TrainData[]): TrainData {
  if (parts.length === 1) return parts[0]!;
  const n = parts.reduce((a, p) => a + p.n, 0);
  const width = parts[0] ? parts[0].image.length / Math.max(1, parts[0].n) : 0;
  const labels = parts[0] ? parts[0].y.length / Math.max(1, parts[0].n) : 0;
  const image = new Float64Array(n * width), y = new Float64Array(n * labels);
  let row = 0;
  for (const p of parts) {
    image.set(p.image, row * width);
    y.set(p.y, row * labels);
    row += p.n;
  }
  return { text: parts.flatMap((p) => p.text), image, y, n };
}
