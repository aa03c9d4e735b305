/**
 * Closed-loop load against several gateway variants, interleaved repetition by repetition (A, B, A, B, ...), so
 * slow drifts in machine load hit every variant alike. Reuses `runLoad` from `mova loadtest`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runLoad } from '../cli/loadtest';
import { callGateway } from '../cli/infer';
import type { MixItem } from '../loadtest/mix';
import { log, median, round, sleep, spread, type Spread } from './common';
import { cpuBetween, cpuSnapshot, type WatchedProcess } from './process-cpu';

export interface LoadSummary {
  throughputPerS: number;
  p50: number;
  p99: number;
  answered: number;
  errors: number;
  degraded: number;
  meanBatchSize: number;
  activations: Record<string, number>;
}

function num(x: unknown): number {
  return typeof x === 'number' ? x : Number.NaN;
}

export function parseSummary(s: Record<string, unknown>): LoadSummary {
  const lat = (s.latencyMs ?? {}) as Record<string, unknown>;
  return {
    throughputPerS: num(s.throughputPerS),
    p50: num(lat.p50),
    p99: num(lat.p99),
    answered: num(s.answered),
    errors: num(s.errors),
    degraded: num(s.degraded),
    meanBatchSize: num(s.meanBatchSize),
    activations: (s.expertActivations ?? {}) as Record<string, number>,
  };
}

export interface VariantResult {
  name: string;
  runs: LoadSummary[];
  throughput: Spread;
  p50: Spread;
  p99: Spread;
  meanBatchSize: number;
  errors: number;
  degraded: number;
  /** Expert activations per answered request, by expert (summed over runs). */
  activationsPerRequest: Record<string, number>;
  /** Where the CPU went, when the variant named its processes and /proc could be read. */
  cpu?: VariantCpu;
}

export interface VariantCpu {
  /** CPU ms (all threads) per answered request, by process (and the load generator, this process). */
  msPerRequest: Record<string, Spread>;
  /** All of them together. */
  totalMsPerRequest: Spread;
  /** Cores kept busy on average during a run (CPU seconds ÷ wall seconds). */
  coresBusy: Spread;
}

/** A gateway to load; `processes` (the cluster behind it, gateway included) are watched for CPU time. */
export interface LoadVariant {
  name: string;
  gateway: string;
  processes?: () => WatchedProcess[];
}

interface CpuRun {
  perProcess: Record<string, number | undefined>;
  wallS: number;
}

function variantCpu(runs: readonly LoadSummary[], cpu: readonly CpuRun[]): VariantCpu | undefined {
  if (cpu.length !== runs.length || cpu.length === 0) return undefined;
  const names = Object.keys(cpu[0]!.perProcess);
  if (cpu.some((c) => Object.values(c.perProcess).some((v) => v === undefined))) return undefined;
  /** CPU seconds of run i → ms per request it answered. */
  const perRequest = (seconds: number, i: number): number => (seconds * 1000) / Math.max(1, runs[i]!.answered);
  const total = (c: CpuRun): number => Object.values(c.perProcess).reduce<number>((a, v) => a + (v ?? Number.NaN), 0);
  return {
    msPerRequest: Object.fromEntries(names.map((name) => [name, spread(cpu.map((c, i) => perRequest(c.perProcess[name] ?? Number.NaN, i)), 1)])),
    totalMsPerRequest: spread(cpu.map((c, i) => perRequest(total(c), i)), 1),
    coresBusy: spread(cpu.map((c) => total(c) / c.wallS), 2),
  };
}

export interface LoadPlan {
  concurrency: number;
  durationS: number;
  reps: number;
  mixFile?: string;
  deadlineMs?: number;
  /** Unmeasured warm-up per variant before the first repetition. @default 3 */
  warmupS?: number;
}

