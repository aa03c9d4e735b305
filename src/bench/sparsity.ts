/**
 * Figure 3, sparsity gain: throughput with the learned router ÷ with every expert on every request
 * (`--routing-policy all`), default mix, same back ends; plus expert compute per request.
 */
import { defaultMix } from '../loadtest/mix';
import { startBenchCluster } from './cluster';
import { finishMachine, fmt, log, machine, round, writeFigure } from './common';
import { cpuComparison, cpuHeadline } from './cpu-table';
import { expertMsPerRequest, interleaved, pairedRatio } from './load';

export async function sparsityFigure(o: { reps: number; durationS: number; concurrency: number; out?: string }): Promise<string> {
  const m = machine();
  log('figure 3: starting the cluster');
  const cluster = await startBenchCluster();
  try {
    // Each variant's CPU: the shared back ends and its own gateway (the other gateway idles meanwhile).
    const own = (other: string) => () => cluster.processes().filter((p) => p.name !== other);
    const variants = [
      { name: 'learned router', gateway: await cluster.gateway({ name: 'learned', redis: true }), processes: own('gateway-all') },
      { name: 'all experts', gateway: await cluster.gateway({ name: 'all', redis: true, args: ['--routing-policy', 'all'] }), processes: own('gateway-learned') },
    ];
    const items = await defaultMix();
    const [learned, all] = await interleaved(variants, { concurrency: o.concurrency, durationS: o.durationS, reps: o.reps });
    if (!learned || !all) throw new Error('missing variant results');
    log('figure 3: expert compute per request at concurrency 1');
    const cost = { learned: await expertMsPerRequest(variants[0]!.gateway, items), all: await expertMsPerRequest(variants[1]!.gateway, items) };
    const ratio = pairedRatio(learned, all);
    const acts = (r: Record<string, number>): string => Object.entries(r).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
    const table = [
      '| routing | throughput req/s | p50 ms | p99 ms | specialist calls per request | expert ms per request (base + specialists, concurrency 1) | errors | degraded |',
      '|---|---|---|---|---|---|---|---|',
      `| learned | ${fmt(learned.throughput)} | ${fmt(learned.p50)} | ${fmt(learned.p99)} | ${acts(learned.activationsPerRequest)} | ${cost.learned.expertMs} (${cost.learned.baseMs} + ${cost.learned.specialistMs}) | ${learned.errors} | ${learned.degraded} |`,
      `| all | ${fmt(all.throughput)} | ${fmt(all.p50)} | ${fmt(all.p99)} | ${acts(all.activationsPerRequest)} | ${cost.all.expertMs} (${cost.all.baseMs} + ${cost.all.specialistMs}) | ${all.errors} | ${all.degraded} |`,
    ].join('\n');
    const computeRatio = round(cost.learned.expertMs / cost.all.expertMs, 3);
    const headline = `Sparsity gain: throughput ${ratio.median}× (${ratio.min}–${ratio.max}) with the learned router vs every expert; expert compute per request ${computeRatio}× (${cost.learned.expertMs} vs ${cost.all.expertMs} expert-ms)${cpuHeadline(learned, all, 'learned routing')}`;
    writeFigure({
      name: 'sparsity',
      title: 'Figure 3 — sparsity gain (learned routing vs every expert)',
      machine: finishMachine(m),
      method: `One cluster as processes, two BullMQ gateway processes on the same back ends (own queue each): the registry's learned router, and \`--routing-policy all\`. Closed loop, ${o.concurrency} clients, default mix (${items.map((x) => `${x.name}×${x.weight}`).join(', ')}); ${o.reps} interleaved repetitions of ${o.durationS} s after a 3 s warm-up. Expert-seconds per request: each mix item sent alone (concurrency 1, median of 3), sum of \`timings.expert_ms\` (expert calls as the gateway sees them, including their gRPC hop and decode) plus \`timings.base_ms\`, weighted by the mix.`,
      body: `${table}\n\nThroughput ratio per repetition: ${learned.runs.map((s, i) => round(s.throughputPerS / (all.runs[i]?.throughputPerS ?? NaN), 3)).join(', ')}${cpuComparison(learned, all, { a: 'learned router', b: 'all experts', saving: 'learned routing' })}`,
      headline,
      data: { ...o, ratio, cost, variants: [learned, all] },
    }, o.out);
    return headline;
  } finally {
    await cluster.stop();
  }
}
