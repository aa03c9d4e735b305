/**
 * The system shared-memory extension applied to Fuse (see src/core/shared-memory.ts): FuseRequest tensors whose
 * `shared_memory` names a registered region are read from it into `raw`, so the rest of the service sees an
 * ordinary request. Each location's byte size is checked against its tensor's shape and datatype before anything
 * is read (or allocated).
 */
import { InvalidArgumentError } from '../../src/core/errors';
import type { SharedMemoryRegions } from '../../src/core/shared-memory';
import { checkRawByteLength } from '../../src/core/tensor-codec';
import type { FuseRequest__Output } from '../../src/generated/mova/v1/FuseRequest';
import type { FusionTensor__Output } from '../../src/generated/mova/v1/FusionTensor';

function fromSharedMemory(t: FusionTensor__Output, what: string, regions: SharedMemoryRegions): FusionTensor__Output {
  const loc = t.shared_memory;
  if (!loc) return t;
  if (t.raw.byteLength > 0) throw new InvalidArgumentError(`${what}: give its bytes in raw or in shared_memory, not both`);
  if (!loc.region) throw new InvalidArgumentError(`${what}: shared_memory.region must name a registered region`);
  checkRawByteLength(t, loc.byte_size, what, 'shared_memory.byte_size');
  const raw = regions.read({ region: loc.region, offset: loc.offset, byteSize: loc.byte_size }, what);
  return { ...t, raw, shared_memory: null };
}

/** The request with every tensor that lies in shared memory read into its `raw` bytes (the same request if none does). */
export function readSharedMemoryTensors(req: FuseRequest__Output, regions: SharedMemoryRegions): FuseRequest__Output {
  const inShm = (t: FusionTensor__Output | null): boolean => t?.shared_memory != null;
  if (![req.base, req.mask, req.context, ...req.experts].some(inShm)) return req;
  const read = (t: FusionTensor__Output | null, what: string): FusionTensor__Output | null => (t ? fromSharedMemory(t, what, regions) : t);
  return {
    ...req,
    base: read(req.base, 'base'),
    mask: read(req.mask, 'mask'),
    context: read(req.context, 'context'),
    experts: req.experts.map((t, k) => fromSharedMemory(t, `experts[${k}] ("${t.name}")`, regions)),
  };
}
