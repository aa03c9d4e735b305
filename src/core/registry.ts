/**
 * The model registry: one YAML/JSON file describing every expert, the router and fusion.
 * Compiled once at start-up: parsed, schema-validated (errors name the offending key), defaults filled,
 * model files resolved and their sha256 checked, then frozen.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors';

export const DOMAINS = ['natural', 'document', 'chart', 'grounding', 'face', 'medical', 'segmentation', 'general'] as const;
export type Domain = (typeof DOMAINS)[number];

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a 64-character lowercase hex sha256');

const modelFileSchema = z.object({
  /** File name inside the models directory, or `npm:<package>/<path>` for a file shipped in an npm package. */
  file: z.string().min(1),
  /** Accepted sha256 digests (the local copy and the upstream file may differ by a re-save). */
  sha256: z.array(sha256Schema).min(1),
  /** Where `mova fetch-models` downloads it from. */
  url: z.string().url().optional(),
}).strict();

const preprocessSchema = z.object({
  /** Model input [height, width]. */
  size: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  resize: z.enum(['stretch', 'letterbox', 'cover']).default('stretch'),
  mean: z.tuple([z.number(), z.number(), z.number()]).default([0, 0, 0]),
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).default([1, 1, 1]),
  /** Scale pixel values to [0,1] before mean/std. */
  scale01: z.boolean().default(true),
  channelOrder: z.enum(['rgb', 'bgr']).default('rgb'),
  padValue: z.number().min(0).max(255).default(114),
}).strict();

const featureOutputSchema = z.object({
  /** Graph value name exposing the feature map (exposed as an output at load time if it is internal). */
  value: z.string().min(1),
  /** Layout of that value. NCHW maps become [N, H*W, C] tokens. */
  layout: z.enum(['NCHW', 'NTC']).default('NCHW'),
  /** Optional average pooling of the map before tokenisation (kernel = stride), to bound the token count. */
  poolKernel: z.number().int().positive().default(1),
  /** Token grid [H, W] after pooling (checked against the model at start-up; fusion sizes its slots from it). */
  grid: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  /** Token width C (checked against the model at start-up). */
  channels: z.number().int().positive(),
}).strict();

const pooledOutputSchema = z.object({
  /** Graph value of the pooled vector; omitted = mean of the feature tokens. */
  value: z.string().min(1).optional(),
  /** For a quantized value: the scale and zero-point values to dequantize it with (DequantizeLinear). */
  dequantize: z.object({ scale: z.string().min(1), zeroPoint: z.string().min(1) }).strict().optional(),
}).strict();

/** Model variant names (src/onnx/variants.ts). */
const variantSchema = z.enum(['original', 'folded', 'float32', 'float16', 'u8u8']);

/** Which model variant each execution provider loads (built and cached by `mova prepare-models`). */
const variantsSchema = z.object({
  /**
   * @default folded: the file as shipped (int8 graphs are fastest on CPU) with constant affine maps folded into its
   * convolutions (src/onnx/conv-fold.ts; PP-OCRv4 20-28% faster, same text; a no-op for graphs without them), and on
   * x86 CPUs without VNNI an int8 graph's s8 weights shifted to u8 (src/onnx/u8-weights.ts: exact int8 maths there)
   */
  cpu: variantSchema.default('folded'),
  /** @default float32 (quantized graphs gain nothing on WebGPU: see ../shared/models/README.md) */
  webgpu: variantSchema.default('float32'),
}).strict();

/** WebGPU session options (applied in src/core/ort-session.ts only when `provider: webgpu`). */
const webgpuSchema = z.object({
  /** Layout the WebGPU kernels use internally. @default NHWC (measured faster for convolution nets) */
  preferredLayout: z.enum(['NHWC', 'NCHW']).default('NHWC'),
  /**
   * Keep outputs in GPU buffers (`preferredOutputLocation: 'gpu-buffer'`); the pipeline reads them back with
   * getData(). Only worth it when outputs feed another GPU session. @default false
   */
  keepOutputsOnGpu: z.boolean().default(false),
}).strict();

