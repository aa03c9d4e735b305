/** Choosing the expert set from scores: overrides (required, excluded), threshold, max experts, never the base. */
import { InvalidArgumentError } from '../../src/core/errors';
import type { Specialist } from './policy';

export interface Overrides {
  required: readonly string[];
  excluded: readonly string[];
  /** Maximum chosen experts for this request. */
  maxExperts: number;
}

export interface Selection {
  chosen: string[];
  /** Human-readable notes on overrides that changed the outcome. */
  notes: string[];
}

/** Throws InvalidArgumentError for unknown names, the base expert, contradictions, or required > max. */
export function validateOverrides(o: Overrides, specialists: readonly Specialist[], base: string, where: string): void {
  const known = new Set(specialists.map((s) => s.name));
  for (const [field, list] of [['required', o.required], ['excluded', o.excluded]] as const) {
    for (const name of list) {
      if (name === base) throw new InvalidArgumentError(`${where}.${field}: "${name}" is the base expert, which always runs`);
      if (!known.has(name)) throw new InvalidArgumentError(`${where}.${field}: unknown expert "${name}" (have: ${[...known].join(', ')})`);
    }
  }
  const both = o.required.filter((n) => o.excluded.includes(n));
  if (both.length > 0) throw new InvalidArgumentError(`${where}: "${both[0]}" is both required and excluded`);
  if (o.required.length > o.maxExperts) {
    throw new InvalidArgumentError(`${where}.required: ${o.required.length} experts required but max_experts is ${o.maxExperts}`);
  }
}

export function selectExperts(scores: Readonly<Record<string, number>>, o: Overrides, threshold: number): Selection {
  const notes: string[] = [];
  const chosen = [...new Set(o.required)];
  if (chosen.length > 0) notes.push(`required ${chosen.join('+')}`);
  const ranked = Object.entries(scores).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  for (const [name, score] of ranked) {
    if (score < threshold || chosen.includes(name)) continue;
    if (o.excluded.includes(name)) {
      notes.push(`excluded ${name}`);
      continue;
    }
    if (chosen.length >= o.maxExperts) {
      notes.push(`max ${o.maxExperts} dropped ${name}`);
      continue;
    }
    chosen.push(name);
  }
  chosen.sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a.localeCompare(b));
  return { chosen, notes };
}
