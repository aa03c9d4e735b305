/**
 * Typed access to a registry entry's `decoder` settings record. Settings are validated where they are read;
 * a wrong type or an out-of-range value is a ConfigError naming `decoder.<key>`, so a decoder can be checked
 * once at start-up by parsing its settings.
 */
import { ConfigError } from '../../../src/core/errors';

export type DecoderSettings = Readonly<Record<string, number | string | boolean>>;

/** A number setting in [min, max]; `fallback` when absent. */
export function numberSetting(settings: DecoderSettings, key: string, fallback: number, min: number, max: number): number {
  const v = settings[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`decoder.${key}`, `must be a number, got ${JSON.stringify(v)}`);
  if (v < min || v > max) throw new ConfigError(`decoder.${key}`, `must be in [${min}, ${max}], got ${v}`);
  return v;
}

/** A positive integer setting up to `max`; `fallback` when absent. */
export function intSetting(settings: DecoderSettings, key: string, fallback: number, max: number, min = 1): number {
  const v = numberSetting(settings, key, fallback, min, max);
  if (!Number.isInteger(v)) throw new ConfigError(`decoder.${key}`, `must be an integer, got ${v}`);
  return v;
}

/** A non-empty string setting; `fallback` when absent. */
export function stringSetting(settings: DecoderSettings, key: string, fallback: string): string {
  const v = settings[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || v === '') throw new ConfigError(`decoder.${key}`, `must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

/** Reject keys a decoder does not know (a typo should fail at start-up, not be ignored). */
export function rejectUnknownSettings(settings: DecoderSettings, known: readonly string[]): void {
  for (const key of Object.keys(settings)) {
    if (!known.includes(key)) throw new ConfigError(`decoder.${key}`, `unknown setting (known: ${known.join(', ')})`);
  }
}
