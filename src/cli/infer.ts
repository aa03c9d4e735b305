/** `mova infer --image FILE --instruction TEXT [--gateway ADDR] [--json]`: one request through a running gateway. */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { channelOptions } from '../core/grpc-options';
import { channelCredentials, tlsFilesFromEnv } from '../core/tls';
import { loadProto } from '../core/proto';
import type { ProtoGrpcType } from '../generated/gateway';
import type { GatewayClient } from '../generated/mova/v1/Gateway';
import type { InferRequest } from '../generated/mova/v1/InferRequest';
import type { InferResponse__Output } from '../generated/mova/v1/InferResponse';
import { int, parse, required, str } from './args';

function list(v: unknown): string[] {
  return typeof v === 'string' && v !== '' ? v.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

/** A Gateway client; reuse one for many calls (load tests, benchmarks) and close it when done. */
export function gatewayClient(address: string): GatewayClient {
  const proto = loadProto<ProtoGrpcType>('mova/v1/gateway.proto');
  // TLS / mTLS to the gateway when MOVA_TLS_* is set (the same files the services use), else plaintext.
  return new proto.mova.v1.Gateway(address, channelCredentials(tlsFilesFromEnv()), channelOptions()) as unknown as GatewayClient;
}

/** One Infer call. Without `client`, a client is made for this call and closed after it. */
export function callGateway(address: string, req: InferRequest, timeoutMs: number, client?: GatewayClient): Promise<InferResponse__Output> {
  const c = client ?? gatewayClient(address);
  return new Promise<InferResponse__Output>((resolve, reject) => {
    const metadata = new grpc.Metadata();
    if (process.env.MOVA_API_KEY) metadata.set('authorization', `Bearer ${process.env.MOVA_API_KEY}`);
    c.Infer(req, metadata, { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (!client) c.close();
      if (err) reject(err);
      else if (!res) reject(new Error('empty response'));
      else resolve(res);
    });
  });
}

/** A short human summary: routing, expert findings, timings. */
export function summarise(res: InferResponse__Output): string {
  const lines: string[] = [];
  const r = res.routing;
  const chosen = r?.chosen.map((c) => `${c.name} (${c.score.toFixed(2)})`).join(', ') || 'none';
  lines.push(`request ${res.request_id}${res.degraded ? `  DEGRADED (missing: ${res.missing_experts.join(', ') || 'router'})` : ''}`);
  lines.push(`routing [${r?.policy}]: ${chosen} — ${r?.reason}`);
  const base = JSON.parse(res.base_decoded_json || 'null') as { labels?: { label: string; score: number }[] } | null;
  if (base?.labels) lines.push(`labels: ${base.labels.slice(0, 3).map((l) => `${l.label} ${(l.score * 100).toFixed(0)}%`).join(', ')}`);
  for (const e of res.experts) {
    if (e.status === 'skipped') continue;
    if (e.status !== 'ok') {
      lines.push(`${e.name}: ${e.status} — ${e.error}`);
      continue;
    }
    const d = JSON.parse(e.decoded_json || 'null') as Record<string, unknown> | null;
    if (d && typeof d.text === 'string') lines.push(d.text.trim() === '' ? `${e.name}: no text found` : `${e.name} text:\n  ${d.text.split('\n').join('\n  ')}`);
    else if (d && Array.isArray(d.faces)) lines.push(`${e.name}: ${d.faces.length} face(s)${d.faces.length > 0 ? `, scores ${(d.faces as { score: number }[]).map((f) => `${(f.score * 100).toFixed(0)}%`).join(', ')}` : ''}`);
    else if (d && Array.isArray(d.objects)) lines.push(`${e.name}: ${(d.objects as { label: string; score: number }[]).map((o) => `${o.label} ${(o.score * 100).toFixed(0)}%`).join(', ') || 'no objects'}`);
    else lines.push(`${e.name}: ${e.decoded_json}`);
  }
  if (res.fused) lines.push(`fused tokens: ${res.fused.datatype} [${res.fused.shape.join(', ')}]`);
  const t = res.timings;
  if (t) {
    const experts = Object.entries(t.expert_ms).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');
    lines.push(`timings ms: queue ${t.queue_ms.toFixed(1)}, base ${t.base_ms.toFixed(1)}, route ${t.route_ms.toFixed(1)}, experts ${t.experts_ms.toFixed(1)}${experts ? ` (${experts})` : ''}, fusion ${t.fusion_ms.toFixed(1)}, total ${t.total_ms.toFixed(1)}; batch of ${res.batch_size}`);
  }
  return lines.join('\n');
}

export async function inferCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    image: { type: 'string' },
    instruction: { type: 'string' },
    gateway: { type: 'string' },
    json: { type: 'boolean' },
    'max-experts': { type: 'string' },
    require: { type: 'string' },
    exclude: { type: 'string' },
    features: { type: 'boolean' },
    fp16: { type: 'boolean' },
    'deadline-ms': { type: 'string' },
  });
  const image = readFileSync(required(str(values.image, 'image'), 'image'));
  const maxExperts = int(values['max-experts'], 'max-experts');
  const deadline = int(values['deadline-ms'], 'deadline-ms') ?? 30_000;
  const res = await callGateway(str(values.gateway, 'gateway') ?? process.env.MOVA_GATEWAY ?? '127.0.0.1:50050', {
    image,
    instruction: required(str(values.instruction, 'instruction'), 'instruction'),
    deadline_ms: deadline,
    ...(maxExperts !== undefined ? { max_experts: maxExperts } : {}),
    required_experts: list(values.require),
    excluded_experts: list(values.exclude),
    return_features: values.features === true,
    features_dtype: values.fp16 === true ? 'FP16' : 'FP32',
  }, deadline + 1000);
  if (values.json === true) {
    const { fused, ...rest } = res;
    const out = {
      ...rest,
      experts: res.experts.map((e) => ({ ...e, decoded: e.decoded_json ? (JSON.parse(e.decoded_json) as unknown) : null, decoded_json: undefined })),
      base_decoded: JSON.parse(res.base_decoded_json || 'null') as unknown,
      base_decoded_json: undefined,
      fused: fused ? { datatype: fused.datatype, shape: fused.shape, raw: Buffer.from(fused.raw).toString('base64') } : null,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    process.stdout.write(`${summarise(res)}\n`);
  }
}
