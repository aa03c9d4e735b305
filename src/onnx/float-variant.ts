/**
 * The float32 variant of a quantized ONNX graph (QDQ and QOperator formats), for execution providers where int8
 * gains nothing (WebGPU: see ../shared/models/README.md). Every quantized value q becomes a float value:
 *
 *   QuantizeLinear(x)            → Clip(x) to q's representable range
 *   DequantizeLinear(q) → y      → q's float value is named y (no node); on an initializer: a float initializer
 *   QLinearConv(x, w, B) → y     → Conv(x, (w − w_zp)·w_scale, B·x_scale·w_scale) → Clip to y's range
 *   QLinearMatMul / QLinearAdd / QLinearMul / QLinearGlobalAveragePool / QLinearAveragePool / QLinearConcat /
 *   QLinearSigmoid / QLinearLeakyRelu → the float op → Clip to the output's range
 *   Reshape / Transpose / MaxPool / ... on a quantized value → the same op on its float value
 *
 * The Clip emulates the int8 graph's saturation: a ReLU6 fused into a quantization range (scale·255 = 6) is only
 * there. Float value names: the output name of the DequantizeLinear that reads q when there is one (MobileNetV2's
 * feature map `627`), else `dequantizedName(q)` (`464_quantized__dequantized`), which is what the registry's
 * `pooled: { value, dequantize }` exposes — so exposed names keep resolving (see graph-edit.ts).
 */
import { onnx } from 'onnx-proto';
import { InvalidArgumentError } from '../core/errors';
import { dequantizedName } from './graph-edit';
import { dimsOf, floatTensor, readNumbers } from './tensor-data';

const DataType = onnx.TensorProto.DataType;

/** QLinear ops → float op, and where the (x, scale, zero point) triples and the output scale/zp sit. */
interface QLinearSpec {
  op: string;
  /** Input indices of quantized operands; each is followed by its scale and zero point. */
  operands: number[];
  /** Input index of the output scale (zero point follows). */
  outScale: number;
}

const QLINEAR: Readonly<Record<string, QLinearSpec>> = {
  QLinearMatMul: { op: 'MatMul', operands: [0, 3], outScale: 6 },
  QLinearAdd: { op: 'Add', operands: [0, 3], outScale: 6 },
  QLinearMul: { op: 'Mul', operands: [0, 3], outScale: 6 },
  QLinearGlobalAveragePool: { op: 'GlobalAveragePool', operands: [0], outScale: 3 },
  QLinearAveragePool: { op: 'AveragePool', operands: [0], outScale: 3 },
  QLinearSigmoid: { op: 'Sigmoid', operands: [0], outScale: 3 },
  QLinearLeakyRelu: { op: 'LeakyRelu', operands: [0], outScale: 3 },
};

