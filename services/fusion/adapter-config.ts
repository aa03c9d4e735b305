/**
 * MoV-Adapter geometry: compiled once (validated, defaults filled, derived sizes computed, frozen).
 * Everything the graph, the weights and the reference need is here; nothing is hard-wired elsewhere.
 */
import { ConfigError } from '../../src/core/errors';

/** A [height, width] token grid. Tokens are stored row-major: T = height * width. */
export type Grid = readonly [number, number];

/** One expert slot of the adapter. */
export interface ExpertSlotOptions {
  /** Expert name (documentation only; slots are addressed by index). */
  name?: string;
  /** The expert's token grid [H_j, W_j]; its tokens are resized to the base grid inside the graph. */
  grid: Grid;
  /** The expert's token width C_j. */
  width: number;
}

export interface AdapterOptions {
  /** Base token grid [H_b, W_b]. MobileNetV2's last feature map is 7×7. */
  baseGrid: Grid;
  /** Base token width C_b. MobileNetV2's last feature map has 1280 channels. */
  baseWidth: number;
  /** One entry per expert slot; the slot count is the graph's fixed maximum expert count E (1..16). */
  experts: readonly ExpertSlotOptions[];
  /** Adapter width D. @default 256 */
  adapterWidth?: number;
  /** Attention heads (must divide D). @default 4 */
  heads?: number;
  /** Adapter blocks L. @default 3 (as in MoVA) */
  blocks?: number;
  /** Gate keeps the K largest weights per block, then renormalises. @default min(3, E) */
  topK?: number;
  /** Projector output width (the LLM's embedding width). @default 512 */
  outputWidth?: number;
  /** Width of the per-request context vector fed to the gate. @default 64 */
  contextWidth?: number;
  /** Hidden width of the gate MLP. @default D */
  gateHidden?: number;
  /** Hidden width of the FFN. @default 4·D */
  ffnHidden?: number;
  /** LayerNorm epsilon. @default 1e-5 */
  layerNormEps?: number;
}

export interface ExpertSlot {
  readonly name: string;
  readonly grid: Grid;
  readonly width: number;
  /** H_j · W_j */
  readonly tokens: number;
}

export interface AdapterConfig {
  readonly baseGrid: Grid;
  readonly baseWidth: number;
  /** T = H_b · W_b */
  readonly tokens: number;
  readonly experts: readonly ExpertSlot[];
  /** E: the number of expert slots. */
  readonly maxExperts: number;
  readonly adapterWidth: number;
  readonly heads: number;
  /** D / heads */
  readonly headDim: number;
  readonly blocks: number;
  readonly topK: number;
  readonly outputWidth: number;
  readonly contextWidth: number;
  readonly gateHidden: number;
  readonly ffnHidden: number;
  readonly layerNormEps: number;
}

/** Upper bound on the expert slot count (the graph computes every slot's cross-attention). */
export const MAX_EXPERT_SLOTS = 16;

/** The default base encoder geometry (MobileNetV2, last feature map). */
export const DEFAULT_BASE = Object.freeze({ grid: [7, 7] as Grid, width: 1280 });

function positiveInt(key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ConfigError(key, `must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function grid(key: string, v: unknown): Grid {
  if (!Array.isArray(v) || v.length !== 2) throw new ConfigError(key, `must be [height, width], got ${JSON.stringify(v)}`);
  return Object.freeze([positiveInt(`${key}[0]`, v[0]), positiveInt(`${key}[1]`, v[1])] as const);
}

/**
 * Validate options and fill defaults. Throws ConfigError naming the offending key (`experts[1].grid[0]`, `heads`...).
 * `keyPrefix` is prepended to keys so callers can point into a bigger config (e.g. `fusion.`).
 */
export function compileAdapterConfig(options: AdapterOptions, keyPrefix = ''): AdapterConfig {
  const k = (key: string): string => `${keyPrefix}${key}`;
  const baseGrid = grid(k('baseGrid'), options.baseGrid);
  const baseWidth = positiveInt(k('baseWidth'), options.baseWidth);
  if (!Array.isArray(options.experts) || options.experts.length < 1 || options.experts.length > MAX_EXPERT_SLOTS) {
    throw new ConfigError(k('experts'), `must list 1..${MAX_EXPERT_SLOTS} expert slots, got ${Array.isArray(options.experts) ? options.experts.length : typeof options.experts}`);
  }
  const experts = options.experts.map((e, j): ExpertSlot => {
    const g = grid(k(`experts[${j}].grid`), e.grid);
    return Object.freeze({
      name: e.name ?? `expert_${j}`,
      grid: g,
      width: positiveInt(k(`experts[${j}].width`), e.width),
      tokens: g[0] * g[1],
    });
  });
  const E = experts.length;
  const adapterWidth = positiveInt(k('adapterWidth'), options.adapterWidth ?? 256);
  const heads = positiveInt(k('heads'), options.heads ?? 4);
  if (adapterWidth % heads !== 0) throw new ConfigError(k('heads'), `must divide adapterWidth (${adapterWidth}), got ${heads}`);
  const topK = positiveInt(k('topK'), options.topK ?? Math.min(3, E));
  if (topK > E) throw new ConfigError(k('topK'), `must be at most the number of expert slots (${E}), got ${topK}`);
  const layerNormEps = options.layerNormEps ?? 1e-5;
  if (!(layerNormEps > 0 && layerNormEps < 1)) throw new ConfigError(k('layerNormEps'), `must be in (0, 1), got ${layerNormEps}`);
  return Object.freeze({
    baseGrid,
    baseWidth,
    tokens: baseGrid[0] * baseGrid[1],
    experts: Object.freeze(experts),
    maxExperts: E,
    adapterWidth,
    heads,
    headDim: adapterWidth / heads,
    blocks: positiveInt(k('blocks'), options.blocks ?? 3),
    topK,
    outputWidth: positiveInt(k('outputWidth'), options.outputWidth ?? 512),
    contextWidth: positiveInt(k('contextWidth'), options.contextWidth ?? 64),
    gateHidden: positiveInt(k('gateHidden'), options.gateHidden ?? adapterWidth),
    ffnHidden: positiveInt(k('ffnHidden'), options.ffnHidden ?? 4 * adapterWidth),
    layerNormEps,
  });
}
