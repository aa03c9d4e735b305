/**
 * Reading and writing ONNX initializer data: numbers out of a TensorProto (raw or typed fields), float32 and
 * float16 tensors in, and the float32 → float16 bit conversion (round to nearest even; Node 20 has no Float16Array).
 */
import { onnx } from 'onnx-proto';
import { InvalidArgumentError } from '../core/errors';

const DataType = onnx.TensorProto.DataType;

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
      for (let i = 0; i < n; i++) out[i] = float16ToFloat32(view ? view.getUint16(i * 2, true) : Number(t.int32Data?.[i] ?? 0));
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
  for (let i = 0; i < values.length; i++) h[i] = float32ToFloat16(values[i] ?? 0);
  return { name, dataType: DataType.FLOAT16, dims: [...dims], rawData: new Uint8Array(h.buffer) };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half-precision bits of a number (round to nearest even; overflow → ±inf; NaN kept). */
export function float32ToFloat16(value: number): number {
  f32[0] = value;
  const x = u32[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  e = half >>> 10;
  return sign | (e >= 0x1f ? 0x7c00 : half);
}

export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
