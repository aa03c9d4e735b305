/**
 * GPU check (issue 10), called by scripts/gpu-check.sh on a GPU machine: for every registry expert and each of its
 * ONNX graphs, (1) CPU vs WebGPU outputs agree within tolerance on a real photo, (2) latency and throughput at
 * batch 1, 8 and 32 for CPU (original graph, all cores), WebGPU on the original graph (int8 for MobileNetV2) and
 * WebGPU on the float32 and float16 variants. Writes a markdown table (date, GPU name) and exits 1 when WebGPU
 * cannot start or an agreement check fails.
 *
 * Usage: node dist/scripts/gpu-check.js --gpu "NAME" [--out bench/gpu-check.md] [--batches 1,8,32]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage } from '../src/core/image';
import { createSession, ort, type SessionSettings } from '../src/core/ort-session';
import { exposedFloatValues } from '../src/core/prepared-models';
import { DEFAULT_REGISTRY_PATH, loadRegistry, PROJECT_ROOT, resolveExpertFiles, type ExpertEntry } from '../src/core/registry';
import { buildVariant, type ModelVariant } from '../src/onnx/variants';
import { imagesToTensor, preprocessSpec } from '../services/expert/pipelines/single-graph';

interface Config { label: string; provider: 'cpu' | 'webgpu'; variant: ModelVariant; tolerance: number }

/** Relative L2 allowed against the CPU run of the same variant (int8 rounding can flip on another backend). */
const CONFIGS: readonly Config[] = [
  { label: 'CPU original', provider: 'cpu', variant: 'original', tolerance: 0 },
  { label: 'WebGPU original (int8 where quantized)', provider: 'webgpu', variant: 'original', tolerance: 0.3 },
  { label: 'WebGPU float32', provider: 'webgpu', variant: 'float32', tolerance: 0.01 },
  { label: 'WebGPU float16', provider: 'webgpu', variant: 'float16', tolerance: 0.05 },
];

interface Graph { expert: ExpertEntry; role: string; source: string; dims: number[]; fixedBatch: boolean }

function graphsOf(entry: ExpertEntry, files: Record<string, string>): Graph[] {
  const [h, w] = entry.preprocess.size;
  const out: Graph[] = [];
  for (const [role, source] of Object.entries(files)) {
    if (!source.endsWith('.onnx')) continue;
    // OCR recognition runs on crops at height 48 (width 320 is PaddleOCR's minimum bucket).
    const dims = role === 'rec' ? [3, 48, 320] : [3, h, w];
    out.push({ expert: entry, role, source, dims, fixedBatch: !entry.dynamicBatch });
  }
  return out;
}

async function inputFor(g: Graph, batch: number): Promise<Float32Array> {
  const plane = g.dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(batch * plane);
  if (g.role === 'rec') {
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.0137) * 0.8;
    return data;
  }
  const photo = await decodeImage(readFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'images', 'astronaut.jpg')));
  const { pixels } = await imagesToTensor([photo], preprocessSpec(g.expert));
  for (let i = 0; i < batch; i++) data.set(pixels.data, i * plane);
  return data;
}

async function runOnce(s: ort.InferenceSession, g: Graph, x: Float32Array, batch: number): Promise<Float32Array[]> {
  const plane = x.length / batch;
  const outs: Float32Array[][] = [];
  const runs = g.fixedBatch ? batch : 1;
  for (let i = 0; i < runs; i++) {
    const n = g.fixedBatch ? 1 : batch;
    const feed = new ort.Tensor('float32', x.subarray(i * plane, (i + n) * plane), [n, ...g.dims]);
    const out = await s.run({ [s.inputNames[0] ?? 'input']: feed });
    outs.push(s.outputNames.map((k) => Float32Array.from(out[k]?.data as Float32Array)));
  }
  return outs[0] ?? [];
}

function relL2(a: Float32Array, b: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2; den += (a[i] ?? 0) ** 2; }
  return den === 0 ? (num === 0 ? 0 : Number.POSITIVE_INFINITY) : Math.sqrt(num / den);
}

