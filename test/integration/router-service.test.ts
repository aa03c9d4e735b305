import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { decodeImage } from '../../src/core/image';
import { loadProto } from '../../src/core/proto';
import { DEFAULT_REGISTRY_PATH, loadRegistry, PROJECT_ROOT } from '../../src/core/registry';
import type { RouteRequest } from '../../src/generated/mova/v1/RouteRequest';
import type { RouteResponse__Output } from '../../src/generated/mova/v1/RouteResponse';
import type { RouterClient } from '../../src/generated/mova/v1/Router';
import type { ProtoGrpcType } from '../../src/generated/router';
import { renderDocument } from '../../scripts/router-data/render';
import { createExpertPipeline } from '../../services/expert/runner';
import { ROUTER_PROTO, start, type RunningRouter } from '../../services/router/main';

let router: RunningRouter;
let client: RouterClient;
let receipt: Buffer;
let cat: Buffer;

const raw = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

function route(req: RouteRequest): Promise<RouteResponse__Output> {
  return new Promise((resolve, reject) => client.Route(req, { deadline: Date.now() + 10_000 }, (err, res) => (err || !res ? reject(err) : resolve(res))));
}

before(async () => {
  const registry = loadRegistry(DEFAULT_REGISTRY_PATH);
  const base = await createExpertPipeline({ registryPath: DEFAULT_REGISTRY_PATH, modelsDir: registry.modelsDir, expert: registry.base, intraOpThreads: 1 });
  const imgs = [await renderDocument('receipt', 99), readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/images/chelsea.png'))];
  const out = await base.runImages(await Promise.all(imgs.map((b) => decodeImage(b))));
  const w = base.pooledWidth;
  receipt = raw(out.pooled.data.slice(0, w));
  cat = raw(out.pooled.data.slice(w, 2 * w));
  router = await start({ port: 0 });
  const proto = loadProto<ProtoGrpcType>(ROUTER_PROTO);
  client = new proto.mova.v1.Router(router.address, grpc.credentials.createInsecure()) as unknown as RouterClient;
});

after(async () => {
  client?.close();
  await router?.stop();
});

test('learned routing: a document question chooses ppocr; an animal question does not', async () => {
  const res = await route({ items: [
    { instruction: Buffer.from('What is the total amount on this receipt?'), pooled_raw: receipt, pooled_dims: 1280 },
    { instruction: Buffer.from('What kind of animal is this?'), pooled_raw: cat, pooled_dims: 1280 },
  ] });
  const [doc, animal] = res.decisions;
  assert.deepEqual(doc?.chosen, ['ppocr'], doc?.reason);
  assert.equal(doc?.policy, 'learned');
  assert.ok(!animal?.chosen.includes('ppocr'), animal?.reason);
  assert.equal(doc?.scores.length, 3);
  assert.ok(doc?.scores.every((s) => s.name !== 'mobilenetv2' && s.score >= 0 && s.score <= 1));
  assert.ok(res.routing_ms >= 0);
});

test('overrides and policy override travel over the wire', async () => {
  const res = await route({ items: [
    { instruction: Buffer.from('What kind of animal is this?'), pooled: Array.from(new Float32Array(cat.buffer, cat.byteOffset, 1280)), required: ['ultraface'], excluded: ['ppocr'], max_experts: 1 },
    { instruction: Buffer.from('anything'), policy: 'all', max_experts: 2 },
  ] });
  assert.deepEqual(res.decisions[0]?.chosen, ['ultraface']);
  assert.equal(res.decisions[1]?.policy, 'all');
  assert.equal(res.decisions[1]?.chosen.length, 2);
});

test('bad input → INVALID_ARGUMENT with a message; the server keeps serving', async () => {
  const cases: [RouteRequest, RegExp][] = [
    [{ items: [{ instruction: Buffer.alloc(0) }] }, /items\[0\]\.instruction is empty/],
    [{ items: [{ instruction: Buffer.alloc(100 * 1024, 0x61) }] }, /102400 bytes; the limit is 8192/],
    [{ items: [{ instruction: Buffer.from([0x68, 0x69, 0xff, 0xfe]) }] }, /not valid UTF-8/],
    [{ items: [{ instruction: Buffer.from('hi'), pooled_raw: Buffer.alloc(400), pooled_dims: 100 }] }, /pooled_dims is 100; this router expects 1280/],
    [{ items: [{ instruction: Buffer.from('hi'), pooled_raw: Buffer.alloc(400), pooled_dims: 1280 }] }, /pooled_raw has 400 bytes/],
    [{ items: [{ instruction: Buffer.from('hi'), required: ['nosuch'] }] }, /unknown expert "nosuch"/],
    [{ items: [{ instruction: Buffer.from('hi'), excluded: ['mobilenetv2'] }] }, /base expert/],
    [{ items: [{ instruction: Buffer.from('hi'), policy: 'magic' }] }, /unknown policy/],
    [{ items: [] }, /items is empty/],
  ];
  for (const [req, re] of cases) {
    await assert.rejects(route(req), (err: grpc.ServiceError) => {
      assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
      assert.match(err.details, re);
      return true;
    });
  }
  const ok = await route({ items: [{ instruction: Buffer.from('Read the sign.') }] });
  assert.equal(ok.decisions.length, 1);
});
