/**
 * Typed errors, mapped once to gRPC status codes (see toGrpcStatus) and to HTTP (see httpStatusFor).
 * Domain code throws these; only the edge (gRPC handlers, HTTP routes) converts them.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';

/** A gRPC status code's name (e.g. "INVALID_ARGUMENT"), or the number when it has none. */
export function statusName(code: number): string {
  return GrpcStatus[code] ?? String(code);
}

export class MovaError extends Error {
  /** gRPC status code this error maps to at the edge. */
  readonly code: GrpcStatus;
  /** Whether a queue may retry the work that failed with this error. */
  readonly retryable: boolean;

  constructor(code: GrpcStatus, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options?.retryable ?? false;
  }
}

/** Malformed request: bad tensor, undecodable image, unknown expert name, ... */
export class InvalidArgumentError extends MovaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(GrpcStatus.INVALID_ARGUMENT, message, options);
  }
}

/** A limit was hit: queue full, image too large, batch over the limit, message too big. */
export class ResourceExhaustedError extends MovaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(GrpcStatus.RESOURCE_EXHAUSTED, message, { ...options, retryable: true });
  }
}

export class NotFoundError extends MovaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(GrpcStatus.NOT_FOUND, message, options);
  }
}

/** A dependency (another service, a model session) is not available right now. */
export class UnavailableError extends MovaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(GrpcStatus.UNAVAILABLE, message, { ...options, retryable: true });
  }
}

export class DeadlineExceededError extends MovaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(GrpcStatus.DEADLINE_EXCEEDED, message, options);
  }
}

export class CancelledError extends MovaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(GrpcStatus.CANCELLED, message, options);
  }
}

export class AlreadyExistsError extends MovaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(GrpcStatus.ALREADY_EXISTS, message, options);
  }
}

export class FailedPreconditionError extends MovaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(GrpcStatus.FAILED_PRECONDITION, message, options);
  }
}

export class UnauthenticatedError extends MovaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(GrpcStatus.UNAUTHENTICATED, message, options);
  }
}

/** Configuration is wrong; `key` names the offending path (e.g. `experts[2].preprocess.size`). */
export class ConfigError extends Error {
  readonly key: string;
  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super(`config ${key}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConfigError';
    this.key = key;
  }
}

export interface GrpcStatusObject {
  code: GrpcStatus;
  details: string;
}

function hasGrpcCode(err: unknown): err is { code: number; details?: string; message: string } {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number' &&
    typeof (err as { message?: unknown }).message === 'string';
}

/** The one place where any thrown value becomes a gRPC status. Unknown errors become INTERNAL. */
export function toGrpcStatus(err: unknown): GrpcStatusObject {
  if (err instanceof MovaError) return { code: err.code, details: err.message };
  // A ServiceError from an outbound grpc-js call: keep its code and details.
  if (hasGrpcCode(err) && err.code >= 1 && err.code <= 16) {
    return { code: err.code as GrpcStatus, details: err.details ?? err.message };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: GrpcStatus.INTERNAL, details: `internal error: ${message}` };
}

const HTTP_BY_GRPC: Readonly<Record<number, number>> = {
  [GrpcStatus.OK]: 200,
  [GrpcStatus.CANCELLED]: 499,
  [GrpcStatus.UNKNOWN]: 500,
  [GrpcStatus.INVALID_ARGUMENT]: 400,
  [GrpcStatus.DEADLINE_EXCEEDED]: 504,
  [GrpcStatus.NOT_FOUND]: 404,
  [GrpcStatus.ALREADY_EXISTS]: 409,
  [GrpcStatus.PERMISSION_DENIED]: 403,
  [GrpcStatus.RESOURCE_EXHAUSTED]: 429,
  [GrpcStatus.FAILED_PRECONDITION]: 400,
  [GrpcStatus.ABORTED]: 409,
  [GrpcStatus.OUT_OF_RANGE]: 400,
  [GrpcStatus.UNIMPLEMENTED]: 501,
  [GrpcStatus.INTERNAL]: 500,
  [GrpcStatus.UNAVAILABLE]: 503,
  [GrpcStatus.DATA_LOSS]: 500,
  [GrpcStatus.UNAUTHENTICATED]: 401,
};

/** The one gRPC → HTTP status table. */
export function httpStatusFor(code: GrpcStatus): number {
  return HTTP_BY_GRPC[code] ?? 500;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
