/**
 * `mova bench expert`: per expert, latency and throughput at each batch size through the gRPC server (OIP
 * ModelInfer with pixel_values) versus the same pipeline in-process on the same preprocessed tensor.
 * `provider` overrides every benchmarked expert's execution provider through a temporary registry copy
 * (cpu or webgpu; see scripts/gpu-bench.sh). Writes `<name>.json` + `.md` under bench/.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { channelOptions } from '../core/grpc-options';
import { decodeImage } from '../core/image';
import { loadInferenceProto } from '../core/proto';
import { encodeBytesElements } from '../core/tensor-codec';
import { loadRegistry, PROJECT_ROOT } from '../core/registry';
import type { GRPCInferenceServiceClient } from '../generated/inference/GRPCInferenceService';
import type { ModelInferRequest } from '../generated/inference/ModelInferRequest';
import type { ModelInferResponse__Output } from '../generated/inference/ModelInferResponse';
import type { ModelStreamInferResponse__Output } from '../generated/inference/ModelStreamInferResponse';
import { movaServe, ProcessGroup } from '../launcher/process-group';
import { expertThreads } from '../../services/expert/config';
import { createExpertPipeline } from '../../services/expert/runner';
import { imagesToTensor, preprocessSpec } from '../../services/expert/pipelines/single-graph';
import { ShmObject } from '../core/shm-client';
import { registryCopy } from './cluster';
import { PipelineProcess } from './pipeline-process';
import { BENCH_INPUTS, finishMachine, log, machine, median, pairedMedianDifference, round, timeAlternating, writeFigure, type BenchInput } from './common';
import { modelStats, stageMeans, stagesCell, type ServerStages, type StageTotals } from './server-stages';


export interface ExpertRow {
  expert: string;
  provider: string;
  input: BenchInput;
  batch: number;
  inProcessMs: number;
  serverMs: number;
  overhead: number;
  /** Median of the per-round differences server − in-process (ms), and that ÷ the in-process median. */
  pairedOverheadMs: number;
  pairedOverhead: number;
  inProcessItemsPerS: number;
  serverItemsPerS: number;
  inProcessSpreadMs: [number, number];
  serverSpreadMs: [number, number];
  /** Where a server call's time went (the server's ModelStatistics; server-stages.ts). */
  serverStages?: ServerStages;
  /**
   * Shared-memory inputs: median ms per call the client spent copying the tensor into the region and the outputs
   * out of it (inside the server call's timing: a Node client cannot map the object).
   */
  clientCopiesMs?: number;
  /**
   * Batch 1: median ms of a call that does no work (ServerLive, or on a stream a request the server refuses at once),
   * timed alternating with the in-process runs as the server calls are, so client and server are as idle before it:
   * what the transport alone costs a call of this kind (unary or stream) on this machine.
   */
  emptyCallMs?: number;
  /**
   * Batch 1: the same pipeline on the same tensor in a second process (PipelineProcess), timed inside it, alternating
   * with the in-process runs: the median of the paired differences (ms, and ÷ the in-process median). Nothing but
   * the process differs, so this is the noise the server-versus-in-process comparison carries before any serving cost.
   */
  secondProcess?: { pairedMs: number; paired: number };
}

export interface ExpertBenchOptions {
  registryPath: string;
  experts?: string[];
  batches: number[];
  iterations: number;
  /** @default BENCH_INPUTS */
  inputs?: BenchInput[];
  provider?: 'cpu' | 'webgpu';
  /** File stem under bench/. @default expert (expert-<provider> when a provider is given) */
  name?: string;
  /** Allow batches above the registry's maxBatchSize (the server batcher then splits nothing: one call = one batch). */
  ignoreMaxBatch?: boolean;
  out?: string;
  /** Extra line for the Markdown (e.g. the GPU's name). */
  note?: string;
}