const batchingSchema = z.object({
  maxBatchSize: z.number().int().min(1).max(256).default(8),
  maxQueueDelayMs: z.number().min(0).max(10_000).default(2),
  maxQueueSize: z.number().int().min(1).default(256),
}).strict();

const expertSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be lowercase letters, digits and dashes, starting with a letter'),
  /** 1–3 sentences describing what this expert is good at (used by the llm router's prompt). */
  expertise: z.array(z.string().min(8)).min(1).max(3),
  domains: z.array(z.enum(DOMAINS)).min(1),
  /** Which pipeline (pre/post-processing) runs this expert. */
  pipeline: z.enum(['imagenet', 'ocr', 'faces', 'objects']),
  /** Model files by role: `model` for single-graph experts; `det`, `rec`, `keys` for ocr. */
  files: z.record(z.string(), modelFileSchema),
  preprocess: preprocessSchema,
  features: featureOutputSchema,
  pooled: pooledOutputSchema.default({}),
  /**
   * Whether a batch runs as one graph call (the graph must accept a batch dimension > 1); false runs the items one by
   * one inside a batch: for fixed-batch graphs, and for graphs measured slower batched (ppocr's detection on CPU).
   */
  dynamicBatch: z.boolean().default(true),
  /** Decoder settings (thresholds, top-k), pipeline specific. */
  decoder: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
  /**
   * Detectors (faces, objects) on large images: an image more than `from` × the model input on a side is also run
   * as up to `maxPerSide`² overlapping tiles (each reaching `overlap` of a cell into its neighbours), and the
   * detections smaller than `maxFraction` of the image that the tiles find are merged in (services/expert/pipelines/tiles.ts). Absent = the whole image only.
   */
  tiling: z.object({
    from: z.number().min(1).max(16).default(2.5),
    maxPerSide: z.number().int().min(1).max(8).default(3),
    overlap: z.number().min(0).max(0.5).default(0.25),
    /** Tiles add only detections smaller than this fraction of the image (both sides). */
    maxFraction: z.number().min(0).max(1).default(0.08),
  }).strict().optional(),
  provider: z.enum(['cpu', 'webgpu']).default('cpu'),
  variants: variantsSchema.default({ cpu: 'folded', webgpu: 'float32' }),
  /** onnxruntime graph optimisation level. @default all */
  graphOptimizationLevel: z.enum(['disabled', 'basic', 'extended', 'all']).default('all'),
  webgpu: webgpuSchema.default({ preferredLayout: 'NHWC', keepOutputsOnGpu: false }),
  workers: z.number().int().min(1).max(64).default(1),
  /** Intra-op threads of each worker (workers × intraOpThreads ≤ the CPUs: the service caps it). */
  intraOpThreads: z.number().int().min(1).max(64).default(1),
  /**
   * Intra-op threads for a call that runs alone, i.e. while no other call of this expert runs or waits (one more
   * copy of the pipeline, in the first worker; capped at the CPUs). For graphs that scale poorly across threads:
   * under load, several single-thread workers do more per CPU than one worker with many threads, and a lone call
   * still gets every thread. Absent or ≤ intraOpThreads: off. Multi-worker experts also split a multi-image call
   * across the idle workers (services/expert/batch.ts).
   */
  soloThreads: z.number().int().min(1).max(64).optional(),
  batching: batchingSchema.default({ maxBatchSize: 8, maxQueueDelayMs: 2, maxQueueSize: 256 }),
  /**
   * Per-image response cache (services/expert/response-cache.ts), off when absent: the outputs of images already
   * seen, keyed by the SHA-256 of their encoded bytes, up to maxMegabytes (least recently used first out). For
   * traffic that repeats images, e.g. multi-turn conversations about one picture.
   */
  responseCache: z.object({ maxMegabytes: z.number().positive().max(65536) }).strict().optional(),
  /** Relative compute cost (used to report the compute routing saves). */
  cost: z.number().positive().default(1),
  /** Port used by the local launcher (`mova up`). */
  port: z.number().int().min(0).max(65535).optional(),
}).strict().refine((e) => e.tiling === undefined || e.pipeline === 'faces' || e.pipeline === 'objects', {
  message: 'tiling applies to detector pipelines only (faces, objects)',
  path: ['tiling'],
}).refine((e) => e.provider !== 'webgpu' || e.workers === 1, {
  message: 'webgpu runs one inference at a time per process: use workers 1 and scale with pods',
  path: ['workers'],
});

