/** ItemCache: least-recently-used order, the byte bound, replacing a key, items larger than the bound. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assemble, ItemCache, itemOf, type CachedItem } from '../../services/expert/response-cache';

const item = (bytes: number, tag = 0): CachedItem => ({ features: { data: new Float32Array([tag]), dims: [1, 1, 1] }, pooled: { data: new Float32Array([tag]), dims: [1, 1] }, decoded: tag, bytes });

describe('ItemCache', () => {
  it('evicts the least recently used entries first and never holds more than its bound', () => {
    const c = new ItemCache(100);
    c.set('a', item(40));
    c.set('b', item(40));
    assert.ok(c.get('a')); // a is now more recent than b
    c.set('c', item(40)); // 120 > 100: b leaves
    assert.equal(c.get('b'), undefined);
    assert.ok(c.get('a') && c.get('c'));
    assert.equal(c.usedBytes, 80);
    assert.equal(c.size, 2);
  });

  it('replacing a key counts its bytes once; an item larger than the bound is not kept', () => {
    const c = new ItemCache(100);
    c.set('a', item(30));
    c.set('a', item(50));
    assert.equal(c.usedBytes, 50);
    c.set('huge', item(101));
    assert.equal(c.get('huge'), undefined);
    assert.equal(c.usedBytes, 50);
  });

  it('itemOf copies one row out of a batch result; assemble stacks items back in order', () => {
    const r = { features: { data: Float32Array.from([1, 2, 3, 4, 5, 6]), dims: [3, 1, 2] }, pooled: { data: Float32Array.from([7, 8, 9]), dims: [3, 1] }, decoded: ['x', 'y', 'z'] };
    const y = itemOf(r, 1);
    assert.deepEqual([...y.features.data], [3, 4]);
    assert.notEqual(y.features.data.buffer, r.features.data.buffer, 'a copy, not a view of the batch buffer');
    assert.deepEqual(y.features.dims, [1, 1, 2]);
    assert.ok(y.bytes > 12);
    const back = assemble([itemOf(r, 2), y]);
    assert.deepEqual([...back.features.data], [5, 6, 3, 4]);
    assert.deepEqual(back.features.dims, [2, 1, 2]);
    assert.deepEqual([...back.pooled.data], [9, 8]);
    assert.deepEqual(back.decoded, ['z', 'y']);
  });
});
