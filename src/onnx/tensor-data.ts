/**
 * Reading and writing ONNX initializer data: numbers out of a TensorProto (raw or typed fields), float32 and
 * float16 tensors in, and the float32 → float16 bit conversion (round to nearest even; Node 20 has no Float16Array).
 */
import { onnx } from 'onnx-proto';
import { InvalidArgumentError } from '../core/errors';
import { fromHalfBits, toHalfBits } from '../core/fp16';

const DataType = onnx.TensorProto.DataType;

/** Whether a tensor's values live in an external data file (next to the model) rather than in the model. */
export function isExternal(t: onnx.ITensorProto): boolean {
  return t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData ?? []).length > 0;
}

/** Whether any initializer or Constant of the model's main graph keeps its values in an external data file. */
export function usesExternalData(model: onnx.IModelProto): boolean {
  const g = model.graph;
  return (g?.initializer ?? []).some(isExternal)
    || (g?.node ?? []).some((n) => (n.attribute ?? []).some((a) => a.t !== null && a.t !== undefined && isExternal(a.t)));
}

export function dimsOf(t: onnx.ITensorProto): number[] {
  return (t.dims ?? []).map(Number);
}

function elementCount(t: onnx.ITensorProto): number {
  return dimsOf(t).reduce((a, b) => a * b, 1);
}

/** The elements of a float32/float16/int8/uint8/int32/int64 tensor as numbers. */
export function readNumbers(t: onnx.ITensorProto): Float64Array {
  const n = elementCount(t);
  const out = new Float64Array(n);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : undefined;
  switch (t.dataType) {
    case DataType.FLOAT:
      for (let i = 0; i < n; i++) out[i] = view ? view.getFloat32(i * 4, true) : Number(t.floatData?.[i] ?? 0);
      return out;
    case DataType.FLOAT16:
      for (let i = 0; i < n; i++) out[i] = fromHalfBits(view ? view.getUint16(i * 2, true) : Number(t.int32Data?.[i] ?? 0));
      return out;
    case DataType.INT8:
      for (let i = 0; i < n; i++) out[i] = view ? view.getInt8(i) : Number(t.int32Data?.[i] ?? 0);
      return out;
    case DataType.UINT8:
      for (let i = 0; i < n; i++) out[i] = view ? view.getUint8(i) : Number(t.int32Data?.[i] ?? 0);
      return out;
    case DataType.INT32:
      for (let i = 0; i < n; i++) out[i] = view ? view.getInt32(i * 4, true) : Number(t.int32Data?.[i] ?? 0);
      return out;
    case DataType.INT64:
      for (let i = 0; i < n; i++) out[i] = view ? Number(view.getBigInt64(i * 8, true)) : Number(t.int64Data?.[i] ?? 0);
      return out;
    default:
      throw new InvalidArgumentError(`initializer "${t.name ?? ''}": unsupported data type ${t.dataType ?? '?'}`);
  }
}

export function floatTensor(name: string, values: ArrayLike<number>, dims: readonly number[]): onnx.ITensorProto {
  const f = Float32Array.from(values);
  return { name, dataType: DataType.FLOAT, dims: [...dims], rawData: new Uint8Array(f.buffer) };
}

export function float16Tensor(name: string, values: ArrayLike<number>, dims: readonly number[]): onnx.ITensorProto {
  const h = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) h[i] = toHalfBits(values[i] ?? 0);
  return { name, dataType: DataType.FLOAT16, dims: [...dims], rawData: new Uint8Array(h.buffer) };
}

