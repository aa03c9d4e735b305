/**
 * SharedMemoryRegions on its own: bytes written to and read from registered regions at their offsets, reads into
 * buffers the caller owns (transferable), and the errors for locations outside a region, unknown regions and an
 * object truncated after it was registered; a request's input checked against its shape and the server's limit
 * before anything is read. Regions live in a private folder standing in for /dev/shm.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidArgumentError, NotFoundError, ResourceExhaustedError } from '../../src/core/errors';
import { readSharedMemoryInputs } from '../../src/core/oip-shm';
import type { ModelInferRequest__Output } from '../../src/generated/inference/ModelInferRequest';
import { SharedMemoryRegions } from '../../src/core/shared-memory';
import { ownsWholeBuffer } from '../../src/core/tensor-codec';

describe('SharedMemoryRegions', () => {
  let dir: string;
  let regions: SharedMemoryRegions;
  const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 251));

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mova-shm-'));
    writeFileSync(path.join(dir, 'obj'), bytes);
    regions = new SharedMemoryRegions({ enabled: true, dir });
    await regions.register({ name: 'whole', key: '/obj', offset: 0, byte_size: 4096 });
    await regions.register({ name: 'tail', key: 'obj', offset: 1000, byte_size: 3096 });
  });
  after(async () => {
    await regions.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a location (region offset + location offset) into a fresh buffer of its own', () => {
    const got = regions.read({ region: 'tail', offset: 24, byteSize: 500 }, 'input "x"');
    assert.deepEqual(got, bytes.subarray(1024, 1524));
    assert.ok(ownsWholeBuffer(got), 'the read owns its whole buffer, so it can be moved to a worker thread');
  });

  it('writes at the location and leaves the rest of the object as it was', () => {
    const data = Buffer.alloc(300, 0xab);
    regions.write({ region: 'tail', offset: 100, byteSize: 300 }, data, 'output "y"');
    const now = readFileSync(path.join(dir, 'obj'));
    assert.deepEqual(now.subarray(1100, 1400), data);
    assert.deepEqual(now.subarray(0, 1100), bytes.subarray(0, 1100));
    assert.deepEqual(now.subarray(1400), bytes.subarray(1400));
    assert.deepEqual(regions.read({ region: 'whole', offset: 1100, byteSize: 300 }, 'input "x"'), data);
  });

  it('refuses locations outside their region, data larger than the location, and unknown regions', () => {
    assert.throws(() => regions.read({ region: 'tail', offset: 3000, byteSize: 97 }, 'input "x"'), (e: unknown) => e instanceof InvalidArgumentError && /input "x": offset 3000 \+ 97 bytes exceeds shared-memory region "tail" \(3096 bytes\)/.test(e.message));
    assert.throws(() => regions.write({ region: 'whole', offset: 0, byteSize: 10 }, Buffer.alloc(11), 'output "y"'), (e: unknown) => e instanceof InvalidArgumentError && /11 bytes do not fit in the 10 bytes/.test(e.message));
    assert.throws(() => regions.read({ region: 'nope', offset: 0, byteSize: 1 }, 'input "x"'), (e: unknown) => e instanceof NotFoundError && /region "nope" is not registered/.test(e.message));
  });

  it('an input is checked before anything is read: its shape fixes its bytes, and the limit bounds them', async () => {
    const request = (shape: number[], byteSize: number, datatype = 'FP32'): ModelInferRequest__Output => ({
      model_name: 'm', model_version: '', id: '', parameters: {}, outputs: [], raw_input_contents: [],
      inputs: [{ name: 'x', datatype, shape, parameters: { shared_memory_region: { string_param: 'whole', parameter_choice: 'string_param' }, shared_memory_byte_size: { int64_param: byteSize, parameter_choice: 'int64_param' } } }],
    } as unknown as ModelInferRequest__Output);
    const ok = readSharedMemoryInputs(request([2, 8], 64), regions);
    assert.deepEqual(ok.raw_input_contents[0], bytes.subarray(0, 64));
    assert.deepEqual(ok.inputs[0]!.parameters, {}, 'the shared-memory keys are gone');
    assert.throws(() => readSharedMemoryInputs(request([2, 8], 4096), regions), (e: unknown) => e instanceof InvalidArgumentError && /input "x": shape \[2,8\] of FP32 needs 64 bytes, got 4096 \(shared_memory_byte_size\)/.test(e.message));
    // BYTES tensors are sized by their contents: only the limit applies.
    const small = new SharedMemoryRegions({ enabled: true, dir, maxReadBytes: 1024 });
    await small.register({ name: 'whole', key: 'obj', offset: 0, byte_size: 2000 });
    try {
      assert.throws(() => readSharedMemoryInputs(request([1], 2000, 'BYTES'), small), (e: unknown) => e instanceof ResourceExhaustedError && /input "x": shared_memory_byte_size 2000 exceeds this server's limit of 1024 bytes per input/.test(e.message));
      assert.equal(readSharedMemoryInputs(request([1], 1024, 'BYTES'), small).raw_input_contents[0]!.byteLength, 1024);
    } finally {
      await small.close();
    }
  });

  it('an object truncated after registration is an INVALID_ARGUMENT naming it, not a short read', () => {
    truncateSync(path.join(dir, 'obj'), 2000);
    assert.throws(() => regions.read({ region: 'whole', offset: 1500, byteSize: 1000 }, 'input "x"'), (e: unknown) => e instanceof InvalidArgumentError && /object "\/obj" is shorter than its region/.test(e.message));
    assert.deepEqual(regions.read({ region: 'whole', offset: 1500, byteSize: 500 }, 'input "x"'), bytes.subarray(1500, 2000));
  });
});
