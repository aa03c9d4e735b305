/** IEEE 754 half-precision conversion (Node 20 has no Float16Array). Round-to-nearest-even. */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function toHalfBits(value: number): number {
  f32[0] = value;
  // Sign of what float32 rounding dropped: settles ties so a float64 input is rounded once, not twice.
  const sticky = Math.sign(Math.abs(value) - Math.abs(f32[0] ?? 0));
  const x = u32[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → ±0
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (sticky > 0 || (sticky === 0 && (half & 1) === 1)))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (sticky > 0 || (sticky === 0 && (half & 1) === 1)))) half++;
  return sign | half;
}

export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * Float32Array → FP16 bits, round-to-nearest-even; bit-identical to `toHalfBits` on every float32 value (a float32
 * input has nothing below its last bit, so no sticky bit is needed). Normal results take an integer fast path
 * (about 20× faster than converting value by value); subnormals, overflow, Inf and NaN go through `toHalfBits`.
 */
export function float32ToHalf(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  // The float32 bits, read in place (a Float32Array's byteOffset is always a multiple of 4).
  const n = src.length;
  const bits = new Int32Array(src.buffer, src.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const x = bits[i]!;
    const abs = x & 0x7fffffff;
    // Normal half range: 2^-14 ≤ |v| < 65520 (65520 and up round to Inf).
    if (abs >= 0x38800000 && abs < 0x477ff000) {
      // Rebias the exponent (127 → 15), then round the 13 dropped mantissa bits to nearest even: add 0xfff plus
      // the kept lowest bit and shift (a carry into the exponent is the correct rounding up).
      out[i] = ((x >> 16) & 0x8000) | ((abs - 0x38000000 + 0xfff + ((abs >> 13) & 1)) >> 13);
    } else {
      out[i] = toHalfBits(src[i]!);
    }
  }
  return out;
}

/** All 65536 FP16 bit patterns as float32 bits, built on first use (256 KB). */
let halfTable: Uint32Array | undefined;

function halfToFloatTable(): Uint32Array {
  if (!halfTable) {
    const f = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f[h] = fromHalfBits(h);
    halfTable = new Uint32Array(f.buffer);
  }
  return halfTable;
}

/** FP16 bits → Float32Array by table lookup (exact: every half value is a float32). */
export function halfToFloat32(src: Uint16Array): Float32Array {
  const table = halfToFloatTable();
  const out = new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = table[src[i]!]!;
  return new Float32Array(out.buffer);
}

/** Index of the first FP16 NaN or ±Infinity (exponent bits all ones) in `bits`, or -1. */
export function firstNonFiniteHalf(bits: Uint16Array): number {
  let any = 0;
  for (let i = 0; i < bits.length; i++) any |= ((bits[i]! & 0x7c00) + 0x0400) & 0x8000;
  if (any === 0) return -1;
  return bits.findIndex((h) => (h & 0x7c00) === 0x7c00);
}
