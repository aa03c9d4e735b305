/** Process checks for tests that start and stop services as processes. */
import { readFileSync } from 'node:fs';
import { MALLOC_TUNABLES } from '../../src/core/memory-tuning';

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits up to `ms` for every pid to be gone; resolves with the ones still running. */
export async function waitGone(pids: readonly number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return pids.filter(alive);
}

/**
 * Whether a running process started with our MALLOC_TUNABLES in GLIBC_TUNABLES (Linux: reads /proc/<pid>/environ).
 * glibc cuts its start-up copy of the variable at the first ':' while parsing it, so a non-empty prefix matches.
 */
export function startedWithMallocTuning(pid: number): boolean {
  const entry = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((e) => e.startsWith('GLIBC_TUNABLES='));
  const value = entry?.slice('GLIBC_TUNABLES='.length) ?? '';
  return value.length > 0 && MALLOC_TUNABLES.startsWith(value);
}