/** A registry copy with every expert's provider set (and, for big batches, maxBatchSize raised). */
function providerRegistry(from: string, provider: 'cpu' | 'webgpu' | undefined, maxBatch: number | undefined): string {
  if (!provider && !maxBatch) return from;
  return registryCopy((doc) => {
    for (const e of doc.experts as Record<string, unknown>[]) {
      if (provider) e.provider = provider;
      if (maxBatch) {
        const b = (e.batching ?? {}) as Record<string, unknown>;
        e.batching = { ...b, maxBatchSize: Math.max(Number(b.maxBatchSize ?? 1), maxBatch), maxQueueSize: Math.max(Number(b.maxQueueSize ?? 256), maxBatch) };
      }
    }
  }, from);
}

/**
 * One ModelStreamInfer stream (Triton's streaming RPC) carrying a row's calls: each request gets a fresh id, and its
 * promise settles with the response carrying that id (error_message → rejected).
 */
class InferStream {
  private readonly call: grpc.ClientDuplexStream<ModelInferRequest, ModelStreamInferResponse__Output>;
  private readonly pending = new Map<string, { resolve: (r: ModelInferResponse__Output | undefined) => void; reject: (e: Error) => void }>();
  private next = 0;
  private readonly ended: Promise<void>;

  constructor(client: GRPCInferenceServiceClient) {
    this.call = client.ModelStreamInfer({ deadline: Date.now() + 3_600_000 });
    this.call.on('data', (m: ModelStreamInferResponse__Output) => {
      const id = m.infer_response?.id ?? '';
      const p = this.pending.get(id);
      this.pending.delete(id);
      if (m.error_message) p?.reject(new Error(`stream request ${id}: ${m.error_message}`));
      else p?.resolve(m.infer_response ?? undefined);
    });
    this.ended = new Promise((resolve) => {
      const fail = (err: Error): void => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        resolve();
      };
      this.call.on('error', fail);
      this.call.on('end', () => fail(new Error('stream ended')));
    });
  }

  infer(req: object): Promise<ModelInferResponse__Output | undefined> {
    const id = `bench-${this.next++}`;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.call.write({ ...req, id });
    });
  }

  async close(): Promise<void> {
    this.call.end();
    await this.ended;
  }
}

function unaryCall(c: GRPCInferenceServiceClient, method: 'SystemSharedMemoryRegister' | 'SystemSharedMemoryUnregister', req: object): Promise<void> {
  return new Promise((resolve, reject) => {
    (c[method] as (r: object, cb: (e: grpc.ServiceError | null) => void) => void).call(c, req, (e) => (e ? reject(e) : resolve()));
  });
}

/** The model name of the stream's empty requests: the server refuses it before any work (NOT_FOUND). */
const EMPTY_CALL_MODEL = 'bench-empty-call';

/**
 * Median ms of a call that does no work: ServerLive, or on a ModelStreamInfer stream a request for a model the
 * server does not have (answered at once with error_message). Timed alternating with `inProcess` runs in a random
 * order, as the server calls are, so both processes have been as idle before each call.
 */
async function emptyCallMs(c: GRPCInferenceServiceClient, onStream: boolean, iterations: number, inProcess: () => Promise<unknown>): Promise<number> {
  const stream = onStream ? new InferStream(c) : undefined;
  try {
    const empty = stream
      ? () => stream.infer({ model_name: EMPTY_CALL_MODEL }).then(
        () => { throw new Error('the empty stream request was answered with a result'); },
        (err: Error) => { if (!err.message.includes(EMPTY_CALL_MODEL)) throw err; })
      : () => new Promise<void>((resolve, reject) => c.ServerLive({}, (err) => (err ? reject(err) : resolve())));
    const [, calls = []] = await timeAlternating(iterations, [inProcess, empty]);
    return round(median(calls));
  } finally {
    await stream?.close();
  }
}

/** The same pipeline in a second process versus `inProcess`, alternating (see ExpertRow.secondProcess). */
async function secondProcessControl(
  options: Parameters<typeof PipelineProcess.start>[0],
  pixels: Parameters<typeof PipelineProcess.start>[1],
  iterations: number,
  inProcess: () => Promise<unknown>,
): Promise<{ pairedMs: number; paired: number }> {
  const other = await PipelineProcess.start(options, pixels);
  try {
    let otherMs: number[] = [];
    const [local = []] = await timeAlternating(iterations, [inProcess, async () => otherMs.push(await other.run())], undefined, undefined, async () => {
      otherMs = [];
    });
    const pairedMs = pairedMedianDifference(local, otherMs);
    return { pairedMs: round(pairedMs), paired: round(pairedMs / median(local), 3) };
  } finally {
    await other.stop();
  }
}

