/**
 * The `u8u8` variant of an int8 graph: the signed int8 weights of QLinearConv and QLinearMatMul (and their zero
 * points) shifted by +128 into uint8, so (w − w_zp) — the only thing the maths reads — is unchanged.
 *
 * Why: on x86 CPUs without VNNI, onnxruntime multiplies u8 activations by s8 weights with VPMADDUBSW, whose int16
 * sums of two products saturate (the int8 MobileNetV2's embeddings then moved by up to 110% relative L2 on an AVX2
 * CPU). With u8 weights it takes its u8×u8 path, which widens to int16 before multiplying and accumulates in int32:
 * exact integer maths, the numbers a VNNI CPU gives, at 1.2–1.35× the saturating kernel's time on a 2-core AVX2 EPYC
 * (less than the float32 variant's, which computes other numbers; see README "int8 on x86 CPUs without VNNI"). On a
 * CPU with VNNI or on ARM the s8 graph is already exact, so the CPU default only picks this where the kernels
 * saturate (src/core/cpu.ts).
 *
 * Depthwise convolutions (one input and one output channel per group) keep their s8 weights: onnxruntime's depthwise
 * kernel widens every product before adding, so it is exact already, and faster with s8 weights (MobileNetV2 on that
 * AVX2 CPU, batch 8: 43.0 ms with every weight shifted, 38.5 ms with its 17 depthwise ones left alone — the outputs
 * bit for bit the same; 27.2 ms saturating).
 *
 * Scope: QOperator-format graphs (QLinearConv, QLinearMatMul with initializer weights), as the ONNX model zoo's int8
 * models are. QDQ-format graphs (DequantizeLinear → float op, fused by onnxruntime at load) and graphs with subgraphs
 * (If, Loop, Scan: their nodes may read the same initializers) are left as they are.
 */
import { onnx } from 'onnx-proto';
import { readNumbers } from './tensor-data';

const DataType = onnx.TensorProto.DataType;

/** Where the activation's zero point, the weight and the weight's zero point sit among each op's inputs. */
const WEIGHT_INPUTS: Readonly<Record<string, { activationZeroPoint: number; weight: number; weightZeroPoint: number }>> = {
  QLinearConv: { activationZeroPoint: 2, weight: 3, weightZeroPoint: 5 },
  QLinearMatMul: { activationZeroPoint: 2, weight: 3, weightZeroPoint: 5 },
};

/** Whether a QLinearConv is depthwise: group > 1 with one input and one output channel per group. */
function isDepthwise(node: onnx.INodeProto, w: onnx.ITensorProto): boolean {
  const group = Number((node.attribute ?? []).find((a) => a.name === 'group')?.i ?? 1);
  const dims = (w.dims ?? []).map(Number);
  return node.opType === 'QLinearConv' && group > 1 && dims[1] === 1 && dims[0] === group;
}

/** Rewrites one int8 initializer as uint8 (+128) in place. */
function shiftToUint8(t: onnx.ITensorProto): void {
  const v = readNumbers(t);
  const out = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) + 128;
  t.dataType = DataType.UINT8;
  t.rawData = out;
  t.int32Data = [];
}

/**
 * Whether a serialised model may hold weights shiftInt8Weights shifts: it names one of their ops (op types are plain
 * strings in the file). Cheap, without decoding the model; false means there is nothing to shift.
 */
export function mayHaveInt8WeightOps(bytes: Buffer): boolean {
  return Object.keys(WEIGHT_INPUTS).some((op) => bytes.includes(op));
}

/**
 * Shifts every int8 weight initializer (and its zero point) of QLinearConv / QLinearMatMul to uint8. A pair is
 * shifted only when both are int8 initializers, the activation is uint8 (its zero point a uint8 initializer: the
 * u8×s8 case that saturates; onnxruntime has no s8×u8 kernels) and this node is the only reader of each (a shared one
 * is left as it is: still correct, only not exact on such CPUs). Depthwise convolutions are left alone unless
 * `depthwise` (see above). Returns how many weights were shifted (0: unchanged).
 */
export function shiftInt8Weights(model: onnx.IModelProto, opts: { depthwise?: boolean } = {}): number {
  const graph = model.graph;
  if (!graph || (graph.node ?? []).some((n) => (n.attribute ?? []).some((a) => a.g || (a.graphs?.length ?? 0) > 0))) return 0;
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const readCount = new Map<string, number>();
  for (const node of graph.node ?? []) for (const name of node.input ?? []) readCount.set(name, (readCount.get(name) ?? 0) + 1);
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const own = (name: string): boolean => readCount.get(name) === 1 && !graphOutputs.has(name);
  let count = 0;
  for (const node of graph.node ?? []) {
    const slots = WEIGHT_INPUTS[node.opType ?? ''];
    if (!slots) continue;
    const wName = node.input?.[slots.weight] ?? '', zpName = node.input?.[slots.weightZeroPoint] ?? '';
    const w = inits.get(wName), zp = inits.get(zpName), xZp = inits.get(node.input?.[slots.activationZeroPoint] ?? '');
    if (!w || !zp || xZp?.dataType !== DataType.UINT8 || w.dataType !== DataType.INT8 || zp.dataType !== DataType.INT8 || !own(wName) || !own(zpName)) continue;
    if (!opts.depthwise && isDepthwise(node, w)) continue;
    shiftToUint8(w);
    shiftToUint8(zp);
    count++;
  }
  return count;
}
