/**
 * What `mova` prints when a command fails: one line a user can act on, not a stack trace. A gRPC status is named
 * (`INVALID_ARGUMENT: image could not be decoded ...`), with a hint when the service cannot be reached; a file the
 * command could not open is named with the reason. Anything else (a bug) keeps its stack.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { errorMessage } from '../core/errors';

interface GrpcLikeError extends Error {
  code: number;
  details: string;
}

interface SystemLikeError extends Error {
  code: string;
  syscall?: string;
  path?: string;
}

function isGrpcError(err: unknown): err is GrpcLikeError {
  return err instanceof Error && typeof (err as Partial<GrpcLikeError>).code === 'number' && typeof (err as Partial<GrpcLikeError>).details === 'string';
}

function isSystemError(err: unknown): err is SystemLikeError {
  return err instanceof Error && typeof (err as Partial<SystemLikeError>).code === 'string' && /^E[A-Z]+$/.test((err as SystemLikeError).code);
}

const SYSTEM_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EMFILE: 'too many open files',
};

/** Commands that call a running gateway: an UNAVAILABLE from them gets the hint. */
const GATEWAY_CLIENTS = new Set(['infer', 'loadtest']);

/** The message `mova` prints when `command` failed with `err` (without the `mova: ` prefix). */
export function describeCliError(err: unknown, command = ''): string {
  if (isGrpcError(err)) {
    const name = GrpcStatus[err.code] ?? `status ${err.code}`;
    const details = err.details || 'no details';
    const unreachable = err.code === GrpcStatus.UNAVAILABLE && GATEWAY_CLIENTS.has(command);
    const hint = unreachable ? ' (is the cluster running? `mova up` starts it; --gateway or MOVA_GATEWAY names another address)' : '';
    return `${name}: ${details}${hint}`;
  }
  if (isSystemError(err) && err.path !== undefined) {
    const what = err.syscall === 'open' || err.syscall === 'read' ? 'cannot read' : `${err.syscall ?? 'cannot use'}`;
    return `${what} ${err.path}: ${SYSTEM_REASONS[err.code] ?? err.code}`;
  }
  if (err instanceof Error) return err.stack ?? err.message;
  return errorMessage(err);
}
