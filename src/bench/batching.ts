/**
 * Figure 2, batching gain: gateway throughput at concurrency 16 with the micro-batcher and every service's dynamic
 * batcher (default registry) ÷ with batch size 1 everywhere (gateway --max-batch-size 1 and a registry copy with
 * every `batching.maxBatchSize` = 1, fusion included). Both clusters run side by side; runs are interleaved.
 */
import { defaultMix } from '../loadtest/mix';
import { noBatchingRegistry, startBenchCluster, type BenchCluster } from './cluster';
import { finishMachine, fmt, log, machine, round, writeFigure, type Spread } from './common';
import { interleaved, pairedRatio, type LoadPlan, type VariantCpu } from './load';

/** CPU ms per request by process; the gateway process is named after its variant (gateway-batch, gateway-nobatch). */
function byProcess(cpu: VariantCpu): Map<string, Spread> {
  return new Map(Object.entries(cpu.msPerRequest).map(([k, x]) => [k.startsWith('gateway-') ? 'gateway' : k, x]));
}

/** The CPU totals and the process that costs most, for the headline. */
function cpuHeadline(withB: VariantCpu, without: VariantCpu): string {
  const total = withB.totalMsPerRequest.median;
  const withoutByProcess = byProcess(without);
  const [name, top] = [...byProcess(withB)].sort((x, y) => y[1].median - x[1].median)[0] ?? [];
  const topWithout = name === undefined ? undefined : withoutByProcess.get(name);
  const biggest = name && top && topWithout ? `; ${name} is ${round((100 * top.median) / total, 0)}% of it and batching cuts its CPU per request ${round(topWithout.median / top.median, 2)}×` : '';
  return `; CPU per request ${total} vs ${without.totalMsPerRequest.median} ms (${round(without.totalMsPerRequest.median / total, 2)}×)${biggest}`;
}

/**
 * Where each variant's CPU went per answered request, by process: with every core busy, throughput follows the total,
 * and each row's "without ÷ with" is what batching saved there.
 */
function cpuSection(withB: VariantCpu, without: VariantCpu): string {
  const a = byProcess(withB);
  const b = byProcess(without);
  const totalWith = withB.totalMsPerRequest.median;
  const names = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => (b.get(y)?.median ?? 0) - (b.get(x)?.median ?? 0));
  const rows = names.map((n) => {
    const x = a.get(n);
    const y = b.get(n);
    const gain = x && y && x.median > 0 ? round(y.median / x.median, 2) : '–';
    return `| ${n} | ${x ? fmt(x) : '–'} | ${x ? `${round((100 * x.median) / totalWith, 1)}%` : '–'} | ${y ? fmt(y) : '–'} | ${gain} |`;
  });
  return [
    `CPU per answered request (ms of user + system time, all threads of each process, from /proc; median (min–max) over repetitions). Cores kept busy: ${fmt(withB.coresBusy)} with batching, ${fmt(without.coresBusy)} without. With the cores saturated, throughput follows the total, so the total's ratio bounds the batching gain, and each row shows how much batching saved in that process.`,
    '',
    '| process | with batching | share | batch size 1 | without ÷ with |',
    '|---|---|---|---|---|',
    ...rows,
    `| **total** | ${fmt(withB.totalMsPerRequest)} | 100% | ${fmt(without.totalMsPerRequest)} | ${round(without.totalMsPerRequest.median / totalWith, 2)} |`,
  ].join('\n');
}

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
    const headline = `Batching gain at concurrency ${o.concurrency}: ${ratio.median}× (${ratio.min}–${ratio.max}) — target ≥ 1.5 ${ratio.median >= 1.5 ? 'met' : 'missed'}; p99 ${withB.p99.median} ms with batching vs ${without.p99.median} ms without${withB.cpu && without.cpu ? cpuHeadline(withB.cpu, without.cpu) : ''}`;
    writeFigure({
      name: 'batching',
      title: 'Figure 2 — batching gain at concurrency 16',
      machine: finishMachine(m),
      method: `Two whole clusters as processes side by side (idle one costs ~nothing), each with a BullMQ gateway on its own private Redis. With: default registry, gateway --max-batch-size 8 (default), each expert's and fusion's dynamic batcher as configured. Without: a registry copy with every \`batching.maxBatchSize\` = 1 (experts and \`fusion.batching\`) and gateway \`--max-batch-size 1\`. Closed loop, ${o.concurrency} clients, default mix (${mix}); ${o.reps} repetitions of ${o.durationS} s per variant, interleaved (order alternating), after a 3 s warm-up each. Cells: median (min–max) over repetitions; the ratio is paired per repetition.`,
      body: `${table}\n\nThroughput ratio (with ÷ without), per repetition: ${withB.runs.map((s, i) => round(s.throughputPerS / (without.runs[i]?.throughputPerS ?? NaN), 3)).join(', ')}${withB.cpu && without.cpu ? `\n\n${cpuSection(withB.cpu, without.cpu)}` : ''}`,
      headline,
      data: { ...o, ratio, variants: [withB, without] },
    }, o.out);
    return headline;
  } finally {
    for (const c of clusters) await c.stop();
  }
}
