/** Word vectors for the router's text input (src/core/word-vectors.ts, services/router/text-input.ts). */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/core/errors';
import { loadLearnedModel } from '../../services/router/learned-model';
import { TEXT_FEATURE_DIM, textFeatures } from '../../src/core/text-features';
import { loadWordVectors, parseWordVectors, sentenceVectorInto, WORD_VECTORS_MAGIC } from '../../src/core/word-vectors';
import { ROUTER_WORD_VECTORS, routerTextEncoder } from '../../services/router/text-input';

function file(words: string[], vectors: number[][]): Buffer {
  const dims = vectors[0]!.length;
  const header = Buffer.alloc(16);
  header.write(WORD_VECTORS_MAGIC, 0, 'latin1');
  header.writeUInt32LE(words.length, 8);
  header.writeUInt32LE(dims, 12);
  const scales = Buffer.alloc(4 * words.length);
  const q = Buffer.alloc(words.length * dims);
  vectors.forEach((v, i) => {
    const m = Math.max(...v.map(Math.abs));
    scales.writeFloatLE(m / 127, 4 * i);
    v.forEach((x, k) => q.writeInt8(Math.round((x / m) * 127), i * dims + k));
  });
  return Buffer.concat([header, scales, q, Buffer.from(words.join('\n'))]);
}

const cos = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

describe('word vectors', () => {
  it('parses the file, weighs frequent words less, and returns a unit vector (zeros for unknown words)', () => {
    // Ranks 0 and 150: "the" (weight 0) must not move the result; "cat" decides it.
    const words = ['the', ...Array.from({ length: 149 }, (_, i) => `w${i}`), 'cat'];
    const vectors = words.map((w) => (w === 'the' ? [1, 0, 0] : w === 'cat' ? [0, 3, 4] : [0, 0, 1]));
    const v = parseWordVectors(file(words, vectors));
    assert.equal(v.dims, 3);
    const out = new Float32Array(3);
    sentenceVectorInto(v, 'The CAT!', out);
    assert.ok(Math.abs(out[0]!) < 1e-6 && Math.abs(out[1]! - 0.6) < 0.01 && Math.abs(out[2]! - 0.8) < 0.01, String(out));
    sentenceVectorInto(v, 'xyzzy plugh', out);
    assert.deepEqual([...out], [0, 0, 0]);
    assert.throws(() => parseWordVectors(Buffer.from('not a vector file at all')), /not a mova word-vector file/);
    assert.throws(() => parseWordVectors(file(words, vectors).subarray(0, 100)), /truncated/);
  });

  it('the committed vectors put paraphrases closer than unrelated questions', () => {
    const v = loadWordVectors(ROUTER_WORD_VECTORS);
    assert.equal(v.dims, 100);
    assert.ok(v.index.size >= 20_000);
    const vec = (t: string): Float32Array => { const o = new Float32Array(100); sentenceVectorInto(v, t, o); return o; };
    const owe = vec('How much do I owe?');
    assert.ok(cos(owe, vec('What is the amount due?')) > cos(owe, vec('Where is the cat?')) + 0.1);
    const smile = vec('Is the person smiling?');
    assert.ok(cos(smile, vec('Does she look happy?')) > cos(smile, vec('Read the text on the sign')));
  });

  it("the router's text input is the hashed features followed by the sentence vector", () => {
    const v = loadWordVectors(ROUTER_WORD_VECTORS);
    const enc = routerTextEncoder(v);
    assert.equal(enc.dim, TEXT_FEATURE_DIM + 100);
    const out = new Float64Array(enc.dim);
    enc.encodeInto('Read the sign', out);
    const hashed = textFeatures('Read the sign');
    assert.ok(Array.from(out.subarray(0, TEXT_FEATURE_DIM)).every((x, k) => Math.abs(x - (hashed[k] ?? NaN)) < 1e-6), 'the head is the hashed features');
    const tail = new Float32Array(100);
    sentenceVectorInto(v, 'Read the sign', tail);
    assert.ok(Array.from(out.subarray(TEXT_FEATURE_DIM)).every((x, k) => Math.abs(x - (tail[k] ?? NaN)) < 1e-5), 'the tail is the sentence vector');
    assert.equal(routerTextEncoder(undefined).dim, TEXT_FEATURE_DIM);
  });

  it('a router model whose word-vector file is missing fails to load, naming the file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mova-router-'));
    try {
      copyFileSync(path.join(path.dirname(ROUTER_WORD_VECTORS), 'router.onnx'), path.join(dir, 'router.onnx'));
      await assert.rejects(loadLearnedModel(path.join(dir, 'router.onnx')), (e: unknown) => e instanceof ConfigError && /needs its word vectors word-vectors\.bin next to it/.test(e.message));
      copyFileSync(ROUTER_WORD_VECTORS, path.join(dir, 'word-vectors.bin'));
      const model = await loadLearnedModel(path.join(dir, 'router.onnx'));
      assert.equal((await model.run([{ instruction: 'Read the sign', pooled: null }])).length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
