/**
 * Load-time simplification of float convolution networks for the CPU (the `folded` model variant):
 *
 * 1. A per-channel (or scalar) affine map applied to a Conv's output — `Mul` by a constant and/or `Add` of a
 *    constant, in any order and number — is folded into the Conv's weights and bias:
 *    s∘(W∗x + B) + b = (s∘W)∗x + (s∘B + b).
 * 2. The same map applied to a Conv's input is folded into its weights when the Conv pads nothing (zero padding of
 *    the mapped input is not the map of the zero-padded input): W∗(s∘x + b) + B = (W∘s)∗x + (B + Σ W∘b).
 * 3. hard-swish spelt out as x · Clip(x + 3, 0, 6) / 6 (four element-wise passes over the tensor) becomes
 *    x · HardSigmoid(x; α = 1/6, β = 1/2) (two).
 *
 * PaddleOCR's PP-LCNetV3 networks (the PP-OCRv4 detector and recogniser) follow every convolution with a learnable
 * affine block, hard-swish and another affine block: eight element-wise passes that onnxruntime runs one by one and
 * that cost it as much time as the convolutions themselves. The maths is unchanged; results move by float rounding
 * only (tested against the source graph in test/unit/conv-fold.test.ts).
 *
 * Conservative by construction: only the top-level graph is edited, and a value is folded away only when it has a
 * single consumer, is no graph output, is not named in `protect` (values the pipeline exposes) and is not read by a
 * subgraph. Constants come from initializers or `Constant` nodes whose values are in the file (a tensor in an
 * external data file is left alone); changed weights get new initializers.
 */
import { onnx } from 'onnx-proto';
import { dimsOf, floatTensor, isExternal, readNumbers, usesExternalData } from './tensor-data';

const FLOAT = onnx.TensorProto.DataType.FLOAT;

export interface FoldStats {
  /** Mul/Add nodes folded into the Conv before them. */
  affineAfterConv: number;
  /** Mul/Add nodes folded into the Conv after them. */
  affineBeforeConv: number;
  /** hard-swish patterns rewritten. */
  hardSwish: number;
}

interface Constant {
  dims: number[];
  values: Float64Array;
}

interface ConvState {
  node: onnx.INodeProto;
  weightDims: number[];
  weights: Float64Array;
  bias: Float64Array;
  changed: boolean;
}

function attr(n: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return (n.attribute ?? []).find((a) => a.name === name);
}

function intsAttr(n: onnx.INodeProto, name: string): number[] | undefined {
  const a = attr(n, name);
  return a ? (a.ints ?? []).map(Number) : undefined;
}

/** A float tensor whose values are in the model itself (not in an external data file, not missing). */
function inlineFloat(t: onnx.ITensorProto): boolean {
  if (t.dataType !== FLOAT || isExternal(t)) return false;
  const count = dimsOf(t).reduce((a, b) => a * b, 1);
  return (t.rawData?.length ?? 0) === count * 4 || (t.floatData?.length ?? 0) === count;
}

function isStd(n: onnx.INodeProto, op: string): boolean {
  return n.opType === op && (n.domain ?? '') === '';
}

/** Names read by nodes inside subgraphs (If/Loop/Scan bodies): never folded away. */
function subgraphReads(graph: onnx.IGraphProto, into: Set<string>): void {
  for (const n of graph.node ?? []) {
    for (const a of n.attribute ?? []) {
      for (const g of [a.g, ...(a.graphs ?? [])]) {
        if (!g) continue;
        for (const sn of g.node ?? []) for (const i of sn.input ?? []) into.add(i);
        subgraphReads(g, into);
      }
    }
  }
}

class Folder {
  private readonly constants = new Map<string, Constant>();
  private readonly consumers = new Map<string, onnx.INodeProto[]>();
  private readonly producer = new Map<string, onnx.INodeProto>();
  private readonly pinned = new Set<string>();
  private readonly removed = new Set<onnx.INodeProto>();
  private readonly convs = new Map<onnx.INodeProto, ConvState>();
  private readonly newInitializers: onnx.ITensorProto[] = [];
  private fresh = 0;
  readonly stats: FoldStats = { affineAfterConv: 0, affineBeforeConv: 0, hardSwish: 0 };

