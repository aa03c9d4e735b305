/**
 * Pooled base-expert embeddings of every catalogue image, computed in process with the base expert's pipeline
 * (services/expert/runner.ts; scripts may import it, the router service never does).
 *
 * The int8 base model's numbers depend on the CPU (onnxruntime's x86 int8 kernels saturate without VNNI), so the
 * embeddings the committed router was trained on are committed too (scripts/router-data/embeddings-<variant>.bin
 * + .json, keyed by the image ids, the base model files and the variant): training and evaluation read them, which
 * keeps retraining byte-for-byte reproducible on any machine. `recompute` (train-router --recompute-embeddings) computes them afresh
 * on this machine instead (and caches them under .cache/router/ for later runs without `recompute` whose committed
 * files do not match), and `writeCommittedEmbeddings` replaces the committed pair.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeImage } from '../../src/core/image';
import { exposedFloatValues, preparedModelPath } from '../../src/core/prepared-models';
import { DEFAULT_REGISTRY_PATH, findExpert, loadRegistry, PROJECT_ROOT, resolveExpertFiles, type ExpertEntry, type Registry } from '../../src/core/registry';
import { createExpertPipeline } from '../../services/expert/runner';
import { registryCopy } from '../../src/bench/cluster';
import { cpuDescription, simdLevel } from '../../src/core/cpu';
import { renderImage } from './images';

export interface Embeddings {
  width: number;
  byId: Map<string, Float32Array>;
  /** Where the numbers came from: the committed file, this machine's cache, or a fresh computation. */
  source: 'committed' | 'cache' | 'computed';
  key: string;
  /** The base model variant that produced them (registry `variants`: original, float32, float16). */
  variant: string;
}

/** The committed embeddings of one base-model variant: scripts/router-data/embeddings-<variant>.bin + .json. */
export function committedEmbeddingsPaths(variant: string): { bin: string; meta: string } {
  const stem = path.join(PROJECT_ROOT, 'scripts', 'router-data', `embeddings-${variant}`);
  return { bin: `${stem}.bin`, meta: `${stem}.json` };
}

interface CommittedMeta { key: string; count: number; width: number; sha256: string; computedOn: string }

function embeddingsKey(ids: readonly string[], base: ExpertEntry, variant: string): string {
  return createHash('sha256').update(JSON.stringify({ ids, base: base.files, variant, v: 1 })).digest('hex').slice(0, 16);
}

/**
 * The variant that names the base graph actually loaded: one that changes nothing in its maths (`folded`, the CPU
 * default, on the int8 MobileNetV2, which has no float convolutions to fold; on a CPU without VNNI it only shifts the
 * int8 weights to u8, which makes the int8 maths exact: the same numbers, bit for bit) computes the original's
 * embeddings.
 */
function loadedVariant(registry: Registry, base: ExpertEntry): string {
  const variant = base.variants[base.provider];
  const source = resolveExpertFiles(registry, base).model;
  if (variant === 'original' || !source) return variant;
  const sameMaths = variant === 'u8u8' || preparedModelPath({ source, variant, keepFloat32: exposedFloatValues(base), shiftInt8Weights: false }).status === 'source';
  return sameMaths ? 'original' : variant;
}

function toEmbeddings(data: Float32Array, ids: readonly string[], source: Embeddings['source'], key: string, variant: string): Embeddings {
  const width = data.length / ids.length;
  const byId = new Map<string, Float32Array>();
  ids.forEach((id, i) => byId.set(id, data.subarray(i * width, (i + 1) * width)));
  return { width, byId, source, key, variant };
}

