/**
 * The system shared-memory extension applied to OIP ModelInfer (see shared-memory.ts): inputs whose parameters
 * name a region are read from it; requested outputs whose parameters name one are written to it and leave an empty
 * raw_output_contents entry (as Triton does, so entries still line up with outputs), their parameters echoing the
 * region and the bytes written.
 */
import { InvalidArgumentError } from './errors';
import { checkRawByteLength } from './tensor-codec';
import { shmLocation, type ShmLocation, type SharedMemoryRegions, type ShmParameterValue } from './shared-memory';
import type { ModelInferRequest__Output } from '../generated/inference/ModelInferRequest';
import type { ModelInferResponse } from '../generated/inference/ModelInferResponse';

const SHM_KEYS = ['shared_memory_region', 'shared_memory_byte_size', 'shared_memory_offset'];

function params(p: unknown): Record<string, ShmParameterValue> | undefined {
  return (p ?? undefined) as Record<string, ShmParameterValue> | undefined;
}

function withoutShmKeys<P>(p: P): P {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p ?? {})) if (!SHM_KEYS.includes(k)) out[k] = v;
  return out as P;
}

/**
 * The request with every shared-memory input's bytes in raw_input_contents (one entry per input, in order) and
 * the shared-memory parameters removed, so the rest of the server sees an ordinary request. The other inputs'
 * raw entries keep their order (Triton's rule: raw_input_contents holds only the inputs not in shared memory);
 * mixing shared memory with typed `contents` is refused.
 */
export function readSharedMemoryInputs(req: ModelInferRequest__Output, regions: SharedMemoryRegions): ModelInferRequest__Output {
  const locs = req.inputs.map((i) => shmLocation(params(i.parameters), `input "${i.name}"`));
  const inShm = locs.filter((l) => l !== undefined).length;
  if (inShm === 0) return req;
  const others = req.inputs.length - inShm;
  if (req.raw_input_contents.length !== others) {
    throw new InvalidArgumentError(`raw_input_contents has ${req.raw_input_contents.length} entries; with ${inShm} input(s) in shared memory it must hold the other ${others}`);
  }
  const inputs = req.inputs.map((input, k) => {
    const loc = locs[k];
    if (!loc) return input;
    if (input.contents) throw new InvalidArgumentError(`input "${input.name}" is in shared memory and must not also carry contents`);
    // A fixed-size tensor's bytes follow from its shape: refuse a mismatch before reading (and allocating) anything.
    checkRawByteLength(input, loc.byteSize, `input "${input.name}"`, 'shared_memory_byte_size');
    return { ...input, parameters: withoutShmKeys(input.parameters) };
  });
  let next = 0;
  const raw = req.inputs.map((input, k) => {
    const loc = locs[k];
    return loc ? regions.read(loc, `input "${input.name}"`) : (req.raw_input_contents[next++] as Buffer);
  });
  return { ...req, inputs, raw_input_contents: raw };
}

/**
 * Where the requested outputs that asked for shared memory go, by output name; each region is checked now (it is
 * registered and the location lies inside it), before any inference runs. `minBytes` gives, for outputs whose size
 * is known in advance, the bytes the location must hold.
 */
export function sharedMemoryOutputs(
  req: ModelInferRequest__Output,
  regions: SharedMemoryRegions,
  minBytes: (name: string) => number | undefined = () => undefined,
): Map<string, ShmLocation> {
  const out = new Map<string, ShmLocation>();
  for (const o of req.outputs) {
    const what = `output "${o.name}"`;
    const loc = shmLocation(params(o.parameters), what);
    if (!loc) continue;
    regions.check(loc, what);
    const need = minBytes(o.name);
    if (need !== undefined && loc.byteSize < need) {
      throw new InvalidArgumentError(`${what}: shared_memory_byte_size ${loc.byteSize} is too small for its ${need} bytes`);
    }
    out.set(o.name, loc);
  }
  return out;
}

/** The request's output parameters without the shared-memory keys (what output-specific parsing should see). */
export function outputsWithoutShm(req: ModelInferRequest__Output): ModelInferRequest__Output {
  if (!req.outputs.some((o) => Object.keys(o.parameters ?? {}).some((k) => SHM_KEYS.includes(k)))) return req;
  return { ...req, outputs: req.outputs.map((o) => ({ ...o, parameters: withoutShmKeys(o.parameters) })) };
}

/** Writes the placed outputs into their regions; their raw entries become empty and their parameters say where. */
export function writeSharedMemoryOutputs(res: ModelInferResponse, placed: Map<string, ShmLocation>, regions: SharedMemoryRegions): ModelInferResponse {
  if (placed.size === 0) return res;
  const outputs = res.outputs ?? [];
  const raw = [...(res.raw_output_contents ?? [])];
  const updated = outputs.map((o, i) => {
    const loc = o.name === undefined ? undefined : placed.get(o.name);
    if (!loc) return o;
    const data = raw[i] as Uint8Array;
    regions.write(loc, data, `output "${o.name}"`);
    raw[i] = Buffer.alloc(0);
    return {
      ...o,
      parameters: {
        ...(o.parameters ?? {}),
        shared_memory_region: { string_param: loc.region },
        shared_memory_offset: { int64_param: loc.offset },
        shared_memory_byte_size: { int64_param: data.byteLength },
      },
    };
  });
  return { ...res, outputs: updated, raw_output_contents: raw };
}
