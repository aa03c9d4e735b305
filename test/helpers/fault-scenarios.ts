/**
 * Fault scenarios over the whole cluster as processes (every expert, router, fusion and Redis; gateways both
 * in-process and as processes), each under a few seconds of load with every request accounted for. Used by
 * test/e2e/faults.test.ts (which asserts) and scripts/fault-report.ts (which writes bench/faults.json).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { start, type RunningGateway } from '../../gateway/main';
import { addressEnvKey } from '../../src/core/addresses';
import { movaServe } from '../../src/launcher/process-group';
import type { InferRequest } from '../../src/generated/mova/v1/InferRequest';
import { startBackends, type Backends } from './cluster';
import { drive, GatewayCaller, record, summariseRecords, type LoadReport, type RequestRecord } from './fault-load';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'images');

/** Lower than the production defaults (10 s / 5 s) so a takeover fits in a short test. */
export const LOCK_DURATION_MS = 2000;
export const STALLED_INTERVAL_MS = 1000;
/** The documented bound on a dead worker's jobs being picked up again. */
export const TAKEOVER_BOUND_MS = LOCK_DURATION_MS + STALLED_INTERVAL_MS;

export interface ScenarioResult {
  scenario: string;
  report: LoadReport;
  records: RequestRecord[];
  notes: Record<string, unknown>;
}

export interface FaultCluster {
  backends: Backends;
  gateway: RunningGateway;
  caller: GatewayCaller;
  image: Buffer;
  stop(): Promise<void>;
}

/** The expert the scenarios kill and slow down, required by every request so each request depends on it. */
export const VICTIM = 'ultraface';

export function faceRequest(image: Buffer, deadlineMs: number): (i: number) => InferRequest {
  return () => ({ image, instruction: 'Is there a face in this picture?', required_experts: [VICTIM], deadline_ms: deadlineMs });
}

export async function startFaultCluster(): Promise<FaultCluster> {
  const backends = await startBackends({ redis: true });
  if (!backends.redisUrl) {
    await backends.stop();
    throw new Error('redis-server must be installed for the fault scenarios');
  }
  const gateway = await start({
    port: 0, httpPort: 0, addresses: backends.addresses, redisUrl: backends.redisUrl, queueName: `faults-${process.pid}`,
    maxBatchSize: 4, batchConcurrency: 1, maxBatchDelayMs: 5, lockDurationMs: 4000, stalledIntervalMs: 2000,
  });
  const caller = new GatewayCaller(gateway.address);
  return {
    backends,
    gateway,
    caller,
    image: readFileSync(path.join(FIXTURES, 'astronaut.jpg')),
    async stop() {
      caller.close();
      await gateway.stop();
      await backends.stop();
    },
  };
}

