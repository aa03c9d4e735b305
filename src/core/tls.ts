/**
 * Optional TLS and mutual TLS for every gRPC hop. Certificate files come from config or the environment (in
 * Kubernetes: a Secret mounted as files), read here and nowhere else:
 *   MOVA_TLS_CERT / MOVA_TLS_KEY   this process's certificate chain and private key (PEM); used to serve and, with
 *                                  mTLS, presented as the client certificate on outbound calls
 *   MOVA_TLS_CA                    CA bundle (PEM) that peers' certificates must chain to
 *   MOVA_TLS_CLIENT_AUTH=1         servers require and verify a client certificate (mutual TLS)
 * No MOVA_TLS_CERT: plaintext (the default for local runs).
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { ConfigError } from './errors';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** CA bundle for verifying peers; unset = the system roots (clients) / no client verification (servers). */
  caFile?: string;
  /** Require and verify client certificates. @default false */
  clientAuth?: boolean;
}

export function tlsFilesFromEnv(env: NodeJS.ProcessEnv = process.env): TlsFiles | undefined {
  const certFile = env.MOVA_TLS_CERT || undefined;
  const keyFile = env.MOVA_TLS_KEY || undefined;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new ConfigError(certFile ? 'MOVA_TLS_KEY' : 'MOVA_TLS_CERT', 'TLS needs both MOVA_TLS_CERT and MOVA_TLS_KEY');
  const clientAuth = env.MOVA_TLS_CLIENT_AUTH === '1' || env.MOVA_TLS_CLIENT_AUTH === 'true';
  if (clientAuth && !env.MOVA_TLS_CA) throw new ConfigError('MOVA_TLS_CA', 'mutual TLS (MOVA_TLS_CLIENT_AUTH) needs a CA bundle to verify clients');
  return {
    certFile,
    keyFile,
    ...(env.MOVA_TLS_CA ? { caFile: env.MOVA_TLS_CA } : {}),
    clientAuth,
  };
}

function read(file: string, key: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(key, `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Server credentials: insecure without TLS files; with `clientAuth`, a client certificate signed by the CA is required. */
export function serverCredentials(tls: TlsFiles | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  const ca = tls.caFile ? read(tls.caFile, 'tls.caFile') : null;
  return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: read(tls.certFile, 'tls.certFile'), private_key: read(tls.keyFile, 'tls.keyFile') }], tls.clientAuth === true);
}

/** Channel credentials for outbound hops: TLS verifying the server against the CA, presenting our certificate. */
export function channelCredentials(tls: TlsFiles | undefined): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  const ca = tls.caFile ? read(tls.caFile, 'tls.caFile') : null;
  return grpc.credentials.createSsl(ca, read(tls.keyFile, 'tls.keyFile'), read(tls.certFile, 'tls.certFile'));
}
