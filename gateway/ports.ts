/**
 * The narrow interfaces the orchestrator depends on. gRPC adapters in gateway/clients/ implement them; the
 * orchestrator never sees protos.
 */
import type { Float32Tensor } from '../services/expert/pipeline';

export interface CallOptions {
  /** Absolute deadline (ms since epoch). */
  deadline: number;
  signal?: AbortSignal;
}

export interface ExpertBatchResult {
  /** [N,T,C] */
  features: Float32Tensor;
  /** [N,C] (requested from the base expert only). */
  pooled?: Float32Tensor;
  decoded: unknown[];
}

export interface ExpertClient {
  readonly name: string;
  infer(images: Uint8Array[], opts: CallOptions & { pooled: boolean }): Promise<ExpertBatchResult>;
}

export interface RouteInput {
  instruction: string;
  /** Base encoder pooled embedding. */
  pooled: Float32Array;
  maxExperts?: number;
  required: string[];
  excluded: string[];
  /** Routing policy to use; undefined = the router's default. */
  policy?: string;
}

export interface RouteDecision {
  scores: { name: string; score: number }[];
  chosen: string[];
  policy: string;
  reason: string;
}

export interface RouterClient {
  route(inputs: RouteInput[], opts: CallOptions): Promise<RouteDecision[]>;
}

export interface FuseInput {
  /** [N,T,Cb] */
  base: Float32Tensor;
  /**
   * One per expert slot, in slot order: the tokens [rows.length, Tj, Cj] of the requests listed in `rows` (strictly
   * ascending batch indices; every other row of the slot is zeros). Empty `rows`: no request has tokens from it.
   */
  experts: { rows: number[]; tokens: Float32Tensor }[];
  /** [N,E]: 1 when slot j is chosen and succeeded for request i. */
  mask: Float32Tensor;
  /** [N,Dctx] */
  context: Float32Tensor;
  /** False when no request of the call needs the fused tokens: only the gate weights come back. @default true */
  fusedTokens?: boolean;
}

export interface FuseOutput {
  /** [N,T,D]; empty ([0]) when the input's fusedTokens was false. */
  fused: Float32Tensor;
  /** [N,L,E] gate weights per block. */
  gates: Float32Tensor;
}

export interface FusionClient {
  fuse(input: FuseInput, opts: CallOptions): Promise<FuseOutput>;
}
