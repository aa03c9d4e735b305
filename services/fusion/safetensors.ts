/**
 * A minimal safetensors codec (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
 * a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}`, then the
 * tensor bytes (offsets are relative to the end of the header). Reading converts F32, F16, BF16 and F64 to float32;
 * writing always stores F32. Every malformed input gives an InvalidArgumentError naming the source and the problem.
 */
import { InvalidArgumentError } from '../../src/core/errors';

export interface FloatTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface SafetensorsContents {
  /** Tensors by name, converted to float32, in header order. */
  readonly tensors: ReadonlyMap<string, FloatTensor & { readonly dtype: string }>;
  /** The `__metadata__` string map (empty when absent). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Bytes per element for the dtypes we can read. */
const DTYPE_SIZE: Readonly<Record<string, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
/** Refuse headers above this size (the format's reference implementation uses the same bound). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function decodeElements(view: DataView, offset: number, count: number, dtype: string): Float32Array {
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32': for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, true); break;
    case 'F64': for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, true); break;
    case 'F16': for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(offset + 2 * i, true)); break;
    case 'BF16': {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(offset + 2 * i, true) << 16;
      break;
    }
    default: throw new Error(`unreachable dtype ${dtype}`);
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse safetensors bytes. `source` (a file name) prefixes every error message. */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsContents {
  const fail = (msg: string): never => { throw new InvalidArgumentError(`${source}: ${msg}`); };
  if (bytes.length < 8) fail(`too short to be a safetensors file (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) {
    fail(`header length ${headerLen} exceeds the file (${bytes.length} bytes); not a safetensors file or truncated`);
  }
  const headerEnd = 8 + Number(headerLen);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd)));
  } catch (err) {
    return fail(`header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (!isRecord(header)) return fail('header is not a JSON object');
  const dataLen = bytes.length - headerEnd;
  const tensors = new Map<string, FloatTensor & { dtype: string }>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isRecord(entry) || !Object.values(entry).every((v) => typeof v === 'string')) fail('__metadata__ must map strings to strings');
      metadata = entry as Record<string, string>;
      continue;
    }
    if (!isRecord(entry)) return fail(`tensor "${name}": entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string') return fail(`tensor "${name}": missing dtype`);
    const size = DTYPE_SIZE[dtype];
    if (size === undefined) return fail(`tensor "${name}" has dtype ${dtype}; supported: ${Object.keys(DTYPE_SIZE).join(', ')}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      return fail(`tensor "${name}": shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
      return fail(`tensor "${name}": data_offsets must be [begin, end], got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end > dataLen) return fail(`tensor "${name}": data_offsets [${begin}, ${end}] fall outside the ${dataLen} data bytes`);
    if (end - begin !== count * size) {
      return fail(`tensor "${name}": ${end - begin} bytes for shape [${(shape as number[]).join(', ')}] of ${dtype} (expected ${count * size})`);
    }
    tensors.set(name, { dtype, shape: shape as number[], data: decodeElements(view, headerEnd + begin, count, dtype) });
  }
  return { tensors, metadata };
}

/** Serialise float32 tensors (in the given order) with optional string metadata. */
export function encodeSafetensors(tensors: Iterable<readonly [string, FloatTensor]>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const parts: Float32Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new InvalidArgumentError(`tensor "${name}": ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * count] };
    parts.push(t.data);
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned (allowed by the format).
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const data of parts) {
    for (let i = 0; i < data.length; i++) view.setFloat32(pos + 4 * i, data[i] as number, true);
    pos += 4 * data.length;
  }
  return out;
}
