/**
 * Checks on Triton's statistics extension (ModelStatistics) shared by the expert and fusion tests: the change of a
 * stage between two snapshots, and that a run of successful calls' stages add up to their time in the server.
 */
import assert from 'node:assert/strict';

type Duration = { count: number | string; ns: number | string } | null | undefined;
type Stage = 'success' | 'fail' | 'queue' | 'compute_input' | 'compute_infer' | 'compute_output' | 'cache_hit' | 'cache_miss';
export interface StatsSnapshot {
  inference_stats?: Partial<Record<Stage, Duration>> | null;
}

/** How a stage's count and total (ms) changed from `before` to `after`. */
export function stageDelta(before: StatsSnapshot, after: StatsSnapshot, stage: Stage): { count: number; ms: number } {
  const at = (s: StatsSnapshot): Duration => s.inference_stats?.[stage];
  return {
    count: Number(at(after)?.count ?? 0) - Number(at(before)?.count ?? 0),
    ms: (Number(at(after)?.ns ?? 0) - Number(at(before)?.ns ?? 0)) / 1e6,
  };
}

/**
 * `calls` successful calls between the snapshots: each counted once in success and in every compute stage, the
 * stages adding up to the success total (±1%), the model run taking part of it.
 */
export function assertStagesAddUp(before: StatsSnapshot, after: StatsSnapshot, calls: number): void {
  const success = stageDelta(before, after, 'success');
  assert.equal(success.count, calls, 'successful calls');
  const stages = ['queue', 'compute_input', 'compute_infer', 'compute_output'] as const;
  const parts = stages.map((k) => stageDelta(before, after, k));
  parts.forEach((p, i) => assert.equal(p.count, calls, stages[i]));
  const sum = parts.reduce((a, p) => a + p.ms, 0);
  assert.ok(Math.abs(sum - success.ms) <= 0.01 * success.ms + 0.01, `stages ${sum} ms vs total ${success.ms} ms`);
  assert.ok(parts[2]!.ms > 0 && parts[2]!.ms < success.ms, 'the model ran for part of the time');
}
