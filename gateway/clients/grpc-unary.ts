/**
 * Promise wrapper for outbound unary calls: deadline always set, AbortSignal cancels the call, and the active
 * trace context travels as W3C `traceparent` metadata.
 */
import type * as grpc from '@grpc/grpc-js';
import { context, propagation } from '@opentelemetry/api';
import { CancelledError } from '../../src/core/errors';
import { metadataSetter } from '../../src/core/tracing';
import type { CallOptions } from '../ports';

type UnaryMethod<Req, Res> = (req: Req, metadata: grpc.Metadata, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => grpc.ClientUnaryCall;

export function callUnary<Req, Res>(method: UnaryMethod<Req, Res>, self: grpc.Client, req: Req, metadata: grpc.Metadata, opts: CallOptions): Promise<Res> {
  if (opts.signal?.aborted) return Promise.reject(new CancelledError('cancelled before the call'));
  propagation.inject(context.active(), metadata, metadataSetter);
  return new Promise<Res>((resolve, reject) => {
    const call = method.call(self, req, metadata, { deadline: opts.deadline }, (err, res) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else if (res === undefined) reject(new Error('empty response'));
      else resolve(res);
    });
    const onAbort = (): void => call.cancel();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
