/**
 * The body of POST /v1/infer → a WireRequest, from JSON or multipart/form-data. Field names are the proto's
 * (`max_experts`) or, as the proto3 JSON mapping requires parsers to accept, their lowerCamelCase JSON names
 * (`maxExperts`); integers may come as JSON numbers or decimal strings and `features_dtype` as the enum's name or number (what protobuf JSON printers write).
 * `image` is base64 (standard or URL-safe alphabet, whitespace ignored) or a `data:image/...;base64,` URL. An
 * unknown field is an error naming it, so a misspelt option is never silently ignored. Multipart takes the same
 * names: `image` as a file part (or a base64 text part), the rest as text parts (lists repeated or comma-separated,
 * booleans true/false/1/0).
 */
import { InvalidArgumentError } from '../src/core/errors';
import type { WireRequest } from './validate';

const FIELDS = ['image', 'instruction', 'deadline_ms', 'max_experts', 'required_experts', 'excluded_experts', 'return_features', 'features_dtype', 'request_id'] as const;
type Field = (typeof FIELDS)[number];

const lowerCamel = (name: string): string => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const BY_JSON_NAME: ReadonlyMap<string, Field> = new Map(FIELDS.flatMap((f) => [[f, f], [lowerCamel(f), f]] as [string, Field][]));

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*),/i;

/** Fields keyed by proto field name; unknown or doubled fields are errors. */
function byProtoName(entries: Iterable<[string, unknown]>): Partial<Record<Field, unknown>> {
  const out: Partial<Record<Field, unknown>> = {};
  for (const [key, value] of entries) {
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
function parseImage(v: unknown): Uint8Array {
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
  const o = byProtoName(Object.entries(parsed as Record<string, unknown>));
  return toWire(o, parseImage(o.image));
}

/** The checked fields (`image` aside: JSON and multipart carry it differently) with the image's bytes. */
function toWire(o: Partial<Record<Field, unknown>>, image: Uint8Array): WireRequest {
  return {
    image,
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

/** A multipart text part's boolean. */
function formBool(v: unknown, f: Field): boolean | undefined {
  if (v === undefined) return undefined;
  const t = typeof v === 'string' ? v.trim().toLowerCase() : '';
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0' || t === '') return false;
  throw new InvalidArgumentError(`field "${f}" must be true or false, got ${JSON.stringify(v)}`);
}

/** A multipart part: text, or a file. */
type Part = string | Blob;

export async function parseMultipartBody(body: Buffer, contentType: string): Promise<WireRequest> {
  let form: FormData;
  try {
    form = await new Request('http://localhost/', { method: 'POST', headers: { 'content-type': contentType }, body }).formData();
  } catch (err) {
    throw new InvalidArgumentError(`malformed multipart body: ${(err as Error).message}`);
  }
  // Every part of one name (lists may repeat a part); a name given under both spellings is an error.
  const parts = new Map<string, Part[]>();
  form.forEach((value, key) => parts.set(key, [...(parts.get(key) ?? []), value]));
  const o = byProtoName([...parts.entries()]);
  const one = (f: Field): Part | undefined => {
    const all = o[f] as Part[] | undefined;
    if (all && all.length > 1) throw new InvalidArgumentError(`field "${f}" is given ${all.length} times`);
    return all?.[0];
  };
  const image = one('image');
  if (image === undefined) throw new InvalidArgumentError('multipart body needs an "image" file part');
  for (const f of FIELDS) {
    if (f === 'image') continue;
    const v = (o[f] as Part[] | undefined)?.find((x) => typeof x !== 'string');
    if (v !== undefined) throw new InvalidArgumentError(`field "${f}" must be a text part, not a file`);
  }
  const list = (f: Field): string[] => ((o[f] as string[] | undefined) ?? []).flatMap((v) => v.split(',').map((x) => x.trim()).filter(Boolean));
  const blank = (v: Part | undefined): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
  return toWire({
    instruction: one('instruction'),
    deadline_ms: blank(one('deadline_ms')),
    max_experts: blank(one('max_experts')),
    required_experts: list('required_experts'),
    excluded_experts: list('excluded_experts'),
    return_features: formBool(one('return_features'), 'return_features'),
    features_dtype: blank(one('features_dtype')),
    request_id: one('request_id'),
  }, typeof image === 'string' ? parseImage(image) : new Uint8Array(await image.arrayBuffer()));
}
