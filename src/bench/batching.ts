/**
 * Figure 2, batching gain: gateway throughput at concurrency 16 with the micro-batcher and every service's dynamic
 * batcher (default registry) ÷ with batch size 1 everywhere (gateway --max-batch-size 1 and a registry copy with
 * every `batching.maxBatchSize` = 1, fusion included). Both clusters run side by side; runs are interleaved.
 */
import { defaultMix } from '../loadtest/mix';
import { noBatchingRegistry, startBenchCluster, type BenchCluster } from './cluster';
import { finishMachine, fmt, log, machine, round, writeFigure } from './common';
import { cpuComparison, cpuHeadline } from './cpu-table';
import { interleaved, pairedRatio, type LoadPlan } from './load';

export async function batchingFigure(o: { reps: number; durationS: number; concurrency: number; out?: string }): Promise<string> {
  const m = machine();
  const noBatch = noBatchingRegistry();
  log('figure 2: starting the batching and the no-batching clusters');
  const clusters: BenchCluster[] = [];
  try {
    const a = await startBenchCluster();
    clusters.push(a);
    const b = await startBenchCluster({ configPath: noBatch });
    clusters.push(b);
    const variants = [
      { name: 'micro-batcher (default)', gateway: await a.gateway({ name: 'batch', redis: true }), processes: () => a.processes() },
      { name: 'batch size 1 everywhere', gateway: await b.gateway({ name: 'nobatch', redis: true, args: ['--max-batch-size', '1'] }), processes: () => b.processes() },
    ];
    const plan: LoadPlan = { concurrency: o.concurrency, durationS: o.durationS, reps: o.reps };
    const [withB, without] = await interleaved(variants, plan);
    if (!withB || !without) throw new Error('missing variant results');
    const ratio = pairedRatio(withB, without);
    const mix = (await defaultMix()).map((x) => `${x.name}×${x.weight}`).join(', ');
    const table = [
      '| variant | throughput req/s | p50 ms | p99 ms | mean gateway batch | errors | degraded |',
      '|---|---|---|---|---|---|---|',
      ...[withB, without].map((v) => `| ${v.name} | ${fmt(v.throughput)} | ${fmt(v.p50)} | ${fmt(v.p99)} | ${v.meanBatchSize} | ${v.errors} | ${v.degraded} |`),
    ].join('\n');
    const headline = `Batching gain at concurrency ${o.concurrency}: ${ratio.median}× (${ratio.min}–${ratio.max}) — target ≥ 1.5 ${ratio.median >= 1.5 ? 'met' : 'missed'}; p99 ${withB.p99.median} ms with batching vs ${without.p99.median} ms without${cpuHeadline(withB, without, 'batching')}`;
    writeFigure({
      name: 'batching',
      title: 'Figure 2 — batching gain at concurrency 16',
      machine: finishMachine(m),
      method: `Two whole clusters as processes side by side (idle one costs ~nothing), each with a BullMQ gateway on its own private Redis. With: default registry, gateway --max-batch-size 8 (default), each expert's and fusion's dynamic batcher as configured. Without: a registry copy with every \`batching.maxBatchSize\` = 1 (experts and \`fusion.batching\`) and gateway \`--max-batch-size 1\`. Closed loop, ${o.concurrency} clients, default mix (${mix}); ${o.reps} repetitions of ${o.durationS} s per variant, interleaved (order alternating), after a 3 s warm-up each. Cells: median (min–max) over repetitions; the ratio is paired per repetition.`,
      body: `${table}\n\nThroughput ratio (with ÷ without), per repetition: ${withB.runs.map((s, i) => round(s.throughputPerS / (without.runs[i]?.throughputPerS ?? NaN), 3)).join(', ')}${cpuComparison(withB, without, { a: 'with batching', b: 'batch size 1', saving: 'batching' })}`,
      headline,
      data: { ...o, ratio, variants: [withB, without] },
    }, o.out);
    return headline;
  } finally {
    for (const c of clusters) await c.stop();
  }
}
