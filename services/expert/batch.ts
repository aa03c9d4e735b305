/**
 * Executes one dynamic batch: concatenates the requests' images (or pixels), runs them as one pool call,
 * and splits the outputs back per request. An item that failed alone fails only its own request.
 */
import { InvalidArgumentError, MovaError } from '../../src/core/errors';
import { ownsWholeBuffer } from '../../src/core/tensor-codec';
import type { WorkerPool } from '../../src/core/worker-pool';
import type { ItemResults } from './infer';
import type { Float32Tensor } from './pipeline';
import type { ExpertInfo, ExpertRunRequest, ExpertRunResult } from './runner';

export type ExpertPool = WorkerPool<ExpertRunRequest, ExpertRunResult, ExpertInfo>;

/** Rows [start, start+count) of a batch output: a view, not a copy (the worker's result buffers are ours alone). */
function rows(t: Float32Tensor, start: number, count: number): Float32Tensor {
  const per = (t.dims[0] ?? 0) === 0 ? 0 : t.data.length / (t.dims[0] ?? 1);
  return { data: t.data.subarray(start * per, (start + count) * per), dims: [count, ...t.dims.slice(1)] };
}

async function runImages(pool: ExpertPool, reqs: { images: Uint8Array[] }[]): Promise<(ItemResults | Error)[]> {
  const all = reqs.flatMap((r) => r.images);
  const res = await pool.run({ kind: 'images', images: all });
  const out: (ItemResults | Error)[] = [];
  let item = 0; // index over all items
  let good = 0; // index over successful items (rows of the outputs)
  for (const r of reqs) {
    const n = r.images.length;
    const errors = res.itemErrors.slice(item, item + n);
    const goodHere = errors.filter((e) => e === null).length;
    const firstBad = errors.findIndex((e) => e !== null);
    if (firstBad >= 0) {
      const e = errors[firstBad]!;
      out.push(new MovaError(e.code, n > 1 ? `image ${firstBad}: ${e.message}` : e.message));
    } else {
      out.push({ features: rows(res.features, good, n), pooled: rows(res.pooled, good, n), decoded: res.decoded.slice(good, good + n) });
    }
    item += n;
    good += goodHere;
  }
  return out;
}

async function runPixels(pool: ExpertPool, reqs: { pixels: Float32Tensor }[]): Promise<(ItemResults | Error)[]> {
  const first = reqs[0];
  if (!first) return [];
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
  const res = await pool.run({ kind: 'pixels', pixels: { data, dims: [total, ...first.pixels.dims.slice(1)] } }, [data.buffer as ArrayBuffer]);
  let start = 0;
  return reqs.map((r) => {
    const n = r.pixels.dims[0] ?? 0;
    const item = { features: rows(res.features, start, n), pooled: rows(res.pooled, start, n), decoded: res.decoded.slice(start, start + n) };
    start += n;
    return item;
  });
}

/** Batch executor for the DynamicBatcher: one pool run per input kind present in the batch. */
export async function executeBatch(pool: ExpertPool, requests: ExpertRunRequest[]): Promise<(ItemResults | Error)[]> {
  const results: (ItemResults | Error)[] = new Array(requests.length);
  const imageIdx: number[] = [];
  const pixelIdx: number[] = [];
  requests.forEach((r, i) => (r.kind === 'images' ? imageIdx : pixelIdx).push(i));
  const jobs: Promise<void>[] = [];
  if (imageIdx.length > 0) {
    jobs.push(runImages(pool, imageIdx.map((i) => requests[i] as { images: Uint8Array[] })).then((rs) => rs.forEach((r, k) => (results[imageIdx[k]!] = r))));
  }
  if (pixelIdx.length > 0) {
    jobs.push(runPixels(pool, pixelIdx.map((i) => requests[i] as { pixels: Float32Tensor })).then((rs) => rs.forEach((r, k) => (results[pixelIdx[k]!] = r))));
  }
  await Promise.all(jobs);
  for (let i = 0; i < results.length; i++) results[i] ??= new InvalidArgumentError('request produced no result');
  return results;
}
