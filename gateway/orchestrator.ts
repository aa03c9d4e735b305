/**
 * One batch through the cluster: base expert for every image → router → each chosen expert called ONCE with only
 * the requests that chose it, all in parallel → fusion → one result per request.
 *
 * Failure semantics (DESIGN.md): a chosen expert that fails or misses its deadline share is reported
 * `failed`/`timeout` for its requests, masked out of fusion, and those responses are `degraded`. A router failure
 * degrades to base-only answers. The base expert or fusion failing is an UnavailableError (retryable by the queue).
 * A request whose own image is bad fails alone with INVALID_ARGUMENT.
 */
import { randomUUID } from 'node:crypto';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { DeadlineExceededError, InvalidArgumentError, UnavailableError, toGrpcStatus } from '../src/core/errors';
import type { Logger } from '../src/core/log';
import type { Float32Tensor } from '../services/expert/pipeline';
import { concatBatch } from '../services/expert/pipelines/tokens';
import type { ExpertBatchResult, ExpertClient, FusionClient, RouteDecision, RouterClient } from './ports';
import type { ExpertOutcome, GatewayRequest, GatewayResult, ScoredExpert } from './request';
import { gatherRows } from './tensors';
import { float32ToHalf } from '../src/core/fp16';

export interface OrchestratorDeps {
  base: ExpertClient;
  /** Routable experts by name; `slots` gives their fusion slot order. */
  experts: ReadonlyMap<string, ExpertClient>;
  slots: readonly string[];
  domains: ReadonlyMap<string, readonly string[]>;
  router: RouterClient;
  fusion: FusionClient;
  /** Instruction → context vector for the fusion gate. */
  contextOf: (instruction: string) => Float32Array;
  /** Routing policy asked of the router for every request; undefined = the router's default. */
  routingPolicy?: string;
  /** Share of a request's remaining time given to the expert stage (the rest is for fusion and the reply). */
  expertDeadlineShare: number;
  log: Logger;
  /** Observes every expert call (for tests and metrics): expert name, batch size and batch id. */
  onExpertCall?: (call: ExpertCallRecord) => void;
}

export interface ExpertCallRecord {
  expert: string;
  size: number;
  batchId: string;
}

interface Stage<T> {
  value: T;
  ms: number;
}

async function timed<T>(fn: () => Promise<T>): Promise<Stage<T>> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

function isTimeout(err: unknown): boolean {
  return toGrpcStatus(err).code === GrpcStatus.DEADLINE_EXCEEDED;
}

function isInvalid(err: unknown): boolean {
  return toGrpcStatus(err).code === GrpcStatus.INVALID_ARGUMENT;
}

export class Orchestrator {
  constructor(private readonly d: OrchestratorDeps) {}

  /** Runs a batch; returns one result or Error per request, in order. */
  async runBatch(requests: GatewayRequest[], signal?: AbortSignal): Promise<(GatewayResult | Error)[]> {
    const started = Date.now();
    const batchId = randomUUID();
    const out: (GatewayResult | Error | undefined)[] = new Array(requests.length);
    // Requests already past their deadline are answered at once and not run.
    const live: number[] = [];
    requests.forEach((r, i) => {
      if (r.deadlineAt <= started) out[i] = new DeadlineExceededError(`deadline passed after ${started - r.receivedAt} ms in the queue`);
      else live.push(i);
    });
    if (live.length > 0) {
      const results = await this.runLive(live.map((i) => requests[i]!), batchId, started, signal);
      live.forEach((i, k) => (out[i] = results[k]));
    }
    return out.map((r) => r ?? new UnavailableError('request produced no result'));
  }

  private async baseStage(reqs: GatewayRequest[], batchId: string, deadline: number, signal?: AbortSignal): Promise<(ExpertBatchResult | Error)[]> {
    const callBase = (images: Uint8Array[]): Promise<ExpertBatchResult> => {
      this.d.onExpertCall?.({ expert: this.d.base.name, size: images.length, batchId });
      return this.d.base.infer(images, { deadline, pooled: true, ...(signal ? { signal } : {}) });
    };
    try {
      const res = await callBase(reqs.map((r) => r.image));
      return reqs.map((_, i) => ({
        features: gatherRows(res.features, [i]),
        pooled: res.pooled ? gatherRows(res.pooled, [i]) : undefined,
        decoded: [res.decoded[i]],
      } as ExpertBatchResult));
    } catch (err) {
      if (!isInvalid(err)) throw new UnavailableError(`base expert "${this.d.base.name}" failed: ${toGrpcStatus(err).details}`, { cause: err });
      // A bad image fails the whole base call: isolate it by calling item by item.
      if (reqs.length === 1) return [new InvalidArgumentError(toGrpcStatus(err).details)];
      return Promise.all(reqs.map(async (r) => {
        try {
          return await callBase([r.image]);
        } catch (e) {
          return isInvalid(e) ? new InvalidArgumentError(toGrpcStatus(e).details) : new UnavailableError(`base expert failed: ${toGrpcStatus(e).details}`, { cause: e });
        }
      }));
    }
  }

