/** Structured JSON logging to stderr (stdout is reserved for machine-readable output such as `mova up`'s ready line). */
import pino from 'pino';
import { traceIdOf } from './tracing';

export type Logger = pino.Logger;

const rootLogger: Logger = pino(
  {
    level: process.env.MOVA_LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
    // Every line logged inside a span (a request, a batch, a gRPC call) carries its trace id.
    mixin: () => {
      const traceId = traceIdOf();
      return traceId ? { traceId } : {};
    },
    // Never log image bytes or secrets: these keys are censored wherever they appear.
    redact: { paths: ['image', 'images', 'apiKey', 'authorization', '*.image', '*.images', '*.apiKey', '*.password', '*.authorization', '*["x-api-key"]'], censor: '[redacted]' },
  },
  pino.destination(2),
);

export function logger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger.child({ component, ...bindings });
}
