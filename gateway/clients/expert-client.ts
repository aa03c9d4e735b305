/** ExpertClient over OIP v2 gRPC (any KServe/Triton-compatible server that exposes features/pooled/decoded). */
import * as grpc from '@grpc/grpc-js';
import { channelOptions } from '../../src/core/grpc-options';
import { loadInferenceProto } from '../../src/core/proto';
import { decodeTensor, encodeBytesElements, toFloat32 } from '../../src/core/tensor-codec';
import type { GRPCInferenceServiceClient } from '../../src/generated/inference/GRPCInferenceService';
import type { ModelInferRequest } from '../../src/generated/inference/ModelInferRequest';
import type { ModelInferResponse__Output } from '../../src/generated/inference/ModelInferResponse';
import type { Float32Tensor } from '../../services/expert/pipeline';
import type { CallOptions, ExpertBatchResult, ExpertClient } from '../ports';
import { callUnary } from './grpc-unary';

function floatOutput(res: ModelInferResponse__Output, name: string): Float32Tensor | undefined {
  const i = res.outputs.findIndex((o) => o.name === name);
  const meta = res.outputs[i];
  if (!meta) return undefined;
  const t = decodeTensor(meta, res.raw_output_contents[i], meta.contents);
  if (t.datatype === 'BYTES') throw new Error(`output ${name} is BYTES, expected a float tensor`);
  return { data: toFloat32(t), dims: t.shape };
}

export class GrpcExpertClient implements ExpertClient {
  private readonly client: GRPCInferenceServiceClient;

  constructor(readonly name: string, address: string, credentials = grpc.credentials.createInsecure()) {
    const proto = loadInferenceProto();
    this.client = new proto.inference.GRPCInferenceService(address, credentials, channelOptions()) as unknown as GRPCInferenceServiceClient;
  }

  async infer(images: Uint8Array[], opts: CallOptions & { pooled: boolean }): Promise<ExpertBatchResult> {
    const req: ModelInferRequest = {
      model_name: this.name,
      inputs: [{ name: 'image', datatype: 'BYTES', shape: [images.length] }],
      outputs: [{ name: 'features' }, ...(opts.pooled ? [{ name: 'pooled' }] : []), { name: 'decoded' }],
      raw_input_contents: [encodeBytesElements(images)],
    };
    const res = await callUnary<ModelInferRequest, ModelInferResponse__Output>(
      this.client.ModelInfer as never, this.client as unknown as grpc.Client, req, new grpc.Metadata(), opts,
    );
    const features = floatOutput(res, 'features');
    if (!features) throw new Error(`expert ${this.name} returned no features`);
    const di = res.outputs.findIndex((o) => o.name === 'decoded');
    const dmeta = res.outputs[di];
    const decoded = dmeta ? decodeTensor(dmeta, res.raw_output_contents[di], dmeta.contents) : undefined;
    const pooled = opts.pooled ? floatOutput(res, 'pooled') : undefined;
    return {
      features,
      ...(pooled ? { pooled } : {}),
      decoded: decoded && decoded.datatype === 'BYTES' ? decoded.data.map((b) => JSON.parse(Buffer.from(b).toString('utf8')) as unknown) : images.map(() => null),
    };
  }

  close(): void {
    this.client.close();
  }
}
