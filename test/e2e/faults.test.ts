/**
 * Failure semantics (DESIGN.md) under real faults: the whole cluster as processes, a few seconds of load per
 * scenario, every request accounted for (sent = ok + degraded + errored + lost, lost = 0).
 * `node dist/scripts/fault-report.js` runs the same scenarios and writes bench/faults.json.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { LoadReport } from '../helpers/fault-load';
import {
  expertKilled, expertSlow, fusionDown, gatewayWorkerKilled, redisRestarted, routerDown, startFaultCluster, TAKEOVER_BOUND_MS, VICTIM,
  type FaultCluster, type ScenarioResult,
} from '../helpers/fault-scenarios';

function accounted(r: LoadReport): void {
  assert.equal(r.ok + r.degraded + r.errored + r.lost, r.sent, `every request accounted for: ${JSON.stringify(r)}`);
  assert.equal(r.lost, 0, `no request lost: ${JSON.stringify(r)}`);
  assert.ok(r.sent > 0, 'load was sent');
}

function show(s: ScenarioResult): void {
  const { sent, ok, degraded, errored, lost, p99Ms } = s.report;
  process.stderr.write(`  [faults] ${s.scenario}: sent ${sent} ok ${ok} degraded ${degraded} errored ${errored} lost ${lost} p99 ${p99Ms} ms ${JSON.stringify(s.notes)}\n`);
}

describe('fault tolerance (whole cluster as processes)', { timeout: 240_000 }, () => {
  let c: FaultCluster;

  before(async () => {
    c = await startFaultCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it('an expert killed mid-load degrades only its requests, and is used again after a restart', async () => {
    const s = await expertKilled(c);
    show(s);
    accounted(s.report);
    assert.equal(s.report.errored, 0, `errors: ${JSON.stringify(s.report.errors)}`);
    assert.ok(s.report.degraded > 0, 'some requests ran while the expert was down');
    for (const r of s.records.filter((x) => x.outcome === 'degraded')) {
      assert.deepEqual(r.response!.missing_experts, [VICTIM]);
      assert.equal(r.response!.experts.find((e) => e.name === VICTIM)?.status, 'failed');
    }
    assert.ok(Number(s.notes.usedAgainAfterRestartMs) < 15_000);
  });

  it('a slow expert misses its deadline share: answered degraded (timeout) within the request deadline', async () => {
    const s = await expertSlow(c, 4000, 2500);
    show(s);
    accounted(s.report);
    assert.equal(s.report.errored, 0, `errors: ${JSON.stringify(s.report.errors)}`);
    assert.equal(s.report.degraded, s.report.sent);
    for (const r of s.records) {
      assert.equal(r.response!.experts.find((e) => e.name === VICTIM)?.status, 'timeout');
      // Client-measured, so it includes the client's own overhead: allow a little over the deadline.
      assert.ok(r.endMs - r.startMs <= 2500 + 250, `answered after ${Math.round(r.endMs - r.startMs)} ms`);
    }
  });

  it('router down: base-only answers, degraded, with the reason', async () => {
    const s = await routerDown(c);
    show(s);
    accounted(s.report);
    assert.equal(s.report.errored, 0, `errors: ${JSON.stringify(s.report.errors)}`);
    assert.equal(s.report.degraded, s.report.sent);
    for (const r of s.records) {
      assert.equal(r.response!.routing?.policy, 'unavailable');
      assert.match(r.response!.routing?.reason ?? '', /router unavailable .*base-only/);
      assert.deepEqual(r.response!.routing?.chosen, []);
    }
  });

  it('fusion down: retried by the queue, then UNAVAILABLE', async () => {
    const s = await fusionDown(c);
    show(s);
    accounted(s.report);
    assert.equal(s.report.errored, s.report.sent);
    for (const r of s.records) {
      assert.equal(r.error?.code, grpc.status.UNAVAILABLE);
      assert.match(r.error?.details ?? '', /fusion failed: .*\(gave up after 3 attempts\)/);
    }
  });

  it('Redis restarted (AOF on) with requests queued: no accepted request lost', async () => {
    const s = await redisRestarted(c);
    show(s);
    accounted(s.report);
    assert.equal(s.report.errored, 0, `errors: ${JSON.stringify(s.report.errors)}`);
    assert.ok(s.records.some((r) => r.startMs < 1200 && r.endMs > 1200), 'requests were in flight during the restart');
  });

  it('a gateway batch worker killed mid-batch: every request answered once, its jobs taken over within the bound', async () => {
    const s = await gatewayWorkerKilled(c);
    show(s);
    accounted(s.report);
    assert.equal(s.report.errored, 0, `errors: ${JSON.stringify(s.report.errors)}`);
    assert.ok(Number(s.notes.inFlightAtKill) > 0, 'the killed worker held jobs');
    // Taken over within lockDuration + stalledInterval, plus the time to run the batch again.
    assert.ok(Number(s.notes.takenOverWithinMs) <= TAKEOVER_BOUND_MS + 2000, `taken over after ${String(s.notes.takenOverWithinMs)} ms`);
    assert.equal(new Set(s.records.map((r) => r.id)).size, s.records.length, 'one answer per request');
  });
});