async function timeRuns(s: ort.InferenceSession, g: Graph, batch: number): Promise<number> {
  const x = await inputFor(g, batch);
  await runOnce(s, g, x, batch);
  const times: number[] = [];
  const deadline = Date.now() + 4000;
  while (times.length < 20 && (times.length < 3 || Date.now() < deadline)) {
    const t0 = performance.now();
    await runOnce(s, g, x, batch);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { gpu: { type: 'string' }, out: { type: 'string' }, batches: { type: 'string' } } });
  const batches = (values.batches ?? '1,8,32').split(',').map(Number);
  const registry = loadRegistry(DEFAULT_REGISTRY_PATH);
  const cores = os.availableParallelism();
  const agree: string[] = ['| expert.graph | config | rel. L2 vs CPU | tolerance | ok |', '|---|---|---|---|---|'];
  const perf: string[] = [`| expert.graph | config | ${batches.map((b) => `bs ${b} ms`).join(' | ')} | ${batches.map((b) => `bs ${b} items/s`).join(' | ')} | bs 8 vs CPU |`, `|---|---|${batches.map(() => '---|').join('')}${batches.map(() => '---|').join('')}---|`];
  let failures = 0;
  for (const entry of registry.experts) {
    for (const g of graphsOf(entry, resolveExpertFiles(registry, entry))) {
      const name = `${entry.name}.${g.role}`;
      const reference = new Map<ModelVariant, Float32Array[]>();
      let cpuBs8 = Number.NaN;
      for (const c of CONFIGS) {
        const bytes = buildVariant(readFileSync(g.source), c.variant, { keepFloat32: exposedFloatValues(entry) });
        const settings: SessionSettings = { provider: c.provider, intraOpThreads: c.provider === 'cpu' ? cores : 1, webgpu: entry.webgpu };
        let session: ort.InferenceSession;
        try {
          session = await createSession(bytes, settings);
        } catch (err) {
          throw new Error(`${name}: cannot create a ${c.label} session (is WebGPU/Vulkan available?): ${(err as Error).message}`);
        }
        const x = await inputFor(g, 1);
        const outs = await runOnce(session, g, x, 1);
        // Agreement: each config against the CPU run of the same variant.
        let ref = reference.get(c.variant);
        if (!ref) {
          const cpu = await createSession(bytes, { provider: 'cpu', intraOpThreads: cores });
          ref = await runOnce(cpu, g, x, 1);
          await cpu.release();
          reference.set(c.variant, ref);
        }
        const err = Math.max(...outs.map((o, i) => relL2(ref?.[i] ?? new Float32Array(o.length), o)));
        const ok = err <= c.tolerance || c.provider === 'cpu';
        if (!ok) failures++;
        agree.push(`| ${name} | ${c.label} | ${err.toExponential(2)} | ${c.tolerance} | ${ok ? 'yes' : '**NO**'} |`);
        const ms: number[] = [];
        for (const b of batches) ms.push(await timeRuns(session, g, b));
        const bs8 = batches.indexOf(8) >= 0 ? 8 / (ms[batches.indexOf(8)] ?? Number.NaN) * 1000 : Number.NaN;
        if (c.provider === 'cpu') cpuBs8 = bs8;
        perf.push(`| ${name} | ${c.label} | ${ms.map((m) => m.toFixed(1)).join(' | ')} | ${ms.map((m, i) => ((batches[i] ?? 1) / m * 1000).toFixed(0)).join(' | ')} | ${c.provider === 'cpu' ? '1×' : `${(bs8 / cpuBs8).toFixed(2)}×`} |`);
        process.stderr.write(`${name} ${c.label}: rel.L2 ${err.toExponential(2)}, ms ${ms.map((m) => m.toFixed(1)).join('/')}\n`);
        await session.release();
      }
    }
  }
  const md = [
    '# GPU check (issue 10)',
    '',
    `GPU: ${values.gpu ?? 'unknown'}; date ${new Date().toISOString()}; onnxruntime-node ${ort.env.versions.common}; CPU: ${cores} cores; by scripts/gpu-check.sh.`,
    'Median of up to 20 runs after one warm-up, input copied from the host and outputs read back on every run; fixed-batch graphs run items one by one.',
    'Bar (issue 10): WebGPU float variant ≥ 3× the CPU throughput at batch 8.',
    '',
    '## Agreement (astronaut photo; OCR rec on a synthetic strip)',
    '',
    ...agree,
    '',
    '## Latency and throughput',
    '',
    ...perf,
    '',
  ].join('\n');
  const out = values.out ?? path.join(PROJECT_ROOT, 'bench', 'gpu-check.md');
  writeFileSync(out, md);
  process.stdout.write(md);
  if (failures > 0) {
    process.stderr.write(`gpu-check: ${failures} agreement check(s) failed\n`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`gpu-check: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
