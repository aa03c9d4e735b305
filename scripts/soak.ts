/**
 * Soak test (a script, not a test: it takes ~11 minutes). Starts the whole cluster as processes (every backend,
 * Redis and a gateway process), measures the maximum throughput with a short closed loop, then runs an open loop at
 * `--fraction` (default 0.7) of it for `--duration` seconds (default 600), sampling every process's RSS.
 * Reports errors, lost requests (no answer before the client's own deadline), RSS growth per process after the
 * warm-up, and p99 per window. Writes bench/soak.json.
 *   npm run build && node dist/scripts/soak.js [--duration 600] [--warmup 60] [--fraction 0.7] [--out FILE]
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { addressEnvKey } from '../src/core/addresses';
import { runLoad } from '../src/cli/loadtest';
import { movaServe } from '../src/launcher/process-group';
import { summarise } from '../src/loadtest/stats';
import { startBackends } from '../test/helpers/cluster';

function rssKb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { duration: { type: 'string' }, warmup: { type: 'string' }, fraction: { type: 'string' }, out: { type: 'string' }, 'probe-seconds': { type: 'string' } } });
  const durationS = Number(values.duration ?? 600);
  const warmupS = Number(values.warmup ?? 60);
  const fraction = Number(values.fraction ?? 0.7);
  const probeS = Number(values['probe-seconds'] ?? 20);
  const out = values.out ?? path.join(__dirname, '..', '..', 'bench', 'soak.json');
  const log = (s: string): void => void process.stderr.write(`[soak] ${s}\n`);

  const backends = await startBackends({ redis: true });
  const env = { ...Object.fromEntries(Object.entries(backends.addresses).map(([k, v]) => [addressEnvKey(k), v])), MOVA_QUEUE_NAME: `soak-${process.pid}` };
  const gateway = await backends.group.start(movaServe('gateway', 'gateway', ['--port', '0', '--redis', backends.redisUrl!], env));
  const procs = [...backends.services, gateway];
  try {
    log(`cluster up: ${procs.map((p) => `${p.name}=${p.pid}`).join(' ')}`);
    const probe = await runLoad({ gateway: gateway.address, concurrency: 16, durationS: probeS, deadlineMs: 30_000 });
    const maxTput = Number(probe.summary.throughputPerS);
    const rate = Math.max(1, Math.round(maxTput * fraction * 10) / 10);
    log(`max throughput ${maxTput} req/s (closed loop, 16 clients); soaking at ${rate} req/s for ${durationS} s`);

    const rss: { t: number; kb: Record<string, number> }[] = [];
    const t0 = performance.now();
    const sample = (): void => {
      const kb: Record<string, number> = {};
      for (const p of procs) {
        const v = rssKb(p.pid);
        if (v !== undefined) kb[p.name] = v;
      }
      rss.push({ t: (performance.now() - t0) / 1000, kb });
    };
    sample();
    const timer = setInterval(sample, 5000);
    const soak = await runLoad({ gateway: gateway.address, concurrency: 256, durationS, rate, deadlineMs: 10_000, progress: true });
    clearInterval(timer);
    sample();

    // Windows of 60 s: throughput and p99 over time.
    const windows: { fromS: number; requests: number; errors: number; p99Ms: number }[] = [];
    for (let from = 0; from < durationS; from += 60) {
      const w = soak.samples.filter((s) => s.t >= from && s.t < from + 60);
      windows.push({ fromS: from, requests: w.length, errors: w.filter((s) => s.outcome === 'error').length, p99Ms: Math.round(summarise(w.filter((s) => s.outcome !== 'error').map((s) => s.latencyMs)).p99) });
    }
    // RSS growth after warm-up: median over the minute after warm-up vs the median over the last minute.
    const growth: Record<string, { afterWarmupMb: number; endMb: number; growthPct: number }> = {};
    for (const p of procs) {
      const early = rss.filter((r) => r.t >= warmupS && r.t < warmupS + 60).map((r) => r.kb[p.name]).filter((v): v is number => v !== undefined);
      const late = rss.filter((r) => r.t >= durationS - 60).map((r) => r.kb[p.name]).filter((v): v is number => v !== undefined);
      if (early.length === 0 || late.length === 0) continue;
      const a = median(early);
      const b = median(late);
      growth[p.name] = { afterWarmupMb: Math.round(a / 102.4) / 10, endMb: Math.round(b / 102.4) / 10, growthPct: Math.round(((b - a) / a) * 1000) / 10 };
    }
    const reasons = soak.summary.errorReasons as Record<string, number>;
    const lost = Object.entries(reasons).filter(([k]) => /^Deadline exceeded after/.test(k)).reduce((s, [, n]) => s + n, 0);
    const p99s = windows.slice(1).map((w) => w.p99Ms);
    const report = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, platform: `${os.platform()} ${os.arch()}` },
      maxThroughputPerS: maxTput,
      rate,
      durationS,
      warmupS,
      requests: soak.summary.requests,
      answered: soak.summary.answered,
      degraded: soak.summary.degraded,
      errors: soak.summary.errors,
      lost,
      errorReasons: reasons,
      latencyMs: soak.summary.latencyMs,
      p99OverTime: windows,
      p99Spread: { min: Math.min(...p99s), max: Math.max(...p99s) },
      rssGrowth: growth,
    };
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\nwrote ${out}\n`);
  } finally {
    await backends.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
