/**
 * Thin-handler plumbing: a handler is a plain async function of (request, context). `unary` wraps it for a unary
 * method, `streamEach` for a bidirectional stream that answers every request message with one response message
 * (Triton's ModelStreamInfer). Both give it an AbortSignal (client cancelled or deadline passed) and the call
 * deadline, trace and count every request the same way, and map any thrown error to a gRPC status once, through
 * toGrpcStatus.
 */
import { setMaxListeners } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { CancelledError, DeadlineExceededError, toGrpcStatus, type GrpcStatusObject } from './errors';
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

type ServerCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>;

function deadlineOf(call: ServerCall): number | undefined {
  const d = call.getDeadline();
  const ms = d instanceof Date ? d.getTime() : d;
  return Number.isFinite(ms) ? ms : undefined;
}

/** A call's context: aborted when the client cancels or its deadline passes; `release` stops watching. */
function callContext(call: ServerCall): { ctx: CallContext; release: () => void } {
  const controller = new AbortController();
  const deadline = deadlineOf(call);
  const onCancel = (): void => controller.abort(new CancelledError('cancelled by client'));
  call.on('cancelled', onCancel);
  const timer = deadline === undefined
    ? undefined
    : setTimeout(() => controller.abort(new DeadlineExceededError('deadline exceeded')), Math.max(0, deadline - Date.now()));
  return {
    ctx: { signal: controller.signal, deadline, metadata: call.metadata },
    release: () => {
      if (timer) clearTimeout(timer);
      call.removeListener('cancelled', onCancel);
    },
  };
}

/**
 * One request through `fn` with the server's tracing and metrics (grpc-observe.ts: a server span parented by the
 * caller's traceparent, counts by code); settles with the response or the error's gRPC status.
 */
async function observed<Res>(method: string, metadata: grpc.Metadata, fn: () => Promise<Res>): Promise<{ ok: true; res: Res } | { ok: false; status: GrpcStatusObject }> {
  const started = performance.now();
  const span = withServerSpan(method, metadata, fn);
  try {
    const res = await span.result;
    span.end(grpc.status.OK);
    observeServerCall(method, grpc.status.OK, started);
    return { ok: true, res };
  } catch (err) {
    const st = toGrpcStatus(err);
    span.end(st.code, st.details);
    observeServerCall(method, st.code, started);
    if (st.code === grpc.status.INTERNAL) log.error({ method, err: err instanceof Error ? err.stack : String(err) }, 'internal error');
    else log.debug({ method, code: st.code, details: st.details }, 'call failed');
    return { ok: false, status: st };
  } finally {
    log.trace({ method, ms: performance.now() - started }, 'call done');
  }
}

export function unary<Req, Res>(method: string, fn: (request: Req, ctx: CallContext) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const { ctx, release } = callContext(call as grpc.ServerUnaryCall<unknown, unknown>);
    void observed(method, call.metadata, () => fn(call.request, ctx)).then((r) => {
      release();
      if (r.ok) callback(null, r.res);
      else callback({ code: r.status.code, details: r.status.details });
    });
  };
}

/** Requests one stream may have running at once; beyond it the stream stops reading (HTTP/2 flow control holds the client back). */
export const STREAM_MAX_IN_FLIGHT = 64;

/**
 * A bidirectional stream whose every request message is answered by one response message: `fn` runs for each
 * request as it arrives (up to `maxInFlight` at once, answers going out as they finish), and a failure becomes the
 * message `onError` builds, leaving the stream open (`index`: the request's position on the stream, from 0). The
 * stream ends when the client has half-closed and every request is answered; a cancelled call (or its deadline
 * passing) aborts the requests still running and writes nothing more.
 */
export function streamEach<Req, Res, Out>(
  method: string,
  fn: (request: Req, ctx: CallContext) => Promise<Res>,
  toMessage: (res: Res, request: Req, index: number) => Out,
  onError: (request: Req, status: GrpcStatusObject, index: number) => Out,
  maxInFlight = STREAM_MAX_IN_FLIGHT,
): grpc.handleBidiStreamingCall<Req, Out> {
  return (call) => {
    const { ctx, release } = callContext(call as grpc.ServerDuplexStream<unknown, unknown>);
    // Every running request listens to the stream's signal (queues, time limits): room for them all.
    setMaxListeners(8 * maxInFlight, ctx.signal);
    let running = 0;
    let received = 0;
    let halfClosed = false;
    // Once nothing runs: a cancelled stream only stops watching; a half-closed one ends with OK.
    const settleIfDone = (): void => {
      if (running > 0) return;
      if (ctx.signal.aborted) release();
      else if (halfClosed) {
        release();
        call.end();
      }
    };
    call.on('data', (request: Req) => {
      const index = received++;
      if (++running >= maxInFlight) call.pause();
      void observed(method, call.metadata, () => fn(request, ctx)).then((r) => {
        if (running-- >= maxInFlight) call.resume();
        if (!ctx.signal.aborted) call.write(r.ok ? toMessage(r.res, request, index) : onError(request, r.status, index));
        settleIfDone();
      });
    });
    call.on('end', () => {
      halfClosed = true;
      settleIfDone();
    });
    call.on('cancelled', settleIfDone);
  };
}
