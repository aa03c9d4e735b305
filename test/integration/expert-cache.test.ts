/**
 * The expert response cache (registry `responseCache`) through a real gRPC server on loopback, with the real
 * MobileNetV2: a repeated image is answered from the cache with the bytes it got the first time, a call mixing
 * cached and new images equals single calls item by item, the byte bound evicts the least recently used image,
 * and an expert without the setting caches nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { registryCopy } from '../../src/bench/cluster';
import { metricsRegistry } from '../../src/core/metrics';
import { start, type RunningExpert } from '../../services/expert/main';
import { bytesRun, oipClient, outputByName, splitBytesRun, type InferOutputs, type RawClient } from '../helpers/oip-client';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'images');
const NAMES = ['chelsea.png', 'coffee.jpg', 'astronaut.jpg', 'camera.png', 'rocket.jpg'];

async function lookups(expert: string): Promise<{ hit: number; miss: number; shared: number }> {
  const m = metricsRegistry.getSingleMetric('mova_expert_cache_items_total');
  const values = m ? (await m.get()).values : [];
  const count = (result: string): number => values.filter((v) => v.labels.expert === expert && v.labels.result === result).reduce((s, v) => s + v.value, 0);
  return { hit: count('hit'), miss: count('miss'), shared: count('shared') };
}

interface Item { features: Buffer; pooled: Buffer; decoded: string }

function items(res: InferOutputs): Item[] {
  const decoded = splitBytesRun(outputByName(res, 'decoded').raw).map((b) => b.toString('utf8'));
  const f = outputByName(res, 'features').raw;
  const p = outputByName(res, 'pooled').raw;
  const n = decoded.length;
  return decoded.map((d, i) => ({
    features: f.subarray((i * f.length) / n, ((i + 1) * f.length) / n),
    pooled: p.subarray((i * p.length) / n, ((i + 1) * p.length) / n),
    decoded: d,
  }));
}

describe('expert response cache (mobilenetv2, 0.75 MB: room for three images)', { timeout: 120_000 }, () => {
  let cached: RunningExpert;
  let plain: RunningExpert;
  let cachedClient: RawClient;
  let plainClient: RawClient;
  let images: Buffer[];

  before(async () => {
    const registryPath = registryCopy((doc) => {
      const experts = doc.experts as { name: string; responseCache?: unknown; workers?: number }[];
      const entry = experts.find((e) => e.name === 'mobilenetv2');
      assert.ok(entry);
      entry.responseCache = { maxMegabytes: 0.75 }; // ~257 KB an image (features 49 x 1280 floats): three fit
    });
    cached = await start({ name: 'mobilenetv2', port: 0, registryPath });
    plain = await start({ name: 'mobilenetv2', port: 0 });
    cachedClient = oipClient(cached.address);
    plainClient = oipClient(plain.address);
    images = NAMES.map((n) => readFileSync(path.join(FIXTURES, n)));
  });
  after(async () => {
    cachedClient.close();
    plainClient.close();
    await cached.stop();
    await plain.stop();
  });

  const inferenceStats = async (client: RawClient): Promise<Record<string, { count: string; ns: string }>> => {
    const res = await client.call<{ model_stats: { inference_stats: Record<string, { count: string; ns: string }> }[] }>('ModelStatistics', { name: 'mobilenetv2' });
    return res.model_stats[0]!.inference_stats;
  };

  const infer = (client: RawClient, imgs: Buffer[], featuresDatatype?: string): Promise<InferOutputs> => client.call<InferOutputs>('ModelInfer', {
    model_name: 'mobilenetv2',
    inputs: [{ name: 'image', datatype: 'BYTES', shape: [imgs.length] }],
    raw_input_contents: [bytesRun(imgs)],
    ...(featuresDatatype ? { parameters: { features_datatype: { string_param: featuresDatatype } } } : {}),
  });

  it('answers a repeated image from the cache with the same bytes, and the same as an expert without a cache', async () => {
    const [cat] = images;
    const before = await lookups('mobilenetv2');
    const statsBefore = await inferenceStats(cachedClient);
    const first = items(await infer(cachedClient, [cat!]));
    const second = items(await infer(cachedClient, [cat!]));
    const after = await lookups('mobilenetv2');
    assert.deepEqual({ hit: after.hit - before.hit, miss: after.miss - before.miss }, { hit: 1, miss: 1 });
    // ModelStatistics: one request missed (and ran: queue and compute once), one was answered whole by the cache.
    const statsAfter = await inferenceStats(cachedClient);
    const delta = (k: string): number => Number(statsAfter[k]!.count) - Number(statsBefore[k]!.count);
    assert.deepEqual(
      { success: delta('success'), cache_hit: delta('cache_hit'), cache_miss: delta('cache_miss'), queue: delta('queue'), compute_infer: delta('compute_infer') },
      { success: 2, cache_hit: 1, cache_miss: 1, queue: 1, compute_infer: 1 },
    );
    assert.deepEqual(second, first);
    assert.match(first[0]!.decoded, /cat/);
    const reference = items(await infer(plainClient, [cat!]));
    assert.deepEqual(first, reference);
    assert.deepEqual(await lookups('mobilenetv2'), after, 'the expert without the setting looks nothing up');
    // FP16 features of a cached image: converted from the cached float32 as for a fresh run.
    const half = await infer(cachedClient, [cat!], 'FP16');
    const halfRef = await infer(plainClient, [cat!], 'FP16');
    assert.equal(outputByName(half, 'features').datatype, 'FP16');
    assert.deepEqual(outputByName(half, 'features').raw, outputByName(halfRef, 'features').raw);
  });

  it('a call mixing cached and new images runs only the new ones and answers every item in order', async () => {
    const [cat, coffee, astronaut] = images;
    const singles = [];
    for (const img of [cat!, coffee!, astronaut!]) singles.push(...items(await infer(plainClient, [img])));
    const before = await lookups('mobilenetv2');
    const mixed = items(await infer(cachedClient, [coffee!, cat!, astronaut!, cat!]));
    const after = await lookups('mobilenetv2');
    // cat is cached (previous test); coffee and astronaut are new.
    assert.deepEqual({ hit: after.hit - before.hit, miss: after.miss - before.miss }, { hit: 2, miss: 2 });
    const close = (a: Item, b: Item, what: string): void => {
      assert.equal(a.decoded, b.decoded, what);
      const fa = new Float32Array(a.features.buffer.slice(a.features.byteOffset, a.features.byteOffset + a.features.byteLength));
      const fb = new Float32Array(b.features.buffer.slice(b.features.byteOffset, b.features.byteOffset + b.features.byteLength));
      let max = 0;
      for (let i = 0; i < fa.length; i++) max = Math.max(max, Math.abs(fa[i]! - fb[i]!));
      assert.ok(max <= 1e-4, `${what}: features differ by ${max}`);
    };
    close(mixed[0]!, singles[1]!, 'coffee');
    close(mixed[1]!, singles[0]!, 'cat');
    close(mixed[2]!, singles[2]!, 'astronaut');
    close(mixed[3]!, singles[0]!, 'cat again');
  });

  it('keeps at most its byte bound: the least recently used image leaves first', async () => {
    const [cat, coffee, astronaut, camera, rocket] = images;
    for (const img of [coffee!, astronaut!, cat!]) await infer(cachedClient, [img]); // all cached: recency coffee < astronaut < cat
    await infer(cachedClient, [camera!]); // evicts the least recent (coffee)
    await infer(cachedClient, [rocket!]); // evicts astronaut
    const before = await lookups('mobilenetv2');
    await infer(cachedClient, [cat!]);
    const afterCat = await lookups('mobilenetv2');
    assert.deepEqual({ hit: afterCat.hit - before.hit, miss: afterCat.miss - before.miss }, { hit: 1, miss: 0 }, 'cat was used recently: still cached');
    await infer(cachedClient, [coffee!]);
    const afterCoffee = await lookups('mobilenetv2');
    assert.deepEqual({ hit: afterCoffee.hit - afterCat.hit, miss: afterCoffee.miss - afterCat.miss }, { hit: 0, miss: 1 }, 'coffee was evicted');
    const bytes = metricsRegistry.getSingleMetric('mova_expert_cache_bytes');
    const held = bytes ? (await bytes.get()).values.find((v) => v.labels.expert === 'mobilenetv2')?.value ?? 0 : 0;
    assert.ok(held > 0 && held <= 0.75 * 1024 * 1024, `cache holds ${held} bytes`);
  });

  it('an image not cached runs once: twice in one call, or in two calls at once', async () => {
    const read = (n: string): Buffer => readFileSync(path.join(FIXTURES, n));
    const horse = read('horse.png');
    let before = await lookups('mobilenetv2');
    const twice = items(await infer(cachedClient, [horse, horse]));
    let after = await lookups('mobilenetv2');
    assert.deepEqual({ miss: after.miss - before.miss, shared: after.shared - before.shared, hit: after.hit - before.hit }, { miss: 1, shared: 1, hit: 0 });
    assert.deepEqual(twice[0], twice[1]);

    const coins = read('coins.png');
    before = await lookups('mobilenetv2');
    const [a, b] = await Promise.all([infer(cachedClient, [coins]), infer(cachedClient, [coins])]);
    after = await lookups('mobilenetv2');
    assert.deepEqual({ miss: after.miss - before.miss, shared: after.shared - before.shared, hit: after.hit - before.hit }, { miss: 1, shared: 1, hit: 0 });
    assert.deepEqual(items(a), items(b));
    assert.deepEqual(items(a), items(await infer(plainClient, [coins])));
  });

  it('two calls at once with the same undecodable image both fail with INVALID_ARGUMENT, and the server keeps serving', async () => {
    const junk = Buffer.from('still not an image');
    const results = await Promise.allSettled([infer(cachedClient, [junk]), infer(cachedClient, [junk])]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.equal((r as PromiseRejectedResult & { reason: { code?: number } }).reason.code, 3);
    }
    assert.match(items(await infer(cachedClient, [images[0]!]))[0]!.decoded, /cat/);
  });

  it('an undecodable image fails its call and is not cached', async () => {
    const junk = Buffer.from('not an image at all');
    const before = await lookups('mobilenetv2');
    for (let k = 0; k < 2; k++) await assert.rejects(infer(cachedClient, [junk]), /INVALID_ARGUMENT|decode|image/i);
    const after = await lookups('mobilenetv2');
    assert.deepEqual({ hit: after.hit - before.hit, miss: after.miss - before.miss }, { hit: 0, miss: 2 });
  });
});
