/**
 * Fusion benchmark: MoV-Adapter latency and throughput versus the number of chosen experts (0..E) and the batch
 * size, in-process (one onnxruntime session on this thread) versus through the gRPC service (real server on
 * loopback, one worker, same thread count). Prints a Markdown table; writes fusion.json and fusion.md.
 *
 *   node dist/scripts/bench-fusion.js [--config registry.yaml] [--batches 1,4,8] [--iterations 20]
 *                                     [--threads 2] [--out DIR]
 *
 * Geometry comes from the registry (base + experts' features.grid/channels, fusion.* settings); while the registry
 * lacks feature geometry, the built-in table below (the default registry's models) stands in, and the output says so.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { fuseRequest } from '../gateway/clients/fusion-client';
import { gatherRows } from '../gateway/tensors';
import { ConfigError } from '../src/core/errors';
import { float32ToHalf } from '../src/core/fp16';
import { channelOptions } from '../src/core/grpc-options';
import { ShmObject } from '../src/core/shm-client';
import { createSession, ort } from '../src/core/ort-session';
import { loadProto } from '../src/core/proto';
import { DEFAULT_REGISTRY_PATH, loadRegistry, PROJECT_ROOT, type Registry } from '../src/core/registry';
import type { ProtoGrpcType } from '../src/generated/fusion';
import type { FuseRequest } from '../src/generated/mova/v1/FuseRequest';
import type { FuseResponse__Output } from '../src/generated/mova/v1/FuseResponse';
import { compileAdapterConfig, type AdapterConfig, type AdapterOptions } from '../services/fusion/adapter-config';
import { buildAdapterGraph, FUSION_IO } from '../services/fusion/adapter-graph';
import { adapterOptionsFromRegistry } from '../services/fusion/config';
import { slotRowsFromDense } from '../services/fusion/slot-rows';
import { movaServe, ProcessGroup } from '../src/launcher/process-group';
import { registryCopy } from '../src/bench/cluster';
import { initWeights, mulberry32 } from '../services/fusion/weights';
import { median, pairedMedianDifference, round, timeAlternating } from '../src/bench/common';
import { modelStats, stageMeans, stagesCell, type ServerStages, type StageTotals, type StatisticsCall } from '../src/bench/server-stages';
import { FUSION_MODEL_NAME } from '../services/fusion/handlers';
import { reexecWithMemoryTuning, stopWithReexecParent, tuneGarbageCollector } from '../src/core/memory-tuning';

/** Feature geometry of the default registry's models ([H, W, C] of the exposed feature map). */
const KNOWN_GEOMETRY: Readonly<Record<string, readonly [number, number, number]>> = {
  mobilenetv2: [7, 7, 1280],
  ultraface: [8, 10, 256],
  fastestdet: [11, 11, 192],
};

function geometry(registry: Registry): { options: AdapterOptions; source: string } {
  try {
    return { options: adapterOptionsFromRegistry(registry), source: 'registry' };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const at = (name: string): readonly [number, number, number] => {
      const g = KNOWN_GEOMETRY[name];
      if (!g) throw new Error(`registry has no feature geometry for "${name}" and the built-in table does not know it (${err.message})`);
      return g;
    };
    const [bh, bw, bc] = at(registry.base);
    const experts = registry.experts.filter((e) => e.name !== registry.base).map((e) => {
      const [h, w, c] = at(e.name);
      return { name: e.name, grid: [h, w] as const, width: c };
    });
    const f = registry.fusion;
    return {
      options: {
        baseGrid: [bh, bw], baseWidth: bc, experts,
        adapterWidth: f.adapterWidth, heads: f.heads, blocks: f.blocks, outputWidth: f.outputWidth, contextWidth: f.contextWidth,
        topK: Math.max(1, Math.min(registry.router.maxExperts, experts.length)),
      },
      source: 'built-in table (registry has no features.grid/channels)',
    };
  }
}

interface Inputs {
  base: Float32Array;
  experts: Float32Array[];
  mask: Float32Array;
  context: Float32Array;
}

