/**
 * Deterministic instruction text features (the learned router's input and the fusion gate's context): signed
 * feature hashing (FNV-1a 32-bit) of lower-cased word unigrams, word bigrams and character 3/4-grams of each word (with boundary marks), into
 * TEXT_FEATURE_DIM buckets, then L2-normalised. No vocabulary file, no network, the same numbers on every machine.
 */
export const TEXT_FEATURE_DIM = 1024;

/** FNV-1a over the UTF-16 code units of `s` (instructions are validated UTF-8 before this point). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Lower-cased word tokens: letters and digits (Unicode aware); apostrophes are dropped ("what's" → "whats"). */
export function tokenize(text: string): string[] {
  return text.toLowerCase().replace(/['’]/g, '').match(/[\p{L}\p{N}]+/gu) ?? [];
}

function add(out: Float32Array | Float64Array, key: string, weight: number): void {
  const h = fnv1a(key);
  const sign = (h & 0x80000000) !== 0 ? -1 : 1;
  const idx = h % out.length;
  out[idx] = (out[idx] ?? 0) + sign * weight;
}

/** Features of one instruction written into `out` (length TEXT_FEATURE_DIM), which is zeroed first. */
export function textFeaturesInto(text: string, out: Float32Array | Float64Array): void {
  out.fill(0);
  const words = tokenize(text);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    add(out, `w:${w}`, 1);
    if (i + 1 < words.length) add(out, `b:${w}_${words[i + 1] as string}`, 0.7);
    const padded = `<${w}>`;
    for (const n of [3, 4]) {
      for (let j = 0; j + n <= padded.length; j++) add(out, `c${n}:${padded.slice(j, j + n)}`, 0.35);
    }
  }
  let norm = 0;
  for (let i = 0; i < out.length; i++) norm += (out[i] as number) ** 2;
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * inv;
  }
}

export function textFeatures(text: string): Float32Array {
  const out = new Float32Array(TEXT_FEATURE_DIM);
  textFeaturesInto(text, out);
  return out;
}
