/**
 * Expert inference in protocol-neutral terms: validate an OIP ModelInfer request into a run request, and turn
 * run results back into OIP output tensors. No grpc imports here.
 */
import { InvalidArgumentError, NotFoundError } from '../../src/core/errors';
import type { BatchTiming } from '../../src/core/infer-stats';
import { decodeTensor, encodeTensor, floatTensor, jsonBytesTensor, toFloat32, type Tensor } from '../../src/core/tensor-codec';
import type { ModelInferRequest__Output } from '../../src/generated/inference/ModelInferRequest';
import type { ModelInferResponse } from '../../src/generated/inference/ModelInferResponse';
import { runItems } from './batch';
import type { ExpertInfo, ExpertRunRequest } from './runner';
import type { Float32Tensor } from './pipeline';

export const OUTPUT_NAMES = ['features', 'pooled', 'decoded'] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];

export interface ParsedInfer {
  run: ExpertRunRequest;
  size: number;
  outputs: OutputName[];
  featuresDtype: 'FP32' | 'FP16';
  /** Triton's request parameter `timeout` (µs, > 0): the request fails with DEADLINE_EXCEEDED once it has passed. */
  timeoutUs?: number;
}

/** What one request gets back from a batch run. */
export interface ItemResults {
  features: Float32Tensor;
  pooled: Float32Tensor;
  decoded: unknown[];
  /** When the batch that computed these ran (absent for results assembled from the response cache alone). */
  timing?: BatchTiming;
  /** Set by the response cache: whether it answered the whole request, and its own time (lookups, inserts). */
  cache?: { hit: boolean; ms: number };
}

function stringParam(p: { string_param?: string } | undefined): string | undefined {
  return p?.string_param === undefined || p.string_param === '' ? undefined : p.string_param;
}

export async function parseInferRequest(req: ModelInferRequest__Output, expertName: string, info: ExpertInfo): Promise<ParsedInfer> {
  if (req.model_name !== expertName) {
    throw new NotFoundError(`unknown model "${req.model_name}"; this server serves "${expertName}"`);
  }
  if (req.model_version !== '' && req.model_version !== '1') {
    throw new NotFoundError(`model "${expertName}" has no version "${req.model_version}" (only "1")`);
  }
  if (req.inputs.length !== 1) {
    throw new InvalidArgumentError(`expected exactly one input ("image" or "pixel_values"), got ${req.inputs.length}`);
  }
  if (req.raw_input_contents.length !== 0 && req.raw_input_contents.length !== req.inputs.length) {
    throw new InvalidArgumentError(`raw_input_contents has ${req.raw_input_contents.length} entries for ${req.inputs.length} inputs`);
  }
  const meta = req.inputs[0]!;
  const tensor = decodeTensor(meta, req.raw_input_contents[0], meta.contents);
  const outputs = parseRequestedOutputs(req);
  const featuresDtype = parseFeaturesDtype(req);
  const timeoutUs = parseTimeout(req);
  const run = await toRunRequest(tensor, info);
  const size = runItems(run);
  if (size === 0) throw new InvalidArgumentError(`input "${meta.name}" is empty (batch of 0)`);
  return { run, size, outputs, featuresDtype, ...(timeoutUs ? { timeoutUs } : {}) };
}

/**
 * Triton's request parameter `timeout`: microseconds (int64, as tritonclient's `infer(..., timeout=)` sends it) the
 * request may take from its arrival; 0 or absent = none. Useful on a ModelStreamInfer stream, whose own deadline
 * covers every request on it.
 */
function parseTimeout(req: ModelInferRequest__Output): number | undefined {
  const p = req.parameters?.timeout;
  if (!p) return undefined;
  if (p.parameter_choice !== 'int64_param') throw new InvalidArgumentError(`request parameter "timeout" must be an int64 number of microseconds`);
  const us = Number(p.int64_param);
  if (!Number.isSafeInteger(us) || us < 0) throw new InvalidArgumentError(`request parameter "timeout" must be ≥ 0 microseconds, got ${p.int64_param}`);
  return us > 0 ? us : undefined;
}

async function toRunRequest(t: Tensor, info: ExpertInfo): Promise<ExpertRunRequest> {
  if (t.name === 'image') {
    if (t.datatype !== 'BYTES') throw new InvalidArgumentError(`input "image" must be BYTES (encoded PNG, JPEG, WebP, GIF, TIFF or AVIF), got ${t.datatype}`);
    const okShape = t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1);
    if (!okShape) throw new InvalidArgumentError(`input "image" must have shape [N] or [N,1], got [${t.shape.join(',')}]`);
    t.data.forEach((b, i) => {
      if (b.byteLength === 0) throw new InvalidArgumentError(`input "image" element ${i} is empty`);
    });
    return { kind: 'images', images: t.data };
  }
  if (t.name === 'pixel_values') {
    if (t.datatype !== 'FP32' && t.datatype !== 'FP16') {
      throw new InvalidArgumentError(`input "pixel_values" must be FP32 or FP16, got ${t.datatype}`);
    }
    const [, h, w] = info.inputShape;
    if (t.shape.length !== 4 || t.shape[1] !== 3 || t.shape[2] !== h || t.shape[3] !== w) {
      throw new InvalidArgumentError(`input "pixel_values" must have shape [N,3,${h},${w}], got [${t.shape.join(',')}]`);
    }
    // NaN and ±Infinity are refused by the worker that runs the tensor (runner.ts finiteRows), in one pass over the
    // memory the model then reads, instead of here on the main thread.
    return { kind: 'pixels', pixels: { data: toFloat32(t), dims: t.shape } };
  }
  throw new InvalidArgumentError(`unknown input "${t.name}"; expected "image" (BYTES) or "pixel_values" (FP32)`);
}

