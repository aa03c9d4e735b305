/**
 * `mova loadtest --concurrency C --duration S [--rate R] [--mix FILE] [--gateway ADDR] [--out DIR]`:
 * closed loop with C clients, or open loop at R requests/s with at most C in flight. Bounded in count and time;
 * only the given gateway (loopback by default) is called. Prints latency percentiles, throughput, error and
 * degraded counts, expert activations and mean batch size; writes JSON and a self-contained HTML report.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { callGateway, gatewayClient } from './infer';
import { int, parse, str, UsageError } from './args';
import { defaultMix, loadMix, mixSequence } from '../loadtest/mix';
import { renderReport, type Sample } from '../loadtest/report-html';
import { summarise } from '../loadtest/stats';

export interface LoadtestResult {
  summary: Record<string, unknown>;
  samples: Sample[];
}

export async function runLoad(opts: { gateway: string; concurrency: number; durationS: number; rate?: number; mixFile?: string; deadlineMs?: number; progress?: boolean }): Promise<LoadtestResult> {
  const mix = opts.mixFile ? loadMix(opts.mixFile) : await defaultMix();
  const next = mixSequence(mix);
  const samples: Sample[] = [];
  const activations: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const batchSizes: number[] = [];
  let degraded = 0;
  const t0 = performance.now();
  const endAt = t0 + opts.durationS * 1000;
  let inFlight = 0;
  // One channel for the whole run, as a real client keeps (a channel per request would time connection setup).
  const client = gatewayClient(opts.gateway);
  const one = async (): Promise<void> => {
    const item = next();
    const start = performance.now();
    inFlight++;
    try {
      const res = await callGateway(opts.gateway, { image: item.image, instruction: item.instruction, deadline_ms: opts.deadlineMs ?? 10_000 }, (opts.deadlineMs ?? 10_000) + 2000, client);
      const ms = performance.now() - start;
      for (const c of res.routing?.chosen ?? []) activations[c.name] = (activations[c.name] ?? 0) + 1;
      batchSizes.push(res.batch_size);
      if (res.degraded) degraded++;
      samples.push({ t: (start - t0) / 1000, latencyMs: ms, outcome: res.degraded ? 'degraded' : 'ok' });
    } catch (err) {
      const key = (err as { code?: number; details?: string }).details ?? String(err);
      errors[key.slice(0, 120)] = (errors[key.slice(0, 120)] ?? 0) + 1;
      samples.push({ t: (start - t0) / 1000, latencyMs: performance.now() - start, outcome: 'error' });
    } finally {
      inFlight--;
    }
  };
  const progress = setInterval(() => {
    if (!opts.progress) return;
    const frac = Math.min(1, (performance.now() - t0) / (opts.durationS * 1000));
    const bar = '#'.repeat(Math.round(frac * 30)).padEnd(30, '.');
    process.stderr.write(`\r[${bar}] ${(frac * 100).toFixed(0)}%  ${samples.length} done, ${inFlight} in flight   `);
  }, 250);
  try {
    if (opts.rate) {
      const interval = 1000 / opts.rate;
      const pending = new Set<Promise<void>>();
      for (let i = 0; performance.now() < endAt; i++) {
        const due = t0 + i * interval;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (performance.now() >= endAt) break;
        if (pending.size >= opts.concurrency) {
          errors['client: concurrency limit reached, request not sent'] = (errors['client: concurrency limit reached, request not sent'] ?? 0) + 1;
          continue;
        }
        const p = one().finally(() => pending.delete(p));
        pending.add(p);
      }
      await Promise.all(pending);
    } else {
      await Promise.all(Array.from({ length: opts.concurrency }, async () => {
        while (performance.now() < endAt) await one();
      }));
    }
  } finally {
    client.close();
    clearInterval(progress);
    if (opts.progress) process.stderr.write('\n');
  }
  const wall = (performance.now() - t0) / 1000;
  const okLat = samples.filter((s) => s.outcome !== 'error').map((s) => s.latencyMs);
  const lat = summarise(okLat);
  const errorCount = samples.filter((s) => s.outcome === 'error').length;
  const summary = {
    gateway: opts.gateway,
    mode: opts.rate ? `open loop, ${opts.rate} req/s, max ${opts.concurrency} in flight` : `closed loop, ${opts.concurrency} clients`,
    durationS: Number(wall.toFixed(2)),
    requests: samples.length,
    answered: okLat.length,
    errors: errorCount,
    degraded,
    throughputPerS: Number((okLat.length / wall).toFixed(2)),
    latencyMs: { p50: round(lat.p50), p95: round(lat.p95), p99: round(lat.p99), max: round(lat.max), mean: round(lat.mean) },
    meanBatchSize: Number((batchSizes.reduce((a, b) => a + b, 0) / (batchSizes.length || 1)).toFixed(2)),
    expertActivations: activations,
    errorReasons: errors,
  };
  return { summary, samples };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

export async function loadtestCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    concurrency: { type: 'string' },
    duration: { type: 'string' },
    rate: { type: 'string' },
    mix: { type: 'string' },
    gateway: { type: 'string' },
    out: { type: 'string' },
    'deadline-ms': { type: 'string' },
  });
  const concurrency = int(values.concurrency, 'concurrency') ?? 8;
  const durationS = int(values.duration, 'duration') ?? 30;
  if (concurrency < 1 || concurrency > 1024) throw new UsageError('--concurrency must be 1..1024');
  if (durationS < 1 || durationS > 3600) throw new UsageError('--duration must be 1..3600 seconds');
  const rate = int(values.rate, 'rate');
  const gateway = str(values.gateway, 'gateway') ?? process.env.MOVA_GATEWAY ?? '127.0.0.1:50050';
  const mixFile = str(values.mix, 'mix');
  const deadlineMs = int(values['deadline-ms'], 'deadline-ms');
  const { summary, samples } = await runLoad({ gateway, concurrency, durationS, ...(rate ? { rate } : {}), ...(mixFile ? { mixFile } : {}), ...(deadlineMs ? { deadlineMs } : {}), progress: true });
  const outDir = str(values.out, 'out') ?? path.join(process.cwd(), 'loadtest-out');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'loadtest.json'), `${JSON.stringify({ summary, samples }, null, 1)}\n`);
  const lat = summarise(samples.filter((s) => s.outcome !== 'error').map((s) => s.latencyMs));
  writeFileSync(path.join(outDir, 'loadtest.html'), renderReport(`mova load test — ${summary.mode}`, summary, lat, samples));
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\nreport: ${path.join(outDir, 'loadtest.html')}\n`);
}