/** B requests, each choosing k slots; the chosen sets rotate across the batch so it mixes different sets. */
function makeInputs(c: AdapterConfig, batch: number, k: number, rand: () => number): Inputs {
  const arr = (n: number): Float32Array => Float32Array.from({ length: n }, () => 2 * rand() - 1);
  const E = c.maxExperts;
  const mask = new Float32Array(batch * E);
  for (let i = 0; i < batch; i++) for (let t = 0; t < k; t++) mask[i * E + ((i + t) % E)] = 1;
  return {
    base: arr(batch * c.tokens * c.baseWidth),
    experts: c.experts.map((e) => arr(batch * e.tokens * e.width)),
    mask,
    context: arr(batch * c.contextWidth),
  };
}

function wire(name: string, shape: number[], data: Float32Array): { name: string; datatype: string; shape: number[]; raw: Buffer } {
  return { name, datatype: 'FP32', shape, raw: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
}

/** The same request with its base and expert tokens as FP16 (mask and context stay FP32). */
function fp16Tokens(r: FuseRequest): FuseRequest {
  const half = (t: NonNullable<FuseRequest['base']>): NonNullable<FuseRequest['base']> => {
    const raw = t.raw as Buffer;
    const h = float32ToHalf(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)));
    return { ...t, datatype: 'FP16', raw: Buffer.from(h.buffer, h.byteOffset, h.byteLength) };
  };
  return { ...r, base: half(r.base as NonNullable<FuseRequest['base']>), experts: (r.experts ?? []).map(half) };
}

/**
 * The request as the gateway sends it (its own fuseRequest): a slot's tokens only for the rows that chose it
 * (`rows`), a slot nobody chose left out. Either way the service runs each slot on the rows that chose it.
 */
function chosenRowsRequest(c: AdapterConfig, batch: number, x: Inputs): FuseRequest {
  const E = c.maxExperts;
  return fuseRequest({
    base: { data: x.base, dims: [batch, c.tokens, c.baseWidth] },
    experts: c.experts.map((e, j) => {
      const rows = Array.from({ length: batch }, (_, i) => i).filter((i) => x.mask[i * E + j] === 1);
      return { rows, tokens: gatherRows({ data: x.experts[j] as Float32Array, dims: [batch, e.tokens, e.width] }, rows) };
    }),
    mask: { data: x.mask, dims: [batch, E] },
    context: { data: x.context, dims: [batch, c.contextWidth] },
  });
}

/** Region name the benchmark registers with the service for its shared-memory columns. */
const SHM_REGION = 'bench';

/**
 * A call of `req` with its base and expert tokens in shared memory (mask and context, a few bytes, stay in the
 * message) and the fused tokens written back there (fused_shared_memory). The layout is fixed once; every call
 * copies the tokens into the region first and the fused tokens out of it afterwards (inside the timing), as a
 * producer and consumer on the same host would.
 */
function viaSharedMemory(region: ShmObject, req: FuseRequest, fusedBytes: number): { request: FuseRequest; write: () => void; read: () => Buffer } {
  const parts: { raw: Buffer; offset: number }[] = [];
  let offset = 0;
  const place = (t: NonNullable<FuseRequest['base']>): NonNullable<FuseRequest['base']> => {
    const raw = t.raw as Buffer;
    parts.push({ raw, offset });
    const moved = { ...t, raw: Buffer.alloc(0), shared_memory: { region: SHM_REGION, offset, byte_size: raw.byteLength } };
    offset += Math.ceil(raw.byteLength / 64) * 64;
    return moved;
  };
  const request: FuseRequest = { ...req, base: place(req.base as NonNullable<FuseRequest['base']>), experts: (req.experts ?? []).map(place) };
  const fusedAt = offset;
  request.fused_shared_memory = { region: SHM_REGION, offset: fusedAt, byte_size: fusedBytes };
  if (fusedAt + fusedBytes > region.byteSize) throw new Error(`shared-memory region of ${region.byteSize} bytes cannot hold ${fusedAt + fusedBytes}`);
  return { request, write: () => { for (const p of parts) region.write(p.offset, p.raw); }, read: () => region.read(fusedAt, fusedBytes) };
}

