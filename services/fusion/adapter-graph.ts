/**
 * The MoV-Adapter as one ONNX graph (opset 17, float32), with a fixed number of expert slots E and per-request
 * masks, so any chosen subset runs through one session. See README.md for the maths, tensor names and shapes.
 *
 * Inputs:  base [N,T,Cb], mask [N,E] (> 0.5 = chosen), context [N,Dctx], and per slot j = 0..E-1 the tokens of the
 *          rows that chose it only: rows_j [Nj] (int64, strictly ascending row indices into the batch) and expert_j
 *          [Nj,Tj,Cj] (each on its own grid). Slot j's cross-attention runs on those Nj rows alone and its result is
 *          scattered back; a row absent from rows_j gets nothing from slot j (its gate weight must be 0: not chosen).
 *          The work per slot is proportional to the rows that chose it, not to the batch (`slotFeeds` builds these
 *          inputs from dense per-slot tensors and the mask).
 * Outputs: fused [N,T,Dout], gates [N,L,E] (the gate weights each block actually used).
 */
import { attr, GraphBuilder } from '../../src/onnx/builder';
import { fp16Inputs } from '../../src/onnx/graph-edit';
import type { AdapterConfig } from './adapter-config';
import { checkWeights, type AdapterWeights } from './weights';

/** Graph input/output names. */
export const FUSION_IO = Object.freeze({
  base: 'base',
  mask: 'mask',
  context: 'context',
  expert: (j: number): string => `expert_${j}`,
  rows: (j: number): string => `rows_${j}`,
  fused: 'fused',
  gates: 'gates',
});

/** Added to the gate logits of unchosen experts before the softmax. */
export const MASK_NEG = -1e6;
/** Floor of the renormalising sum (only reached when no expert is chosen, where the numerator is 0 too). */
const SUM_FLOOR = 1e-30;

/** Transpose a row-major [rows, cols] matrix. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  return out;
}

/** Graph emission with the adapter's weights at hand. */
class AdapterEmitter {
  readonly g = new GraphBuilder('mov_adapter');
  private readonly half = this.g.constFloat([0.5]);
  private readonly one = this.g.constFloat([1]);
  private readonly zero = this.g.constFloat([0]);
  private readonly invSqrt2 = this.g.constFloat([Math.SQRT1_2]);

  constructor(private readonly c: AdapterConfig, private readonly w: AdapterWeights) {}

  private weight(name: string): Float32Array {
    const t = this.w.get(name);
    if (!t) throw new Error(`adapter weights lack ${name}`); // checkWeights ran first; unreachable
    return t;
  }

  /** y = x Wᵀ + b, with W stored [out, in] in the weights and [in, out] in the graph. */
  linear(x: string, prefix: string, outName?: string): string {
    const w = this.weight(`${prefix}.weight`);
    const b = this.weight(`${prefix}.bias`);
    const out = b.length;
    const inp = w.length / out;
    const wt = this.g.floatInit(`${prefix}.weight.T`, transpose(w, out, inp), [inp, out]);
    const bias = this.g.floatInit(`${prefix}.bias`, b, [out]);
    return this.g.op('Add', [this.g.op('MatMul', [x, wt]), bias], {}, outName);
  }

  layerNorm(x: string, prefix: string): string {
    const d = this.c.adapterWidth;
    const scale = this.g.floatInit(`${prefix}.weight`, this.weight(`${prefix}.weight`), [d]);
    const bias = this.g.floatInit(`${prefix}.bias`, this.weight(`${prefix}.bias`), [d]);
    return this.g.op('LayerNormalization', [x, scale, bias], { axis: attr.int(-1), epsilon: attr.float(this.c.layerNormEps) });
  }

  /** Exact (erf) GELU: 0.5·x·(1 + erf(x/√2)). */
  gelu(x: string): string {
    const erf = this.g.op('Erf', [this.g.op('Mul', [x, this.invSqrt2])]);
    return this.g.op('Mul', [this.g.op('Mul', [x, this.half]), this.g.op('Add', [erf, this.one])]);
  }

