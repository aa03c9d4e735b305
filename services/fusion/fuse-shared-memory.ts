/**
 * The system shared-memory extension applied to Fuse (see src/core/shared-memory.ts): FuseRequest tensors whose
 * `shared_memory` names a registered region are read from it into `raw`, so the rest of the service sees an
 * ordinary request (each location's byte size is checked against its tensor's shape and datatype before anything
 * is read or allocated); with `fused_shared_memory`, the fused tokens are written there instead of the reply.
 */
import { InvalidArgumentError } from '../../src/core/errors';
import type { SharedMemoryRegions, ShmLocation } from '../../src/core/shared-memory';
import { checkRawByteLength } from '../../src/core/tensor-codec';
import type { FuseRequest__Output } from '../../src/generated/mova/v1/FuseRequest';
import type { FuseResponse } from '../../src/generated/mova/v1/FuseResponse';
import type { FusionTensor__Output } from '../../src/generated/mova/v1/FusionTensor';
import type { AdapterConfig } from './adapter-config';
import { checkTokenDatatype, type FuseJob } from './fuse-request';

function fromSharedMemory(t: FusionTensor__Output, what: string, regions: SharedMemoryRegions): FusionTensor__Output {
  const loc = t.shared_memory;
  if (!loc) return t;
  if (t.raw.byteLength > 0) throw new InvalidArgumentError(`${what}: give its bytes in raw or in shared_memory, not both`);
  if (!loc.region) throw new InvalidArgumentError(`${what}: shared_memory.region must name a registered region`);
  checkTokenDatatype(t, what); // before reading, as parseFuseRequest would after
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

/**
 * Where the fused tokens go when the call asked for shared memory (`fused_shared_memory`), checked before the run:
 * the region is registered, the location lies inside it and holds N × T × Dout elements of the fused datatype.
 */
export function fusedOutputLocation(req: FuseRequest__Output, job: FuseJob, c: AdapterConfig, regions: SharedMemoryRegions): ShmLocation | undefined {
  const loc = req.fused_shared_memory;
  if (!loc) return undefined;
  const what = 'fused_shared_memory';
  if (!loc.region) throw new InvalidArgumentError(`${what}.region must name a registered region`);
  const at: ShmLocation = { region: loc.region, offset: loc.offset, byteSize: loc.byte_size };
  regions.check(at, what);
  const need = job.n * c.tokens * c.outputWidth * (job.fusedDatatype === 'FP16' ? 2 : 4);
  if (at.byteSize < need) {
    throw new InvalidArgumentError(`${what}: byte_size ${at.byteSize} is too small for the fused tokens [${job.n}, ${c.tokens}, ${c.outputWidth}] of ${job.fusedDatatype} (${need} bytes)`);
  }
  return at;
}

/** Moves the reply's fused bytes into their shared-memory location: fused.raw becomes empty, fused.shared_memory says where. */
export function writeFusedToSharedMemory(res: FuseResponse, at: ShmLocation | undefined, regions: SharedMemoryRegions): FuseResponse {
  if (!at || !res.fused) return res;
  const raw = res.fused.raw as Uint8Array;
  regions.write(at, raw, 'fused_shared_memory');
  return { ...res, fused: { ...res.fused, raw: Buffer.alloc(0), shared_memory: { region: at.region, offset: at.offset, byte_size: raw.byteLength } } };
}
