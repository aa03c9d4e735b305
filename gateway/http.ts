/**
 * HTTP JSON API: POST /v1/infer with a JSON body or multipart/form-data (an `image` file part plus the
 * other fields as text parts), parsed by http-body.ts (proto or lowerCamelCase field names; unknown fields refused).
 * Same fields and semantics as mova.v1.Gateway/Infer; errors are `{"error":{"code":"INVALID_ARGUMENT","message":...}}`
 * with the HTTP status from the one gRPC→HTTP table.
 * GET /healthz (live) and GET /readyz (ready).
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpStatusFor, InvalidArgumentError, MovaError, toGrpcStatus } from '../src/core/errors';
import type { Logger } from '../src/core/log';
import type { GatewayConfig } from './config';
import type { RequestQueue } from './queue/types';
import { toJsonResponse } from './response';
import { parseJsonBody, parseMultipartBody } from './http-body';
import { validateRequest, type WireRequest } from './validate';
import { presentedKey, type ApiKeyGuard } from './auth';

class HttpError extends MovaError {
  constructor(readonly httpStatus: number, code: GrpcStatus, message: string) {
    super(code, message);
  }
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new HttpError(413, GrpcStatus.RESOURCE_EXHAUSTED, `request body of ${declared} bytes is over the limit of ${limit}`));
      req.resume();
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpError(413, GrpcStatus.RESOURCE_EXHAUSTED, `request body is over the limit of ${limit} bytes`));
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

function sendError(res: http.ServerResponse, err: unknown): void {
  const st = toGrpcStatus(err);
  const status = err instanceof HttpError ? err.httpStatus : httpStatusFor(st.code);
  send(res, status, { error: { code: GrpcStatus[st.code], message: st.details } });
}

export interface HttpGateway {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startHttpGateway(cfg: GatewayConfig, queue: RequestQueue, isReady: () => boolean, log: Logger, guard?: ApiKeyGuard): Promise<HttpGateway> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && url === '/healthz') return send(res, 200, { live: true });
    if (req.method === 'GET' && url === '/readyz') return send(res, isReady() ? 200 : 503, { ready: isReady() });
    if (url !== '/v1/infer') return send(res, 404, { error: { code: 'NOT_FOUND', message: `no route ${req.method} ${url}` } });
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(res, 405, { error: { code: 'INVALID_ARGUMENT', message: 'use POST /v1/infer' } });
    }
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    void (async () => {
      guard?.admit(presentedKey((h) => {
        const v = req.headers[h];
        return typeof v === 'string' ? v : undefined;
      }));
      const contentType = req.headers['content-type'] ?? '';
      const body = await readBody(req, cfg.maxRequestBytes);
      let wire: WireRequest;
      if (contentType.startsWith('application/json')) wire = parseJsonBody(body);
      else if (contentType.startsWith('multipart/form-data')) wire = await parseMultipartBody(body, contentType);
      else throw new HttpError(415, GrpcStatus.INVALID_ARGUMENT, `unsupported content-type "${contentType}"; use application/json or multipart/form-data`);
      const request = await validateRequest(wire, cfg, undefined);
      const result = await queue.submit(request, controller.signal);
      send(res, 200, toJsonResponse(result));
    })().catch((err: unknown) => {
      if (toGrpcStatus(err).code === GrpcStatus.INTERNAL) log.error({ err: String(err) }, 'http request failed');
      if (!res.headersSent) sendError(res, err);
    });
  });
  server.requestTimeout = 120_000;
  server.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.httpPort, cfg.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${cfg.host}:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
