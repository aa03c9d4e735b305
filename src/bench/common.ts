/**
 * Shared benchmark helpers: the machine description, medians and spreads of repeated runs, rounding, and writing
 * one figure as JSON + Markdown under bench/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simdLevel } from '../core/cpu';
import { gcTuningEnabled } from '../core/memory-tuning';
import { PROJECT_ROOT } from '../core/registry';

/**
 * What the client sends: the preprocessed tensor in the message (the issue's comparison), the same tensor through a
 * system shared-memory region (Triton's extension; outputs `features` and `pooled` come back the same way), or the
 * encoded image (the gateway's path).
 */
/** `…_stream`: the same request on one ModelStreamInfer stream (Triton's streaming RPC) held open for the row. */
export type BenchInput = 'pixel_values' | 'pixel_values_shm' | 'pixel_values_stream' | 'pixel_values_shm_stream' | 'image';
export const BENCH_INPUTS: readonly BenchInput[] = ['pixel_values', 'pixel_values_shm', 'pixel_values_stream', 'pixel_values_shm_stream', 'image'];

export interface Machine {
  cpuModel: string;
  cpus: number;
  /** Widest x86 SIMD level (it decides onnxruntime's kernels, int8 ones above all), or '' when unknown. */
  simd?: string;
  node: string;
  platform: string;
  date: string;
  /** GLIBC_TUNABLES of this (client) process; the services it starts get the same (src/core/memory-tuning.ts). */
  glibcTunables?: string;
  /** Whether the V8 collector runs with atomic marking (src/core/memory-tuning.ts). */
  atomicMarking?: boolean;
  /** 1/5/15-minute load averages when the figure started. */
  loadBefore: number[];
  /** ... and when it ended (other work on this machine shows here). */
  loadAfter?: number[];
}

export function machine(): Machine {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cpus: os.cpus().length,
    simd: simdLevel(),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    date: new Date().toISOString(),
    glibcTunables: process.env.GLIBC_TUNABLES ?? '',
    atomicMarking: gcTuningEnabled(),
    loadBefore: os.loadavg().map((x) => round(x)),
  };
}

export function finishMachine(m: Machine): Machine {
  return { ...m, loadAfter: os.loadavg().map((x) => round(x)) };
}

export function describeMachine(m: Machine): string {
  const after = m.loadAfter ? `, after ${m.loadAfter.join(' / ')}` : '';
  return `${m.date}; ${m.cpus}× ${m.cpuModel}${m.simd ? ` (${m.simd})` : ''}; Node ${m.node}; ${m.platform}; GLIBC_TUNABLES ${m.glibcTunables ? `\`${m.glibcTunables}\`` : 'unset'}${m.atomicMarking ? ' and V8 `--no-incremental-marking`' : ''}; load average (1/5/15 min) before ${m.loadBefore.join(' / ')}${after}`;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Median of the per-round differences b[i] − a[i] of two paths timed in the same rounds (timeAlternating): the
 * paths' difference with the drift between rounds taken out, so steadier than median(b) − median(a) on a noisy VM.
 */
export function pairedMedianDifference(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`paired samples differ in length: ${a.length} vs ${b.length}`);
  return median(a.map((x, i) => (b[i] as number) - x));
}

/** Median with the min and max of the repetitions. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(xs: readonly number[], digits = 2): Spread {
  return { median: round(median(xs), digits), min: round(Math.min(...xs), digits), max: round(Math.max(...xs), digits), n: xs.length };
}

/** "1.23 (1.10–1.40)" */
export function fmt(s: Spread, unit = ''): string {
  return `${s.median}${unit} (${s.min}–${s.max})`;
}

export function round(x: number, digits = 2): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}

export function benchDir(out?: string): string {
  return out ?? path.join(PROJECT_ROOT, 'bench');
}

export interface Figure {
  /** File stem under bench/: `<name>.json`, `<name>.md`. */
  name: string;
  title: string;
  machine: Machine;
  /** One-paragraph method. */
  method: string;
  /** Markdown tables and notes. */
  body: string;
  /** Headline for bench/README.md: the ratio and whether it met its target. */
  headline: string;
  data: unknown;
}

export function writeFigure(f: Figure, out?: string): void {
  const dir = benchDir(out);
  mkdirSync(dir, { recursive: true });
  const { body, ...json } = f;
  writeFileSync(path.join(dir, `${f.name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  const md = `# ${f.title}\n\n${describeMachine(f.machine)}\n\n${f.method}\n\n${body}\n\n**${f.headline}**\n`;
  writeFileSync(path.join(dir, `${f.name}.md`), md);
  process.stdout.write(`\n${md}\n`);
}

/** Repeat `fn` `reps` times after `warmup` unmeasured runs; returns the durations in ms. */
export async function timeRuns(reps: number, fn: () => Promise<unknown>, warmup = 3): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * Times several paths call by call in turn, so drifting machine load hits every path alike. Each round runs them in
 * a fresh (seeded) random order: a call pays for what the one before it left behind (the collector's debt for the
 * buffers of an 8 MB call, cold caches), so a fixed order — or a rotation, which keeps each path's predecessor —
 * charges one path for its neighbour every time (measured 2026-11-30, fusion batch 8: the same 8 MB request took
 * 62% or 102% more than in process depending on the path run just before it).
 * Warm-up rounds run first until both `warmup` rounds and `warmupMs` have passed: a fresh server (and client)
 * needs tens of calls before V8 has optimised its hot paths (measured 2026-11-30: a mobilenetv2 call over gRPC
 * took ~28 ms for its first ~40 calls, ~8 ms after), and a server lives far longer than that.
 * Returns one list of durations (ms) per path.
 */
export async function timeAlternating(
  reps: number,
  fns: readonly (() => Promise<unknown>)[],
  warmup = 3,
  warmupMs = 3000,
  /** Called once between the warm-up and the measured calls (e.g. to snapshot a server's statistics). */
  afterWarmup?: () => Promise<void>,
): Promise<number[][]> {
  const start = performance.now();
  for (let i = 0; i < warmup || (performance.now() - start < warmupMs && i < 500); i++) for (const fn of fns) await fn();
  await afterWarmup?.();
  const out = fns.map((): number[] => []);
  let seed = 0x9e3779b9;
  const random = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const order = fns.map((_, k) => k);
  for (let i = 0; i < reps; i++) {
    for (let j = order.length - 1; j > 0; j--) {
      const r = Math.floor(random() * (j + 1));
      [order[j], order[r]] = [order[r] as number, order[j] as number];
    }
    for (const k of order) {
      const t0 = performance.now();
      await fns[k]!();
      out[k]!.push(performance.now() - t0);
    }
  }
  return out;
}

export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