/** File bytes as float32 (copied into an aligned buffer of their own). */
function toFloats(buf: Buffer): Float32Array {
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** The committed embeddings when they were made for exactly these ids and base model files, else undefined. */
function committed(ids: readonly string[], key: string, variant: string): Float32Array | undefined {
  const { bin, meta: metaFile } = committedEmbeddingsPaths(variant);
  if (!existsSync(bin) || !existsSync(metaFile)) return undefined;
  const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as CommittedMeta;
  if (meta.key !== key || meta.count !== ids.length) return undefined;
  const bytes = readFileSync(bin);
  if (createHash('sha256').update(bytes).digest('hex') !== meta.sha256) throw new Error(`${bin} does not match its sha256 in ${metaFile}`);
  return toFloats(bytes);
}

/** A registry whose base expert runs `variant` on its provider (a temporary copy when that is not already so). */
function withBaseVariant(registryPath: string, variant: string | undefined): string {
  if (variant === undefined) return registryPath;
  const registry = loadRegistry(registryPath);
  const base = findExpert(registry, registry.base);
  if (base.variants[base.provider] === variant) return registryPath;
  return registryCopy((doc) => {
    for (const e of doc.experts as Record<string, unknown>[]) {
      if (e.name === registry.base) e.variants = { ...base.variants, [base.provider]: variant };
    }
  }, registryPath);
}

export async function computeEmbeddings(
  ids: readonly string[],
  registryPath = DEFAULT_REGISTRY_PATH,
  log: (m: string) => void = () => {},
  opts: { recompute?: boolean; variant?: string } = {},
): Promise<Embeddings> {
  registryPath = withBaseVariant(registryPath, opts.variant);
  const registry = loadRegistry(registryPath);
  const base = findExpert(registry, registry.base);
  const variant = loadedVariant(registry, base);
  const key = embeddingsKey(ids, base, variant);
  if (!opts.recompute) {
    const c = committed(ids, key, variant);
    if (c) {
      log(`embeddings: committed ${path.relative(PROJECT_ROOT, committedEmbeddingsPaths(variant).bin)}`);
      return toEmbeddings(c, ids, 'committed', key, variant);
    }
    log('embeddings: the committed file is for other images or another base model; computing them on this machine');
  }
  const dir = path.join(PROJECT_ROOT, '.cache', 'router');
  const file = path.join(dir, `embeddings-${key}-${variant}-${simdLevel().replace(/\W+/g, '') || 'cpu'}.bin`);
  // The cache is keyed by ids, model files and variant, not by how images are rendered: `recompute` skips it.
  if (!opts.recompute && existsSync(file)) {
    log(`embeddings: cached ${file}`);
    return toEmbeddings(toFloats(readFileSync(file)), ids, 'cache', key, variant);
  }
  const pipeline = await createExpertPipeline({ registryPath, modelsDir: registry.modelsDir, expert: registry.base, intraOpThreads: 2 });
  try {
    const width = pipeline.pooledWidth;
    const data = new Float32Array(ids.length * width);
    const t0 = performance.now();
    for (let i = 0; i < ids.length; i += 8) {
      const chunk = ids.slice(i, i + 8);
      const rgb = await Promise.all(chunk.map(async (id) => decodeImage(await renderImage(id))));
      const out = await pipeline.runImages(rgb);
      data.set(out.pooled.data.subarray(0, chunk.length * width), i * width);
    }
    log(`embeddings: ${ids.length} images in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    return toEmbeddings(data, ids, 'computed', key, variant);
  } finally {
    await pipeline.dispose();
  }
}

/** Where the committed embeddings were computed (CPU, platform, Node), from their metadata. */
export function committedEmbeddingsOrigin(variant: string): string {
  const { meta } = committedEmbeddingsPaths(variant);
  return existsSync(meta) ? (JSON.parse(readFileSync(meta, 'utf8')) as CommittedMeta).computedOn : 'unknown';
}

/** Replace the committed embeddings (after `computeEmbeddings(..., { recompute: true })`). */
export function writeCommittedEmbeddings(ids: readonly string[], emb: Embeddings): void {
  const data = new Float32Array(ids.length * emb.width);
  ids.forEach((id, i) => data.set(emb.byId.get(id) ?? [], i * emb.width));
  const bytes = Buffer.from(data.buffer);
  const { bin, meta: metaFile } = committedEmbeddingsPaths(emb.variant);
  writeFileSync(bin, bytes);
  const meta: CommittedMeta = {
    key: emb.key, count: ids.length, width: emb.width, sha256: createHash('sha256').update(bytes).digest('hex'),
    computedOn: `${cpuDescription()}, ${process.platform}/${process.arch}, Node ${process.version}`,
  };
  writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
}