  private async runLive(reqs: GatewayRequest[], batchId: string, started: number, signal?: AbortSignal): Promise<(GatewayResult | Error)[]> {
    const n0 = reqs.length;
    const maxDeadline = Math.max(...reqs.map((r) => r.deadlineAt));
    // 1. Base expert for every image.
    const baseStage = await timed(() => this.baseStage(reqs, batchId, maxDeadline, signal));
    const results: (GatewayResult | Error | undefined)[] = new Array(n0);
    const ok: number[] = [];
    baseStage.value.forEach((r, i) => (r instanceof Error ? (results[i] = r) : ok.push(i)));
    if (ok.length === 0) return results.map((r) => r!);
    const rs = ok.map((i) => reqs[i]!);
    const bases = ok.map((i) => baseStage.value[i] as ExpertBatchResult);
    const n = rs.length;

    // 2. Routing (failure → base-only, degraded, with the reason).
    const routeStage = await timed(async (): Promise<{ decisions: RouteDecision[]; error?: string }> => {
      try {
        const decisions = await this.d.router.route(rs.map((r, k) => ({
          instruction: r.instruction,
          pooled: bases[k]!.pooled?.data ?? new Float32Array(0),
          ...(r.maxExperts !== undefined ? { maxExperts: r.maxExperts } : {}),
          required: r.required,
          excluded: r.excluded,
          ...(this.d.routingPolicy !== undefined ? { policy: this.d.routingPolicy } : {}),
        })), { deadline: maxDeadline, ...(signal ? { signal } : {}) });
        return { decisions };
      } catch (err) {
        if (isInvalid(err)) throw err;
        const msg = toGrpcStatus(err).details;
        this.d.log.warn({ batchId, err: msg }, 'router failed; answering base-only');
        return {
          decisions: rs.map(() => ({ scores: [], chosen: [], policy: 'unavailable', reason: `router unavailable (${msg}); base-only answer` })),
          error: msg,
        };
      }
    }).catch((err: unknown) => err as Error);
    if (routeStage instanceof Error) {
      // Bad override for some request: the router rejects the whole call; answer each request alone.
      const singles = await Promise.all(rs.map((r) => this.runLive([r], batchId, started, signal).then((x) => x[0]!)));
      ok.forEach((i, k) => (results[i] = singles[k]));
      return results.map((r) => r!);
    }
    const decisions = routeStage.value.decisions;

    // 3. Group by chosen expert; call each chosen expert once with only its requests, in parallel.
    const groups = new Map<string, number[]>();
    decisions.forEach((dec, k) => dec.chosen.forEach((name) => {
      if (this.d.experts.has(name)) (groups.get(name) ?? groups.set(name, []).get(name)!).push(k);
    }));
    const outcome: Map<string, ExpertOutcome>[] = rs.map(() => new Map());
    const expertFeatures = new Map<string, { rows: number[]; features: Float32Tensor }>();
    const expertMs: Record<string, number> = {};
    const expertsStage = await timed(() => Promise.all([...groups].map(async ([name, rows]) => {
      const client = this.d.experts.get(name)!;
      const images = rows.map((k) => rs[k]!.image);
      // The call may run until the latest deadline share among its requests; each request then checks its own.
      const now = Date.now();
      const shares = rows.map((k) => now + (rs[k]!.deadlineAt - now) * this.d.expertDeadlineShare);
      const t0 = performance.now();
      try {
        this.d.onExpertCall?.({ expert: name, size: images.length, batchId });
        const res = await client.infer(images, { deadline: Math.max(...shares), pooled: false, ...(signal ? { signal } : {}) });
        const ms = performance.now() - t0;
        expertMs[name] = ms;
        const finished = Date.now();
        const inTime: number[] = [];
        rows.forEach((k, j) => {
          if (finished > shares[j]!) {
            outcome[k]!.set(name, { name, status: 'timeout', error: `expert answered after this request's deadline share (${Math.round(ms)} ms)`, latencyMs: ms, gateWeight: 0 });
          } else {
            outcome[k]!.set(name, { name, status: 'ok', decoded: res.decoded[j], latencyMs: ms, gateWeight: 0 });
            inTime.push(j);
          }
        });
        expertFeatures.set(name, { rows: inTime.map((j) => rows[j]!), features: gatherRows(res.features, inTime) });
      } catch (err) {
        const ms = performance.now() - t0;
        expertMs[name] = ms;
        const status = isTimeout(err) ? 'timeout' : 'failed';
        const msg = toGrpcStatus(err).details;
        this.d.log.warn({ batchId, expert: name, status, err: msg }, 'expert call failed; degrading its requests');
        rows.forEach((k) => outcome[k]!.set(name, { name, status, error: msg, latencyMs: ms, gateWeight: 0 }));
      }
    })));

    // 4. Fusion over the requests that need it: those with an expert's tokens to fuse (their gate weights are part of
    // the answer) or that asked for the fused tokens. A request with neither gets gate weights 0 and no fusion row
    // (the base-only fused tokens would be computed and thrown away); a batch of only such requests skips the call.
    const E = this.d.slots.length;
    const fuseRows: number[] = [];
    const fusedIndex = rs.map((r, k) => {
      const needed = r.returnFeatures || [...expertFeatures.values()].some((f) => f.rows.includes(k));
      if (!needed) return -1;
      fuseRows.push(k);
      return fuseRows.length - 1;
    });
    const m = fuseRows.length;
    let fused: Float32Tensor = { data: new Float32Array(0), dims: [0] };
    let gates: Float32Tensor = { data: new Float32Array(0), dims: [0, 1, E] };
    let fusionMs = 0;
    if (m > 0) {
      const mask = new Float32Array(m * E);
      // Only the rows of the requests that have a slot's tokens travel (ascending: groups and fuseRows follow k).
      const slotTensors = this.d.slots.map((name, j) => {
        const got = expertFeatures.get(name);
        const rows = (got?.rows ?? []).map((k) => fusedIndex[k]!);
        rows.forEach((i) => (mask[i * E + j] = 1));
        return { rows, tokens: got?.features ?? { data: new Float32Array(0), dims: [0] } };
      });
      const baseTokens = concatBatch(fuseRows.map((k) => bases[k]!.features));
      const context = concatBatch(fuseRows.map((k) => {
        const c = this.d.contextOf(rs[k]!.instruction);
        return { data: c, dims: [1, c.length] };
      }));
      try {
        // The fused tokens travel back only when a request of this call asked for them; the others need the gates.
        const fusedTokens = fuseRows.some((k) => rs[k]!.returnFeatures);
        const stage = await timed(() => this.d.fusion.fuse({ base: baseTokens, experts: slotTensors, mask: { data: mask, dims: [m, E] }, context, fusedTokens }, { deadline: maxDeadline, ...(signal ? { signal } : {}) }));
        ({ fused, gates } = stage.value);
        fusionMs = stage.ms;
      } catch (err) {
        throw new UnavailableError(`fusion failed: ${toGrpcStatus(err).details}`, { cause: err });
      }
    }
    const L = gates.dims[1] ?? 1;

    // 5. One result per request.
    const done = Date.now();
    const perRow = m > 0 ? fused.data.length / m : 0;
    rs.forEach((r, k) => {
      const dec = decisions[k]!;
      const scored = (name: string, score: number): ScoredExpert => ({ name, score, domains: [...(this.d.domains.get(name) ?? [])] });
      const scoreOf = new Map(dec.scores.map((s) => [s.name, s.score]));
      const row = fusedIndex[k]!;
      const experts: ExpertOutcome[] = this.d.slots.map((name, j) => {
        let g = 0;
        for (let b = 0; row >= 0 && b < L; b++) g += gates.data[(row * L + b) * E + j] ?? 0;
        const o = outcome[k]!.get(name) ?? { name, status: 'skipped' as const, latencyMs: 0, gateWeight: 0 };
        return { ...o, gateWeight: L > 0 ? g / L : 0 };
      });
      const missing = experts.filter((e) => e.status === 'failed' || e.status === 'timeout').map((e) => e.name);
      const fusedRow = fused.data.subarray(row * perRow, (row + 1) * perRow);
      const shape = [1, ...fused.dims.slice(1)];
      results[ok[k]!] = {
        requestId: r.requestId,
        routing: {
          scores: dec.scores.map((s) => scored(s.name, s.score)).sort((a, b) => b.score - a.score),
          chosen: dec.chosen.map((name) => scored(name, scoreOf.get(name) ?? 0)),
          policy: dec.policy,
          reason: dec.reason,
        },
        experts,
        baseDecoded: bases[k]!.decoded[0],
        ...(r.returnFeatures && row >= 0 ? {
          fused: r.featuresDtype === 'FP16'
            ? { datatype: 'FP16' as const, shape, raw: new Uint8Array(float32ToHalf(fusedRow).buffer) }
            : { datatype: 'FP32' as const, shape, raw: new Uint8Array(fusedRow.slice().buffer) },
        } : {}),
        timings: {
          queueMs: Math.max(0, started - r.receivedAt),
          baseMs: baseStage.ms,
          routeMs: routeStage.ms,
          expertMs: Object.fromEntries(dec.chosen.filter((c) => expertMs[c] !== undefined).map((c) => [c, expertMs[c]!])),
          expertsMs: groups.size > 0 ? expertsStage.ms : 0,
          fusionMs,
          totalMs: done - r.receivedAt,
        },
        degraded: missing.length > 0 || routeStage.value.error !== undefined,
        missingExperts: missing,
        batchSize: n0,
        batchId,
      };
    });
    return results.map((r) => r ?? new UnavailableError('request produced no result'));
  }
}
