/**
 * Prepared model variants on disk: the variant a provider wants (registry `variants`), built once from the
 * source file and cached under a key of the source's sha256, the variant and its options, so `mova prepare-models`
 * at build time and the expert at start-up agree on the file. Written atomically (temp file + rename), so
 * workers preparing the same file at once are safe.
 *
 * Cache directory: MOVA_PREPARED_DIR, else $XDG_CACHE_HOME/mova/models-prepared, else <project>/.cache/models.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dequantizedName } from '../onnx/graph-edit';
import { buildVariant, variantChangesModel, type ModelVariant } from '../onnx/variants';
import { PROJECT_ROOT, sha256File, type ExpertEntry } from './registry';

/** Bump when a converter's output changes, so stale cached variants are rebuilt. */
export const VARIANT_FORMAT = 1;

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
}

export interface PreparedModel {
  /** File to load: the source itself when the variant changes nothing. */
  path: string;
  /** `cached`: found in the cache; `built`: written now; `source`: the source file is the variant. */
  status: 'cached' | 'built' | 'source';
}

/** The entry's values that an fp16 variant must keep as float32 (what the pipeline exposes as outputs). */
export function exposedFloatValues(entry: ExpertEntry): string[] {
  const names = [entry.features.value];
  if (entry.pooled.value) names.push(entry.pooled.dequantize ? dequantizedName(entry.pooled.value) : entry.pooled.value);
  return names;
}

/** The variant file for a source model, built into the cache on demand. */
export function preparedModelPath(req: PrepareRequest): PreparedModel {
  if (req.variant === 'original' || !req.source.endsWith('.onnx')) return { path: req.source, status: 'source' };
  const digest = sha256File(req.source);
  const keep = [...(req.keepFloat32 ?? [])].sort();
  const optionsKey = createHash('sha256').update(JSON.stringify({ f: VARIANT_FORMAT, keep: req.variant === 'float16' ? keep : [] })).digest('hex').slice(0, 8);
  const dir = req.cacheDir ?? preparedModelsDir();
  const file = path.join(dir, `${path.basename(req.source, '.onnx')}-${digest.slice(0, 16)}-${req.variant}-${optionsKey}.onnx`);
  const marker = `${file}.same-as-source`;
  if (existsSync(file)) return { path: file, status: 'cached' };
  if (existsSync(marker)) return { path: req.source, status: 'source' };
  const bytes = readFileSync(req.source);
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  if (!variantChangesModel(bytes, req.variant)) {
    // Remember the answer so later starts skip decoding the graph.
    writeFileSync(tmp, `${digest}\n`);
    renameSync(tmp, marker);
    return { path: req.source, status: 'source' };
  }
  writeFileSync(tmp, buildVariant(bytes, req.variant, { keepFloat32: keep }));
  renameSync(tmp, file);
  return { path: file, status: 'built' };
}
