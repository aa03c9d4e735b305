/**
 * Figure 5, scaling: throughput with 1, 2 and 4 replicas of the busiest expert (ppocr) behind grpc-js client-side
 * round robin: the gateway gets `MOVA_PPOCR_ADDRESS=ipv4:127.0.0.1:P1,127.0.0.1:P2,...`. Document-only mix so ppocr
 * is on every request's path. One back-end set with 4 ppocr processes; one gateway per replica count.
 */
import { defaultMix } from '../loadtest/mix';
import { startBenchCluster } from './cluster';
import { finishMachine, fmt, log, machine, round, writeFigure } from './common';
import { interleaved, writeMix } from './load';

const EXPERT = 'ppocr';

export async function scalingFigure(o: { reps: number; durationS: number; concurrency: number; out?: string }): Promise<string> {
  const m = machine();
  log('figure 5: starting the cluster and 3 more ppocr replicas');
  const cluster = await startBenchCluster();
  try {
    const first = cluster.addresses[EXPERT];
    if (!first) throw new Error(`no ${EXPERT} in the cluster`);
    const replicas = [first, ...(await Promise.all([1, 2, 3].map((i) => cluster.replica(EXPERT, i))))];
    const target = (n: number): string => `ipv4:${replicas.slice(0, n).join(',')}`;
    const counts = [1, 2, 4];
    const variants = [];
    for (const n of counts) {
      variants.push({ name: `${n} replica${n > 1 ? 's' : ''}`, gateway: await cluster.gateway({ name: `r${n}`, redis: true, env: { MOVA_PPOCR_ADDRESS: target(n) } }) });
    }
    const docs = (await defaultMix()).filter((x) => /receipt|notice|sign/.test(x.name));
    const mixFile = writeMix(docs);
    const results = await interleaved(variants, { concurrency: o.concurrency, durationS: o.durationS, reps: o.reps, mixFile });
    const one = results[0]!;
    const rel = results.map((r) => ({ name: r.name, ratio: round(r.throughput.median / one.throughput.median, 3), perRep: r.runs.map((s, i) => round(s.throughputPerS / (one.runs[i]?.throughputPerS ?? NaN), 3)) }));
    const table = [
      '| ppocr replicas | throughput req/s | ÷ 1 replica (per repetition) | p50 ms | p99 ms | mean gateway batch | errors | degraded |',
      '|---|---|---|---|---|---|---|---|',
      ...results.map((r, i) => `| ${counts[i]} | ${fmt(r.throughput)} | ${rel[i]!.ratio} (${rel[i]!.perRep.join(', ')}) | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.meanBatchSize} | ${r.errors} | ${r.degraded} |`),
    ].join('\n');
    const headline = `Scaling ppocr 1 → 2 → 4 replicas on ${m.cpus} cores: ${rel.map((r) => `${r.ratio}×`).join(' → ')} throughput`;
    writeFigure({
      name: 'scaling',
      title: 'Figure 5 — scaling the busiest expert (ppocr) with client-side round robin',
      machine: finishMachine(m),
      method: `One cluster as processes plus 3 more \`mova serve expert --name ppocr\` processes (each with the registry's ${'`intraOpThreads`'} for ppocr). Three BullMQ gateway processes on the same back ends, each told \`MOVA_PPOCR_ADDRESS=ipv4:P1[,P2,...]\` with 1, 2 or 4 replicas (grpc-js round_robin, as the channel options configure). Document-only mix (${docs.map((x) => x.name).join(', ')}) so ppocr is on every request's path; closed loop, ${o.concurrency} clients, ${o.reps} interleaved repetitions of ${o.durationS} s after a 3 s warm-up. Note: a gateway runs at most 2 batches at once (batchConcurrency 2), so at most 2 ppocr calls are in flight per gateway.`,
      body: table,
      headline,
      data: { ...o, replicas: counts, results },
    }, o.out);
    return headline;
  } finally {
    await cluster.stop();
  }
}