  /** Multi-head attention: queries from q [N,T,D], keys/values from kv [N,T,D]; returns [N,T,D]. */
  attention(q: string, kv: string, prefix: string): string {
    const { tokens: T, heads: H, headDim: dh, adapterWidth: D } = this.c;
    const split = this.g.constInt64([-1, T, H, dh]);
    const heads = (x: string, perm: number[]): string =>
      this.g.op('Transpose', [this.g.op('Reshape', [x, split])], { perm: attr.ints(perm) });
    const qh = heads(this.linear(q, `${prefix}.q`), [0, 2, 1, 3]); // [N,H,T,dh]
    const kh = heads(this.linear(kv, `${prefix}.k`), [0, 2, 3, 1]); // [N,H,dh,T]
    const vh = heads(this.linear(kv, `${prefix}.v`), [0, 2, 1, 3]); // [N,H,T,dh]
    const scores = this.g.op('Mul', [this.g.op('MatMul', [qh, kh]), this.g.constFloat([1 / Math.sqrt(dh)])]);
    const probs = this.g.op('Softmax', [scores], { axis: attr.int(-1) });
    const ctx = this.g.op('Transpose', [this.g.op('MatMul', [probs, vh])], { perm: attr.ints([0, 2, 1, 3]) });
    return this.linear(this.g.op('Reshape', [ctx, this.g.constInt64([-1, T, D])]), `${prefix}.o`);
  }

  /** Expert j's tokens [Nj,Tj,Cj] → bilinear (half-pixel) resize to the base grid → [Nj,T,Cj] → projection → [Nj,T,D]. */
  expertTokens(j: number): string {
    const slot = this.c.experts[j];
    if (!slot) throw new Error(`no expert slot ${j}`);
    const [Hb, Wb] = this.c.baseGrid;
    const [Hj, Wj] = slot.grid;
    let x = this.g.input(FUSION_IO.expert(j), 'float32', [`N${j}`, slot.tokens, slot.width]);
    if (Hj !== Hb || Wj !== Wb) {
      const nchw = this.g.op('Transpose', [this.g.op('Reshape', [x, this.g.constInt64([-1, Hj, Wj, slot.width])])], { perm: attr.ints([0, 3, 1, 2]) });
      const nc = this.g.op('Slice', [this.g.op('Shape', [nchw]), this.g.constInt64([0]), this.g.constInt64([2])]);
      const sizes = this.g.op('Concat', [nc, this.g.constInt64([Hb, Wb])], { axis: attr.int(0) });
      const resized = this.g.op('Resize', [nchw, '', '', sizes], {
        mode: attr.string('linear'),
        coordinate_transformation_mode: attr.string('half_pixel'),
      });
      const nhwc = this.g.op('Transpose', [resized], { perm: attr.ints([0, 2, 3, 1]) });
      x = this.g.op('Reshape', [nhwc, this.g.constInt64([-1, this.c.tokens, slot.width])]);
    }
    return this.linear(x, `experts.${j}.proj`);
  }

  /**
   * Block b's gate: softmax(MLP([context ; mean_T(X)]) + m), top-K, times the chosen mask, renormalised.
   * Returns [N,E]; all zeros for a request with no chosen expert.
   */
  gate(b: number, x: string, context: string, maskBias: string, chosen: string): string {
    const { maxExperts: E, topK: K } = this.c;
    const mean = this.g.op('ReduceMean', [x], { axes: attr.ints([1]), keepdims: attr.int(0) });
    const gin = this.g.op('Concat', [context, mean], { axis: attr.int(1) });
    const logits = this.linear(this.gelu(this.linear(gin, `blocks.${b}.gate.fc1`)), `blocks.${b}.gate.fc2`);
    const p = this.g.op('Softmax', [this.g.op('Add', [logits, maskBias])], { axis: attr.int(1) });
    let kept = this.g.op('Mul', [p, chosen]);
    if (K < E) {
      // Exactly K survivors per row: TopK (ties → lower index, per the ONNX spec), scattered back as a 0/1 mask.
      const [, idx] = this.g.node('TopK', [p, this.g.constInt64([K])], { outputs: 2, attrs: { axis: attr.int(1), largest: attr.int(1), sorted: attr.int(1) } });
      const zeros = this.g.op('ConstantOfShape', [this.g.op('Shape', [p])]);
      const ones = this.g.op('Add', [this.g.op('ConstantOfShape', [this.g.op('Shape', [idx as string])]), this.one]);
      const top = this.g.op('ScatterElements', [zeros, idx as string, ones], { axis: attr.int(1) });
      kept = this.g.op('Mul', [kept, top]);
    }
    const sum = this.g.op('ReduceSum', [kept, this.g.constInt64([1])], { keepdims: attr.int(1) });
    return this.g.op('Div', [kept, this.g.op('Max', [sum, this.g.constFloat([SUM_FLOOR])])]);
  }

