/**
 * Builds every gRPC server of the project the same way: big-tensor transport options, grpc.health.v1
 * (SERVING only after warm-up), server reflection (for grpcurl), and graceful shutdown
 * (NOT_SERVING → drain → shutdown).
 */
import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { Http2SecureServer, Http2Server, Http2Session } from 'node:http2';
import { serverOptions, HTTP2_WINDOW_BYTES, type TransportLimits } from './grpc-options';
import { logger } from './log';
import { packageDefinition } from './proto';
import { serverCredentials, tlsFilesFromEnv } from './tls';

export interface ServiceBinding {
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
  /** Fully-qualified service name reported by grpc.health.v1 (e.g. `inference.GRPCInferenceService`). */
  healthName: string;
}

export interface GrpcServerOptions {
  host?: string;
  port: number;
  services: ServiceBinding[];
  /** .proto files (relative to protos/) to expose through server reflection. */
  reflectionProtos?: string[];
  limits?: TransportLimits;
  /** @default TLS / mutual TLS from MOVA_TLS_* when set (src/core/tls.ts), else plaintext */
  credentials?: grpc.ServerCredentials;
}

export interface RunningGrpcServer {
  server: grpc.Server;
  address: string;
  port: number;
  health: HealthImplementation;
  /** Mark every service SERVING (call after warm-up). */
  setServing(serving: boolean): void;
  /** NOT_SERVING, stop accepting, wait up to `graceMs` for calls in flight, then force. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * grpc-js only raises the HTTP/2 flow-control window on the client side (`grpc-node.flow_control_window`).
 * On the server we raise it per session: the initial stream window through the HTTP/2 settings and the
 * connection window with setLocalWindowSize, so multi-MB tensors are not throttled by 64 KB windows.
 */
function raiseServerWindows(server: grpc.Server): void {
  const internals = server as unknown as {
    commonServerOptions?: { settings?: Record<string, unknown> };
    http2Servers?: Map<Http2Server | Http2SecureServer, unknown>;
  };
  if (internals.commonServerOptions) {
    internals.commonServerOptions.settings = { ...(internals.commonServerOptions.settings ?? {}), initialWindowSize: HTTP2_WINDOW_BYTES };
  }
  for (const http2Server of internals.http2Servers?.keys() ?? []) {
    http2Server.on('session', (session: Http2Session) => {
      try {
        session.setLocalWindowSize(HTTP2_WINDOW_BYTES);
      } catch {
        // Session already closed: nothing to raise.
      }
    });
  }
}

export async function startGrpcServer(opts: GrpcServerOptions): Promise<RunningGrpcServer> {
  const log = logger('grpc-server');
  const server = new grpc.Server(serverOptions(opts.limits));
  raiseServerWindows(server);
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  for (const s of opts.services) {
    server.addService(s.definition, s.implementation);
    health.setStatus(s.healthName, 'NOT_SERVING');
  }
  health.addToServer(server);
  for (const proto of opts.reflectionProtos ?? []) {
    new ReflectionService(packageDefinition(proto)).addToServer(server);
  }
  const host = opts.host ?? '127.0.0.1';
  const bindHost = host.includes(':') ? `[${host}]` : host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${bindHost}:${opts.port}`, opts.credentials ?? serverCredentials(tlsFilesFromEnv()), (err, p) => (err ? reject(err) : resolve(p)));
  });
  raiseServerWindows(server);
  const setServing = (serving: boolean): void => {
    const st = serving ? 'SERVING' : 'NOT_SERVING';
    health.setStatus('', st);
    for (const s of opts.services) health.setStatus(s.healthName, st);
  };
  return {
    server,
    address: `${host}:${port}`,
    port,
    health,
    setServing,
    async stop(graceMs = 5000) {
      setServing(false);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          log.warn('grace period over; forcing shutdown');
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
