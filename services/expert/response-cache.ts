/**
 * Per-image response cache (opt-in: registry `responseCache.maxMegabytes`). A multi-turn conversation sends the same
 * image with every new question, and the gateway asks the base expert (and the experts the router picks) for it
 * again each time; an expert's outputs depend on the image bytes alone, so it keeps each image's features, pooled
 * vector and decoded result, keyed by the SHA-256 of the encoded bytes, in a least-recently-used map bounded by
 * bytes. Only encoded `image` inputs are cached (a `pixel_values` tensor is megabytes to hash and rarely repeats).
 * A call whose images are all cached skips the batcher; a call with some new images runs only those and answers
 * with every item in order; an image already running (for this call or another) runs once. Failed calls are not
 * cached.
 */
import { createHash } from 'node:crypto';
import { spanMs, type BatchTiming } from '../../src/core/infer-stats';
import { counter, sampledGauge } from '../../src/core/metrics';
import { preciseNow } from '../../src/core/worker-protocol';
import type { ItemResults } from './infer';
import type { Float32Tensor } from './pipeline';
import { concatBatch, sliceBatch } from './pipelines/tokens';
import type { ExpertRunRequest } from './runner';

/** One image's outputs, in arrays of their own (not views of a batch's buffers, which they would keep alive). */
export interface CachedItem {
  features: Float32Tensor;
  pooled: Float32Tensor;
  decoded: unknown;
  bytes: number;
}

/** Least-recently-used map of items, bounded by the bytes they hold. */
export class ItemCache {
  private readonly items = new Map<string, CachedItem>();
  private used = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.items.size;
  }

  get usedBytes(): number {
    return this.used;
  }

  get(key: string): CachedItem | undefined {
    const item = this.items.get(key);
    if (item) {
      this.items.delete(key); // re-insert: a Map iterates in insertion order, so the first entry is the least recent
      this.items.set(key, item);
    }
    return item;
  }

  set(key: string, item: CachedItem): void {
    if (item.bytes > this.maxBytes) return;
    const old = this.items.get(key);
    if (old) {
      this.used -= old.bytes;
      this.items.delete(key);
    }
    this.items.set(key, item);
    this.used += item.bytes;
    for (const [k, v] of this.items) {
      if (this.used <= this.maxBytes) break;
      this.items.delete(k);
      this.used -= v.bytes;
    }
  }
}

/** What the handler needs of the batcher: one run per request. */
export interface RunSubmitter {
  submit(run: ExpertRunRequest, signal?: AbortSignal): Promise<ItemResults>;
}

export function imageKey(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}

/** Row `i` of a batched tensor in an array of its own. */
function rowOf(t: Float32Tensor, i: number): Float32Tensor {
  const view = sliceBatch(t, i);
  return { data: view.data.slice(), dims: view.dims };
}

/** Item `i` of a run's results, copied out of the batch's buffers. */
export function itemOf(r: ItemResults, i: number): CachedItem {
  const features = rowOf(r.features, i);
  const pooled = rowOf(r.pooled, i);
  const decoded = r.decoded[i];
  const bytes = features.data.byteLength + pooled.data.byteLength + 2 * (JSON.stringify(decoded ?? null)?.length ?? 0) + 256;
  return { features, pooled, decoded, bytes };
}

/** The results of a call from its items, in order. */
export function assemble(items: CachedItem[]): ItemResults {
  return { features: concatBatch(items.map((t) => t.features)), pooled: concatBatch(items.map((t) => t.pooled)), decoded: items.map((t) => t.decoded) };
}

/** A promise settled from outside, already handled (a rejection nobody waits for must not crash the process). */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * `inner` with the cache in front of it (image calls only). An image not cached runs once however often it comes:
 * repeated within a call, it runs once for all its places; already running for another call, this call waits for
 * that run (and runs it itself should that run fail, e.g. because its caller cancelled).
 */
