/** Feature-map → token conversion shared by pipelines: optional average pooling, NCHW → [N, H*W, C]. */
import { ConfigError } from '../../../src/core/errors';
import type { ExpertEntry } from '../../../src/core/registry';
import type { Float32Tensor } from '../pipeline';

/** The token grid the model really produces must be the one the registry declares (fusion is sized from it). */
export function checkDeclaredGrid(entry: ExpertEntry, gridH: number, gridW: number, channels: number): void {
  const d = entry.features;
  if (d.grid[0] !== gridH || d.grid[1] !== gridW || d.channels !== channels) {
    throw new ConfigError(`experts.${entry.name}.features`, `declares grid ${d.grid.join('x')} × ${d.channels} channels, but the model gives ${gridH}x${gridW} × ${channels}`);
  }
}

/** Average-pool an NCHW map with kernel = stride = k (edges use the partial window). */
export function avgPoolNchw(t: Float32Tensor, k: number): Float32Tensor {
  if (k <= 1) return t;
  const [n = 0, c = 0, h = 0, w = 0] = t.dims;
  const oh = Math.ceil(h / k);
  const ow = Math.ceil(w / k);
  const out = new Float32Array(n * c * oh * ow);
  for (let p = 0; p < n * c; p++) {
    const src = p * h * w;
    const dst = p * oh * ow;
    for (let oy = 0; oy < oh; oy++) {
      const y1 = Math.min(h, (oy + 1) * k);
      for (let ox = 0; ox < ow; ox++) {
        const x1 = Math.min(w, (ox + 1) * k);
        let s = 0;
        for (let y = oy * k; y < y1; y++) for (let x = ox * k; x < x1; x++) s += t.data[src + y * w + x] ?? 0;
        out[dst + oy * ow + ox] = s / ((y1 - oy * k) * (x1 - ox * k));
      }
    }
  }
  return { data: out, dims: [n, c, oh, ow] };
}

/** [N,C,H,W] → [N,H*W,C]. */
export function nchwToTokens(t: Float32Tensor): Float32Tensor {
  const [n = 0, c = 0, h = 0, w = 0] = t.dims;
  const hw = h * w;
  const out = new Float32Array(n * hw * c);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const src = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) out[(b * hw + i) * c + ch] = t.data[src + i] ?? 0;
    }
  }
  return { data: out, dims: [n, hw, c] };
}

/** Mean over the token axis: [N,T,C] → [N,C]. */
export function meanTokens(t: Float32Tensor): Float32Tensor {
  const [n = 0, tt = 0, c = 0] = t.dims;
  const out = new Float32Array(n * c);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < tt; i++) {
      const src = (b * tt + i) * c;
      for (let ch = 0; ch < c; ch++) out[b * c + ch] = (out[b * c + ch] ?? 0) + (t.data[src + ch] ?? 0);
    }
  }
  if (tt > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / tt;
  return { data: out, dims: [n, c] };
}

/** Concatenate tensors of equal trailing dims along dim 0. */
export function concatBatch(parts: Float32Tensor[]): Float32Tensor {
  const first = parts[0];
  if (!first) return { data: new Float32Array(0), dims: [0] };
  const rest = first.dims.slice(1);
  let n = 0;
  for (const p of parts) n += p.dims[0] ?? 0;
  const out = new Float32Array(parts.reduce((s, p) => s + p.data.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p.data, off);
    off += p.data.length;
  }
  return { data: out, dims: [n, ...rest] };
}

/** Item i of a batched tensor (a view, no copy). */
export function sliceBatch(t: Float32Tensor, i: number): Float32Tensor {
  const per = t.data.length / (t.dims[0] || 1);
  return { data: t.data.subarray(i * per, (i + 1) * per), dims: [1, ...t.dims.slice(1)] };
}
