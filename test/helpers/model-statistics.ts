/**
 * Checks on Triton's statistics extension (ModelStatistics) shared by the expert and fusion tests: the model's
 * identity and counts, the change of a stage or of a batch size's runs between two snapshots, and that a run of
 * successful calls' stages add up to their time in the server.
 */
import assert from 'node:assert/strict';

type Duration = { count: number | string; ns: number | string } | null | undefined;
type Stage = 'success' | 'fail' | 'queue' | 'compute_input' | 'compute_infer' | 'compute_output' | 'cache_hit' | 'cache_miss';
export interface StatsSnapshot {
  name?: string;
  version?: string;
  inference_count?: number | string;
  execution_count?: number | string;
  last_inference?: number | string;
  inference_stats?: Partial<Record<Stage, Duration>> | null;
  batch_stats?: { batch_size: number | string; compute_infer?: Duration }[];
}

/**
 * `after` names the model `name`, version "1"; from `before` it counted `inferences` more items and `executions`
 * more runs (each message says why that many), its last inference at or after `since` (ms since epoch) and not later
 * than now.
 */
export function assertCounts(before: StatsSnapshot, after: StatsSnapshot, expected: { name: string; inferences: [number, string]; executions: [number, string]; since: number }): void {
  assert.equal(after.name, expected.name);
  assert.equal(after.version, '1');
  assert.equal(Number(after.inference_count) - Number(before.inference_count), expected.inferences[0], expected.inferences[1]);
  assert.equal(Number(after.execution_count) - Number(before.execution_count), expected.executions[0], expected.executions[1]);
  assert.ok(Number(after.last_inference) >= expected.since && Number(after.last_inference) <= Date.now());
}

/** How many more runs of `size` items `after` counts than `before` (batch_stats). */
export function batchRunsDelta(before: StatsSnapshot, after: StatsSnapshot, size: number): number {
  const runs = (s: StatsSnapshot): number => Number(s.batch_stats?.find((b) => Number(b.batch_size) === size)?.compute_infer?.count ?? 0);
  return runs(after) - runs(before);
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