  constructor(private readonly graph: onnx.IGraphProto, protect: readonly string[]) {
    // An initializer that is also a graph input is a default the caller may override: not a constant.
    const inputs = new Set((graph.input ?? []).map((i) => i.name));
    for (const t of graph.initializer ?? []) {
      if (t.name && inlineFloat(t) && !inputs.has(t.name)) this.constants.set(t.name, { dims: dimsOf(t), values: readNumbers(t) });
    }
    for (const n of graph.node ?? []) {
      const value = isStd(n, 'Constant') ? attr(n, 'value')?.t : undefined;
      if (value && inlineFloat(value) && n.output?.[0]) this.constants.set(n.output[0], { dims: dimsOf(value), values: readNumbers(value) });
      for (const i of n.input ?? []) {
        if (!i) continue;
        const list = this.consumers.get(i) ?? [];
        list.push(n);
        this.consumers.set(i, list);
      }
      for (const o of n.output ?? []) this.producer.set(o, n);
    }
    for (const o of graph.output ?? []) if (o.name) this.pinned.add(o.name);
    for (const p of protect) this.pinned.add(p);
    subgraphReads(graph, this.pinned);
  }

  /** The single live consumer of `value`, if it has exactly one and may be folded away. */
  private soleConsumer(value: string): onnx.INodeProto | undefined {
    if (this.pinned.has(value)) return undefined;
    const list = (this.consumers.get(value) ?? []).filter((n) => !this.removed.has(n));
    return list.length === 1 ? list[0] : undefined;
  }

  private newName(base: string): string {
    this.fresh += 1;
    return `${base}__folded${this.fresh}`;
  }

  /**
   * Per-channel values of a constant operand of a rank-`rank` tensor [N, C, ...] with `channels` channels: a
   * constant that broadcasts along every axis but C (shape [], [1], [C,1,1], [1,C,1,1], ... right-aligned), never
   * one that would change the result's shape.
   */
  private perChannel(name: string, channels: number, rank: number): Float64Array | undefined {
    const c = this.constants.get(name);
    if (!c || c.dims.length > rank) return undefined;
    const d = c.dims;
    if (c.values.length === 1 && d.every((x) => x === 1)) return new Float64Array(channels).fill(c.values[0] ?? 0);
    const axis = d.length - rank + 1;
    if (axis < 0 || d[axis] !== channels || d.some((x, i) => i !== axis && x !== 1)) return undefined;
    return Float64Array.from(c.values);
  }

  private conv(node: onnx.INodeProto): ConvState | undefined {
    const known = this.convs.get(node);
    if (known) return known;
    const w = this.constants.get(node.input?.[1] ?? '');
    if (!w || w.dims.length < 3) return undefined;
    const out = w.dims[0] ?? 0;
    const biasName = node.input?.[2];
    let bias: Float64Array;
    if (biasName) {
      const b = this.constants.get(biasName);
      if (!b || b.values.length !== out) return undefined;
      bias = Float64Array.from(b.values);
    } else {
      bias = new Float64Array(out);
    }
    const state: ConvState = { node, weightDims: w.dims, weights: Float64Array.from(w.values), bias, changed: false };
    this.convs.set(node, state);
    return state;
  }

  /** Pass 1: Mul/Add by constants after a Conv. */
  foldAfter(node: onnx.INodeProto): void {
    if (!isStd(node, 'Conv')) return;
    const state = this.conv(node);
    if (!state) return;
    const channels = state.weightDims[0] ?? 0;
    let value = node.output?.[0] ?? '';
    const scale = new Float64Array(channels).fill(1);
    const shift = new Float64Array(channels);
    const absorbed: onnx.INodeProto[] = [];
    for (;;) {
      const next = this.soleConsumer(value);
      if (!next || !(isStd(next, 'Mul') || isStd(next, 'Add')) || (next.input ?? []).length !== 2) break;
      const other = next.input![0] === value ? next.input![1]! : next.input![1] === value ? next.input![0]! : undefined;
      if (other === undefined || other === value) break;
      const k = this.perChannel(other, channels, state.weightDims.length);
      if (!k) break;
      if (next.opType === 'Mul') {
        for (let c = 0; c < channels; c++) {
          scale[c]! *= k[c]!;
          shift[c]! *= k[c]!;
        }
      } else {
        for (let c = 0; c < channels; c++) shift[c]! += k[c]!;
      }
      absorbed.push(next);
      this.removed.add(next);
      value = next.output?.[0] ?? '';
    }
    if (absorbed.length === 0) return;
    const per = state.weights.length / channels;
    for (let c = 0; c < channels; c++) {
      const s = scale[c]!;
      for (let j = 0; j < per; j++) state.weights[c * per + j]! *= s;
      state.bias[c] = state.bias[c]! * s + shift[c]!;
    }
    state.changed = true;
    const convOut = node.output![0]!;
    node.output = [value];
    this.producer.set(value, node);
    this.producer.delete(convOut);
    this.stats.affineAfterConv += absorbed.length;
  }