interface Row {
  chosen: number;
  batch: number;
  inProcessMs: number;
  serviceMs: number;
  /** Median graph time the service reported. */
  serviceGraphMs: number;
  overhead: number;
  /** The same through the service, sending each slot's chosen rows only (as the gateway does). */
  chosenRowsServiceMs: number;
  chosenRowsOverhead: number;
  /** Chosen rows only, base and expert tokens as FP16 (the service's FP16-token graph; no conversion in JavaScript). */
  chosenRowsFp16ServiceMs: number;
  chosenRowsFp16Overhead: number;
  /** Chosen rows only, base and expert tokens through system shared memory: FP32, then FP16. */
  chosenRowsShmServiceMs: number;
  chosenRowsShmOverhead: number;
  /** Median of the per-round differences shared memory − in-process ÷ the in-process median (drift taken out). */
  chosenRowsShmPairedOverhead: number;
  chosenRowsFp16ShmServiceMs: number;
  chosenRowsFp16ShmOverhead: number;
  /**
   * Where a shared-memory call's time went (FP32, chosen rows; a second, shorter alternation of in-process and
   * shared-memory calls only), from the service's ModelStatistics.
   */
  shmStages: ServerStages;
  /** Median ms per shared-memory call the client spent copying the tokens into the region and the fused tokens out. */
  shmClientCopiesMs: number;
  /** Median ms of a Describe call (no work) timed alternating with in-process runs: the transport's own cost. */
  emptyCallMs: number;
  /** Megabytes of tensors on the wire per call: dense, chosen rows only. */
  denseMB: number;
  chosenRowsMB: number;
  inProcessRowsPerS: number;
  serviceRowsPerS: number;
  /** Service throughput with PIPELINE calls in flight (decode/encode overlap the graph). */
  servicePipelinedRowsPerS: number;
}

