/**
 * The JSON body of POST /v1/infer → a WireRequest. Field names are the proto's (`max_experts`) or, as the proto3
 * JSON mapping requires parsers to accept, their lowerCamelCase JSON names (`maxExperts`); integers may come as JSON
 * numbers or decimal strings and `features_dtype` as the enum's name or number (what protobuf JSON printers write).
 * `image` is base64 (standard or URL-safe alphabet, whitespace ignored) or a `data:image/...;base64,` URL. An
 * unknown field is an error naming it, so a misspelt option is never silently ignored.
 */
import { InvalidArgumentError } from '../src/core/errors';
import type { WireRequest } from './validate';

const FIELDS = ['image', 'instruction', 'deadline_ms', 'max_experts', 'required_experts', 'excluded_experts', 'return_features', 'features_dtype', 'request_id'] as const;
type Field = (typeof FIELDS)[number];

const lowerCamel = (name: string): string => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const BY_JSON_NAME: ReadonlyMap<string, Field> = new Map(FIELDS.flatMap((f) => [[f, f], [lowerCamel(f), f]] as [string, Field][]));

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*),/i;

/** The object's fields keyed by proto field name; unknown or doubled fields are errors. */
function byProtoName(o: Record<string, unknown>): Partial<Record<Field, unknown>> {
  const out: Partial<Record<Field, unknown>> = {};
  for (const [key, value] of Object.entries(o)) {
    const f = BY_JSON_NAME.get(key);
    if (!f) throw new InvalidArgumentError(`unknown field "${key}"; the fields are ${FIELDS.join(', ')} (or their lowerCamelCase names)`);
    if (f in out) throw new InvalidArgumentError(`field "${f}" is given twice (as "${f}" and "${lowerCamel(f)}")`);
    out[f] = value;
  }
  return out;
}

function str(v: unknown, f: Field, fallback: string): string {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw new InvalidArgumentError(`field "${f}" must be a string`);
  return v;
}

function bool(v: unknown, f: Field): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new InvalidArgumentError(`field "${f}" must be a boolean`);
  return v;
}

/** An integer field: a JSON number or a decimal string (protobuf JSON writes integers either way); ranges are checked
 * by validateRequest, as for gRPC. */
function int(v: unknown, f: Field): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new InvalidArgumentError(`field "${f}" must be a number, got ${JSON.stringify(v)}`);
  return n;
}

function strings(v: unknown, f: Field): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new InvalidArgumentError(`field "${f}" must be an array of strings`);
  return v as string[];
}

/** mova.v1.TensorDataType by name or number; unspecified is FP32. */
function dtype(v: unknown): 'FP32' | 'FP16' {
  if (v === undefined || v === null || v === 'TENSOR_DATA_TYPE_UNSPECIFIED' || v === 0 || v === 'FP32' || v === 1) return 'FP32';
  if (v === 'FP16' || v === 2) return 'FP16';
  throw new InvalidArgumentError(`field "features_dtype" must be "FP32" or "FP16", got ${JSON.stringify(v)}`);
}

/** Image bytes from base64 or a base64 data URL. */
function image(v: unknown): Uint8Array {
  let text = str(v, 'image', '');
  const url = DATA_URL.exec(text);
  if (url) {
    const mediaType = (url[1] ?? '').toLowerCase();
    const params = (url[2] ?? '').toLowerCase().split(';');
    if (!params.includes('base64')) throw new InvalidArgumentError('field "image": a data URL must be base64-encoded (data:image/png;base64,...)');
    if (mediaType !== '' && !mediaType.startsWith('image/')) throw new InvalidArgumentError(`field "image": the data URL is "${mediaType}", not an image`);
    text = text.slice(url[0].length);
  }
  text = text.replace(/\s+/g, '');
  if (!BASE64.test(text)) throw new InvalidArgumentError('field "image" must be base64 (or a data:image/...;base64, URL)');
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export function parseJsonBody(body: Buffer): WireRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new InvalidArgumentError(`body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError('body must be a JSON object');
  const o = byProtoName(parsed as Record<string, unknown>);
  return {
    image: image(o.image),
    instruction: str(o.instruction, 'instruction', ''),
    deadlineMs: int(o.deadline_ms, 'deadline_ms') ?? 0,
    maxExperts: int(o.max_experts, 'max_experts'),
    requiredExperts: strings(o.required_experts, 'required_experts'),
    excludedExperts: strings(o.excluded_experts, 'excluded_experts'),
    returnFeatures: bool(o.return_features, 'return_features'),
    featuresDtype: dtype(o.features_dtype),
    requestId: str(o.request_id, 'request_id', ''),
  };
}