  build(): Uint8Array {
    const c = this.c;
    const g = this.g;
    const { tokens: T, adapterWidth: D, maxExperts: E } = c;
    const base = g.input(FUSION_IO.base, 'float32', ['N', T, c.baseWidth]);
    const experts = c.experts.map((_, j) => this.expertTokens(j));
    const rows = c.experts.map((_, j) => g.input(FUSION_IO.rows(j), 'int64', [`N${j}`]));
    const scatterAt = rows.map((r) => g.op('Unsqueeze', [r, g.constInt64([1])])); // [Nj,1]: ScatterND indices
    const mask = g.input(FUSION_IO.mask, 'float32', ['N', E]);
    const context = g.input(FUSION_IO.context, 'float32', ['N', c.contextWidth]);

    const baseProj = this.linear(base, 'base_proj');
    let x = g.op('Add', [baseProj, g.floatInit('pos_embed', this.weight('pos_embed'), [T, D])]);
    const chosen = g.op('Cast', [g.op('Greater', [mask, this.half])], { to: attr.int(1) }); // 1 = FLOAT
    const maskBias = g.op('Mul', [g.op('Sub', [chosen, this.one]), g.constFloat([-MASK_NEG])]);
    const anyChosen = g.op('Unsqueeze', [g.op('ReduceMax', [chosen], { axes: attr.ints([1]), keepdims: attr.int(1) }), g.constInt64([2])]); // [N,1,1]

    const gates: string[] = [];
    for (let b = 0; b < c.blocks; b++) {
      const p = `blocks.${b}`;
      const gate = this.gate(b, x, context, maskBias, chosen);
      gates.push(g.op('Unsqueeze', [gate, g.constInt64([1])]));
      const xn = this.layerNorm(x, `${p}.cross_norm`);
      const none = g.op('ConstantOfShape', [g.op('Shape', [xn])]); // [N,T,D] zeros
      const parts = experts.map((f, j) => {
        // Slot j on its own rows: queries gathered from X, the result weighted by those rows' gates and scattered back.
        const q = g.op('Gather', [xn, rows[j] as string], { axis: attr.int(0) }); // [Nj,T,D]
        const y = this.attention(q, this.layerNorm(f, `${p}.cross.${j}.norm`), `${p}.cross.${j}`);
        const column = g.op('Gather', [gate, g.constInt64([j], [])], { axis: attr.int(1) }); // [N]
        const gj = g.op('Reshape', [g.op('Gather', [column, rows[j] as string], { axis: attr.int(0) }), g.constInt64([-1, 1, 1])]); // [Nj,1,1]
        // Where (not just the product) so the tokens of a row whose gate is 0 cannot leak in, even as NaN or Inf.
        const weighted = g.op('Where', [g.op('Greater', [gj, this.zero]), g.op('Mul', [y, gj]), this.zero]);
        return g.op('ScatterND', [none, scatterAt[j] as string, weighted]);
      });
      const mixed = parts.length === 1 ? parts[0] as string : g.op('Sum', parts);
      x = g.op('Add', [x, g.op('Mul', [mixed, anyChosen])]);
      const an = this.layerNorm(x, `${p}.attn_norm`);
      x = g.op('Add', [x, this.attention(an, an, `${p}.attn`)]);
      const fn = this.layerNorm(x, `${p}.ffn_norm`);
      x = g.op('Add', [x, this.linear(this.gelu(this.linear(fn, `${p}.ffn.fc1`)), `${p}.ffn.fc2`)]);
    }
    x = g.op('Mul', [g.op('Add', [x, baseProj]), this.half]);
    const fused = this.linear(x, 'projector', FUSION_IO.fused);
    g.op('Concat', gates, { axis: attr.int(1) }, FUSION_IO.gates);
    g.output(fused, 'float32', ['N', T, c.outputWidth]);
    g.output(FUSION_IO.gates, 'float32', ['N', c.blocks, E]);
    return g.toBytes({
      docString: 'MoV-Adapter (mova-cluster): see services/fusion/README.md',
      metadata: { 'mova.adapter.config': JSON.stringify(c) },
    });
  }
}

/**
 * Element type of the token inputs (base and expert slots) a session takes: `float16` is the same graph with those
 * inputs taken as FP16 and cast to float32 inside it (`tokenGraph`); mask and context stay float32.
 */
export type TokenType = 'float32' | 'float16';

/** Build the adapter graph for this config with these weights; returns ONNX model bytes. */
export function buildAdapterGraph(c: AdapterConfig, weights: AdapterWeights): Uint8Array {
  checkWeights(c, weights);
  return new AdapterEmitter(c, weights).build();
}

/** The adapter model for `tokens`: as built, or taking FP16 base and expert tokens (exact, see fp16Inputs). */
export function tokenGraph(model: Uint8Array, tokens: TokenType, slots: number): Uint8Array {
  return tokens === 'float32' ? model : fp16Inputs(model, [FUSION_IO.base, ...Array.from({ length: slots }, (_, j) => FUSION_IO.expert(j))]);
}
