import * as core from '@actions/core';
import { formatMs } from '../tool';

export interface RetryOptions {
  /** Attempts in total, including the first (default 4). */
  attempts?: number;
  /** Delay before the first retry; it doubles each time, with jitter (default 1000 ms). */
  baseDelayMs?: number;
  /** Upper bound of one delay (default 10 s). */
  maxDelayMs?: number;
  /** Source of jitter in [0, 1) (tests pin it). */
  random?: () => number;
}

/** Exponential backoff with "equal jitter": half the delay fixed, half random, so clients spread out. */
export function backoffDelay(retry: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 10_000;
  const random = options.random ?? Math.random;
  const delay = Math.min(max, base * 2 ** (retry - 1));
  return Math.round(delay / 2 + (random() * delay) / 2);
}

/**
 * Run `attempt` until it succeeds, fails with an error `retryable` rejects, or the attempts are
 * used up; the last error is thrown. Each retry is logged (without the error body, which is the
 * server's and may be long).
 */
export async function withRetry<T>(
  what: string,
  attempt: (n: number) => Promise<T>,
  retryable: (err: unknown) => string | undefined,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 4);
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const reason = retryable(err);
      if (reason === undefined || n >= attempts) throw err;
      const delay = backoffDelay(n, options);
      core.info(`${what}: ${reason}; retrying in ${formatMs(delay)} (attempt ${n + 1} of ${attempts}).`);
      await new Promise((done) => setTimeout(done, delay));
    }
  }
}
