/** Latency statistics for load tests and benchmarks. */

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? Number.NaN;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarise(latencies: readonly number[]): LatencySummary {
  const s = [...latencies].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { count: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] ?? Number.NaN, mean };
}

/** Equal-width histogram over [0, max]. */
export function histogram(values: readonly number[], bins: number): { lo: number; hi: number; count: number }[] {
  const max = Math.max(...values, 1);
  const w = max / bins;
  const out = Array.from({ length: bins }, (_, i) => ({ lo: i * w, hi: (i + 1) * w, count: 0 }));
  for (const v of values) {
    const b = out[Math.min(bins - 1, Math.floor(v / w))];
    if (b) b.count++;
  }
  return out;
}
