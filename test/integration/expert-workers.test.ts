/**
 * An expert with several workers and `soloThreads` (the default registry's ppocr: 2 workers × 1 thread, 2 threads
 * for a lone call), through a real gRPC server on loopback: a lone call runs solo; a call of several images is
 * split over the idle workers; either way every item gets what a call of its own gets.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { metricsRegistry } from '../../src/core/metrics';
import { renderParagraph, renderReceipt, renderSign } from '../../src/render/documents';
import { compileExpertConfig } from '../../services/expert/config';
import { start, type RunningExpert } from '../../services/expert/main';
import { bytesRun, floats, oipClient, outputByName, splitBytesRun, type InferOutputs, type RawClient } from '../helpers/oip-client';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'images');

async function runs(): Promise<{ solo: number; shared: number }> {
  const m = metricsRegistry.getSingleMetric('mova_worker_pool_runs_total');
  const values = m ? (await m.get()).values : [];
  const count = (mode: string): number => values.filter((v) => v.labels.pool === 'ppocr' && v.labels.mode === mode).reduce((s, v) => s + v.value, 0);
  return { solo: count('solo'), shared: count('shared') };
}

interface Item {
  text: string;
  features: Float32Array;
  pooled: Float32Array;
}

function items(res: InferOutputs): Item[] {
  const decoded = splitBytesRun(outputByName(res, 'decoded').raw).map((b) => JSON.parse(b.toString('utf8')) as { text: string });
  const f = outputByName(res, 'features');
  const p = outputByName(res, 'pooled');
  const fa = floats(f.raw);
  const pa = floats(p.raw);
  const n = decoded.length;
  return decoded.map((d, i) => ({
    text: d.text,
    features: fa.subarray((i * fa.length) / n, ((i + 1) * fa.length) / n),
    pooled: pa.subarray((i * pa.length) / n, ((i + 1) * pa.length) / n),
  }));
}

function assertClose(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    maxAbs = Math.max(maxAbs, Math.abs(b[i]!));
  }
  // One thread or two: the same graph, only the work split of some kernels differs.
  assert.ok(maxDiff <= 1e-4 * Math.max(1, maxAbs), `${what}: max difference ${maxDiff} (max |value| ${maxAbs})`);
}

describe('expert with several workers (ppocr: solo calls, split batches)', { timeout: 180_000 }, () => {
  let expert: RunningExpert;
  let client: RawClient;
  let docs: Buffer[];

  before(async () => {
    expert = await start({ name: 'ppocr', port: 0 });
    client = oipClient(expert.address);
    docs = [
      await renderReceipt({ shop: 'CORNER SHOP', items: [['Bread', '2.40'], ['Milk', '1.15']], total: '3.55', date: '2026-11-02' }),
      await renderParagraph({ title: 'NOTICE', lines: ['The pool opens at 7 am', 'from Monday to Friday.'] }),
      await renderSign({ lines: ['KEEP LEFT'], angle: -4 }),
      readFileSync(path.join(FIXTURES, 'chelsea.png')),
    ];
  });
  after(async () => {
    client.close();
    await expert.stop();
  });

  const infer = (images: Buffer[]): Promise<InferOutputs> => client.call<InferOutputs>('ModelInfer', {
    model_name: 'ppocr',
    inputs: [{ name: 'image', datatype: 'BYTES', shape: [images.length] }],
    raw_input_contents: [bytesRun(images)],
  });

  it('the default registry gives ppocr 2 workers of 1 thread and 2 threads for a lone call (on 2 or more CPUs)', () => {
    const cfg = compileExpertConfig({ name: 'ppocr' });
    assert.equal(cfg.workers, 2);
    assert.equal(cfg.intraOpThreads, 1);
    assert.equal(cfg.soloThreads, Math.min(2, os.availableParallelism()));
  });

  it('a lone call runs solo; a call of several images runs item by item on the idle workers, with the same results', async () => {
    const singles: Item[] = [];
    for (const d of docs) {
      const before = await runs();
      singles.push(...items(await infer([d])));
      const after = await runs();
      assert.deepEqual({ solo: after.solo - before.solo, shared: after.shared - before.shared }, { solo: 1, shared: 0 }, 'a lone call is one solo run');
    }
    assert.match(singles[0]!.text, /CORNER SHOP/);
    assert.match(singles[0]!.text, /3\.55/);
    assert.match(singles[1]!.text, /The pool opens at 7 am/);
    assert.match(singles[2]!.text.replace(/\s+/g, ' '), /KEEP LEFT/);
    assert.equal(singles[3]!.text, '');

    const before = await runs();
    const batch = items(await infer(docs));
    const after = await runs();
    assert.deepEqual({ solo: after.solo - before.solo, shared: after.shared - before.shared }, { solo: 0, shared: docs.length }, 'one shared run per image');
    assert.equal(batch.length, docs.length);
    batch.forEach((b, i) => {
      assert.equal(b.text, singles[i]!.text, `item ${i}: text`);
      assertClose(b.features, singles[i]!.features, `item ${i}: features`);
      assertClose(b.pooled, singles[i]!.pooled, `item ${i}: pooled`);
    });
  });

  it('concurrent calls share the workers and each gets its own results', async () => {
    const alone = await Promise.all(docs.slice(0, 3).map(async (d) => items(await infer([d]))[0]!.text));
    const together = await Promise.all([infer(docs.slice(0, 2)), infer(docs.slice(2, 3)), infer(docs.slice(0, 1))]);
    assert.deepEqual(together.map((r) => items(r).map((x) => x.text)), [[alone[0], alone[1]], [alone[2]], [alone[0]]]);
  });
});
