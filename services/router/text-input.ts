/**
 * The learned router's text input: the hashed n-gram features (src/core/text-features.ts), followed, for models
 * trained with them, by the instruction's word-vector embedding (src/core/word-vectors.ts). Training
 * (scripts/router-train/data.ts) and serving (learned-model.ts) both go through here.
 */
import path from 'node:path';
import { TEXT_FEATURE_DIM, textFeaturesInto } from '../../src/core/text-features';
import { loadWordVectors, sentenceVectorInto, type WordVectors } from '../../src/core/word-vectors';
import { PROJECT_ROOT } from '../../src/core/registry';

/** The word vectors the router is trained with (committed next to the model). */
export const ROUTER_WORD_VECTORS = path.join(PROJECT_ROOT, 'models', 'router', 'word-vectors.bin');

export interface RouterTextEncoder {
  /** Width of the text input. */
  readonly dim: number;
  readonly vectors: WordVectors | undefined;
  encodeInto(text: string, out: Float32Array | Float64Array): void;
}

export function routerTextEncoder(vectors: WordVectors | undefined): RouterTextEncoder {
  const dim = TEXT_FEATURE_DIM + (vectors?.dims ?? 0);
  return {
    dim,
    vectors,
    encodeInto(text, out) {
      textFeaturesInto(text, out.subarray(0, TEXT_FEATURE_DIM));
      if (vectors) sentenceVectorInto(vectors, text, out.subarray(TEXT_FEATURE_DIM, dim));
    },
  };
}

/** The encoder for the committed word vectors (or none: hashed features only). */
export function defaultRouterTextEncoder(useWordVectors = true): RouterTextEncoder {
  return routerTextEncoder(useWordVectors ? loadWordVectors(ROUTER_WORD_VECTORS) : undefined);
}
