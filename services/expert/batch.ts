/**
 * Executes one dynamic batch: concatenates the requests' images (or pixels), runs them as one pool call — or, when
 * the expert has several workers and more than one is idle, as several calls that the idle workers share (one per
 * item, or one per idle worker on consecutive items: SplitOptions) — and splits the outputs back per request. An
 * item that failed alone fails only its own request.
 */
import { InvalidArgumentError, MovaError } from '../../src/core/errors';
import { ownsWholeBuffer } from '../../src/core/tensor-codec';
import type { BatchTiming } from '../../src/core/infer-stats';
import type { TimedResult, WorkerPool } from '../../src/core/worker-pool';
import { preciseNow, type RunSpan } from '../../src/core/worker-protocol';
import type { ItemResults } from './infer';
import type { Float32Tensor } from './pipeline';
import type { ExpertInfo, ExpertRunRequest, ExpertRunResult, ItemError } from './runner';

export type ExpertPool = WorkerPool<ExpertRunRequest, ExpertRunResult, ExpertInfo>;

/** Items (images, or rows of the pixel tensor) in a run request. */
export function runItems(r: ExpertRunRequest): number {
  return r.kind === 'images' ? r.images.length : (r.pixels.dims[0] ?? 0);
}

/** Rows [start, start+count) of a batch output: a view, not a copy (the worker's result buffers are ours alone). */
function rows(t: Float32Tensor, start: number, count: number): Float32Tensor {
  const per = (t.dims[0] ?? 0) === 0 ? 0 : t.data.length / (t.dims[0] ?? 1);
  return { data: t.data.subarray(start * per, (start + count) * per), dims: [count, ...t.dims.slice(1)] };
}

/**
 * How many parts a run of `items` items goes in: one per idle worker (never an empty part) when the pool has
 * several workers and nothing waits for one; else 1. Parts run at once on different workers, none of them solo.
 */
export function partsFor(pool: Pick<ExpertPool, 'size' | 'idleCount' | 'queued'>, items: number): number {
  if (pool.size < 2 || items < 2 || pool.queued > 0) return 1;
  return Math.max(1, Math.min(pool.idleCount, items));
}

/** Consecutive ranges [start, end) that cut `n` items into `parts` parts whose sizes differ by at most one. */
export function splitRanges(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let k = 0; k < parts; k++) {
    const end = start + Math.floor(n / parts) + (k < n % parts ? 1 : 0);
    out.push([start, end]);
    start = end;
  }
  return out;
}

function concatRows(ts: Float32Tensor[]): Float32Tensor {
  const filled = ts.filter((t) => (t.dims[0] ?? 0) > 0);
  if (filled.length === 0) return ts[0] ?? { data: new Float32Array(0), dims: [0] };
  if (filled.length === 1) return filled[0]!;
  const data = new Float32Array(filled.reduce((s, t) => s + t.data.length, 0));
  let off = 0;
  for (const t of filled) {
    data.set(t.data, off);
    off += t.data.length;
  }
  return { data, dims: [filled.reduce((s, t) => s + (t.dims[0] ?? 0), 0), ...filled[0]!.dims.slice(1)] };
}

/** The results of consecutive parts as the result of the whole run. */
export function concatResults(parts: ExpertRunResult[]): ExpertRunResult {
  if (parts.length === 1) return parts[0]!;
  return {
    features: concatRows(parts.map((p) => p.features)),
    pooled: concatRows(parts.map((p) => p.pooled)),
    decoded: parts.flatMap((p) => p.decoded),
    itemErrors: parts.flatMap((p) => p.itemErrors),
  };
}

/** How a batch is cut when it is split over several workers. */
export interface SplitOptions {
  /**
   * One job per item, handed to whichever worker frees up first (for pipelines that run items one by one anyway:
   * the workers stay busy whatever each item costs), instead of one even part per idle worker (for graphs that
   * run a whole batch at once, where bigger parts run faster per item).
   */
  perItem: boolean;
}

/** From the first start to the last end of runs that went on at once. */
function coveringSpan(spans: RunSpan[]): RunSpan {
  return { startedAt: Math.min(...spans.map((s) => s.startedAt)), endedAt: Math.max(...spans.map((s) => s.endedAt)) };
}

/** One run of `request` (its `transfer` moved to the worker), split over the idle workers when it pays (partsFor). */
async function runSplit(pool: ExpertPool, request: ExpertRunRequest, transfer: ArrayBuffer[], split: SplitOptions): Promise<TimedResult<ExpertRunResult>> {
  const items = runItems(request);
  const parts = partsFor(pool, items);
  if (parts === 1) return pool.runTimed(request, transfer);
  const jobs = splitRanges(items, split.perItem ? items : parts).map(([a, b]): { request: ExpertRunRequest; transfer?: ArrayBuffer[] } => {
    if (request.kind === 'images') {
      // Each image in a buffer of its own, moved to its worker: a view would take its whole message buffer along
      // (structured clone copies a view's entire ArrayBuffer), once per part.
      const images = request.images.slice(a, b).map((img) => new Uint8Array(img));
      return { request: { kind: 'images', images }, transfer: images.map((img) => img.buffer as ArrayBuffer) };
    }
    const per = request.pixels.data.length / items;
    const data = request.pixels.data.slice(a * per, b * per); // a buffer of its own, moved to its worker
    return { request: { kind: 'pixels', pixels: { data, dims: [b - a, ...request.pixels.dims.slice(1)] } }, transfer: [data.buffer as ArrayBuffer] };
  });
  const done = await Promise.all(pool.runManyTimed(jobs));
  return { result: concatResults(done.map((d) => d.result)), span: coveringSpan(done.map((d) => d.span)) };
}