export async function interleaved(variants: LoadVariant[], p: LoadPlan): Promise<VariantResult[]> {
  const runs = new Map<string, LoadSummary[]>(variants.map((v) => [v.name, []]));
  const cpuRuns = new Map<string, CpuRun[]>(variants.map((v) => [v.name, []]));
  const base = { concurrency: p.concurrency, ...(p.mixFile ? { mixFile: p.mixFile } : {}), deadlineMs: p.deadlineMs ?? 20_000 };
  for (const v of variants) await runLoad({ ...base, gateway: v.gateway, durationS: p.warmupS ?? 3 });
  for (let r = 0; r < p.reps; r++) {
    // Alternate the order each repetition so neither variant always runs right after the other.
    const order = r % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      await sleep(500);
      const procs = v.processes?.();
      const before = procs && cpuSnapshot(procs);
      const t0 = performance.now();
      const s = parseSummary((await runLoad({ ...base, gateway: v.gateway, durationS: p.durationS })).summary);
      if (procs && before) cpuRuns.get(v.name)!.push({ perProcess: cpuBetween(before, cpuSnapshot(procs)), wallS: (performance.now() - t0) / 1000 });
      runs.get(v.name)!.push(s);
      log(`${v.name} rep ${r + 1}: ${s.throughputPerS} req/s, p50 ${s.p50} ms, p99 ${s.p99} ms, batch ${s.meanBatchSize}, errors ${s.errors}, degraded ${s.degraded}`);
    }
  }
  return variants.map((v) => {
    const rs = runs.get(v.name)!;
    const cpu = variantCpu(rs, cpuRuns.get(v.name)!);
    const answered = rs.reduce((a, s) => a + s.answered, 0) || 1;
    const act: Record<string, number> = {};
    for (const s of rs) for (const [k, n] of Object.entries(s.activations)) act[k] = (act[k] ?? 0) + n;
    return {
      name: v.name,
      runs: rs,
      throughput: spread(rs.map((s) => s.throughputPerS)),
      p50: spread(rs.map((s) => s.p50), 1),
      p99: spread(rs.map((s) => s.p99), 1),
      meanBatchSize: round(median(rs.map((s) => s.meanBatchSize))),
      errors: rs.reduce((a, s) => a + s.errors, 0),
      degraded: rs.reduce((a, s) => a + s.degraded, 0),
      activationsPerRequest: Object.fromEntries(Object.entries(act).map(([k, n]) => [k, round(n / answered, 3)])),
      ...(cpu ? { cpu } : {}),
    };
  });
}

/** Ratio a/b per repetition (runs are paired by index), as a spread. */
export function pairedRatio(a: VariantResult, b: VariantResult): Spread {
  return spread(a.runs.map((s, i) => s.throughputPerS / (b.runs[i]?.throughputPerS ?? Number.NaN)), 3);
}

/** Writes a mix as a JSONL file (images beside it) for `runLoad({ mixFile })`. */
export function writeMix(items: readonly MixItem[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mova-bench-mix-'));
  const lines = items.map((it, i) => {
    const file = `${i}-${it.name}`;
    writeFileSync(path.join(dir, file), it.image);
    return JSON.stringify({ image: file, instruction: it.instruction, weight: it.weight });
  });
  const mix = path.join(dir, 'mix.jsonl');
  writeFileSync(mix, `${lines.join('\n')}\n`);
  return mix;
}

/**
 * Expert-seconds per request: each mix item called alone (concurrency 1, so no queueing inside the times), the sum of
 * its `timings.expert_ms` plus the base call, weighted by the mix weights.
 */
export async function expertMsPerRequest(gateway: string, items: readonly MixItem[], repeats = 3): Promise<{ expertMs: number; specialistMs: number; baseMs: number }> {
  let w = 0;
  let spec = 0;
  let base = 0;
  for (const it of items) {
    const s: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const res = await callGateway(gateway, { image: it.image, instruction: it.instruction, deadline_ms: 20_000 }, 25_000);
      s.push(Object.values(res.timings?.expert_ms ?? {}).reduce((a, x) => a + x, 0));
      b.push(res.timings?.base_ms ?? 0);
    }
    spec += it.weight * median(s);
    base += it.weight * median(b);
    w += it.weight;
  }
  return { expertMs: round((spec + base) / w), specialistMs: round(spec / w), baseMs: round(base / w) };
}
