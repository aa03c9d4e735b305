/** The CPU-per-request comparison of two load variants (src/bench/cpu-table.ts) that figures 2 and 3 print. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spread } from '../../src/bench/common';
import { cpuComparison, cpuHeadline } from '../../src/bench/cpu-table';
import type { VariantResult } from '../../src/bench/load';

function variant(name: string, perProcess: Record<string, number> | undefined): VariantResult {
  const one = spread([1]);
  const total = Object.values(perProcess ?? {}).reduce((a, b) => a + b, 0);
  return {
    name, runs: [], throughput: one, p50: one, p99: one, meanBatchSize: 1, errors: 0, degraded: 0, activationsPerRequest: {},
    ...(perProcess ? { cpu: { msPerRequest: Object.fromEntries(Object.entries(perProcess).map(([k, v]) => [k, spread([v], 1)])), totalMsPerRequest: spread([total], 1), coresBusy: spread([1.9]) } } : {}),
  };
}

describe('CPU comparison of two load variants', () => {
  const a = variant('with', { ocr: 100, 'gateway-batch': 10, router: 1 });
  const b = variant('without', { ocr: 110, 'gateway-nobatch': 20, router: 3 });

  it('puts each variant\'s gateway on one row and compares every process and the total', () => {
    const text = cpuComparison(a, b, { a: 'with batching', b: 'batch size 1', saving: 'batching' });
    const rows = text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| process'));
    assert.deepEqual(rows, [
      '| ocr | 100 (100–100) | 90.1% | 110 (110–110) | 1.1 |',
      '| gateway | 10 (10–10) | 9% | 20 (20–20) | 2 |',
      '| router | 1 (1–1) | 0.9% | 3 (3–3) | 3 |',
      '| **total** | 111 (111–111) | 100% | 133 (133–133) | 1.2 |',
    ]);
    assert.match(text, /\| process \| with batching \| share \| batch size 1 \| batch size 1 ÷ with batching \|/);
  });

  it('names the costliest process in the headline, and says nothing without readings', () => {
    assert.equal(cpuHeadline(a, b, 'batching'), '; CPU per request 111 vs 133 ms (1.2×); ocr is 90% of it and batching cuts its CPU per request 1.1×');
    const blind = variant('no /proc', undefined);
    assert.equal(cpuHeadline(a, blind, 'batching'), '');
    assert.equal(cpuComparison(blind, b, { a: 'x', b: 'y', saving: 'z' }), '');
  });
});