  /** Pass 2: Mul/Add by constants right before a Conv that pads nothing. */
  foldBefore(node: onnx.INodeProto): void {
    if (!isStd(node, 'Conv')) return;
    const pads = intsAttr(node, 'pads') ?? [];
    const autoPad = attr(node, 'auto_pad')?.s;
    const autoPadName = autoPad ? Buffer.from(autoPad).toString('latin1') : 'NOTSET';
    if (pads.some((p) => p !== 0) || (autoPadName !== 'NOTSET' && autoPadName !== 'VALID')) return;
    const state = this.conv(node);
    if (!state) return;
    const [out = 0, inPerGroup = 0] = state.weightDims;
    const group = Number(attr(node, 'group')?.i ?? 1);
    const inChannels = inPerGroup * group;
    const outPerGroup = out / group;
    const kernel = state.weights.length / (out * inPerGroup);
    let value = node.input?.[0] ?? '';
    const scale = new Float64Array(inChannels).fill(1);
    const shift = new Float64Array(inChannels);
    const absorbed: onnx.INodeProto[] = [];
    // Walk up: the input is y = map(x); compose maps from the Conv outwards (innermost last).
    let below: onnx.INodeProto = node;
    for (;;) {
      if (this.pinned.has(value)) break;
      const prev = this.producer.get(value);
      if (!prev || this.removed.has(prev) || !(isStd(prev, 'Mul') || isStd(prev, 'Add')) || (prev.input ?? []).length !== 2) break;
      // `value` must feed only the node below (the Conv, or the Mul/Add just absorbed).
      const readers = (this.consumers.get(value) ?? []).filter((n) => n === below || !this.removed.has(n));
      if (readers.length !== 1 || readers[0] !== below) break;
      const [a = '', b = ''] = prev.input!;
      const kA = this.perChannel(a, inChannels, state.weightDims.length);
      const kB = this.perChannel(b, inChannels, state.weightDims.length);
      const k = kB && !kA ? kB : kA && !kB ? kA : undefined;
      const source = k === kB ? a : b;
      if (!k || this.constants.has(source)) break;
      // y = map(z) with z = prev(source): y = scale∘z + shift, z = k∘source (Mul) or source + k (Add).
      if (prev.opType === 'Mul') {
        for (let c = 0; c < inChannels; c++) scale[c]! *= k[c]!;
      } else {
        for (let c = 0; c < inChannels; c++) shift[c]! += scale[c]! * k[c]!;
      }
      absorbed.push(prev);
      this.removed.add(prev);
      below = prev;
      value = source;
    }
    if (absorbed.length === 0) return;
    for (let o = 0; o < out; o++) {
      const g = Math.floor(o / outPerGroup);
      let extra = 0;
      for (let i = 0; i < inPerGroup; i++) {
        const c = g * inPerGroup + i;
        const base = (o * inPerGroup + i) * kernel;
        for (let k = 0; k < kernel; k++) {
          extra += state.weights[base + k]! * shift[c]!;
          state.weights[base + k]! *= scale[c]!;
        }
      }
      state.bias[o]! += extra;
    }
    state.changed = true;
    node.input = [value, ...(node.input ?? []).slice(1)];
    const list = this.consumers.get(value) ?? [];
    list.push(node);
    this.consumers.set(value, list);
    this.stats.affineBeforeConv += absorbed.length;
  }

  private constantIs(name: string, v: number): boolean {
    const c = this.constants.get(name);
    return c !== undefined && c.values.length === 1 && c.values[0] === v;
  }

  private clipRange(n: onnx.INodeProto): [number, number] | undefined {
    const inputs = n.input ?? [];
    if (inputs.length > 1) {
      const lo = this.constants.get(inputs[1] ?? '');
      const hi = this.constants.get(inputs[2] ?? '');
      if (!lo || !hi || lo.values.length !== 1 || hi.values.length !== 1) return undefined;
      return [lo.values[0]!, hi.values[0]!];
    }
    const lo = attr(n, 'min');
    const hi = attr(n, 'max');
    if (!lo || !hi) return undefined;
    return [lo.f ?? 0, hi.f ?? 0];
  }