/**
 * Output parameters understood here: `datatype` on `features`; `binary_data` (the HTTP protocol's flag, which some
 * clients also set over gRPC, where every output is binary anyway) is accepted and has no effect. Anything else is
 * refused rather than ignored, e.g. Triton's `classification` extension, which a client would otherwise believe
 * it got (this server's ServerMetadata lists no extensions; `decoded` carries the top-5 labels).
 */
function checkOutputParameters(name: OutputName, parameters: Record<string, unknown> | undefined): void {
  for (const key of Object.keys(parameters ?? {})) {
    if (key === 'binary_data' || (key === 'datatype' && name === 'features')) continue;
    if (key === 'classification') {
      throw new InvalidArgumentError(`output "${name}": the classification extension is not supported; the "decoded" output holds the decoded result (e.g. ImageNet top-5) as JSON`);
    }
    throw new InvalidArgumentError(`output "${name}": unsupported parameter "${key}"${name === 'features' ? ' (supported: datatype)' : ''}`);
  }
}

function parseRequestedOutputs(req: ModelInferRequest__Output): OutputName[] {
  if (req.outputs.length === 0) return [...OUTPUT_NAMES];
  const seen = new Set<string>();
  return req.outputs.map((o) => {
    if (!(OUTPUT_NAMES as readonly string[]).includes(o.name)) {
      throw new InvalidArgumentError(`unknown output "${o.name}"; this model has ${OUTPUT_NAMES.join(', ')}`);
    }
    if (seen.has(o.name)) throw new InvalidArgumentError(`output "${o.name}" is requested twice`);
    seen.add(o.name);
    checkOutputParameters(o.name as OutputName, o.parameters);
    return o.name as OutputName;
  });
}

/** `features` as FP16 when asked: request parameter `features_datatype` or the output's `datatype` parameter. */
function parseFeaturesDtype(req: ModelInferRequest__Output): 'FP32' | 'FP16' {
  const fromOutput = req.outputs.find((o) => o.name === 'features')?.parameters?.datatype;
  const asked = stringParam(fromOutput) ?? stringParam(req.parameters?.features_datatype);
  if (asked === undefined || asked === 'FP32') return 'FP32';
  if (asked === 'FP16') return 'FP16';
  throw new InvalidArgumentError(`features datatype must be FP32 or FP16, got "${asked}"`);
}

export function buildInferResponse(req: ModelInferRequest__Output, parsed: ParsedInfer, r: ItemResults): ModelInferResponse {
  const n = parsed.size;
  const tensors: Tensor[] = parsed.outputs.map((name) => {
    switch (name) {
      case 'features': return floatTensor('features', [n, ...r.features.dims.slice(1)], r.features.data, parsed.featuresDtype);
      case 'pooled': return floatTensor('pooled', [n, ...r.pooled.dims.slice(1)], r.pooled.data);
      case 'decoded': return jsonBytesTensor('decoded', r.decoded);
    }
  });
  return {
    model_name: req.model_name,
    model_version: '1',
    id: req.id,
    outputs: tensors.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
    raw_output_contents: tensors.map(encodeTensor),
  };
}

/** Bytes an output will take for this request when that is known before it runs (`decoded` is JSON: unknown). */
export function outputByteSize(name: string, parsed: ParsedInfer, info: ExpertInfo): number | undefined {
  const { height, width, channels } = info.featureGrid;
  if (name === 'features') return parsed.size * height * width * channels * (parsed.featuresDtype === 'FP16' ? 2 : 4);
  if (name === 'pooled') return parsed.size * info.pooledWidth * 4;
  return undefined;
}

export function modelMetadata(expertName: string, info: ExpertInfo) {
  const [, h, w] = info.inputShape;
  const { height, width, channels } = info.featureGrid;
  return {
    name: expertName,
    versions: ['1'],
    platform: 'onnxruntime_onnx',
    inputs: [
      { name: 'image', datatype: 'BYTES', shape: [-1] },
      { name: 'pixel_values', datatype: 'FP32', shape: [-1, 3, h, w] },
    ],
    outputs: [
      { name: 'features', datatype: 'FP32', shape: [-1, height * width, channels] },
      { name: 'pooled', datatype: 'FP32', shape: [-1, info.pooledWidth] },
      { name: 'decoded', datatype: 'BYTES', shape: [-1] },
    ],
  };
}