export async function expertBench(o: ExpertBenchOptions): Promise<ExpertRow[]> {
  const m = machine();
  const registryPath = providerRegistry(o.registryPath, o.provider, o.ignoreMaxBatch ? Math.max(...o.batches) : undefined);
  const registry = loadRegistry(registryPath);
  const names = o.experts ?? registry.experts.map((e) => e.name);
  const imageBytes = readFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'images', 'astronaut.jpg'));
  const image = await decodeImage(imageBytes);
  const inputs = o.inputs ?? BENCH_INPUTS;
  const proto = loadInferenceProto();
  const rows: ExpertRow[] = [];
  for (const name of names) {
    const entry = registry.experts.find((e) => e.name === name);
    if (!entry) throw new Error(`unknown expert ${name}`);
    // In process: one pipeline with the threads a lone call gets in the server (soloThreads when set).
    const pipeline = await createExpertPipeline({ registryPath, modelsDir: registry.modelsDir, expert: name, intraOpThreads: expertThreads(entry).soloThreads });
    // The server runs as its own process, as it does in a deployment (`mova serve expert`).
    const group = new ProcessGroup();
    let client: GRPCInferenceServiceClient | undefined;
    try {
      const server = await group.start(movaServe('expert', name, ['--name', name, '--port', '0', '--config', registryPath, '--allow-client-shm']));
      client = new proto.inference.GRPCInferenceService(server.address, grpc.credentials.createInsecure(), channelOptions()) as unknown as GRPCInferenceServiceClient;
      const c = client;
      for (const batch of o.batches) {
        if (batch > entry.batching.maxBatchSize) {
          log(`${name}: batch ${batch} skipped (registry maxBatchSize ${entry.batching.maxBatchSize})`);
          continue;
        }
        const { pixels } = await imagesToTensor(Array.from({ length: batch }, () => image), preprocessSpec(entry));
        const raw = Buffer.from(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength);
        const images = Array.from({ length: batch }, () => imageBytes);
        const infer = (req: object): Promise<ModelInferResponse__Output | undefined> => new Promise((resolve, reject) => {
          c.ModelInfer(req, { deadline: Date.now() + 120_000 }, (err, res) => (err ? reject(err) : resolve(res)));
        });
        // The shared-memory path: one object holds the input tensor, then the features and pooled outputs. Each call
        // copies the tensor in and both outputs out (a Node client cannot map the object), all inside the timing.
        const { height, width, channels } = pipeline.featureGrid;
        const featureBytes = batch * height * width * channels * 4;
        const pooledBytes = batch * pipeline.pooledWidth * 4;
        const region = inputs.some((i) => i.startsWith('pixel_values_shm')) ? new ShmObject(`mova-bench-${process.pid}-${name}-${batch}`, raw.byteLength + featureBytes + pooledBytes) : undefined;
        const shmParams = (offset: number, byteSize: number): object => ({
          shared_memory_region: { string_param: 'bench' },
          shared_memory_offset: { int64_param: offset },
          shared_memory_byte_size: { int64_param: byteSize },
        });
        let copyMs: number[] = [];
        const shmInfer = async (send: (req: object) => Promise<ModelInferResponse__Output | undefined>): Promise<unknown> => {
          const t0 = performance.now();
          region!.write(0, raw);
          const written = performance.now() - t0;
          const res = await send({
            model_name: name,
            inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: pixels.dims, parameters: shmParams(0, raw.byteLength) }],
            outputs: [
              { name: 'features', parameters: shmParams(raw.byteLength, featureBytes) },
              { name: 'pooled', parameters: shmParams(raw.byteLength + featureBytes, pooledBytes) },
              { name: 'decoded' },
            ],
          });
          const t1 = performance.now();
          const out = [res, region!.read(raw.byteLength, featureBytes), region!.read(raw.byteLength + featureBytes, pooledBytes)];
          copyMs.push(written + performance.now() - t1);
          return out;
        };
        if (region) await unaryCall(c, 'SystemSharedMemoryRegister', { name: 'bench', key: region.key, offset: 0, byte_size: region.byteSize });
        try {
        for (const input of inputs) {
          // Same work on both sides: the preprocessed tensor through the model pipeline, or (as the gateway sends
          // it) the encoded image, decoded and preprocessed by the pipeline (what the server's worker does).
          const inProcess = input === 'image'
            ? async () => pipeline.runImages(await Promise.all(images.map((b) => decodeImage(b))))
            : () => pipeline.runPixels(pixels);
          // The `_stream` inputs send the same requests on one ModelStreamInfer stream, open for the whole row.
          const stream = input.endsWith('_stream') ? new InferStream(c) : undefined;
          const send = stream ? (req: object) => stream.infer(req) : infer;
          const remote = input === 'pixel_values' || input === 'pixel_values_stream'
            ? () => send({ model_name: name, inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: pixels.dims }], raw_input_contents: [raw] })
            : input === 'pixel_values_shm' || input === 'pixel_values_shm_stream'
              ? () => shmInfer(send)
              : () => infer({ model_name: name, inputs: [{ name: 'image', datatype: 'BYTES', shape: [batch] }], raw_input_contents: [encodeBytesElements(images)] });
          // In-process and server calls alternate (random order per round), so drifting load hits both paths alike.
          let statsBefore: StageTotals | undefined;
          const [local = [], server = []] = await timeAlternating(o.iterations, [inProcess, remote], undefined, undefined, async () => {
            statsBefore = await modelStats((req, cb) => c.ModelStatistics(req, cb), name);
            copyMs = [];
          });
          const statsAfter = await modelStats((req, cb) => c.ModelStatistics(req, cb), name);
          await stream?.close();
          const l = median(local);
          const r = median(server);
          const paired = pairedMedianDifference(local, server);
          rows.push({
            expert: name,
            provider: entry.provider,
            input,
            batch,
            inProcessMs: round(l),
            serverMs: round(r),
            overhead: round((r - l) / l, 3),
            pairedOverheadMs: round(paired),
            pairedOverhead: round(paired / l, 3),
            inProcessItemsPerS: round((batch * 1000) / l, 1),
            serverItemsPerS: round((batch * 1000) / r, 1),
            inProcessSpreadMs: [round(Math.min(...local)), round(Math.max(...local))],
            serverSpreadMs: [round(Math.min(...server)), round(Math.max(...server))],
            serverStages: stageMeans(statsBefore!, statsAfter, server),
            ...(input.startsWith('pixel_values_shm') ? { clientCopiesMs: round(median(copyMs)) } : {}),
          });
          log(`${name} ${input} batch ${batch}: in-process ${l.toFixed(2)} ms, server ${r.toFixed(2)} ms`);
        }
        if (batch === 1) {
          // The transport's own cost: empty calls, each after an in-process run as in the alternation above.
          const batchRows = rows.filter((x) => x.expert === name && x.batch === 1);
          for (const onStream of [false, true]) {
            const kindRows = batchRows.filter((x) => x.input.endsWith('_stream') === onStream);
            if (kindRows.length === 0) continue;
            const ms = await emptyCallMs(c, onStream, o.iterations, () => pipeline.runPixels(pixels));
            for (const x of kindRows) x.emptyCallMs = ms;
            log(`${name}: an empty ${onStream ? 'stream request' : 'unary call'} ${ms} ms`);
          }
          const control = await secondProcessControl({ registryPath, modelsDir: registry.modelsDir, expert: name, intraOpThreads: expertThreads(entry).soloThreads }, pixels, o.iterations, () => pipeline.runPixels(pixels));
          for (const x of batchRows) x.secondProcess = control;
          log(`${name}: the same pipeline in a second process, paired ${control.pairedMs} ms (${(control.paired * 100).toFixed(1)}%)`);
        }
        } finally {
          if (region) {
            await unaryCall(c, 'SystemSharedMemoryUnregister', { name: 'bench' });
            region.dispose();
          }
        }
      }
    } finally {
      client?.close();
      await group.stop();
      await pipeline.dispose();
    }
  }
  const stagesCells = (x: ExpertRow): string => {
    const s = x.serverStages;
    return s ? `${s.client} | ${stagesCell(s)} | ${round(s.client - s.server)}` : '– | – | –';
  };
  const table = [
    '| expert | provider | input | batch | in-process ms | server ms | overhead | overhead, paired (ms) | in-process items/s | server items/s | in-process min–max ms | server min–max ms | server call mean ms | in the server, mean ms (input + queue + infer + output) | outside the server, mean ms | client copies to and from shared memory, ms | empty call, ms | same pipeline in a second process, paired (ms) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((x) => `| ${x.expert} | ${x.provider} | ${x.input} | ${x.batch} | ${x.inProcessMs} | ${x.serverMs} | ${(x.overhead * 100).toFixed(1)}% | ${(x.pairedOverhead * 100).toFixed(1)}% (${x.pairedOverheadMs}) | ${x.inProcessItemsPerS} | ${x.serverItemsPerS} | ${x.inProcessSpreadMs.join('–')} | ${x.serverSpreadMs.join('–')} | ${stagesCells(x)} | ${x.clientCopiesMs ?? '–'} | ${x.emptyCallMs ?? '–'} | ${x.secondProcess ? `${(x.secondProcess.paired * 100).toFixed(1)}% (${x.secondProcess.pairedMs})` : '–'} |`),
  ].join('\n');
  const checks: string[] = [];
  const ppocr1 = rows.find((r) => r.expert === 'ppocr' && r.input === 'pixel_values' && r.batch === 1);
  // The part of a call's overhead no server-side change removes: the transport of an empty call and, through shared
  // memory, the client's own copies — as a share of the in-process time.
  const floor = (x: ExpertRow): string => {
    if (x.emptyCallMs === undefined) return '';
    const ms = x.emptyCallMs + (x.clientCopiesMs ?? 0);
    const parts = x.clientCopiesMs === undefined ? `an empty call ${x.emptyCallMs} ms` : `an empty call ${x.emptyCallMs} ms + the client's copies ${x.clientCopiesMs} ms`;
    return `; floor ${(ms / x.inProcessMs * 100).toFixed(1)}%: ${parts}`;
  };
  const paired = (x: ExpertRow): string => ` (paired: ${(x.pairedOverhead * 100).toFixed(1)}%${floor(x)})`;
  const control = rows.find((r) => r.expert === 'ppocr' && r.batch === 1 && r.secondProcess)?.secondProcess;
  if (control) checks.push(`ppocr batch 1, the same pipeline in a second process (no server): ${(control.paired * 100).toFixed(1)}% paired (${control.pairedMs} ms)`);
  if (ppocr1) checks.push(`ppocr batch-1 server overhead ${(ppocr1.overhead * 100).toFixed(1)}%${paired(ppocr1)} of compute with the tensor in the message — target ≤ 10% ${ppocr1.overhead <= 0.1 ? 'met' : 'missed'}`);
  const ppocrShm = rows.find((r) => r.expert === 'ppocr' && r.input === 'pixel_values_shm' && r.batch === 1);
  if (ppocrShm) checks.push(`through system shared memory ${(ppocrShm.overhead * 100).toFixed(1)}%${paired(ppocrShm)} — ${ppocrShm.overhead <= 0.1 ? 'met' : 'missed'}`);
  const ppocrStream = rows.find((r) => r.expert === 'ppocr' && r.input === 'pixel_values_stream' && r.batch === 1);
  if (ppocrStream) checks.push(`on a ModelStreamInfer stream ${(ppocrStream.overhead * 100).toFixed(1)}%${paired(ppocrStream)} — ${ppocrStream.overhead <= 0.1 ? 'met' : 'missed'}`);
  const ppocrShmStream = rows.find((r) => r.expert === 'ppocr' && r.input === 'pixel_values_shm_stream' && r.batch === 1);
  if (ppocrShmStream) checks.push(`shared memory on a stream ${(ppocrShmStream.overhead * 100).toFixed(1)}%${paired(ppocrShmStream)} — ${ppocrShmStream.overhead <= 0.1 ? 'met' : 'missed'}`);
  const mb1 = rows.find((r) => r.expert === 'mobilenetv2' && r.input === 'pixel_values' && r.batch === 1);
  const mb8 = rows.find((r) => r.expert === 'mobilenetv2' && r.input === 'pixel_values' && r.batch === 8);
  if (mb1 && mb8) {
    const g = round(mb8.serverItemsPerS / mb1.serverItemsPerS, 3);
    checks.push(`mobilenetv2 batch-8 server throughput ${g}× batch 1 — target ≥ 1.3 ${g >= 1.3 ? 'met' : 'missed'}`);
  }
  writeFigure({
    name: o.name ?? (o.provider ? `expert-${o.provider}` : 'expert'),
    title: `Expert benchmark${o.provider ? ` (${o.provider})` : ''}`,
    machine: finishMachine(m),
    method: `${o.note ? `${o.note}. ` : ''}Median of ${o.iterations} runs per path after ≥ 3 s of warm-up calls (each batch size and input), in-process and server calls alternating, in a random order each round (timeAlternating). The server is a separate \`mova serve expert\` process (its worker threads, the registry's intra-op threads) called over loopback gRPC; in process, one pipeline with the threads a lone call gets in the server (the registry's \`soloThreads\` where set, else \`intraOpThreads\`). An expert with several workers splits a call of several images across its idle workers (one thread each), so its batches may beat the in-process pipeline (negative overhead). Input \`pixel_values\`: the same preprocessed FP32 tensor (astronaut.jpg) in both paths (the issue's comparison; ${(4 * 3 * 640 * 640 / 1e6).toFixed(1)} MB per ppocr image on the wire). Input \`pixel_values_shm\`: the same tensor through a registered system shared-memory region (Triton's extension; the server runs with --allow-client-shm): each call copies the tensor into the /dev/shm object and reads \`features\` and \`pooled\` back out of it (both written there by the server), inside the timing. Inputs \`pixel_values_stream\` and \`pixel_values_shm_stream\`: the same two requests on one ModelStreamInfer stream (Triton's bidirectional streaming RPC) opened for the row, so a call pays for no new HTTP/2 stream, headers or trailers. Input \`image\`: the encoded JPEG (${(imageBytes.byteLength / 1024).toFixed(0)} KiB per image, as the gateway sends it); in-process that is decode + preprocess + the same pipeline. Overhead = (server − in-process) ÷ in-process, the medians'; "paired" = the median of each round's server − in-process difference (ms) ÷ the in-process median, which takes the drift between rounds out (the verdicts use the medians' overhead). The last three columns come from the server's own ModelStatistics (Triton's statistics extension), read before and after the measured calls: the mean time a call spent in the server, split into input (request decode, checks, shared-memory reads, hand-off to the worker thread), queue (dynamic batcher), infer (the model pipeline in its worker thread: in-process's counterpart) and output (results back, encoding, shared-memory writes); outside the server = the client-observed mean − that (the client's encoding and decoding, loopback transport, waking the idle server process). These are means, the other columns medians. "Client copies to and from shared memory": the median time per call the client spent copying the tensor into the region and the outputs out of it (part of "outside the server"). "Empty call" (batch 1): the median round trip of a call that does no work — ServerLive, or on a stream a request for an unknown model, which the server refuses before any work — timed alternating with in-process runs (${o.iterations} rounds, random order) as the server calls are, so both processes have been as idle before it; the headline's "floor" is that plus the client's copies as a share of the in-process time: the overhead that remains with a server doing nothing. "Same pipeline in a second process" (batch 1): the in-process pipeline against an identical one (same threads, same tensor) in another Node process started as the servers are (src/bench/pipeline-process.ts), timed inside that process, alternating (${o.iterations} rounds): the median paired difference — no serving at all, so it is the noise of comparing runs in two processes on this machine, which the overhead columns carry too.`,
    body: table,
    headline: checks.join('; ') || `${rows.length} rows`,
    data: { iterations: o.iterations, provider: o.provider ?? 'registry', rows },
  }, o.out);
  return rows;
}
