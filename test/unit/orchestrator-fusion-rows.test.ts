/**
 * What the gateway's orchestrator hands to fusion for a batch whose requests chose different experts: only the
 * requests that need fusion, and per expert slot only the rows of the requests that have its tokens (`rows`), with
 * the mask to match. In-memory ports stand in for the services (the end-to-end suite runs the real ones); each
 * image's features carry its own marker value, so a row that lands in the wrong place shows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logger } from '../../src/core/log';
import type { Float32Tensor } from '../../services/expert/pipeline';
import { Orchestrator } from '../../gateway/orchestrator';
import type { CallOptions, ExpertBatchResult, ExpertClient, FuseInput, FuseOutput, FusionClient, RouteDecision, RouteInput, RouterClient } from '../../gateway/ports';
import type { GatewayRequest, GatewayResult } from '../../gateway/request';

const SLOTS = ['ppocr', 'ultraface', 'fastestdet'];
/** Tokens × width of each fake expert's features (base first). */
const GEOMETRY: Record<string, [number, number]> = { base: [2, 3], ppocr: [4, 2], ultraface: [1, 5], fastestdet: [3, 1] };

/** Features [N, T, C] whose row i is filled with image i's marker (its first byte) plus `offset`. */
function markedFeatures(images: Uint8Array[], [t, c]: [number, number], offset: number): Float32Tensor {
  const data = new Float32Array(images.length * t * c);
  images.forEach((img, i) => data.fill((img[0] ?? 0) + offset, i * t * c, (i + 1) * t * c));
  return { data, dims: [images.length, t, c] };
}

function expert(name: string, offset: number, calls: string[][]): ExpertClient {
  return {
    name,
    async infer(images: Uint8Array[], opts: CallOptions & { pooled: boolean }): Promise<ExpertBatchResult> {
      calls.push(images.map((img) => String(img[0])));
      return {
        features: markedFeatures(images, GEOMETRY[name === 'mobilenetv2' ? 'base' : name]!, offset),
        ...(opts.pooled ? { pooled: markedFeatures(images, [1, 4], offset) } : {}),
        decoded: images.map(() => ({})),
      };
    },
  };
}

/** Chooses the experts named in the instruction ("ppocr+ultraface", or "none"). */
const router: RouterClient = {
  async route(inputs: RouteInput[]): Promise<RouteDecision[]> {
    return inputs.map((x) => {
      const chosen = SLOTS.filter((s) => x.instruction.split('+').includes(s));
      return { scores: SLOTS.map((name) => ({ name, score: chosen.includes(name) ? 1 : 0 })), chosen, policy: 'test', reason: 'named in the instruction' };
    });
  },
};

function request(marker: number, instruction: string, returnFeatures = false): GatewayRequest {
  const now = Date.now();
  return { requestId: `r${marker}`, image: Uint8Array.of(marker), instruction, deadlineAt: now + 10_000, receivedAt: now, required: [], excluded: [], returnFeatures, featuresDtype: 'FP32' };
}

/** The distinct marker values of each row of a [rows, T, C] tensor (minus the expert's offset). */
function rowMarkers(t: Float32Tensor, offset: number): number[] {
  const per = t.dims.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: t.dims[0] ?? 0 }, (_, r) => {
    const row = t.data.subarray(r * per, (r + 1) * per);
    assert.ok(row.every((v) => v === row[0]), `row ${r} mixes markers`);
    return (row[0] ?? 0) - offset;
  });
}

/** An orchestrator over the fake experts (each call's images logged in `expertCalls`), the fake router and `fusion`. */
function orchestratorWith(fusion: FusionClient, expertCalls: string[][]): Orchestrator {
  return new Orchestrator({
    base: expert('mobilenetv2', 0, expertCalls),
    experts: new Map(SLOTS.map((name, j) => [name, expert(name, 100 * (j + 1), expertCalls)])),
    slots: SLOTS,
    domains: new Map(),
    router,
    fusion,
    contextOf: () => new Float32Array(3),
    expertDeadlineShare: 0.8,
    log: logger('test'),
  });
}

