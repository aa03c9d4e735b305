/**
 * The float16 variant of a float32 ONNX graph: weights and activations in fp16, the graph's float inputs and
 * outputs (and any value named in `keepFloat32`, e.g. the registry's exposed feature maps) still fp32 through Cast
 * nodes at the boundary. Inputs that ONNX requires in fp32 whatever T is (Resize/Upsample scales and roi) get a
 * Cast back to fp32. Quantized graphs must go through the float32 variant first (variants.ts does).
 *
 * Not handled (the converter refuses them): ops whose output type comes from an attribute other than Cast,
 * Constant and ConstantOfShape (RandomNormal, EyeLike, ...) and sub-graphs (If/Loop/Scan).
 */
import { onnx } from 'onnx-proto';
import { InvalidArgumentError } from '../core/errors';
import { isQuantizedGraph } from './float-variant';
import { dimsOf, float16Tensor, readNumbers } from './tensor-data';

const DataType = onnx.TensorProto.DataType;

/** Inputs that stay float32 in every opset: op → input indices. */
const FLOAT32_INPUTS: Readonly<Record<string, readonly number[]>> = { Resize: [1, 2], Upsample: [1] };

const REFUSED = new Set(['RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'EyeLike', 'If', 'Loop', 'Scan', 'Multinomial', 'Bernoulli']);

function toHalf(t: onnx.ITensorProto): onnx.ITensorProto {
  return t.dataType === DataType.FLOAT ? { ...float16Tensor(t.name ?? '', readNumbers(t), dimsOf(t)) } : t;
}

function isFloatInfo(v: onnx.IValueInfoProto): boolean {
  return v.type?.tensorType?.elemType === DataType.FLOAT;
}

export interface Fp16VariantOptions {
  /** Internal values that must stay readable as float32 (a Cast to fp32 keeps the original name). */
  keepFloat32?: readonly string[];
}

/** Returns the fp16 variant of a float32 model (decoded in place). */
export function toFloat16Variant(model: onnx.IModelProto, options: Fp16VariantOptions = {}): onnx.IModelProto {
  const g = model.graph;
  if (!g) throw new InvalidArgumentError('ONNX model has no graph');
  if (isQuantizedGraph(model)) throw new InvalidArgumentError('fp16 variant: convert the quantized graph to float32 first');
  const inits = new Set((g.initializer ?? []).map((t) => t.name ?? ''));
  const nodes: onnx.INodeProto[] = [];
  let counter = 0;
  const cast = (from: string, to: string, type: number): void => {
    nodes.push({ opType: 'Cast', name: `mova_fp16_cast_${counter++}`, input: [from], output: [to], domain: '', attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: type }] });
  };
  // Graph inputs: fp32 outside, fp16 inside.
  const rename = new Map<string, string>();
  for (const i of g.input ?? []) {
    if (!i.name || inits.has(i.name) || !isFloatInfo(i)) continue;
    rename.set(i.name, `${i.name}__fp16`);
    cast(i.name, `${i.name}__fp16`, DataType.FLOAT16);
  }
  // Values read as fp32 outside: graph outputs and keepFloat32 are produced as `__fp16` and cast back.
  const boundary = new Set([...(g.output ?? []).filter(isFloatInfo).map((o) => o.name ?? ''), ...(options.keepFloat32 ?? [])]);
  const out = (name: string): string => (boundary.has(name) ? `${name}__fp16` : name);
  const produced = new Set<string>();
  for (const n of g.node ?? []) {
    const op = n.opType ?? '';
    if (REFUSED.has(op) || (n.domain && n.domain !== 'ai.onnx')) throw new InvalidArgumentError(`fp16 variant: unsupported op ${n.domain ? `${n.domain}:` : ''}${op} ("${n.name ?? ''}")`);
    const input = (n.input ?? []).map((v) => rename.get(v) ?? (boundary.has(v) && produced.has(v) ? `${v}__fp16` : v));
    const keep32 = FLOAT32_INPUTS[op] ?? [];
    for (const k of keep32) {
      const v = input[k];
      if (!v) continue;
      const as32 = `${v}__fp32_${counter}`;
      cast(v, as32, DataType.FLOAT);
      input[k] = as32;
    }
    let attribute = n.attribute ?? [];
    if (op === 'Cast') {
      attribute = attribute.map((a) => (a.name === 'to' && Number(a.i) === DataType.FLOAT ? { ...a, i: DataType.FLOAT16 } : a));
    } else if (op === 'Constant' || op === 'ConstantOfShape') {
      attribute = attribute.map((a) => (a.t && a.t.dataType === DataType.FLOAT ? { ...a, t: toHalf(a.t) } : a));
    }
    const output = (n.output ?? []).map(out);
    nodes.push({ ...n, input, output, attribute });
    for (const o of n.output ?? []) {
      produced.add(o);
      if (boundary.has(o)) cast(`${o}__fp16`, o, DataType.FLOAT);
    }
  }
  for (const name of options.keepFloat32 ?? []) {
    if (!produced.has(name)) throw new InvalidArgumentError(`fp16 variant: no node produces "${name}"`);
  }
  g.node = nodes;
  g.initializer = (g.initializer ?? []).map(toHalf);
  // Initializers listed as inputs would now disagree in type; drop them from the inputs (they are constants).
  g.input = (g.input ?? []).filter((i) => !inits.has(i.name ?? ''));
  g.valueInfo = [];
  return model;
}
