/**
 * Backoff arithmetic: exponential backoff with full jitter (a uniform delay in
 * [0, min(cap, base·2^attempt)]), which spreads retries of many mailboxes instead of synchronising
 * them, and Retry-After read as a delay, which a throttled mailbox always honours.
 */

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Retries per request before the run gives up and the account is rescheduled. */
  maxAttempts: number;
}

/** A uniform delay in [0, min(maxDelayMs, baseDelayMs · 2^attempt)). */
export function fullJitterDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/**
 * Retry-After as milliseconds from `now`: delta-seconds or an HTTP-date (RFC 9110). Null when absent
 * or unreadable, so the caller falls back to backoff; a date in the past means "now" (0).
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | null {
  const value = header?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!/[a-z]/i.test(value)) return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
