/** Edge validation: a wire request (gRPC or HTTP) → a GatewayRequest, or an InvalidArgumentError naming the field. */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../src/core/errors';
import { DEFAULT_MAX_PIXELS, probeImage } from '../src/core/image';
import type { GatewayConfig } from './config';
import type { GatewayRequest } from './request';

export interface WireRequest {
  image: Uint8Array;
  instruction: string;
  deadlineMs: number;
  maxExperts: number | undefined;
  requiredExperts: string[];
  excludedExperts: string[];
  returnFeatures: boolean;
  featuresDtype: 'FP32' | 'FP16';
  requestId: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Longest request budget a client may ask for (10 minutes). */
export const MAX_DEADLINE_MS = 600_000;

export async function validateRequest(w: WireRequest, cfg: GatewayConfig, callDeadline: number | undefined, now = Date.now()): Promise<GatewayRequest> {
  if (w.image.byteLength === 0) throw new InvalidArgumentError('image is required (encoded PNG/JPEG bytes)');
  await probeImage(w.image, DEFAULT_MAX_PIXELS);
  const instruction = w.instruction.trim();
  if (instruction.length === 0) throw new InvalidArgumentError('instruction is required and must not be blank');
  const bytes = Buffer.byteLength(w.instruction, 'utf8');
  if (bytes > cfg.maxInstructionBytes) throw new InvalidArgumentError(`instruction is ${bytes} bytes, over the limit of ${cfg.maxInstructionBytes}`);
  if (w.instruction.includes('\uFFFD')) throw new InvalidArgumentError('instruction is not valid UTF-8');
  const routable = new Set(cfg.registry.experts.filter((e) => e.name !== cfg.registry.base).map((e) => e.name));
  for (const [field, list] of [['required_experts', w.requiredExperts], ['excluded_experts', w.excludedExperts]] as const) {
    for (const name of list) {
      if (!routable.has(name)) throw new InvalidArgumentError(`${field}: unknown expert "${name}" (routable experts: ${[...routable].join(', ')})`);
    }
  }
  const both = w.requiredExperts.filter((n) => w.excludedExperts.includes(n));
  if (both.length > 0) throw new InvalidArgumentError(`expert "${both[0]}" is both required and excluded`);
  if (w.maxExperts !== undefined && (!Number.isInteger(w.maxExperts) || w.maxExperts < 0 || w.maxExperts > 16)) {
    throw new InvalidArgumentError(`max_experts must be an integer in 0..16, got ${w.maxExperts}`);
  }
  if (!Number.isFinite(w.deadlineMs) || w.deadlineMs < 0 || w.deadlineMs > MAX_DEADLINE_MS) {
    // A negative int sent into the uint32 field arrives as a huge value: same message either way.
    throw new InvalidArgumentError(`deadline_ms must be in 0..${MAX_DEADLINE_MS} (0 = default), got ${w.deadlineMs}`);
  }
  if (w.requestId !== '' && !REQUEST_ID.test(w.requestId)) {
    throw new InvalidArgumentError('request_id must be 1..128 characters of letters, digits, and . _ : -');
  }
  const budget = w.deadlineMs > 0 ? w.deadlineMs : cfg.defaultDeadlineMs;
  const deadlineAt = Math.min(now + budget, callDeadline ?? Number.POSITIVE_INFINITY);
  return {
    requestId: w.requestId || randomUUID(),
    image: w.image,
    instruction,
    deadlineAt,
    receivedAt: now,
    ...(w.maxExperts !== undefined ? { maxExperts: w.maxExperts } : {}),
    required: [...new Set(w.requiredExperts)],
    excluded: [...new Set(w.excludedExperts)],
    returnFeatures: w.returnFeatures,
    featuresDtype: w.featuresDtype,
  };
}
