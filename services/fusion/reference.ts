/**
 * Float64 reference implementation of the MoV-Adapter, one request at a time: the same maths as adapter-graph.ts,
 * written as plain loops. Used only by tests to pin the ONNX graph's numbers.
 */
import type { AdapterConfig } from './adapter-config';
import { MASK_NEG } from './adapter-graph';
import type { AdapterWeights } from './weights';

export interface ReferenceRequest {
  /** [T, Cb] */
  readonly base: ArrayLike<number>;
  /** One per slot: [Tj, Cj] */
  readonly experts: readonly ArrayLike<number>[];
  /** [E], > 0.5 = chosen */
  readonly mask: ArrayLike<number>;
  /** [Dctx] */
  readonly context: ArrayLike<number>;
}

export interface ReferenceResult {
  /** [T, Dout] */
  fused: Float64Array;
  /** [L, E] */
  gates: Float64Array;
}

/** erf to ~1e-13: Maclaurin series below 2.5, Laplace continued fraction for erfc above, ±1 beyond 6. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  let r: number;
  if (ax < 2.5) {
    const x2 = ax * ax;
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else if (ax < 6) {
    let f = ax;
    for (let k = 80; k >= 1; k--) f = ax + k / 2 / f;
    r = 1 - Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f);
  } else {
    r = 1;
  }
  return x < 0 ? -r : r;
}

const gelu = (v: number): number => 0.5 * v * (1 + erf(v * Math.SQRT1_2));

class Ref {
  constructor(private readonly c: AdapterConfig, private readonly w: AdapterWeights) {}

  private t(name: string): Float32Array {
    const v = this.w.get(name);
    if (!v) throw new Error(`reference: missing weight ${name}`);
    return v;
  }

  /** x [rows, in] → x Wᵀ + b, W [out, in]. */
  linear(x: Float64Array, rows: number, prefix: string): Float64Array {
    const W = this.t(`${prefix}.weight`);
    const b = this.t(`${prefix}.bias`);
    const out = b.length;
    const inp = W.length / out;
    const y = new Float64Array(rows * out);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < out; o++) {
        let s = b[o] as number;
        for (let i = 0; i < inp; i++) s += (x[r * inp + i] as number) * (W[o * inp + i] as number);
        y[r * out + o] = s;
      }
    }
    return y;
  }

  layerNorm(x: Float64Array, rows: number, prefix: string): Float64Array {
    const g = this.t(`${prefix}.weight`);
    const b = this.t(`${prefix}.bias`);
    const d = g.length;
    const y = new Float64Array(x.length);
    for (let r = 0; r < rows; r++) {
      let mean = 0;
      for (let i = 0; i < d; i++) mean += x[r * d + i] as number;
      mean /= d;
      let v = 0;
      for (let i = 0; i < d; i++) v += ((x[r * d + i] as number) - mean) ** 2;
      const inv = 1 / Math.sqrt(v / d + this.c.layerNormEps);
      for (let i = 0; i < d; i++) y[r * d + i] = ((x[r * d + i] as number) - mean) * inv * (g[i] as number) + (b[i] as number);
    }
    return y;
  }

  /** Multi-head attention over T tokens: queries from q, keys/values from kv (both [T, D]). */
  attention(q: Float64Array, kv: Float64Array, prefix: string): Float64Array {
    const { tokens: T, heads: H, headDim: dh, adapterWidth: D } = this.c;
    const Q = this.linear(q, T, `${prefix}.q`);
    const K = this.linear(kv, T, `${prefix}.k`);
    const V = this.linear(kv, T, `${prefix}.v`);
    const ctx = new Float64Array(T * D);
    const scale = 1 / Math.sqrt(dh);
    const s = new Float64Array(T);
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < T; i++) {
        let max = -Infinity;
        for (let j = 0; j < T; j++) {
          let dot = 0;
          for (let k = 0; k < dh; k++) dot += (Q[i * D + h * dh + k] as number) * (K[j * D + h * dh + k] as number);
          s[j] = dot * scale;
          max = Math.max(max, dot * scale);
        }
        let z = 0;
        for (let j = 0; j < T; j++) { s[j] = Math.exp((s[j] as number) - max); z += s[j] as number; }
        for (let k = 0; k < dh; k++) {
          let acc = 0;
          for (let j = 0; j < T; j++) acc += (s[j] as number) * (V[j * D + h * dh + k] as number);
          ctx[i * D + h * dh + k] = acc / z;
        }
      }
    }
    return this.linear(ctx, T, `${prefix}.o`);
  }

  /** Expert j's tokens → bilinear half-pixel resize (edge-clamped, as ONNX Resize) → projection; [T, D]. */
  expert(j: number, tokens: ArrayLike<number>): Float64Array {
    const slot = this.c.experts[j];
    if (!slot) throw new Error(`reference: no slot ${j}`);
    const [Hb, Wb] = this.c.baseGrid;
    const [Hj, Wj] = slot.grid;
    const C = slot.width;
    const resized = new Float64Array(this.c.tokens * C);
    const axis = (outIdx: number, outLen: number, inLen: number): [number, number, number] => {
      const src = Math.min(Math.max((outIdx + 0.5) * (inLen / outLen) - 0.5, 0), inLen - 1);
      const i0 = Math.floor(src);
      const i1 = Math.min(i0 + 1, inLen - 1);
      return [i0, i1, src - i0];
    };
    for (let y = 0; y < Hb; y++) {
      const [y0, y1, fy] = axis(y, Hb, Hj);
      for (let x = 0; x < Wb; x++) {
        const [x0, x1, fx] = axis(x, Wb, Wj);
        for (let ch = 0; ch < C; ch++) {
          const at = (yy: number, xx: number): number => tokens[(yy * Wj + xx) * C + ch] as number;
          resized[(y * Wb + x) * C + ch] =
            (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
        }
      }
    }
    return this.linear(resized, this.c.tokens, `experts.${j}.proj`);
  }

  /** Gate of block b: masked softmax, top-K (ties → lower index), times the chosen mask, renormalised. */
  gate(b: number, x: Float64Array, context: ArrayLike<number>, chosen: readonly boolean[]): Float64Array {
    const { tokens: T, adapterWidth: D, contextWidth: Dc, maxExperts: E, topK: K } = this.c;
    const gin = new Float64Array(Dc + D);
    for (let i = 0; i < Dc; i++) gin[i] = context[i] as number;
    for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) gin[Dc + d] = (gin[Dc + d] as number) + (x[t * D + d] as number) / T;
    const hidden = this.linear(gin, 1, `blocks.${b}.gate.fc1`).map(gelu);
    const logits = this.linear(hidden, 1, `blocks.${b}.gate.fc2`);
    for (let j = 0; j < E; j++) logits[j] = (logits[j] as number) + (chosen[j] ? 0 : MASK_NEG);
    const max = Math.max(...logits);
    const p = logits.map((l) => Math.exp(l - max));
    const z = p.reduce((a, v) => a + v, 0);
    for (let j = 0; j < E; j++) p[j] = (p[j] as number) / z;
    const order = [...p.keys()].sort((a, c) => (p[c] as number) - (p[a] as number) || a - c);
    const top = new Set(order.slice(0, K));
    const kept = p.map((v, j) => (top.has(j) && chosen[j] ? v : 0));
    const sum = kept.reduce((a, v) => a + v, 0);
    return sum > 0 ? kept.map((v) => v / sum) : kept;
  }

  run(req: ReferenceRequest, baseOnly: boolean): ReferenceResult {
    const c = this.c;
    const { tokens: T, adapterWidth: D, maxExperts: E } = c;
    const chosen = Array.from({ length: E }, (_, j) => !baseOnly && (req.mask[j] as number) > 0.5);
    const anyChosen = chosen.some(Boolean);
    const baseProj = this.linear(Float64Array.from(req.base), T, 'base_proj');
    const pos = this.t('pos_embed');
    let x = baseProj.map((v, i) => v + (pos[i] as number));
    const experts = baseOnly ? [] : c.experts.map((_, j) => this.expert(j, req.experts[j] as ArrayLike<number>));
    const gates = new Float64Array(c.blocks * E);
    for (let b = 0; b < c.blocks; b++) {
      const p = `blocks.${b}`;
      if (!baseOnly) {
        const gate = this.gate(b, x, req.context, chosen);
        gates.set(gate, b * E);
        const xn = this.layerNorm(x, T, `${p}.cross_norm`);
        for (let j = 0; j < E; j++) {
          const pj = gate[j] as number;
          if (!(pj > 0) || !anyChosen) continue;
          const y = this.attention(xn, this.layerNorm(experts[j] as Float64Array, T, `${p}.cross.${j}.norm`), `${p}.cross.${j}`);
          for (let i = 0; i < T * D; i++) x[i] = (x[i] as number) + pj * (y[i] as number);
        }
      }
      const an = this.layerNorm(x, T, `${p}.attn_norm`);
      const sa = this.attention(an, an, `${p}.attn`);
      x = x.map((v, i) => v + (sa[i] as number));
      const fn = this.layerNorm(x, T, `${p}.ffn_norm`);
      const ff = this.linear(this.linear(fn, T, `${p}.ffn.fc1`).map(gelu), T, `${p}.ffn.fc2`);
      x = x.map((v, i) => v + (ff[i] as number));
    }
    const mixed = x.map((v, i) => (v + (baseProj[i] as number)) / 2);
    return { fused: this.linear(mixed, T, 'projector'), gates };
  }
}

/**
 * Run one request through the reference adapter. `baseOnly` skips every expert and gate computation (the path the
 * adapter must reduce to when no expert is chosen); its gates are all zero.
 */
export function referenceFuse(c: AdapterConfig, w: AdapterWeights, req: ReferenceRequest, options: { baseOnly?: boolean } = {}): ReferenceResult {
  return new Ref(c, w).run(req, options.baseOnly ?? false);
}
