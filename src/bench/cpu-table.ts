/**
 * Where two load variants' CPU went per answered request, by process (src/bench/process-cpu.ts readings gathered by
 * `interleaved`): with every core busy, throughput follows CPU per request, so the table explains a throughput ratio
 * process by process. Gateway processes are named after their variant (gateway-batch, gateway-all): one row for all.
 */
import { fmt, round, type Spread } from './common';
import type { VariantCpu, VariantResult } from './load';

function byProcess(cpu: VariantCpu): Map<string, Spread> {
  return new Map(Object.entries(cpu.msPerRequest).map(([k, x]) => [k.startsWith('gateway-') ? 'gateway' : k, x]));
}

/**
 * For a headline: both totals and the process that costs `a` most, with how much less it costs there than in `b`
 * (`saving` names what makes the difference); '' when either variant has no CPU readings.
 */
export function cpuHeadline(a: VariantResult, b: VariantResult, saving: string): string {
  if (!a.cpu || !b.cpu) return '';
  const total = a.cpu.totalMsPerRequest.median;
  const inB = byProcess(b.cpu);
  const [name, top] = [...byProcess(a.cpu)].sort((x, y) => y[1].median - x[1].median)[0] ?? [];
  const topB = name === undefined ? undefined : inB.get(name);
  const biggest = name && top && topB ? `; ${name} is ${round((100 * top.median) / total, 0)}% of it and ${saving} cuts its CPU per request ${round(topB.median / top.median, 2)}×` : '';
  return `; CPU per request ${total} vs ${b.cpu.totalMsPerRequest.median} ms (${round(b.cpu.totalMsPerRequest.median / total, 2)}×)${biggest}`;
}

/** A paragraph and table for a figure's body (starting with a blank line); '' when either variant has no CPU readings. */
export function cpuComparison(a: VariantResult, b: VariantResult, labels: { a: string; b: string; saving: string }): string {
  if (!a.cpu || !b.cpu) return '';
  const inA = byProcess(a.cpu);
  const inB = byProcess(b.cpu);
  const totalA = a.cpu.totalMsPerRequest.median;
  const names = [...new Set([...inA.keys(), ...inB.keys()])].sort((x, y) => (inB.get(y)?.median ?? 0) - (inB.get(x)?.median ?? 0));
  const rows = names.map((n) => {
    const x = inA.get(n);
    const y = inB.get(n);
    const ratio = x && y && x.median > 0 ? round(y.median / x.median, 2) : '–';
    return `| ${n} | ${x ? fmt(x) : '–'} | ${x ? `${round((100 * x.median) / totalA, 1)}%` : '–'} | ${y ? fmt(y) : '–'} | ${ratio} |`;
  });
  return [
    '',
    '',
    `CPU per answered request (ms of user + system time, all threads of each process, from /proc; median (min–max) over repetitions). Cores kept busy: ${fmt(a.cpu.coresBusy)} ${labels.a}, ${fmt(b.cpu.coresBusy)} ${labels.b}. With the cores saturated, throughput follows the total, so the total's ratio bounds the throughput ratio, and each row shows what ${labels.saving} saved in that process.`,
    '',
    `| process | ${labels.a} | share | ${labels.b} | ${labels.b} ÷ ${labels.a} |`,
    '|---|---|---|---|---|',
    ...rows,
    `| **total** | ${fmt(a.cpu.totalMsPerRequest)} | 100% | ${fmt(b.cpu.totalMsPerRequest)} | ${round(b.cpu.totalMsPerRequest.median / totalA, 2)} |`,
  ].join('\n');
}
