/** RouterClient over mova.v1.Router gRPC: pooled embeddings travel as raw FP32 bytes. */
import * as grpc from '@grpc/grpc-js';
import { channelOptions } from '../../src/core/grpc-options';
import { loadProto } from '../../src/core/proto';
import type { ProtoGrpcType } from '../../src/generated/router';
import type { RouteRequest } from '../../src/generated/mova/v1/RouteRequest';
import type { RouteResponse__Output } from '../../src/generated/mova/v1/RouteResponse';
import type { RouterClient as RouterStub } from '../../src/generated/mova/v1/Router';
import type { CallOptions, RouteDecision, RouteInput, RouterClient } from '../ports';
import { callUnary } from './grpc-unary';

export class GrpcRouterClient implements RouterClient {
  private readonly client: RouterStub;

  constructor(address: string, credentials = grpc.credentials.createInsecure()) {
    const proto = loadProto<ProtoGrpcType>('mova/v1/router.proto');
    this.client = new proto.mova.v1.Router(address, credentials, channelOptions()) as unknown as RouterStub;
  }

  async route(inputs: RouteInput[], opts: CallOptions): Promise<RouteDecision[]> {
    const req: RouteRequest = {
      items: inputs.map((i) => ({
        instruction: Buffer.from(i.instruction, 'utf8'),
        pooled_raw: Buffer.from(i.pooled.buffer, i.pooled.byteOffset, i.pooled.byteLength),
        pooled_dims: i.pooled.length,
        required: i.required,
        excluded: i.excluded,
        ...(i.maxExperts !== undefined ? { max_experts: i.maxExperts } : {}),
        ...(i.policy !== undefined ? { policy: i.policy } : {}),
      })),
    };
    const res = await callUnary<RouteRequest, RouteResponse__Output>(this.client.Route as never, this.client as unknown as grpc.Client, req, new grpc.Metadata(), opts);
    if (res.decisions.length !== inputs.length) throw new Error(`router answered ${res.decisions.length} decisions for ${inputs.length} requests`);
    return res.decisions.map((d) => ({ scores: d.scores.map((s) => ({ name: s.name, score: s.score })), chosen: d.chosen, policy: d.policy, reason: d.reason }));
  }

  close(): void {
    this.client.close();
  }
}
