/**
 * `mova bench expert`: per expert, latency and throughput at batch 1, 4, 8 through the gRPC server (OIP
 * ModelInfer with pixel_values) versus the same pipeline in-process on the same preprocessed tensor.
 * One run on one machine; prints a Markdown table and writes JSON + Markdown under bench/.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { channelOptions } from '../core/grpc-options';
import { decodeImage } from '../core/image';
import { loadInferenceProto } from '../core/proto';
import { DEFAULT_REGISTRY_PATH, loadRegistry, PROJECT_ROOT } from '../core/registry';
import type { GRPCInferenceServiceClient } from '../generated/inference/GRPCInferenceService';
import type { ModelInferResponse__Output } from '../generated/inference/ModelInferResponse';
import { movaServe, ProcessGroup } from '../launcher/process-group';
import { createExpertPipeline } from '../../services/expert/runner';
import { imagesToTensor, preprocessSpec } from '../../services/expert/pipelines/single-graph';
import { int, parse, str, UsageError } from './args';

interface Row {
  expert: string;
  batch: number;
  inProcessMs: number;
  serverMs: number;
  overhead: number;
  inProcessItemsPerS: number;
  serverItemsPerS: number;
  spreadMs: [number, number];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

async function time(iterations: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

export async function benchCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    experts: { type: 'string' },
    iterations: { type: 'string' },
    batches: { type: 'string' },
    config: { type: 'string' },
    out: { type: 'string' },
  });
  if (positionals[0] !== 'expert') throw new UsageError('mova bench expert [--experts a,b] [--batches 1,4,8] [--iterations N] [--out DIR]');
  const registryPath = str(values.config, 'config') ?? DEFAULT_REGISTRY_PATH;
  const registry = loadRegistry(registryPath);
  const names = str(values.experts, 'experts')?.split(',') ?? registry.experts.map((e) => e.name);
  const batches = (str(values.batches, 'batches') ?? '1,4,8').split(',').map(Number);
  const iterations = int(values.iterations, 'iterations') ?? 20;
  const outDir = str(values.out, 'out') ?? path.join(PROJECT_ROOT, 'bench');
  const image = await decodeImage(readFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'images', 'astronaut.jpg')));
  const proto = loadInferenceProto();
  const rows: Row[] = [];
  for (const name of names) {
    const entry = registry.experts.find((e) => e.name === name);
    if (!entry) throw new UsageError(`unknown expert ${name}`);
    const threads = entry.intraOpThreads;
    const pipeline = await createExpertPipeline({ registryPath, modelsDir: registry.modelsDir, expert: name, intraOpThreads: threads });
    // The server runs as its own process, as it does in a deployment (`mova serve expert`).
    const group = new ProcessGroup();
    const server = await group.start(movaServe('expert', name, ['--name', name, '--port', '0', '--config', registryPath]));
    const client = new proto.inference.GRPCInferenceService(server.address, grpc.credentials.createInsecure(), channelOptions()) as unknown as GRPCInferenceServiceClient;
    try {
      for (const batch of batches) {
        if (batch > entry.batching.maxBatchSize) continue;
        const { pixels } = await imagesToTensor(Array.from({ length: batch }, () => image), preprocessSpec(entry));
        const raw = Buffer.from(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength);
        const local = await time(iterations, () => pipeline.runPixels(pixels));
        const remote = await time(iterations, () => new Promise<ModelInferResponse__Output | undefined>((resolve, reject) => {
          client.ModelInfer({
            model_name: name,
            inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: pixels.dims }],
            raw_input_contents: [raw],
          }, (err, res) => (err ? reject(err) : resolve(res)));
        }));
        const l = median(local);
        const r = median(remote);
        rows.push({
          expert: name,
          batch,
          inProcessMs: round(l),
          serverMs: round(r),
          overhead: round((r - l) / l, 3),
          inProcessItemsPerS: round((batch * 1000) / l, 1),
          serverItemsPerS: round((batch * 1000) / r, 1),
          spreadMs: [round(Math.min(...remote)), round(Math.max(...remote))],
        });
        process.stderr.write(`${name} batch ${batch}: in-process ${l.toFixed(2)} ms, server ${r.toFixed(2)} ms\n`);
      }
    } finally {
      client.close();
      await group.stop();
      await pipeline.dispose();
    }
  }
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, date: new Date().toISOString() };
  const table = [
    '| expert | batch | in-process ms | server ms | overhead | in-process items/s | server items/s | server min–max ms |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((x) => `| ${x.expert} | ${x.batch} | ${x.inProcessMs} | ${x.serverMs} | ${(x.overhead * 100).toFixed(1)}% | ${x.inProcessItemsPerS} | ${x.serverItemsPerS} | ${x.spreadMs[0]}–${x.spreadMs[1]} |`),
  ].join('\n');
  const md = `# Expert benchmark\n\n${machine.date}, ${machine.cpus}× ${machine.cpuModel}, Node ${machine.node}; median of ${iterations} runs after 3 warm-up runs; same preprocessed tensor (astronaut.jpg) in both paths; the server is a separate \`mova serve expert\` process (one worker, the intra-op threads of the registry) called over loopback gRPC.\n\n${table}\n`;
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'expert.json'), `${JSON.stringify({ machine, iterations, rows }, null, 2)}\n`);
  writeFileSync(path.join(outDir, 'expert.md'), md);
  process.stdout.write(`${md}\n`);
}

function round(x: number, digits = 2): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
