/**
 * MoV-Adapter weights: the tensor list (names and shapes, see README.md), a seeded initialiser and the
 * safetensors importer/exporter.
 *
 * Layout convention: Linear weights are [out, in] as PyTorch stores them (the graph builder transposes them),
 * biases [out]; LayerNorm weight/bias [D].
 *
 * The seeded initialiser gives an UNTRAINED adapter: numerically well-formed (PyTorch-style fan-in bounds), fully
 * deterministic (same seed → same bytes, on every platform), useful for serving tests and benchmarks, but its fused
 * tokens carry no learned meaning. Serve trained weights by pointing `fusion.weights` at a safetensors file.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../../src/core/errors';
import type { AdapterConfig } from './adapter-config';
import { decodeSafetensors, encodeSafetensors } from './safetensors';

/** Weights by tensor name (float32, row-major). */
export type AdapterWeights = ReadonlyMap<string, Float32Array>;

export type TensorInit = 'linear' | 'bias' | 'ones' | 'zeros' | 'embedding';

export interface WeightSpecEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** How the seeded initialiser fills it. */
  readonly init: TensorInit;
}

function linear(prefix: string, out: number, inp: number): WeightSpecEntry[] {
  return [
    { name: `${prefix}.weight`, shape: [out, inp], init: 'linear' },
    { name: `${prefix}.bias`, shape: [out], init: 'bias' },
  ];
}

function layerNorm(prefix: string, d: number): WeightSpecEntry[] {
  return [
    { name: `${prefix}.weight`, shape: [d], init: 'ones' },
    { name: `${prefix}.bias`, shape: [d], init: 'zeros' },
  ];
}

function attention(prefix: string, d: number): WeightSpecEntry[] {
  return ['q', 'k', 'v', 'o'].flatMap((p) => linear(`${prefix}.${p}`, d, d));
}

/** Every tensor the adapter needs, in a stable order (also the order written to safetensors). */
export function weightSpec(c: AdapterConfig): WeightSpecEntry[] {
  const D = c.adapterWidth;
  const E = c.maxExperts;
  const spec: WeightSpecEntry[] = [
    ...linear('base_proj', D, c.baseWidth),
    { name: 'pos_embed', shape: [c.tokens, D], init: 'embedding' },
    ...c.experts.flatMap((e, j) => linear(`experts.${j}.proj`, D, e.width)),
  ];
  for (let b = 0; b < c.blocks; b++) {
    const p = `blocks.${b}`;
    spec.push(
      ...linear(`${p}.gate.fc1`, c.gateHidden, c.contextWidth + D),
      ...linear(`${p}.gate.fc2`, E, c.gateHidden),
      ...layerNorm(`${p}.cross_norm`, D),
    );
    for (let j = 0; j < E; j++) spec.push(...layerNorm(`${p}.cross.${j}.norm`, D), ...attention(`${p}.cross.${j}`, D));
    spec.push(
      ...layerNorm(`${p}.attn_norm`, D),
      ...attention(`${p}.attn`, D),
      ...layerNorm(`${p}.ffn_norm`, D),
      ...linear(`${p}.ffn.fc1`, c.ffnHidden, D),
      ...linear(`${p}.ffn.fc2`, D, c.ffnHidden),
    );
  }
  spec.push(...linear('projector', c.outputWidth, D));
  return spec;
}

/** 32-bit FNV-1a, to derive one independent stream per tensor name. */
function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** mulberry32: a tiny, integer-only (hence platform-independent) PRNG; returns uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seeded, UNTRAINED initialiser. Each tensor draws from its own stream (seed ⊕ name), so adding an expert slot
 * leaves the other tensors unchanged. Linear weights and biases ~ U(±1/√fan_in) (PyTorch's nn.Linear default),
 * pos_embed ~ U(±0.02·√3) (std 0.02), LayerNorm weight 1 and bias 0.
 */
export function initWeights(c: AdapterConfig, seed: number): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const fanIn = new Map<string, number>();
  const spec = weightSpec(c);
  for (const e of spec) if (e.init === 'linear') fanIn.set(e.name.replace(/\.weight$/, ''), e.shape[1] as number);
  for (const e of spec) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    let bound = 0;
    if (e.init === 'linear') bound = 1 / Math.sqrt(e.shape[1] as number);
    else if (e.init === 'bias') bound = 1 / Math.sqrt(fanIn.get(e.name.replace(/\.bias$/, '')) ?? 1);
    else if (e.init === 'embedding') bound = 0.02 * Math.sqrt(3);
    if (e.init === 'ones') data.fill(1);
    else if (bound > 0) {
      const rand = mulberry32(fnv1a(e.name, seed));
      for (let i = 0; i < n; i++) data[i] = (2 * rand() - 1) * bound;
    }
    out.set(e.name, data);
  }
  return out;
}