describe('orchestrator → fusion', () => {
  it('sends only the requests that need fusion and, per slot, only the rows that have its tokens', async () => {
    const expertCalls: string[][] = [];
    const fuseCalls: FuseInput[] = [];
    const fusion: FusionClient = {
      async fuse(input: FuseInput): Promise<FuseOutput> {
        fuseCalls.push(input);
        const m = input.base.dims[0] ?? 0;
        return { fused: { data: new Float32Array(m * 2 * 6), dims: [m, 2, 6] }, gates: { data: new Float32Array(m * SLOTS.length), dims: [m, 1, SLOTS.length] } };
      },
    };
    const orchestrator = orchestratorWith(fusion, expertCalls);
    // Request 11 chooses nothing and asks for no tokens: it needs no fusion row.
    const reqs = [request(10, 'ppocr'), request(11, 'none'), request(12, 'ppocr+ultraface'), request(13, 'ultraface', true), request(14, 'none', true)];
    const out = await orchestrator.runBatch(reqs);
    out.forEach((r, i) => assert.ok(!(r instanceof Error), `request ${i}: ${r instanceof Error ? r.message : ''}`));

    assert.equal(fuseCalls.length, 1);
    const input = fuseCalls[0]!;
    // Fusion rows: requests 10, 12, 13, 14 (11 needs none), in batch order.
    assert.deepEqual(rowMarkers(input.base, 0), [10, 12, 13, 14]);
    assert.deepEqual(input.context.dims, [4, 3]);
    assert.deepEqual(Array.from(input.mask.data), [1, 0, 0, /**/ 1, 1, 0, /**/ 0, 1, 0, /**/ 0, 0, 0]);
    assert.deepEqual(input.mask.dims, [4, 3]);
    const [ocr, faces, objects] = input.experts;
    assert.deepEqual(ocr!.rows, [0, 1]);
    assert.deepEqual(ocr!.tokens.dims, [2, 4, 2]);
    assert.deepEqual(rowMarkers(ocr!.tokens, 100), [10, 12]);
    assert.deepEqual(faces!.rows, [1, 2]);
    assert.deepEqual(rowMarkers(faces!.tokens, 200), [12, 13]);
    assert.deepEqual(objects!.rows, [], 'nobody chose the objects expert');
    assert.equal(objects!.tokens.data.length, 0);
    // Each chosen expert was called once, with only its requests; the unchosen one not at all.
    assert.deepEqual(expertCalls, [['10', '11', '12', '13', '14'], ['10', '12'], ['12', '13']]);
    // Fused tokens go back only to the requests that asked for them.
    const results = out as GatewayResult[];
    assert.deepEqual(results.map((r) => r.fused !== undefined), [false, false, false, true, true]);
    assert.equal(input.fusedTokens, true, 'two requests of the call asked for fused tokens');
  });

  it('asks fusion for the gate weights only when no request of the call wants fused tokens', async () => {
    const fuseCalls: FuseInput[] = [];
    const fusion: FusionClient = {
      async fuse(input: FuseInput): Promise<FuseOutput> {
        fuseCalls.push(input);
        const m = input.base.dims[0] ?? 0;
        // Gate weight 0.5 on the ocr slot of every row; no fused tokens, as the real client returns them then.
        const gates = new Float32Array(m * SLOTS.length);
        for (let i = 0; i < m; i++) gates[i * SLOTS.length] = 0.5;
        return { fused: { data: new Float32Array(0), dims: [0] }, gates: { data: gates, dims: [m, 1, SLOTS.length] } };
      },
    };
    const orchestrator = orchestratorWith(fusion, []);
    const out = await orchestrator.runBatch([request(20, 'ppocr'), request(21, 'none'), request(22, 'ppocr')]);
    assert.equal(fuseCalls.length, 1);
    assert.equal(fuseCalls[0]!.fusedTokens, false);
    const results = out as GatewayResult[];
    results.forEach((r, i) => assert.ok(!(r instanceof Error), `request ${i}`));
    assert.deepEqual(results.map((r) => r.fused), [undefined, undefined, undefined]);
    assert.deepEqual(results.map((r) => r.experts.find((e) => e.name === 'ppocr')?.gateWeight), [0.5, 0, 0.5]);
  });
});
