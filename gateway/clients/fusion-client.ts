/** FusionClient over mova.v1.Fusion gRPC; `describe()` tells the gateway the adapter's slots and widths. */
import * as grpc from '@grpc/grpc-js';
import { channelOptions } from '../../src/core/grpc-options';
import { loadProto } from '../../src/core/proto';
import { decodeTensor, toFloat32 } from '../../src/core/tensor-codec';
import type { ProtoGrpcType } from '../../src/generated/fusion';
import type { DescribeResponse__Output } from '../../src/generated/mova/v1/DescribeResponse';
import type { FuseRequest } from '../../src/generated/mova/v1/FuseRequest';
import type { FuseResponse__Output } from '../../src/generated/mova/v1/FuseResponse';
import type { FusionClient as FusionStub } from '../../src/generated/mova/v1/Fusion';
import type { FusionTensor__Output } from '../../src/generated/mova/v1/FusionTensor';
import type { Float32Tensor } from '../../services/expert/pipeline';
import type { CallOptions, FuseInput, FuseOutput, FusionClient } from '../ports';
import { callUnary } from './grpc-unary';

function wire(name: string, t: Float32Tensor): { name: string; datatype: string; shape: number[]; raw: Buffer } {
  return { name, datatype: 'FP32', shape: t.dims, raw: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength) };
}

function fromWire(t: FusionTensor__Output | null, what: string): Float32Tensor {
  if (!t) throw new Error(`fusion reply has no ${what}`);
  const d = decodeTensor({ name: t.name, datatype: t.datatype, shape: t.shape }, t.raw);
  if (d.datatype === 'BYTES') throw new Error(`fusion ${what} is BYTES`);
  return { data: toFloat32(d), dims: d.shape };
}

/**
 * The FuseRequest the gateway sends for `input`. Slots no request has tokens from stay off the wire; of the others
 * only the rows that have tokens travel, listed in `rows` (all rows: a plain dense tensor).
 */
export function fuseRequest(input: FuseInput): FuseRequest {
  const n = input.base.dims[0] ?? 0;
  return {
    base: wire('base', input.base),
    experts: input.experts.flatMap(({ rows, tokens }, j) => {
      if (rows.length === 0) return [];
      const t = wire(`expert_${j}`, tokens);
      return [rows.length === n ? t : { ...t, rows }];
    }),
    mask: wire('mask', input.mask),
    context: wire('context', input.context),
    fused_datatype: 'FP32',
    ...(input.fusedTokens === false ? { omit_fused: true } : {}),
  };
}

export class GrpcFusionClient implements FusionClient {
  private readonly client: FusionStub;

  constructor(address: string, credentials = grpc.credentials.createInsecure()) {
    const proto = loadProto<ProtoGrpcType>('mova/v1/fusion.proto');
    this.client = new proto.mova.v1.Fusion(address, credentials, channelOptions()) as unknown as FusionStub;
  }

  describe(opts: CallOptions): Promise<DescribeResponse__Output> {
    return callUnary(this.client.Describe as never, this.client as unknown as grpc.Client, {}, new grpc.Metadata(), opts);
  }

  async fuse(input: FuseInput, opts: CallOptions): Promise<FuseOutput> {
    const req = fuseRequest(input);
    const res = await callUnary<FuseRequest, FuseResponse__Output>(this.client.Fuse as never, this.client as unknown as grpc.Client, req, new grpc.Metadata(), opts);
    const fused = input.fusedTokens === false ? { data: new Float32Array(0), dims: [0] } : fromWire(res.fused, 'fused');
    return { fused, gates: fromWire(res.gates, 'gates') };
  }

  close(): void {
    this.client.close();
  }
}