const routerSchema = z.object({
  policy: z.enum(['learned', 'llm', 'all', 'none', 'rules']).default('learned'),
  maxExperts: z.number().int().min(0).max(16).default(3),
  /** Learned router ONNX file (project-relative or absolute). */
  model: z.string().default('models/router/router.onnx'),
  threshold: z.number().min(0).max(1).default(0.5),
  llm: z.object({
    url: z.string().url(),
    model: z.string().min(1),
    timeoutMs: z.number().int().positive().default(2000),
    apiKeyEnv: z.string().optional(),
  }).strict().optional(),
  port: z.number().int().min(0).max(65535).optional(),
}).strict();

const fusionSchema = z.object({
  adapterWidth: z.number().int().positive().default(256),
  heads: z.number().int().positive().default(4),
  blocks: z.number().int().positive().default(3),
  outputWidth: z.number().int().positive().default(512),
  contextWidth: z.number().int().positive().default(64),
  /** Trained weights (safetensors); omitted = seeded untrained initialiser. */
  weights: z.string().optional(),
  seed: z.number().int().default(1234),
  /** The fusion service's dynamic batcher. */
  batching: batchingSchema.optional(),
  port: z.number().int().min(0).max(65535).optional(),
}).strict();

const registrySchema = z.object({
  version: z.literal(1),
  /** Name of the expert that always runs and feeds the router (the base encoder). */
  base: z.string(),
  experts: z.array(expertSchema).min(1),
  router: routerSchema.default({ policy: 'learned', maxExperts: 3, model: 'models/router/router.onnx', threshold: 0.5 }),
  fusion: fusionSchema.default({ adapterWidth: 256, heads: 4, blocks: 3, outputWidth: 512, contextWidth: 64, seed: 1234 }),
}).strict();

export type ModelFile = z.infer<typeof modelFileSchema>;
export type WebGpuSettings = z.infer<typeof webgpuSchema>;
export type ExpertEntry = z.infer<typeof expertSchema>;
export type RouterSettings = z.infer<typeof routerSchema>;
export type FusionSettings = z.infer<typeof fusionSchema>;
export type RegistryData = z.infer<typeof registrySchema>;

export interface Registry extends RegistryData {
  /** Where the registry file lives (relative model paths resolve against the project root). */
  readonly source: string;
  readonly modelsDir: string;
  readonly projectRoot: string;
}

/** The project root (where package.json lives), found from this file's location in src/ or dist/src/. */
export const PROJECT_ROOT = findProjectRoot(__dirname);

function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'protos'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the project root above ${start}`);
    dir = parent;
  }
}

export const DEFAULT_REGISTRY_PATH = path.join(PROJECT_ROOT, 'config', 'registry.yaml');

/** MOVA_MODELS_DIR, else ../shared/models beside the project when it exists, else the user cache. */
export function resolveModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MOVA_MODELS_DIR) return path.resolve(env.MOVA_MODELS_DIR);
  const shared = path.resolve(PROJECT_ROOT, '..', 'shared', 'models');
  if (existsSync(shared)) return shared;
  const cache = env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache');
  return path.join(cache, 'mova', 'models');
}

function formatIssuePath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of p) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? String(seg) : `.${String(seg)}`;
  return out === '' ? '(root)' : out;
}

/** Validate a parsed registry object. Throws ConfigError naming the first offending key. */
export function parseRegistry(raw: unknown, source: string, modelsDir = resolveModelsDir()): Registry {
  const result = registrySchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue ? formatIssuePath(issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys.slice(0, 1)] : issue.path) : '(root)';
    throw new ConfigError(key, `${issue?.message ?? 'invalid'} (in ${source})`);
  }
  const data = result.data;
  const names = new Set<string>();
  data.experts.forEach((e, i) => {
    if (names.has(e.name)) throw new ConfigError(`experts[${i}].name`, `duplicate expert name "${e.name}"`);
    names.add(e.name);
    // Concurrent WebGPU runs in one process crash onnxruntime-node: one worker thread per WebGPU expert process
    // (and ort-session.ts serialises runs within it).
    if (e.provider === 'webgpu' && e.workers > 1) throw new ConfigError(`experts[${i}].workers`, `must be 1 for provider webgpu (got ${e.workers}); scale with more pods/processes`);
    const needed = e.pipeline === 'ocr' ? ['det', 'rec', 'keys'] : ['model'];
    for (const role of needed) {
      if (!e.files[role]) throw new ConfigError(`experts[${i}].files.${role}`, `pipeline "${e.pipeline}" needs a "${role}" file`);
    }
  });
  if (!names.has(data.base)) throw new ConfigError('base', `"${data.base}" is not one of the experts (${[...names].join(', ')})`);
  return deepFreeze({ ...data, source, modelsDir, projectRoot: PROJECT_ROOT });
}

export function loadRegistry(file: string = DEFAULT_REGISTRY_PATH, modelsDir = resolveModelsDir()): Registry {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('(file)', `cannot read registry ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new ConfigError('(file)', `cannot parse ${file}: ${(err as Error).message}`);
  }
  return parseRegistry(raw, file, modelsDir);
}

