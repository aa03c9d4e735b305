/** `mova infer`'s human summary (src/cli/infer.ts summarise) for each kind of expert result. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarise } from '../../src/cli/infer';
import type { InferResponse__Output } from '../../src/generated/mova/v1/InferResponse';

function response(experts: { name: string; status: string; decoded?: unknown; error?: string }[]): InferResponse__Output {
  return {
    request_id: 'r1',
    degraded: false,
    missing_experts: [],
    routing: { policy: 'learned', reason: 'test', chosen: experts.map((e) => ({ name: e.name, score: 0.9 })) },
    base_decoded_json: JSON.stringify({ labels: [{ label: 'tabby', score: 0.61 }] }),
    experts: experts.map((e) => ({ name: e.name, status: e.status, decoded_json: e.decoded === undefined ? '' : JSON.stringify(e.decoded), error: e.error ?? '' })),
    batch_size: 1,
  } as unknown as InferResponse__Output;
}

test('the summary names what each expert found, and says so when OCR found no text', () => {
  const out = summarise(response([
    { name: 'ppocr', status: 'ok', decoded: { lines: [], text: '' } },
    { name: 'ultraface', status: 'ok', decoded: { faces: [{ box: [0, 0, 1, 1], score: 0.993 }, { box: [2, 2, 3, 3], score: 0.827 }] } },
    { name: 'fastestdet', status: 'ok', decoded: { objects: [] } },
  ]));
  assert.match(out, /^routing \[learned\]: ppocr \(0\.90\), ultraface \(0\.90\), fastestdet \(0\.90\) — test$/m);
  assert.match(out, /^labels: tabby 61%$/m);
  assert.match(out, /^ppocr: no text found$/m);
  assert.match(out, /^ultraface: 2 face\(s\), scores 99%, 83%$/m);
  assert.match(out, /^fastestdet: no objects$/m);
});

test('OCR text is printed line by line, and a failed expert shows its status and error', () => {
  const out = summarise(response([
    { name: 'ppocr', status: 'ok', decoded: { lines: [], text: 'TOTAL\n23.45' } },
    { name: 'ultraface', status: 'timeout', error: 'deadline exceeded' },
  ]));
  assert.match(out, /^ppocr text:\n {2}TOTAL\n {2}23\.45$/m);
  assert.match(out, /^ultraface: timeout — deadline exceeded$/m);
});