/** Throws InvalidArgumentError unless `weights` holds exactly the tensors of `weightSpec(c)` with the right sizes. */
export function checkWeights(c: AdapterConfig, weights: AdapterWeights, source = 'weights'): void {
  const spec = weightSpec(c);
  const missing = spec.filter((e) => !weights.has(e.name)).map((e) => `${e.name} [${e.shape.join(', ')}]`);
  if (missing.length > 0) throw new InvalidArgumentError(`${source}: missing ${missing.length} tensor(s): ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', ...' : ''}`);
  for (const e of spec) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    const got = (weights.get(e.name) as Float32Array).length;
    if (got !== n) throw new InvalidArgumentError(`${source}: tensor "${e.name}" has ${got} values, expected ${n} for shape [${e.shape.join(', ')}]`);
  }
}

export interface ImportOptions {
  /** File name used in error messages. @default 'safetensors' */
  source?: string;
  /**
   * Only tensors whose name starts with this prefix are read (prefix stripped), others are ignored — for
   * checkpoints that hold more than the adapter (e.g. `model.mm_projector.`). Without a prefix, any tensor that is
   * not an adapter tensor is an error (it usually means a naming mismatch).
   */
  prefix?: string;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Read adapter weights from safetensors bytes, checking every name and shape against the config. */
export function importSafetensors(c: AdapterConfig, bytes: Uint8Array, options: ImportOptions = {}): Map<string, Float32Array> {
  const source = options.source ?? 'safetensors';
  const { tensors } = decodeSafetensors(bytes, source);
  const prefix = options.prefix ?? '';
  const byName = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  const unknown: string[] = [];
  const expected = new Map(weightSpec(c).map((e) => [e.name, e]));
  for (const [name, t] of tensors) {
    if (!name.startsWith(prefix)) continue;
    const short = name.slice(prefix.length);
    if (expected.has(short)) byName.set(short, t);
    else if (prefix === '') unknown.push(name);
  }
  if (unknown.length > 0) {
    throw new InvalidArgumentError(`${source}: ${unknown.length} tensor(s) are not MoV-Adapter tensors: ${unknown.slice(0, 8).join(', ')}${unknown.length > 8 ? ', ...' : ''} (see services/fusion/README.md for the names; use a prefix to read a sub-module)`);
  }
  const missing = [...expected.values()].filter((e) => !byName.has(e.name));
  if (missing.length > 0) {
    throw new InvalidArgumentError(`${source}: missing ${missing.length} tensor(s): ${missing.slice(0, 8).map((e) => `${prefix}${e.name} [${e.shape.join(', ')}]`).join(', ')}${missing.length > 8 ? ', ...' : ''}`);
  }
  const out = new Map<string, Float32Array>();
  for (const e of expected.values()) {
    const t = byName.get(e.name) as { shape: readonly number[]; data: Float32Array };
    if (!sameShape(t.shape, e.shape)) {
      throw new InvalidArgumentError(`${source}: tensor "${prefix}${e.name}" has shape [${t.shape.join(', ')}], expected [${e.shape.join(', ')}]`);
    }
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new InvalidArgumentError(`${source}: tensor "${prefix}${e.name}" has a non-finite value at flat index ${bad}`);
    out.set(e.name, t.data);
  }
  return out;
}

/** Read adapter weights from a safetensors file. */
export function loadWeightsFile(c: AdapterConfig, file: string, options: Omit<ImportOptions, 'source'> = {}): Map<string, Float32Array> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new InvalidArgumentError(`cannot read adapter weights ${file}: ${(err as Error).message}`, { cause: err });
  }
  return importSafetensors(c, bytes, { ...options, source: file });
}

/** Serialise weights as safetensors (F32, spec order), e.g. to save the seeded weights or hand-made fixtures. */
export function exportSafetensors(c: AdapterConfig, weights: AdapterWeights, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  checkWeights(c, weights);
  const entries = weightSpec(c).map((e) => [e.name, { shape: e.shape, data: weights.get(e.name) as Float32Array }] as const);
  return encodeSafetensors(entries, { format: 'mova-mov-adapter', ...metadata });
}
