/**
 * A per-request time limit inside a call (e.g. Triton's request parameter `timeout` on a ModelStreamInfer stream,
 * whose own deadline covers every request on it): the work gets a signal that also aborts when the limit passes,
 * and the request fails with DEADLINE_EXCEEDED at that moment rather than when the work would have finished.
 */
import { DeadlineExceededError } from './errors';

/**
 * Runs `work` with `signal` plus a limit of `remainingMs` (none when undefined): past it, the work's signal aborts
 * (a queued request leaves its queue) and the promise rejects with DeadlineExceededError(`message`).
 */
export function withTimeLimit<T>(remainingMs: number | undefined, signal: AbortSignal, message: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (remainingMs === undefined) return work(signal);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new DeadlineExceededError(message);
      reject(err); // first, so the race settles with it rather than with the queue's own "cancelled" rejection
      controller.abort(err);
    }, Math.max(0, remainingMs));
  });
  const running = work(controller.signal);
  running.catch(() => undefined); // settled after the limit: nobody waits for it any more
  return Promise.race([running, expired]).finally(() => {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  });
}
