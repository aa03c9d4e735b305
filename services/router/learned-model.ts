/**
 * The learned router's ONNX model (trained by scripts/train-router.ts): inputs `text` [N, T] (text-input.ts: the
 * hashed n-grams, then the word-vector embedding when the metadata names a `word_vectors` file next to the model) and
 * `image` [N, D] (the raw base pooled embedding), output `scores` [N, labels] (sigmoid, per domain). The label
 * order and widths are read from the model's metadata. Run in-process: the model is a few hundred KB and one batch
 * of 32 takes well under a millisecond, so a worker pool would add more (message passing) than it saves.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { onnx } from 'onnx-proto';
import { ConfigError } from '../../src/core/errors';
import { createSession, ort } from '../../src/core/ort-session';
import { loadWordVectors } from '../../src/core/word-vectors';
import { routerTextEncoder, type RouterTextEncoder } from './text-input';

export interface LearnedModel {
  readonly labels: readonly string[];
  readonly imageDim: number;
  /** Per-domain scores for each input (a null embedding is replaced by the training mean). */
  run(inputs: readonly { instruction: string; pooled: Float32Array | null }[]): Promise<Record<string, number>[]>;
}

function initializer(model: onnx.ModelProto, name: string): Float32Array | undefined {
  const t = model.graph?.initializer?.find((x) => x.name === name);
  if (!t?.rawData) return undefined;
  const raw = t.rawData;
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

export async function loadLearnedModel(file: string, intraOpThreads = 1): Promise<LearnedModel> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new ConfigError('router.model', `cannot read ${file} (run \`npm run train:router\`): ${(err as Error).message}`);
  }
  const proto = onnx.ModelProto.decode(bytes);
  const meta = new Map((proto.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  const labels = (meta.get('labels') ?? '').split(',').filter((l) => l !== '');
  const imageDim = Number(meta.get('image_dim'));
  const wordFile = meta.get('word_vectors');
  let enc: RouterTextEncoder;
  try {
    enc = routerTextEncoder(wordFile ? loadWordVectors(path.join(path.dirname(file), wordFile)) : undefined);
  } catch (err) {
    throw new ConfigError('router.model', `${file} needs its word vectors ${wordFile} next to it: ${(err as Error).message}`);
  }
  if (labels.length === 0 || !(imageDim > 0) || Number(meta.get('text_dim')) !== enc.dim) {
    throw new ConfigError('router.model', `${file} is not a mova router model (metadata labels/text_dim/image_dim/word_vectors)`);
  }
  const mean = initializer(proto, 'image_mean') ?? new Float32Array(imageDim);
  const session = await createSession(bytes, { provider: 'cpu', intraOpThreads });
  return {
    labels,
    imageDim,
    async run(inputs) {
      const n = inputs.length;
      if (n === 0) return [];
      const text = new Float32Array(n * enc.dim);
      const image = new Float32Array(n * imageDim);
      inputs.forEach((inp, i) => {
        enc.encodeInto(inp.instruction, text.subarray(i * enc.dim, (i + 1) * enc.dim));
        image.set(inp.pooled ?? mean, i * imageDim);
      });
      const out = await session.run({
        text: new ort.Tensor('float32', text, [n, enc.dim]),
        image: new ort.Tensor('float32', image, [n, imageDim]),
      });
      const scores = out.scores?.data as Float32Array;
      return inputs.map((_, i) => Object.fromEntries(labels.map((l, k) => [l, scores[i * labels.length + k] ?? 0])));
    },
  };
}
