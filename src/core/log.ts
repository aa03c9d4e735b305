/** Structured JSON logging to stderr (stdout is reserved for machine-readable output such as `mova up`'s ready line). */
import pino from 'pino';

export type Logger = pino.Logger;

const rootLogger: Logger = pino(
  {
    level: process.env.MOVA_LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
    // Never log image bytes or secrets: these keys are censored wherever they appear.
    redact: { paths: ['*.image', '*.images', '*.apiKey', '*.password', '*.authorization'], censor: '[redacted]' },
  },
  pino.destination(2),
);

export function logger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger.child({ component, ...bindings });
}
