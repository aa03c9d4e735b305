/** Decoding and validating a RouteRequest into router inputs; every failure is INVALID_ARGUMENT naming the item. */
import { InvalidArgumentError } from '../../src/core/errors';
import { firstNonFinite } from '../../src/core/tensor-codec';
import type { RouteRequest__Output } from '../../src/generated/mova/v1/RouteRequest';
import { isPolicyName } from './policy';
import type { RouteItemInput } from './router';

export const MAX_INSTRUCTION_BYTES = 8192;
export const MAX_BATCH = 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeInstruction(bytes: Uint8Array, where: string): string {
  if (bytes.length === 0) throw new InvalidArgumentError(`${where}.instruction is empty`);
  if (bytes.length > MAX_INSTRUCTION_BYTES) {
    throw new InvalidArgumentError(`${where}.instruction is ${bytes.length} bytes; the limit is ${MAX_INSTRUCTION_BYTES}`);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new InvalidArgumentError(`${where}.instruction is not valid UTF-8`);
  }
  if (text.trim() === '') throw new InvalidArgumentError(`${where}.instruction is blank`);
  return text;
}

export function decodePooled(raw: Uint8Array, dims: number, floats: readonly number[], width: number, where: string): Float32Array | null {
  let v: Float32Array;
  if (raw.length > 0) {
    if (dims !== width) throw new InvalidArgumentError(`${where}.pooled_dims is ${dims}; this router expects ${width}`);
    if (raw.length !== 4 * width) throw new InvalidArgumentError(`${where}.pooled_raw has ${raw.length} bytes; expected ${4 * width} (${width} FP32)`);
    v = new Float32Array(width);
    new Uint8Array(v.buffer).set(raw);
  } else if (floats.length > 0) {
    if (floats.length !== width) throw new InvalidArgumentError(`${where}.pooled has ${floats.length} values; this router expects ${width}`);
    v = Float32Array.from(floats);
  } else {
    return null;
  }
  const bad = firstNonFinite(v);
  if (bad >= 0) throw new InvalidArgumentError(`${where}.pooled[${bad}] is not finite`);
  return v;
}

export function parseRouteRequest(req: RouteRequest__Output, width: number): RouteItemInput[] {
  const items = req.items ?? [];
  if (items.length === 0) throw new InvalidArgumentError('items is empty');
  if (items.length > MAX_BATCH) throw new InvalidArgumentError(`items has ${items.length} requests; the limit is ${MAX_BATCH}`);
  return items.map((it, i) => {
    const where = `items[${i}]`;
    const policy = it.policy === '' ? undefined : it.policy;
    if (policy !== undefined && !isPolicyName(policy)) throw new InvalidArgumentError(`${where}.policy: unknown policy "${policy}"`);
    return {
      instruction: decodeInstruction(it.instruction, where),
      pooled: decodePooled(it.pooled_raw, it.pooled_dims, it.pooled.map(Number), width, where),
      required: it.required,
      excluded: it.excluded,
      ...(it._max_experts === 'max_experts' ? { maxExperts: it.max_experts ?? 0 } : {}),
      ...(policy !== undefined ? { policy } : {}),
    };
  });
}
