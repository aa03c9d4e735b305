import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../scripts/router-data/rng';
import { augmentWordDropout } from '../../scripts/train-router';
import { initMlp, mergeMlps, predict, train, type TrainData } from '../../scripts/router-train/mlp';
import { fitPca } from '../../scripts/router-train/pca';

function randomData(n: number, textDim: number, imageDim: number, labels: number, seed: number): TrainData {
  const r = new Rng(seed);
  const text = Array.from({ length: n }, () => {
    const idx = Int32Array.from(new Set(Array.from({ length: 5 }, () => r.int(textDim))));
    return { idx, val: Float64Array.from(idx, () => r.normal()) };
  });
  const image = Float64Array.from({ length: n * imageDim }, () => r.normal());
  const y = Float64Array.from({ length: n * labels }, () => (r.next() < 0.3 ? 1 : 0));
  return { text, image, y, n };
}

const logit = (p: number): number => Math.log(p / (1 - p));

test('mergeMlps is exactly the mean-logit ensemble of its members', () => {
  const shape = { textDim: 40, imageDim: 12, hidden: 6, labels: 3 };
  const d = randomData(30, shape.textDim, shape.imageDim, shape.labels, 5);
  const images = Array.from({ length: d.n }, (_, i) => d.image.slice(i * shape.imageDim, (i + 1) * shape.imageDim));
  const pca = fitPca(images, 4);
  const members = [11, 12, 13].map((seed) => {
    const m = initMlp(shape, seed, pca);
    train(m, d, { seed, steps: 20, lr: 0.01, l2: 1e-4 });
    return m;
  });
  const merged = mergeMlps(members);
  assert.equal(merged.hidden, 18);
  const each = members.map((m) => predict(m, d));
  const got = predict(merged, d);
  for (let i = 0; i < got.length; i++) {
    const mean = each.reduce((s, p) => s + logit(p[i]!), 0) / members.length;
    assert.ok(Math.abs(logit(got[i]!) - mean) < 1e-9, `row ${i}: ${logit(got[i]!)} vs ${mean}`);
  }
  assert.equal(mergeMlps([members[0]!]), members[0], 'one member is returned as is');
  assert.throws(() => mergeMlps([]), /no members/);
});

test('word-dropout augmentation keeps labels and images, drops only words, and is seeded', () => {
  const samples = [
    { id: 0, split: 'train' as const, category: 'document', template: 1, image: 'document:receipt:0', instruction: 'Read the total on this receipt please', labels: ['document' as const] },
    { id: 1, split: 'train' as const, category: 'natural', template: 2, image: 'photo:cat:0', instruction: 'Cat?', labels: [] },
  ];
  const a = augmentWordDropout(samples, 3, 0.5, 7);
  assert.equal(a.length, samples.length * 4);
  assert.deepEqual(a.slice(0, 2), samples, 'originals first, unchanged');
  for (const s of a.slice(2)) {
    const src = samples.find((x) => x.id === s.id)!;
    assert.equal(s.image, src.image);
    assert.deepEqual(s.labels, src.labels);
    const words = src.instruction.split(' ');
    assert.ok(s.instruction.length > 0);
    for (const w of s.instruction.split(' ')) assert.ok(words.includes(w), `"${w}" comes from "${src.instruction}"`);
  }
  assert.deepEqual(augmentWordDropout(samples, 3, 0.5, 7), a, 'same seed, same output');
  assert.deepEqual(augmentWordDropout(samples, 0, 0.5, 7), samples);
});
