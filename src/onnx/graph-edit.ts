/**
 * Load-time ONNX graph edits (never shipped as edited binaries): expose internal values as graph outputs
 * (optionally dequantized), drop initializers that are wrongly listed as graph inputs, and take float32 inputs as
 * FP16 (cast inside the graph).
 */
import { onnx } from 'onnx-proto';
import { InvalidArgumentError } from '../core/errors';

export interface ExposedValue {
  /** Name of an existing graph value (node output). */
  name: string;
  /** For a quantized value: DequantizeLinear it with these scale/zero-point values first. */
  dequantize?: { scale: string; zeroPoint: string };
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** Name of the float value standing for quantized value `q` (also what float model variants call it). */
export function dequantizedName(q: string): string {
  return `${q}__dequantized`;
}

/** The output name under which an exposed value appears. */
export function exposedName(v: ExposedValue): string {
  return v.dequantize ? dequantizedName(v.name) : v.name;
}

function producedValues(graph: onnx.IGraphProto): Set<string> {
  const names = new Set<string>();
  for (const n of graph.node ?? []) for (const o of n.output ?? []) names.add(o);
  for (const i of graph.input ?? []) if (i.name) names.add(i.name);
  for (const t of graph.initializer ?? []) if (t.name) names.add(t.name);
  return names;
}

/** Add the given values as graph outputs; returns the edited model bytes. */
export function exposeOutputs(modelBytes: Uint8Array, values: readonly ExposedValue[]): Uint8Array {
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph;
  if (!graph) throw new InvalidArgumentError('ONNX model has no graph');
  graph.node ??= [];
  graph.output ??= [];
  const known = producedValues(graph);
  const existing = new Set(graph.output.map((o) => o.name));
  for (const v of values) {
    const out = exposedName(v);
    if (existing.has(out)) continue;
    // A float variant (src/onnx/float-variant.ts) already holds the dequantized value under `out`.
    const alreadyFloat = v.dequantize !== undefined && known.has(out);
    if (!known.has(v.name) && !alreadyFloat) throw new InvalidArgumentError(`ONNX graph has no value named "${v.name}"`);
    if (v.dequantize && !alreadyFloat) {
      for (const q of [v.dequantize.scale, v.dequantize.zeroPoint]) {
        if (!known.has(q)) throw new InvalidArgumentError(`ONNX graph has no value named "${q}"`);
      }
      graph.node.push(onnx.NodeProto.create({
        opType: 'DequantizeLinear',
        name: `mova_expose_${out}`,
        input: [v.name, v.dequantize.scale, v.dequantize.zeroPoint],
        output: [out],
      }));
    }
    graph.output.push(onnx.ValueInfoProto.create({ name: out, type: { tensorType: { elemType: FLOAT } } }));
    existing.add(out);
  }
  return onnx.ModelProto.encode(model).finish();
}

/** Remove initializers from the graph inputs (lets onnxruntime constant-fold them; silences its warnings). */
export function dropInitializerInputs(modelBytes: Uint8Array): Uint8Array {
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph;
  if (!graph?.input || !graph.initializer) return modelBytes;
  const inits = new Set(graph.initializer.map((t) => t.name));
  const before = graph.input.length;
  graph.input = graph.input.filter((i) => !inits.has(i.name));
  return graph.input.length === before ? modelBytes : onnx.ModelProto.encode(model).finish();
}

/**
 * The model with the named float32 inputs taken as FP16 instead: each becomes a float16 input followed by a Cast to
 * float32 that every former reader reads. FP16 → float32 is exact, so on FP16-representable values the edited model
 * computes exactly what the original does — without converting the tensors in JavaScript first.
 */
export function fp16Inputs(modelBytes: Uint8Array, names: readonly string[]): Uint8Array {
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph;
  if (!graph) throw new InvalidArgumentError('ONNX model has no graph');
  graph.node ??= [];
  const casts: onnx.INodeProto[] = [];
  for (const name of names) {
    const input = (graph.input ?? []).find((i) => i.name === name);
    const tensorType = input?.type?.tensorType;
    if (!input || !tensorType) throw new InvalidArgumentError(`ONNX graph has no input named "${name}"`);
    if (tensorType.elemType !== FLOAT) throw new InvalidArgumentError(`ONNX graph input "${name}" is not float32`);
    tensorType.elemType = onnx.TensorProto.DataType.FLOAT16;
    const cast = `${name}__float32`;
    for (const n of graph.node) n.input = (n.input ?? []).map((x) => (x === name ? cast : x));
    for (const o of graph.output ?? []) if (o.name === name) throw new InvalidArgumentError(`ONNX graph input "${name}" is also an output`);
    casts.push(onnx.NodeProto.create({ opType: 'Cast', name: `mova_fp16_${name}`, input: [name], output: [cast], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }] }));
  }
  graph.node = [...casts, ...graph.node];
  return onnx.ModelProto.encode(model).finish();
}