/** Calls kept in flight for the pipelined throughput column. */
const PIPELINE = 4;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      batches: { type: 'string', default: '1,4,8' },
      iterations: { type: 'string', default: '20' },
      threads: { type: 'string', default: String(Math.min(4, os.availableParallelism())) },  // in-process only
      out: { type: 'string', default: path.join(PROJECT_ROOT, 'bench') },
    },
  });
  const registry = loadRegistry(values.config ?? DEFAULT_REGISTRY_PATH);
  const { options, source } = geometry(registry);
  const c = compileAdapterConfig(options, 'fusion.');
  const batches = values.batches.split(',').map(Number);
  const iterations = Number(values.iterations);
  const threads = Number(values.threads);
  const maxBatch = Math.max(...batches);

  const session = await createSession(buildAdapterGraph(c, initWeights(c, registry.fusion.seed)), { provider: 'cpu', intraOpThreads: threads });
  // The service runs as its own process, as it does in a deployment (`mova serve fusion`: one worker, intra-op
  // threads min(4, CPUs), the in-process session's default too); its dynamic batcher takes each call as one batch.
  const serviceRegistry = registryCopy((doc) => {
    const fusion = (doc.fusion ?? {}) as Record<string, unknown>;
    doc.fusion = { ...fusion, batching: { ...(fusion.batching as object | undefined), maxBatchSize: maxBatch, maxQueueDelayMs: 0 } };
  }, values.config ?? DEFAULT_REGISTRY_PATH);
  const group = new ProcessGroup();
  const server = await group.start(movaServe('fusion', 'fusion', ['--port', '0', '--config', serviceRegistry, '--allow-client-shm']));
  const proto = loadProto<ProtoGrpcType>('mova/v1/fusion.proto');
  const client = new proto.mova.v1.Fusion(server.address, grpc.credentials.createInsecure(), channelOptions());
  const describeCall = (): Promise<void> => new Promise((resolve, reject) => {
    client.Describe({}, (err: grpc.ServiceError | null) => (err ? reject(err) : resolve()));
  });
  const fuseCall = (req: FuseRequest): Promise<FuseResponse__Output> => new Promise((resolve, reject) => {
    client.Fuse(req, { deadline: Date.now() + 60_000 }, (err: grpc.ServiceError | null, res?: FuseResponse__Output) => (err || !res ? reject(err ?? new Error('empty reply')) : resolve(res)));
  });
  const rows: Row[] = [];
  const rand = mulberry32(1);
  // Room for the largest call's tokens (dense FP32 at the largest batch), each tensor 64-byte aligned.
  const region = new ShmObject(`mova-bench-fusion-${process.pid}`, maxBatch * 4 * (c.tokens * (c.baseWidth + c.outputWidth) + c.experts.reduce((n, e) => n + e.tokens * e.width, 0)) + 64 * (1 + c.maxExperts));
  try {
    await new Promise<void>((resolve, reject) => {
      client.SystemSharedMemoryRegister({ name: SHM_REGION, key: region.key, offset: 0, byte_size: region.byteSize }, (err: grpc.ServiceError | null) => (err ? reject(err) : resolve()));
    });
    for (let k = 0; k <= c.maxExperts; k++) {
      for (const batch of batches) {
        const x = makeInputs(c, batch, k, rand);
        const feeds: Record<string, ort.Tensor> = {};
        const runLocal = async (): Promise<unknown> => {
          feeds[FUSION_IO.base] = new ort.Tensor('float32', x.base, [batch, c.tokens, c.baseWidth]);
          feeds[FUSION_IO.mask] = new ort.Tensor('float32', x.mask, [batch, c.maxExperts]);
          feeds[FUSION_IO.context] = new ort.Tensor('float32', x.context, [batch, c.contextWidth]);
          // Each slot the rows that chose it, as the service feeds the graph.
          slotRowsFromDense(x.experts, x.mask, batch, c.experts.map((e) => e.tokens * e.width), (len) => new Float32Array(len)).forEach((slot, j) => {
            const e = c.experts[j]!;
            feeds[FUSION_IO.expert(j)] = new ort.Tensor('float32', slot.data, [slot.rows.length, e.tokens, e.width]);
            feeds[FUSION_IO.rows(j)] = new ort.Tensor('int64', BigInt64Array.from(slot.rows, (r) => BigInt(r)), [slot.rows.length]);
          });
          return session.run(feeds);
        };
        const request: FuseRequest = {
          base: wire('base', [batch, c.tokens, c.baseWidth], x.base),
          experts: c.experts.map((e, j) => wire(FUSION_IO.expert(j), [batch, e.tokens, e.width], x.experts[j] as Float32Array)),
          mask: wire('mask', [batch, c.maxExperts], x.mask),
          context: wire('context', [batch, c.contextWidth], x.context),
        };
        const graphMs: number[] = [];
        const runRemote = async (): Promise<void> => {
          graphMs.push((await fuseCall(request)).inference_ms);
        };
        const sparse = chosenRowsRequest(c, batch, x);
        const runRemoteSparse = (): Promise<unknown> => fuseCall(sparse);
        const sparse16 = fp16Tokens(sparse);
        const runRemoteSparse16 = (): Promise<unknown> => fuseCall(sparse16);
        let copyMs: number[] = [];
        const remoteShm = (req: FuseRequest): (() => Promise<void>) => {
          const { request: shmRequest, write, read } = viaSharedMemory(region, req, batch * c.tokens * c.outputWidth * 4);
          return async () => {
            const t0 = performance.now();
            write();
            const written = performance.now() - t0;
            await fuseCall(shmRequest);
            const t1 = performance.now();
            read();
            copyMs.push(written + performance.now() - t1);
          };
        };
        const megabytes = (r: FuseRequest): number => round([r.base, r.mask, r.context, ...(r.experts ?? [])].reduce((sum, t) => sum + ((t?.raw as Buffer | undefined)?.byteLength ?? 0), 0) / 1e6, 2);
        // In-process and service calls alternate (random order per round), so drifting load hits them alike.
        const [local = [], remote = [], remoteSparse = [], remoteSparse16 = [], remoteShmSparse = [], remoteShmSparse16 = []] = await timeAlternating(iterations, [runLocal, runRemote, runRemoteSparse, runRemoteSparse16, remoteShm(sparse), remoteShm(sparse16)]);
        const fuse = (): Promise<unknown> => fuseCall(request);
        let issued = 0;
        const t0 = performance.now();
        await Promise.all(Array.from({ length: PIPELINE }, async () => {
          while (issued++ < iterations) await fuse();
        }));
        const pipelinedMs = performance.now() - t0;
        // Where a shared-memory call's time goes: in-process and shared-memory calls alternating (no other paths), the
        // service's statistics read around the measured calls.
        const statistics: StatisticsCall = (req, cb) => client.ModelStatistics(req, cb);
        let statsBefore: StageTotals | undefined;
        const [, shmAgain = []] = await timeAlternating(iterations, [runLocal, remoteShm(sparse)], 1, 0, async () => {
          statsBefore = await modelStats(statistics, FUSION_MODEL_NAME);
          copyMs = [];
        });
        const shmStages = stageMeans(statsBefore!, await modelStats(statistics, FUSION_MODEL_NAME), shmAgain);
        const shmClientCopiesMs = round(median(copyMs));
        // The transport's own cost: a call that does no work (Describe), each after an in-process run as above.
        const [, emptyCalls = []] = await timeAlternating(iterations, [runLocal, describeCall], 1, 0);
        const emptyCallMs = round(median(emptyCalls));
        const l = median(local);
        const r = median(remote);
        const rs = median(remoteSparse);
        const rs16 = median(remoteSparse16);
        const shm = median(remoteShmSparse);
        const shm16 = median(remoteShmSparse16);
        rows.push({
          chosen: k, batch,
          inProcessMs: round(l), serviceMs: round(r), serviceGraphMs: round(median(graphMs.slice(3))),
          overhead: round((r - l) / l, 3),
          chosenRowsServiceMs: round(rs), chosenRowsOverhead: round((rs - l) / l, 3),
          chosenRowsFp16ServiceMs: round(rs16), chosenRowsFp16Overhead: round((rs16 - l) / l, 3),
          chosenRowsShmServiceMs: round(shm), chosenRowsShmOverhead: round((shm - l) / l, 3),
          chosenRowsShmPairedOverhead: round(pairedMedianDifference(local, remoteShmSparse) / l, 3),
          chosenRowsFp16ShmServiceMs: round(shm16), chosenRowsFp16ShmOverhead: round((shm16 - l) / l, 3),
          shmStages, shmClientCopiesMs, emptyCallMs,
          denseMB: megabytes(request), chosenRowsMB: megabytes(sparse),
          inProcessRowsPerS: round((batch * 1000) / l, 1), serviceRowsPerS: round((batch * 1000) / r, 1),
          servicePipelinedRowsPerS: round((iterations * batch * 1000) / pipelinedMs, 1),
        });
        process.stderr.write(`chosen ${k} batch ${batch}: in-process ${l.toFixed(2)} ms, service ${r.toFixed(2)} ms, chosen rows only ${rs.toFixed(2)} ms, FP16 ${rs16.toFixed(2)} ms, shared memory ${shm.toFixed(2)} ms, FP16 ${shm16.toFixed(2)} ms\n`);
      }
    }
  } finally {
    client.close();
    await group.stop();
    region.dispose();
    await session.release();
  }
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, date: new Date().toISOString() };
  const adapter = { baseGrid: c.baseGrid, baseWidth: c.baseWidth, slots: c.experts.map((e) => ({ name: e.name, grid: e.grid, width: e.width })), D: c.adapterWidth, heads: c.heads, L: c.blocks, K: c.topK, Dout: c.outputWidth, geometrySource: source };
  const table = [
    `| chosen | batch | in-process ms | service ms (dense, MB) | overhead | service ms, chosen rows only (MB) | overhead, chosen rows only | service ms, chosen rows, FP16 tokens | overhead, chosen rows, FP16 | service ms, chosen rows, shared memory | overhead, chosen rows, shared memory (paired) | service ms, chosen rows, FP16, shared memory | overhead, chosen rows, FP16, shared memory | shared memory, mean ms in the service (input + queue + graph + output) | shared memory, mean ms outside the service | client copies to and from shared memory, ms | empty call, ms | floor: empty call + client copies, ÷ in-process | service graph ms | in-process rows/s | service rows/s | service rows/s, ${PIPELINE} in flight |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((x) => `| ${x.chosen} | ${x.batch} | ${x.inProcessMs} | ${x.serviceMs} (${x.denseMB}) | ${(x.overhead * 100).toFixed(1)}% | ${x.chosenRowsServiceMs} (${x.chosenRowsMB}) | ${(x.chosenRowsOverhead * 100).toFixed(1)}% | ${x.chosenRowsFp16ServiceMs} | ${(x.chosenRowsFp16Overhead * 100).toFixed(1)}% | ${x.chosenRowsShmServiceMs} | ${(x.chosenRowsShmOverhead * 100).toFixed(1)}% (${(x.chosenRowsShmPairedOverhead * 100).toFixed(1)}%) | ${x.chosenRowsFp16ShmServiceMs} | ${(x.chosenRowsFp16ShmOverhead * 100).toFixed(1)}% | ${stagesCell(x.shmStages)} | ${round(x.shmStages.client - x.shmStages.server)} | ${x.shmClientCopiesMs} | ${x.emptyCallMs} | ${(((x.emptyCallMs + x.shmClientCopiesMs) / x.inProcessMs) * 100).toFixed(1)}% | ${x.serviceGraphMs} | ${x.inProcessRowsPerS} | ${x.serviceRowsPerS} | ${x.servicePipelinedRowsPerS} |`),
  ].join('\n');
  const md = `# Fusion benchmark\n\n${machine.date}, ${machine.cpus}× ${machine.cpuModel}, Node ${machine.node}; median of ${iterations} runs after ≥ 3 s of warm-up calls per cell, in-process and service calls alternating, in a random order each round; memory settings of src/core/memory-tuning.ts; ` +
    `seeded (untrained) weights; ${threads} intra-op threads in process; the service a separate \`mova serve fusion\` process (one worker, its default intra-op threads: min(4, CPUs)).\n\nAdapter: base ${c.baseGrid.join('×')}×${c.baseWidth}, slots ${adapter.slots.map((s) => `${s.name} ${s.grid.join('×')}×${s.width}`).join(', ')}; ` +
    `D ${c.adapterWidth}, ${c.heads} heads, L ${c.blocks}, K ${c.topK}, Dout ${c.outputWidth} (geometry: ${source}). "chosen" = experts chosen per request (sets rotate across the batch); ` +
    `each slot's cross-attention runs on the rows that chose it only (in process and in the service alike), so cost grows with "chosen". Overhead = service median / in-process median − 1; "paired" = the median of each round's difference ÷ the in-process median, which takes the drift between rounds out ` +
    `(client encode, loopback gRPC, validation, worker hand-off, reply). "Dense": every slot's tokens for every row (unchosen rows included); ` +
    `"chosen rows only": each slot's tokens only for the rows that chose it (FusionTensor.rows; a slot nobody chose left out), as the gateway sends them — ` +
    `the graph runs on the same rows either way. "FP16 tokens": the same with base and expert tokens as FP16 (half the bytes), ` +
    `which the service feeds to its FP16-token graph (cast to float32 inside; in-process stays the float32 graph on float32 inputs). ` +
    `"Shared memory": the chosen-rows call with its base and expert tokens in a registered system shared-memory region (the service runs with --allow-client-shm; ` +
    `FuseRequest tensors' shared_memory) instead of the message, and the fused tokens (FP32) written back there (fused_shared_memory); ` +
    `every call copies the tokens into the region and the fused tokens out of it, inside the timing. ` +
    `The two "shared memory, mean ms" columns come from a second alternation per cell (in-process and FP32 shared-memory calls only, ${iterations} rounds) ` +
    `with the service's ModelStatistics (Triton's statistics extension) read before and after: the mean time a call spent in the service, split into ` +
    `input (request decode, NaN/Inf checks, shared-memory reads, the run's assembly and hand-off to the worker thread), queue (dynamic batcher), ` +
    `graph (the adapter run in its worker thread: in-process's counterpart) and output (results back, encoding, the shared-memory write); ` +
    `outside = the client-observed mean − that (the client's copies into and out of the region, its encoding, loopback transport, waking the idle service). ` +
    `These are means, the other columns medians. "Client copies": the median time per call of that alternation the client spent copying the tokens into the region and the fused tokens out of it (part of "outside"). ` +
    `"Empty call": the median round trip of a Describe call (no work), timed alternating with in-process runs (${iterations} rounds, random order) as the service calls are, so both processes have been as idle before it. ` +
    `"Floor" = empty call + client copies ÷ the in-process median: the shared-memory overhead that would remain with a service that did nothing. The rows/s columns are for dense calls.\n\n${table}\n`;
  mkdirSync(values.out, { recursive: true });
  writeFileSync(path.join(values.out, 'fusion.json'), `${JSON.stringify({ machine, iterations, threads, adapter, rows }, null, 2)}\n`);
  writeFileSync(path.join(values.out, 'fusion.md'), md);
  process.stdout.write(`${md}\n`);
}

// Like `mova bench`, measure with the memory settings every service runs with (src/core/memory-tuning.ts).
if (!reexecWithMemoryTuning()) {
  tuneGarbageCollector();
  stopWithReexecParent();
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}