export function findExpert(registry: Registry, name: string): ExpertEntry {
  const e = registry.experts.find((x) => x.name === name);
  if (!e) throw new ConfigError('experts', `no expert named "${name}" (have: ${registry.experts.map((x) => x.name).join(', ')})`);
  return e;
}

/** Absolute path of a model file: `npm:` files resolve inside node_modules, others inside the models dir. */
export function modelFilePath(registry: Pick<Registry, 'modelsDir'>, file: ModelFile): string {
  if (file.file.startsWith('npm:')) {
    const spec = file.file.slice(4);
    const parts = spec.split('/');
    const pkgLen = spec.startsWith('@') ? 2 : 1;
    const pkg = parts.slice(0, pkgLen).join('/');
    const rest = parts.slice(pkgLen).join('/');
    // Look the package directory up on Node's module paths (packages with an `exports` map may not export
    // package.json, so require.resolve cannot be used here).
    const dir = (createRequire(path.join(PROJECT_ROOT, 'package.json')).resolve.paths(pkg) ?? [])
      .map((d) => path.join(d, pkg))
      .find((d) => existsSync(path.join(d, 'package.json')));
    if (!dir) throw new ConfigError(`files(${file.file})`, `npm package ${pkg} is not installed; run \`npm ci\``);
    return path.join(dir, rest);
  }
  return path.isAbsolute(file.file) ? file.file : path.join(registry.modelsDir, file.file);
}

const verifiedDigests = new Map<string, string>();

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Resolve every file of an expert and check its sha256; throws ConfigError naming the file key. */
export function resolveExpertFiles(registry: Registry, entry: ExpertEntry): Record<string, string> {
  const out: Record<string, string> = {};
  const index = registry.experts.indexOf(entry);
  for (const [role, file] of Object.entries(entry.files)) {
    const key = `experts[${index}].files.${role}`;
    let p: string;
    try {
      p = modelFilePath(registry, file);
    } catch (err) {
      throw new ConfigError(key, err instanceof ConfigError ? err.message.replace(/^config [^:]+: /, '') : String(err), { cause: err });
    }
    if (!existsSync(p)) {
      throw new ConfigError(key, `model file ${p} is missing; run \`mova fetch-models\` or set MOVA_MODELS_DIR`);
    }
    const digest = verifiedDigests.get(p) ?? sha256File(p);
    verifiedDigests.set(p, digest);
    if (!file.sha256.includes(digest)) {
      throw new ConfigError(`${key}.sha256`, `${p} has sha256 ${digest}, expected one of ${file.sha256.join(', ')}`);
    }
    out[role] = p;
  }
  return out;
}

function deepFreeze<T>(obj: T): T {
  if (obj && typeof obj === 'object' && !Object.isFrozen(obj)) {
    Object.freeze(obj);
    for (const v of Object.values(obj as Record<string, unknown>)) deepFreeze(v);
  }
  return obj;
}
