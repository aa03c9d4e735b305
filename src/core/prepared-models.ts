/**
 * Prepared model variants on disk: the variant a provider wants (registry `variants`), built once from the
 * source file and cached under a key of the source's sha256, the variant and its options, so `mova prepare-models`
 * at build time and the expert at start-up agree on the file. Written atomically (temp file + rename), so
 * workers preparing the same file at once are safe.
 *
 * Cache directory: MOVA_PREPARED_DIR, else $XDG_CACHE_HOME/mova/models-prepared, else <project>/.cache/models; when
 * that cannot be written, <tmpdir>/mova-models-prepared.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dequantizedName } from '../onnx/graph-edit';
import { mayHaveInt8WeightOps } from '../onnx/u8-weights';
import { deriveVariant, type ModelVariant } from '../onnx/variants';
import { int8KernelsExact } from './cpu';
import { PROJECT_ROOT, type ExpertEntry } from './registry';

/** Bump when a converter's output changes, so stale cached variants are rebuilt. */
export const VARIANT_FORMAT = 1;
/** The same for the u8-weight shift of `folded` (2: depthwise convolutions keep their s8 weights). */
const U8_WEIGHTS_FORMAT = 2;

export function preparedModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MOVA_PREPARED_DIR) return path.resolve(env.MOVA_PREPARED_DIR);
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'mova', 'models-prepared');
  return path.join(PROJECT_ROOT, '.cache', 'models');
}

export interface PrepareRequest {
  /** The verified source model file. */
  source: string;
  variant: ModelVariant;
  /** Values that must stay float32 in an fp16 variant (the entry's exposed feature/pooled values). */
  keepFloat32?: readonly string[];
  /** @default preparedModelsDir() */
  cacheDir?: string;
  /**
   * Whether `folded` also shifts an int8 graph's s8 weights to u8 (src/onnx/u8-weights.ts), which makes int8 maths
   * exact where onnxruntime's u8×s8 kernels saturate. @default !int8KernelsExact(): x86 CPUs without VNNI
   */
  shiftInt8Weights?: boolean;
}

export interface PreparedModel {
  /** File to load: the source itself when the variant changes nothing. */
  path: string;
  /** `cached`: found in the cache; `built`: written now; `source`: the source file is the variant. */
  status: 'cached' | 'built' | 'source';
  /** The file's int8 weights are shifted to u8 (the CPU default on x86 without VNNI; see shiftInt8Weights). */
  int8WeightsAsU8?: boolean;
}

/** The entry's values that an fp16 variant must keep as float32 (what the pipeline exposes as outputs). */
export function exposedFloatValues(entry: ExpertEntry): string[] {
  const names = [entry.features.value];
  if (entry.pooled.value) names.push(entry.pooled.dequantize ? dequantizedName(entry.pooled.value) : entry.pooled.value);
  return names;
}

/** Where variants go when the cache directory cannot be written (a read-only image or volume). */
export function fallbackPreparedDir(): string {
  return path.join(os.tmpdir(), 'mova-models-prepared');
}

/**
 * The variant file for a source model, built into the cache on demand. When the cache directory cannot be written
 * (a container's read-only root filesystem, a read-only models volume), the variant is built under the temporary
 * directory instead (fallbackPreparedDir), which pods mount as an emptyDir.
 */
export function preparedModelPath(req: PrepareRequest): PreparedModel {
  if (req.variant === 'original' || !req.source.endsWith('.onnx')) return { path: req.source, status: 'source' };
  const source = readFileSync(req.source);
  const digest = createHash('sha256').update(source).digest('hex');
  const keep = [...(req.keepFloat32 ?? [])].sort();
  // Only graphs with int8 weight ops get a second `folded` file (a float graph's would be a copy of the first).
  const shiftInt8 = req.variant === 'folded' && (req.shiftInt8Weights ?? !int8KernelsExact()) && mayHaveInt8WeightOps(source);
  const optionsKey = createHash('sha256').update(JSON.stringify({ f: VARIANT_FORMAT, keep: req.variant === 'float16' || req.variant === 'folded' ? keep : [], ...(shiftInt8 ? { u8: U8_WEIGHTS_FORMAT } : {}) })).digest('hex').slice(0, 8);
  const name = `${path.basename(req.source, '.onnx')}-${digest.slice(0, 16)}-${req.variant}-${optionsKey}.onnx`;
  const dirs = [req.cacheDir ?? preparedModelsDir(), fallbackPreparedDir()];
  const marked = (m: PreparedModel): PreparedModel => (shiftInt8 && m.status !== 'source' ? { ...m, int8WeightsAsU8: true } : m);
  for (const dir of dirs) {
    const file = path.join(dir, name);
    if (existsSync(file)) return marked({ path: file, status: 'cached' });
    if (existsSync(`${file}.same-as-source`)) return { path: req.source, status: 'source' };
  }
  const built = deriveVariant(source, req.variant, { keepFloat32: keep, shiftInt8Weights: shiftInt8 });
  let lastError: unknown;
  for (const dir of dirs) {
    const file = path.join(dir, name);
    try {
      writeAtomically(dir, built ? file : `${file}.same-as-source`, built ?? `${digest}\n`);
    } catch (err) {
      lastError = err;
      continue;
    }
    // A marker remembers "nothing to change", so later starts skip decoding the graph.
    return built ? marked({ path: file, status: 'built' }) : { path: req.source, status: 'source' };
  }
  throw lastError;
}

/** Temp file + rename: workers preparing the same file at once never read a half-written one. */
function writeAtomically(dir: string, file: string, data: Uint8Array | string): void {
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}
