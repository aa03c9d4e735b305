/**
 * Runs every fault scenario (test/helpers/fault-scenarios.ts) against a fresh local cluster and reports, per
 * scenario: requests sent, answered ok, degraded, errored, lost (must be 0) and p99 latency during the fault.
 * Prints a table and writes bench/faults.json.   Usage: npm run build && node dist/scripts/fault-report.js [--out FILE]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  expertKilled, expertSlow, fusionDown, gatewayWorkerKilled, redisRestarted, routerDown, startFaultCluster, type ScenarioResult,
} from '../test/helpers/fault-scenarios';

async function main(): Promise<void> {
  const outIdx = process.argv.indexOf('--out');
  const out = outIdx > 0 ? process.argv[outIdx + 1]! : path.join(__dirname, '..', '..', 'bench', 'faults.json');
  const cluster = await startFaultCluster();
  const results: ScenarioResult[] = [];
  try {
    for (const run of [expertKilled, expertSlow, routerDown, fusionDown, redisRestarted, gatewayWorkerKilled]) {
      const r = await run(cluster);
      results.push(r);
      const { sent, ok, degraded, errored, lost, p99Ms } = r.report;
      process.stderr.write(`${r.scenario}: sent ${sent} ok ${ok} degraded ${degraded} errored ${errored} lost ${lost} p99 ${p99Ms} ms\n`);
    }
  } finally {
    await cluster.stop();
  }
  const rows = results.map((r) => ({ scenario: r.scenario, ...r.report, notes: r.notes }));
  const header = ['scenario', 'sent', 'ok', 'degraded', 'errored', 'lost', 'p99 ms (answered)', 'p99 ms (all)'];
  const lines = [header.join(' | '), header.map(() => '---').join(' | '),
    ...rows.map((r) => [r.scenario, r.sent, r.ok, r.degraded, r.errored, r.lost, r.p99Ms, r.p99AllMs].join(' | '))];
  process.stdout.write(`${lines.join('\n')}\n`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), machine: { cpus: os.cpus().length, platform: `${os.platform()} ${os.arch()}` }, scenarios: rows }, null, 2)}\n`);
  process.stdout.write(`wrote ${out}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