/** Per request its results or error, and when the workers ran the batch. */
interface SplitBack {
  results: (ItemResults | Error)[];
  span: RunSpan;
}

/**
 * A run's results per request (`counts`: items per request, in order): a request with a failed item fails with
 * `failure(that item's error, its index in the request, the request's item count)` for its first failed item; the
 * others get their rows (the outputs hold only the successful items' rows, in order).
 */
function perRequest(res: ExpertRunResult, counts: readonly number[], failure: (e: ItemError, index: number, n: number) => Error): (ItemResults | Error)[] {
  const out: (ItemResults | Error)[] = [];
  let item = 0; // index over all items
  let good = 0; // index over successful items (rows of the outputs)
  for (const n of counts) {
    const errors = res.itemErrors.slice(item, item + n);
    const goodHere = errors.filter((e) => e === null).length;
    const firstBad = errors.findIndex((e) => e !== null);
    if (firstBad >= 0) {
      out.push(failure(errors[firstBad]!, firstBad, n));
    } else {
      out.push({ features: rows(res.features, good, n), pooled: rows(res.pooled, good, n), decoded: res.decoded.slice(good, good + n) });
    }
    item += n;
    good += goodHere;
  }
  return out;
}

async function runImages(pool: ExpertPool, reqs: { images: Uint8Array[] }[], split: SplitOptions): Promise<SplitBack> {
  const all = reqs.flatMap((r) => r.images);
  const { result: res, span } = await runSplit(pool, { kind: 'images', images: all }, [], split);
  const failure = (e: ItemError, i: number, n: number): Error => new MovaError(e.code, n > 1 ? `image ${i}: ${e.message}` : e.message);
  return { results: perRequest(res, reqs.map((r) => r.images.length), failure), span };
}

async function runPixels(pool: ExpertPool, reqs: { pixels: Float32Tensor }[], split: SplitOptions): Promise<SplitBack> {
  const first = reqs[0];
  if (!first) return { results: [], span: { startedAt: preciseNow(), endedAt: preciseNow() } };
  const per = first.pixels.data.length / (first.pixels.dims[0] || 1);
  const total = reqs.reduce((s, r) => s + (r.pixels.dims[0] ?? 0), 0);
  // One request whose pixels own their buffer: move that buffer to the worker (no copy). Otherwise concatenate
  // into a fresh buffer. Either way the main thread copies the tensor at most once (decode or here), and a
  // request's pixels are not read again after this point.
  let data: Float32Array;
  if (reqs.length === 1 && ownsWholeBuffer(first.pixels.data)) {
    data = first.pixels.data;
  } else {
    data = new Float32Array(total * per);
    let off = 0;
    for (const r of reqs) {
      data.set(r.pixels.data, off);
      off += r.pixels.data.length;
    }
  }
  const { result: res, span } = await runSplit(pool, { kind: 'pixels', pixels: { data, dims: [total, ...first.pixels.dims.slice(1)] } }, [data.buffer as ArrayBuffer], split);
  // The worker checked each row for NaN/Inf (runner.ts finiteRows): a request fails naming its first such element.
  const failure = (e: ItemError, row: number): Error => e.nonFiniteAt === undefined
    ? new MovaError(e.code, e.message)
    : new InvalidArgumentError(`input "pixel_values" holds a non-finite value at element ${row * per + e.nonFiniteAt}`);
  return { results: perRequest(res, reqs.map((r) => r.pixels.dims[0] ?? 0), failure), span };
}

/**
 * Batch executor for the DynamicBatcher: one pool run per input kind present in the batch. Each request's results
 * carry the batch's timing (when it was dispatched, run and done: the statistics extension's stages).
 */
export async function executeBatch(pool: ExpertPool, requests: ExpertRunRequest[], split: SplitOptions = { perItem: false }): Promise<(ItemResults | Error)[]> {
  const dispatchedAt = preciseNow();
  const results: (ItemResults | Error)[] = new Array(requests.length);
  const imageIdx: number[] = [];
  const pixelIdx: number[] = [];
  requests.forEach((r, i) => (r.kind === 'images' ? imageIdx : pixelIdx).push(i));
  const spans: RunSpan[] = [];
  const place = (idx: number[]) => (back: SplitBack): void => {
    spans.push(back.span);
    back.results.forEach((r, k) => (results[idx[k]!] = r));
  };
  const jobs: Promise<void>[] = [];
  if (imageIdx.length > 0) jobs.push(runImages(pool, imageIdx.map((i) => requests[i] as { images: Uint8Array[] }), split).then(place(imageIdx)));
  if (pixelIdx.length > 0) jobs.push(runPixels(pool, pixelIdx.map((i) => requests[i] as { pixels: Float32Tensor }), split).then(place(pixelIdx)));
  await Promise.all(jobs);
  const span = coveringSpan(spans);
  const items = requests.reduce((s, r) => s + runItems(r), 0);
  const timing: BatchTiming = { items, dispatchedAt, ...span, doneAt: preciseNow() };
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    results[i] = r === undefined ? new InvalidArgumentError('request produced no result') : r instanceof Error ? r : { ...r, timing };
  }
  return results;
}