/** Ops that only move or select elements: on a quantized input they run unchanged on its float value. */
const PASS_THROUGH = new Set(['Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'MaxPool', 'Identity', 'Slice', 'Split', 'DepthToSpace', 'SpaceToDepth', 'Gather', 'Concat']);

export function isQuantizedGraph(model: onnx.IModelProto): boolean {
  return (model.graph?.node ?? []).some((n) => n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear' || (n.opType ?? '').startsWith('QLinear'));
}

class Converter {
  private readonly inits: Map<string, onnx.ITensorProto>;
  private readonly preferred = new Map<string, string>();
  /** Quantized activation → its float value's name. */
  private readonly floatName = new Map<string, string>();
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly newInits = new Map<string, onnx.ITensorProto>();
  private counter = 0;

  constructor(private readonly graph: onnx.IGraphProto, private readonly opset: number, private readonly emulateRounding: boolean) {
    this.inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
    for (const n of graph.node ?? []) {
      const q = n.input?.[0];
      const y = n.output?.[0];
      if (n.opType === 'DequantizeLinear' && q && y && !this.inits.has(q) && !this.preferred.has(q)) this.preferred.set(q, y);
    }
  }

  private init(name: string): onnx.ITensorProto {
    const t = this.inits.get(name);
    if (!t) throw new InvalidArgumentError(`quantization parameter "${name}" must be an initializer`);
    return t;
  }

  /** Representable float range of a value quantized with (scale, zero point). */
  private range(scale: string, zp: string): [number, number] {
    const s = readNumbers(this.init(scale))[0] ?? 1;
    const zt = this.init(zp);
    const z = readNumbers(zt)[0] ?? 0;
    const [lo, hi] = zt.dataType === DataType.INT8 ? [-128, 127] : [0, 255];
    return [(lo - z) * s, (hi - z) * s];
  }

  private addInit(t: onnx.ITensorProto): string {
    const name = t.name ?? '';
    if (!this.newInits.has(name)) this.newInits.set(name, t);
    return name;
  }

  /** Dequantize an initializer; `axis` is the per-channel axis when the scale has more than one element. */
  private dequantizeInit(name: string, scale: string, zp: string, axis: number, outName = dequantizedName(name)): string {
    if (this.newInits.has(outName)) return outName;
    const t = this.init(name);
    const dims = dimsOf(t);
    const q = readNumbers(t);
    const s = readNumbers(this.init(scale));
    const z = readNumbers(this.init(zp));
    const ax = axis < 0 ? axis + dims.length : axis;
    const inner = dims.slice(ax + 1).reduce((a, b) => a * b, 1);
    const channels = dims[ax] ?? 1;
    const out = new Float32Array(q.length);
    for (let i = 0; i < q.length; i++) {
      const c = s.length > 1 ? Math.floor(i / inner) % channels : 0;
      out[i] = ((q[i] ?? 0) - (z[c] ?? 0)) * (s[c] ?? 0);
    }
    return this.addInit(floatTensor(outName, out, dims));
  }

  /** Float value of a quantized operand (activation or initializer). */
  private operand(name: string, scale: string, zp: string, axis: number): string {
    if (this.inits.has(name)) return this.dequantizeInit(name, scale, zp, axis);
    const f = this.floatName.get(name);
    if (!f) throw new InvalidArgumentError(`value "${name}" is read as quantized but is not produced by a quantized op`);
    return f;
  }

  private nameFor(q: string): string {
    const name = this.preferred.get(q) ?? dequantizedName(q);
    this.floatName.set(q, name);
    return name;
  }

  private emit(opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = [], name?: string): void {
    this.nodes.push({ opType, input, output, attribute, name: name ?? `mova_float_${this.counter++}`, domain: '' });
  }

  /** y = Clip(x) to the range (scale, zp) can represent. */
  private clip(x: string, y: string, scale: string, zp: string, base: string): void {
    if (this.emulateRounding) {
      // Verification aid: round to the int8 grid like the quantized graph does (Q → DQ).
      this.emit('QuantizeLinear', [x, scale, zp], [`${base}__requantized`]);
      this.emit('DequantizeLinear', [`${base}__requantized`, scale, zp], [y]);
      return;
    }
    const [lo, hi] = this.range(scale, zp);
    if (this.opset >= 11) {
      const min = this.addInit(floatTensor(`${base}__clip_min`, [lo], []));
      const max = this.addInit(floatTensor(`${base}__clip_max`, [hi], []));
      this.emit('Clip', [x, min, max], [y]);
    } else {
      this.emit('Clip', [x], [y], [{ name: 'min', type: onnx.AttributeProto.AttributeType.FLOAT, f: lo }, { name: 'max', type: onnx.AttributeProto.AttributeType.FLOAT, f: hi }]);
    }
  }

  private need(n: onnx.INodeProto, i: number): string {
    const v = n.input?.[i];
    if (!v) throw new InvalidArgumentError(`${n.opType ?? '?'} node "${n.name ?? ''}" lacks input ${i}`);
    return v;
  }

  convertNode(n: onnx.INodeProto): void {
    const op = n.opType ?? '';
    const out = n.output?.[0] ?? '';
    const inputs = n.input ?? [];
    if (op === 'QuantizeLinear') {
      this.clip(this.need(n, 0), this.nameFor(out), this.need(n, 1), this.need(n, 2), out);
    } else if (op === 'DequantizeLinear') {
      const q = this.need(n, 0);
      const axis = Number(n.attribute?.find((a) => a.name === 'axis')?.i ?? 1);
      if (this.inits.has(q)) this.dequantizeInit(q, this.need(n, 1), this.need(n, 2), axis, out);
      else if (this.operand(q, '', '', 0) !== out) this.emit('Identity', [this.operand(q, '', '', 0)], [out]);
    } else if (op === 'QLinearConv') {
      const x = this.operand(this.need(n, 0), this.need(n, 1), this.need(n, 2), 1);
      const w = this.dequantizeInit(this.need(n, 3), this.need(n, 4), this.need(n, 5), 0);
      const conv = [x, w];
      const bias = inputs[8];
      if (bias) {
        const xs = readNumbers(this.init(this.need(n, 1)))[0] ?? 0;
        const ws = readNumbers(this.init(this.need(n, 4)));
        const b = readNumbers(this.init(bias));
        conv.push(this.addInit(floatTensor(dequantizedName(bias), b.map((v, c) => v * xs * (ws.length > 1 ? ws[c] ?? 0 : ws[0] ?? 0)), [b.length])));
      }
      this.emit('Conv', conv, [`${out}__float_raw`], n.attribute ?? [], n.name ?? undefined);
      this.clip(`${out}__float_raw`, this.nameFor(out), this.need(n, 6), this.need(n, 7), out);
    } else if (op === 'QLinearConcat') {
      // y_scale, y_zp, then (x, x_scale, x_zp) triples.
      const xs: string[] = [];
      for (let i = 2; i + 2 < inputs.length; i += 3) xs.push(this.operand(this.need(n, i), this.need(n, i + 1), this.need(n, i + 2), 0));
      this.emit('Concat', xs, [`${out}__float_raw`], n.attribute ?? [], n.name ?? undefined);
      this.clip(`${out}__float_raw`, this.nameFor(out), this.need(n, 0), this.need(n, 1), out);
    } else if (QLINEAR[op]) {
      const spec = QLINEAR[op];
      // Per-channel weights of a MatMul B [K, N] run along its last axis.
      const xs = spec.operands.map((i) => this.operand(this.need(n, i), this.need(n, i + 1), this.need(n, i + 2), op === 'QLinearMatMul' ? -1 : 1));
      const attrs = (n.attribute ?? []).filter((a) => a.name !== 'channels_last');
      if ((n.attribute ?? []).some((a) => a.name === 'channels_last' && Number(a.i ?? 0) !== 0)) {
        throw new InvalidArgumentError(`${op} "${n.name ?? ''}": channels_last is not supported`);
      }
      this.emit(spec.op, xs, [`${out}__float_raw`], attrs, n.name ?? undefined);
      this.clip(`${out}__float_raw`, this.nameFor(out), this.need(n, spec.outScale), this.need(n, spec.outScale + 1), out);
    } else if (op.startsWith('QLinear') || op.startsWith('QGemm') || op === 'MatMulInteger' || op === 'ConvInteger') {
      throw new InvalidArgumentError(`cannot build a float variant: unsupported quantized op ${op} ("${n.name ?? ''}")`);
    } else {
      const data = inputs[0];
      const quantizedIn = data !== undefined && this.floatName.has(data);
      const rewritten = inputs.map((i) => this.floatName.get(i) ?? i);
      if (inputs.some((i, k) => k > 0 && this.floatName.has(i)) && op !== 'Concat') {
        throw new InvalidArgumentError(`cannot build a float variant: ${op} ("${n.name ?? ''}") reads a quantized value at a non-data input`);
      }
      if (quantizedIn && !PASS_THROUGH.has(op)) {
        if (op === 'Shape') { this.nodes.push({ ...n, input: rewritten }); return; }
        throw new InvalidArgumentError(`cannot build a float variant: ${op} ("${n.name ?? ''}") on a quantized value`);
      }
      const outputs = quantizedIn ? (n.output ?? []).map((o) => this.nameFor(o)) : n.output ?? [];
      this.nodes.push({ ...n, input: rewritten, output: outputs });
    }
  }

  finish(): void {
    const g = this.graph;
    for (const o of g.output ?? []) {
      if (o.name && this.floatName.has(o.name) && this.floatName.get(o.name) !== o.name) {
        throw new InvalidArgumentError(`cannot build a float variant: graph output "${o.name}" is quantized`);
      }
    }
    g.node = this.nodes;
    const used = new Set<string>();
    for (const n of this.nodes) for (const i of n.input ?? []) used.add(i);
    for (const o of g.output ?? []) if (o.name) used.add(o.name);
    g.initializer = [...(g.initializer ?? []), ...this.newInits.values()].filter((t) => used.has(t.name ?? ''));
    const kept = new Set(g.initializer.map((t) => t.name));
    g.input = (g.input ?? []).filter((i) => !this.inits.has(i.name ?? '') || kept.has(i.name));
    // Types of quantized values changed; let onnxruntime infer them again.
    g.valueInfo = (g.valueInfo ?? []).filter((v) => !this.floatName.has(v.name ?? ''));
  }
}

function defaultOpset(model: onnx.IModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain);
  return Number(entry?.version ?? 0);
}

export interface Float32VariantOptions {
  /**
   * Re-quantize every converted value (QuantizeLinear → DequantizeLinear with its original scale) instead of only
   * clipping it: the result then reproduces the int8 graph up to accumulation order. A test aid that checks the
   * conversion itself; never used for serving. @default false
   */
  emulateRounding?: boolean;
}

/** Returns the float32 variant of a quantized model (decoded in place), or the model unchanged when it has no quantized ops. */
export function toFloat32Variant(model: onnx.IModelProto, options: Float32VariantOptions = {}): onnx.IModelProto {
  const graph = model.graph;
  if (!graph) throw new InvalidArgumentError('ONNX model has no graph');
  if (!isQuantizedGraph(model)) return model;
  const c = new Converter(graph, defaultOpset(model), options.emulateRounding ?? false);
  for (const n of graph.node ?? []) c.convertNode(n);
  c.finish();
  return model;
}