/** Waits until the gateway reaches the victim expert again after a restart (its status is `want`, not `failed`). */
async function untilUsed(c: FaultCluster, within: number, want: 'ok' | 'timeout' = 'ok', deadlineMs = 5000): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; ; i++) {
    const id = `probe-${Date.now()}-${i}`;
    const r = await record(id, t0, c.caller.call({ ...faceRequest(c.image, deadlineMs)(0), request_id: id }, deadlineMs + 5000));
    if (r.response?.experts.find((e) => e.name === VICTIM)?.status === want) return performance.now() - t0;
    if (performance.now() - t0 > within) throw new Error(`${VICTIM} not used again within ${within} ms`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Waits until a request is answered in full again (every service reachable after a restart). */
async function untilHealthy(c: FaultCluster, within: number): Promise<void> {
  const t0 = performance.now();
  for (let i = 0; ; i++) {
    const id = `health-${Date.now()}-${i}`;
    const r = await record(id, t0, c.caller.call({ ...faceRequest(c.image, 5000)(0), request_id: id }, 10_000));
    if (r.outcome === 'ok') return;
    if (performance.now() - t0 > within) throw new Error(`cluster not healthy again within ${within} ms: ${r.error?.details ?? 'degraded'}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

export async function expertKilled(c: FaultCluster): Promise<ScenarioResult> {
  const { records, report } = await drive({
    tag: 'expert-kill', caller: c.caller, concurrency: 4, durationMs: 3000, request: faceRequest(c.image, 8000),
    faults: [{ atMs: 800, run: () => c.backends.group.kill(VICTIM, 'SIGKILL') }],
  });
  const t0 = performance.now();
  await c.backends.group.restart(VICTIM);
  const restartMs = performance.now() - t0;
  const usedAgainMs = await untilUsed(c, 15_000);
  return { scenario: 'expert killed mid-load, then restarted', report, records, notes: { restartMs: Math.round(restartMs), usedAgainAfterRestartMs: Math.round(usedAgainMs) } };
}

export async function expertSlow(c: FaultCluster, delayMs = 4000, deadlineMs = 2500): Promise<ScenarioResult> {
  await c.backends.group.kill(VICTIM, 'SIGKILL');
  await c.backends.group.restart(VICTIM, { MOVA_FAULT_DELAY_MS: String(delayMs) });
  try {
    await untilUsed(c, 15_000, 'timeout', 1000);
    const { records, report } = await drive({ tag: 'slow', caller: c.caller, concurrency: 3, durationMs: 3000, request: faceRequest(c.image, deadlineMs) });
    return { scenario: `slow expert (+${delayMs} ms injected, ${deadlineMs} ms deadline)`, report, records, notes: { deadlineMs, delayMs } };
  } finally {
    await c.backends.group.kill(VICTIM, 'SIGKILL');
    await c.backends.group.restart(VICTIM);
    await untilUsed(c, 15_000);
  }
}

export async function routerDown(c: FaultCluster): Promise<ScenarioResult> {
  await c.backends.group.kill('router', 'SIGKILL');
  try {
    const { records, report } = await drive({ tag: 'router-down', caller: c.caller, concurrency: 4, durationMs: 2000, request: faceRequest(c.image, 8000) });
    return { scenario: 'router down', report, records, notes: {} };
  } finally {
    await c.backends.group.restart('router');
    await untilHealthy(c, 15_000);
  }
}

export async function fusionDown(c: FaultCluster, n = 6): Promise<ScenarioResult> {
  await c.backends.group.kill('fusion', 'SIGKILL');
  const t0 = performance.now();
  let records: RequestRecord[];
  try {
    records = await Promise.all(Array.from({ length: n }, (_, i) => {
      const id = `fusion-down-${i}`;
      return record(id, t0, c.caller.call({ ...faceRequest(c.image, 8000)(i), request_id: id }, 13_000));
    }));
  } finally {
    await c.backends.group.restart('fusion');
    await untilHealthy(c, 15_000);
  }
  return { scenario: 'fusion down', report: summariseRecords(records), records, notes: {} };
}

export async function redisRestarted(c: FaultCluster): Promise<ScenarioResult> {
  let downMs = 0;
  const { records, report } = await drive({
    tag: 'redis-restart', caller: c.caller, concurrency: 12, durationMs: 4000, request: faceRequest(c.image, 15_000),
    faults: [{
      atMs: 1200,
      run: async () => {
        const t = performance.now();
        await c.backends.group.kill('redis', 'SIGTERM');
        await c.backends.group.restart('redis');
        downMs = performance.now() - t;
      },
    }],
  });
  return { scenario: 'redis restarted (AOF) with requests queued', report, records, notes: { redisDownMs: Math.round(downMs) } };
}

/**
 * Gateway A (in-process) only accepts requests; gateway B (a process) is the only batch worker until it is
 * SIGKILLed mid-load; gateway C (in-process) then starts as a worker and must take over every job B held.
 */
export async function gatewayWorkerKilled(c: FaultCluster): Promise<ScenarioResult> {
  const queueName = `faults-takeover-${process.pid}`;
  const queueEnv = { MOVA_QUEUE_LOCK_DURATION_MS: String(LOCK_DURATION_MS), MOVA_QUEUE_STALLED_INTERVAL_MS: String(STALLED_INTERVAL_MS), MOVA_QUEUE_NAME: queueName };
  const addrEnv = Object.fromEntries(Object.entries(c.backends.addresses).map(([k, v]) => [addressEnvKey(k), v]));
  const a = await start({ port: 0, httpPort: 0, addresses: c.backends.addresses, redisUrl: c.backends.redisUrl!, queueName, worker: false });
  const callerA = new GatewayCaller(a.address);
  await c.backends.group.start(movaServe('gateway', 'gateway-b', ['--port', '0', '--redis', c.backends.redisUrl!], { ...addrEnv, ...queueEnv }));
  let takeover: RunningGateway | undefined;
  let takeoverStartMs = 0;
  try {
    const { records, report, faultAt } = await drive({
      tag: 'worker-kill', caller: callerA, concurrency: 8, durationMs: 3000, request: faceRequest(c.image, 15_000),
      faults: [{
        atMs: 1000,
        run: async () => {
          await c.backends.group.kill('gateway-b', 'SIGKILL');
          const t = performance.now();
          takeover = await start({
            port: 0, httpPort: 0, addresses: c.backends.addresses, redisUrl: c.backends.redisUrl!, queueName,
            lockDurationMs: LOCK_DURATION_MS, stalledIntervalMs: STALLED_INTERVAL_MS, maxBatchSize: 8,
          });
          takeoverStartMs = performance.now() - t;
        },
      }],
    });
    // B was the only worker: every request in flight when it died was B's, and C had to take it over.
    const killedAt = faultAt[0] ?? 0;
    const heldByB = records.filter((r) => r.startMs < killedAt && r.endMs > killedAt);
    const takenOverWithinMs = Math.round(Math.max(0, ...heldByB.map((r) => r.endMs - killedAt)));
    return {
      scenario: 'gateway batch worker killed mid-batch',
      report,
      records,
      notes: { inFlightAtKill: heldByB.length, takenOverWithinMs, takeoverBoundMs: TAKEOVER_BOUND_MS, takeoverStartMs: Math.round(takeoverStartMs) },
    };
  } finally {
    callerA.close();
    await takeover?.stop();
    await a.stop();
  }
}

export function isStatus(code: grpc.status): (r: RequestRecord) => boolean {
  return (r) => r.error?.code === code;
}
