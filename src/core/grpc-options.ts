/**
 * grpc-js channel and server options for services that move big tensors.
 * grpc-js keeps Node's default 64 KB HTTP/2 receive window unless told otherwise; tensors of several MB
 * then need many round trips of WINDOW_UPDATE. We raise the window and the message limits here, once.
 */
import type * as grpc from '@grpc/grpc-js';

/** Default max message size (bytes) for internal hops. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** HTTP/2 connection and stream receive window. */
export const HTTP2_WINDOW_BYTES = 16 * 1024 * 1024;

export interface TransportLimits {
  maxMessageBytes?: number;
}

export function serverOptions(limits: TransportLimits = {}): grpc.ServerOptions {
  const max = limits.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  return {
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': max,
    'grpc-node.max_session_memory': 256,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_permit_without_calls': 1,
    // The server-side receive windows are raised per session by startGrpcServer (grpc-js has no server option).
  } as grpc.ServerOptions;
}

export function channelOptions(limits: TransportLimits = {}): grpc.ChannelOptions {
  const max = limits.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  return {
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': max,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    // A restarted pod is used again within ~2 s (grpc-js defaults back off up to 120 s).
    'grpc.initial_reconnect_backoff_ms': 250,
    'grpc.max_reconnect_backoff_ms': 2000,
    'grpc-node.flow_control_window': HTTP2_WINDOW_BYTES,
  } as grpc.ChannelOptions;
}
