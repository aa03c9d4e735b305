// The committed router model reproduces: retraining on the committed data set with the committed seed gives a
// byte-identical ONNX file (full training takes ~6 s on one core, so the test retrains in full). Needs the base
// expert's model file (embeddings); the image embeddings are cached under .cache/router/.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../src/core/registry';
import { generateDataset, loadDataset, toJsonl } from '../../scripts/router-data/dataset';
import { trainRouter } from '../../scripts/train-router';

test('the committed data set is what the generator makes', () => {
  assert.equal(toJsonl(loadDataset()), toJsonl(generateDataset()));
  const samples = loadDataset();
  assert.ok(new Set(samples.map((s) => s.instruction)).size >= 400);
  const trainTemplates = new Set(samples.filter((s) => s.split === 'train').map((s) => s.template));
  const trainImages = new Set(samples.filter((s) => s.split === 'train').map((s) => s.image));
  for (const s of samples.filter((x) => x.split === 'test')) {
    assert.ok(!trainTemplates.has(s.template) && !trainImages.has(s.image), `held-out sample ${s.id} leaks`);
  }
});

test('retraining reproduces models/router/router.onnx byte for byte', async () => {
  const committed = readFileSync(path.join(PROJECT_ROOT, 'models', 'router', 'router.onnx'));
  const res = await trainRouter();
  assert.equal(res.sha256, createHash('sha256').update(committed).digest('hex'));
  const metrics = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'models', 'router', 'metrics.json'), 'utf8')) as { onnxSha256: string };
  assert.equal(metrics.onnxSha256, res.sha256);
});
