import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fnv1a, TEXT_FEATURE_DIM, textFeatures, tokenize } from '../../src/core/text-features';

test('text features are deterministic, normalised and pinned', () => {
  const a = textFeatures('What is written on the receipt?');
  const b = textFeatures('What is written on the receipt?');
  assert.equal(a.length, TEXT_FEATURE_DIM);
  assert.deepEqual(a, b);
  const norm = Math.sqrt(a.reduce((s, x) => s + x * x, 0));
  assert.ok(Math.abs(norm - 1) < 1e-6);
  // Pinned hash values: a change here silently invalidates the trained model.
  assert.equal(fnv1a('w:text'), 0xb23c9033);
  assert.equal(fnv1a(''), 0x811c9dc5);
  assert.equal(fnv1a('a'), 0xe40c292c);
  const f = textFeatures('read the sign');
  assert.ok(Math.abs((f[84] ?? 0) - 0.13673022389411926) < 1e-7 && Math.abs((f[93] ?? 0) + 0.2734604477882385) < 1e-7);
});

test('tokenize lower-cases, drops apostrophes and handles Unicode', () => {
  assert.deepEqual(tokenize("What's the CAFÉ's name?"), ['whats', 'the', 'cafés', 'name']);
  assert.deepEqual(tokenize('   '), []);
  assert.ok(textFeatures('').every((x) => x === 0));
});

test('similar phrasings are closer than unrelated ones', () => {
  const dot = (x: Float32Array, y: Float32Array): number => x.reduce((s, v, i) => s + v * (y[i] ?? 0), 0);
  const q = textFeatures('read the text on the sign');
  assert.ok(dot(q, textFeatures('Read the text in this document')) > dot(q, textFeatures('how many cats are there')));
});
