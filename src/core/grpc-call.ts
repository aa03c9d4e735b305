/**
 * Thin-handler plumbing: a unary handler is a plain async function of (request, context). This wrapper gives it
 * an AbortSignal (client cancelled or deadline passed) and the call deadline, and maps any thrown error to a gRPC
 * status once, through toGrpcStatus.
 */
import * as grpc from '@grpc/grpc-js';
import { CancelledError, DeadlineExceededError, toGrpcStatus } from './errors';
import { logger } from './log';
import { observeServerCall, withServerSpan } from './grpc-observe';

export interface CallContext {
  /** Aborted when the client cancels or the deadline passes. */
  signal: AbortSignal;
  /** Absolute deadline (ms since epoch), or undefined when the client set none. */
  deadline: number | undefined;
  metadata: grpc.Metadata;
}

const log = logger('grpc-call');

function deadlineOf(call: grpc.ServerUnaryCall<unknown, unknown>): number | undefined {
  const d = call.getDeadline();
  const ms = d instanceof Date ? d.getTime() : d;
  return Number.isFinite(ms) ? ms : undefined;
}

export function unary<Req, Res>(method: string, fn: (request: Req, ctx: CallContext) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const controller = new AbortController();
    const deadline = deadlineOf(call as grpc.ServerUnaryCall<unknown, unknown>);
    const onCancel = (): void => controller.abort(new CancelledError('cancelled by client'));
    call.on('cancelled', onCancel);
    let timer: NodeJS.Timeout | undefined;
    if (deadline !== undefined) {
      timer = setTimeout(() => controller.abort(new DeadlineExceededError('deadline exceeded')), Math.max(0, deadline - Date.now()));
    }
    const started = performance.now();
    // Tracing and metrics (grpc-observe.ts): a server span parented by the caller's traceparent, counts by code.
    const span = withServerSpan(method, call.metadata, () => fn(call.request, { signal: controller.signal, deadline, metadata: call.metadata }));
    span.result.then(
      (res) => {
        span.end(grpc.status.OK);
        observeServerCall(method, grpc.status.OK, started);
        callback(null, res);
      },
      (err: unknown) => {
        const st = toGrpcStatus(err);
        span.end(st.code, st.details);
        observeServerCall(method, st.code, started);
        if (st.code === grpc.status.INTERNAL) log.error({ method, err: err instanceof Error ? err.stack : String(err) }, 'internal error');
        else log.debug({ method, code: st.code, details: st.details }, 'call failed');
        callback({ code: st.code, details: st.details });
      },
    ).finally(() => {
      if (timer) clearTimeout(timer);
      call.removeListener('cancelled', onCancel);
      log.trace({ method, ms: performance.now() - started }, 'call done');
    });
  };
}