export function cachedRuns(inner: RunSubmitter, cache: ItemCache, expert: string): RunSubmitter {
  const lookups = counter('mova_expert_cache_items_total', 'Images looked up in the expert response cache, by result (hit: cached; shared: running already, for this call or another; miss: run)', ['expert', 'result'] as const);
  sampledGauge('mova_expert_cache_bytes', 'Bytes held by the expert response cache', ['expert'] as const, (g) => g.set({ expert }, cache.usedBytes));
  const running = new Map<string, Promise<CachedItem>>();

  /**
   * Runs `images` (distinct keys) as one call; each result goes to the cache and to whoever waits for it. Also
   * returns the run's batch timing and the time spent copying its items into the cache.
   */
  async function runFresh(keys: string[], images: Uint8Array[], signal: AbortSignal | undefined): Promise<{ items: CachedItem[]; timing?: BatchTiming; insertMs: number }> {
    const waiting = keys.map((k) => {
      const d = deferred<CachedItem>();
      running.set(k, d.promise);
      return d;
    });
    try {
      const fresh = await inner.submit({ kind: 'images', images }, signal);
      const t0 = preciseNow();
      const items = keys.map((k, m) => {
        const item = itemOf(fresh, m);
        cache.set(k, item);
        waiting[m]!.resolve(item);
        return item;
      });
      return { items, ...(fresh.timing ? { timing: fresh.timing } : {}), insertMs: spanMs(t0, preciseNow()) };
    } catch (err) {
      waiting.forEach((d) => d.reject(err));
      throw err;
    } finally {
      keys.forEach((k, m) => {
        if (running.get(k) === waiting[m]!.promise) running.delete(k);
      });
    }
  }

  return {
    async submit(run, signal) {
      if (run.kind !== 'images') return inner.submit(run, signal);
      const lookupFrom = preciseNow();
      const keys = run.images.map(imageKey);
      const items: (CachedItem | undefined)[] = keys.map((k) => cache.get(k));
      const imageOf = (k: string): Uint8Array => run.images[keys.indexOf(k)]!;
      const own = new Set<string>(); // keys whose image this call runs
      const elsewhere = new Map<string, Promise<CachedItem>>(); // key → another call's run
      let shared = 0;
      keys.forEach((k, i) => {
        if (items[i]) return;
        const other = running.get(k);
        if (own.has(k) || other) shared++;
        if (other) elsewhere.set(k, other);
        else own.add(k);
      });
      const hits = items.filter(Boolean).length;
      lookups.inc({ expert, result: 'hit' }, hits);
      if (shared > 0) lookups.inc({ expert, result: 'shared' }, shared);
      if (own.size > 0) lookups.inc({ expert, result: 'miss' }, own.size);
      if (hits === keys.length) {
        const whole = assemble(items as CachedItem[]);
        return { ...whole, cache: { hit: true, ms: spanMs(lookupFrom, preciseNow()) } };
      }
      // The cache's own time on a miss: the lookups above, the inserts after each run, the assembly below.
      let cacheMs = spanMs(lookupFrom, preciseNow());
      let timing: BatchTiming | undefined;
      const byKey = new Map<string, CachedItem>();
      if (own.size > 0) {
        const ownKeys = [...own.keys()];
        const fresh = await runFresh(ownKeys, ownKeys.map(imageOf), signal);
        ownKeys.forEach((k, m) => byKey.set(k, fresh.items[m]!));
        timing = fresh.timing;
        cacheMs += fresh.insertMs;
      }
      const theirs = [...elsewhere.entries()];
      const settled = await Promise.allSettled(theirs.map(([, p]) => p));
      const failed = theirs.filter((_, j) => settled[j]!.status === 'rejected').map(([k]) => k);
      theirs.forEach(([k], j) => {
        const s = settled[j]!;
        if (s.status === 'fulfilled') byKey.set(k, s.value);
      });
      if (failed.length > 0) {
        const retried = await runFresh(failed, failed.map(imageOf), signal);
        failed.forEach((k, m) => byKey.set(k, retried.items[m]!));
        timing ??= retried.timing;
        cacheMs += retried.insertMs;
      }
      const assembleFrom = preciseNow();
      const whole = assemble(keys.map((k, i) => items[i] ?? byKey.get(k)!));
      cacheMs += spanMs(assembleFrom, preciseNow());
      return { ...whole, ...(timing ? { timing } : {}), cache: { hit: false, ms: cacheMs } };
    },
  };
}