  /** Pass 3: x · Clip(x + 3, 0, 6) / 6 → x · HardSigmoid(x; 1/6, 1/2). */
  hardSwish(add: onnx.INodeProto): void {
    if (!isStd(add, 'Add') || this.removed.has(add) || (add.input ?? []).length !== 2) return;
    const [a = '', b = ''] = add.input!;
    const x = this.constantIs(b, 3) ? a : this.constantIs(a, 3) ? b : undefined;
    if (x === undefined || this.constants.has(x)) return;
    const clip = this.soleConsumer(add.output?.[0] ?? '');
    if (!clip || !isStd(clip, 'Clip')) return;
    const range = this.clipRange(clip);
    if (!range || range[0] !== 0 || range[1] !== 6) return;
    const mul = this.soleConsumer(clip.output?.[0] ?? '');
    if (!mul || !isStd(mul, 'Mul')) return;
    const mi = mul.input ?? [];
    if (!((mi[0] === x && mi[1] === clip.output![0]) || (mi[1] === x && mi[0] === clip.output![0]))) return;
    const div = this.soleConsumer(mul.output?.[0] ?? '');
    if (!div || !isStd(div, 'Div') || div.input?.[0] !== mul.output![0] || !this.constantIs(div.input?.[1] ?? '', 6)) return;
    const gate = this.newName(clip.output![0]!);
    // Reuse the four nodes' slots: Add → HardSigmoid, Div → Mul; Clip and Mul go.
    add.opType = 'HardSigmoid';
    add.input = [x];
    add.output = [gate];
    add.attribute = [
      onnx.AttributeProto.create({ name: 'alpha', type: onnx.AttributeProto.AttributeType.FLOAT, f: 1 / 6 }),
      onnx.AttributeProto.create({ name: 'beta', type: onnx.AttributeProto.AttributeType.FLOAT, f: 0.5 }),
    ];
    div.opType = 'Mul';
    div.input = [x, gate];
    this.removed.add(clip);
    this.removed.add(mul);
    this.consumers.set(gate, [div]);
    const xs = this.consumers.get(x) ?? [];
    xs.push(div);
    this.consumers.set(x, xs);
    this.stats.hardSwish += 1;
  }

  finish(): void {
    const g = this.graph;
    for (const state of this.convs.values()) {
      if (!state.changed) continue;
      const n = state.node;
      const w = this.newName(n.input![1]!);
      const b = this.newName(n.input?.[2] || `${n.output![0]}_bias`);
      this.newInitializers.push(floatTensor(w, state.weights, state.weightDims), floatTensor(b, state.bias, [state.bias.length]));
      n.input = [n.input![0]!, w, b];
    }
    let nodes = (g.node ?? []).filter((n) => !this.removed.has(n));
    // Drop constants nothing reads any more (only those this pass made unused: it never touches others' readers).
    const read = new Set<string>(this.pinned);
    for (const n of nodes) for (const i of n.input ?? []) read.add(i);
    nodes = nodes.filter((n) => !(isStd(n, 'Constant') && n.output?.[0] && !read.has(n.output[0]) && this.constants.has(n.output[0])));
    g.node = nodes;
    const inputs = new Set((g.input ?? []).map((i) => i.name));
    g.initializer = [...(g.initializer ?? []).filter((t) => read.has(t.name ?? '') || inputs.has(t.name) || !this.constants.has(t.name ?? '')), ...this.newInitializers];
    // Shapes of renamed intermediate values are inferred again by onnxruntime.
    const live = new Set<string>();
    for (const n of nodes) for (const o of n.output ?? []) live.add(o);
    g.valueInfo = (g.valueInfo ?? []).filter((v) => live.has(v.name ?? ''));
  }
}

/**
 * Fold in place; returns what was folded (all zero: the model is unchanged). A model with weights in external data
 * files is left as it is: its variant would be written elsewhere, where the files' relative paths no longer lead.
 */
export function foldConvAffine(model: onnx.IModelProto, protect: readonly string[] = []): FoldStats {
  const graph = model.graph;
  const none = { affineAfterConv: 0, affineBeforeConv: 0, hardSwish: 0 };
  if (!graph) return none;
  if (usesExternalData(model)) return none;
  const f = new Folder(graph, protect);
  const nodes = [...(graph.node ?? [])];
  for (const n of nodes) f.foldAfter(n);
  for (const n of nodes) f.hardSwish(n);
  for (const n of nodes) f.foldBefore(n);
  f.finish();
  return f.stats;
}
