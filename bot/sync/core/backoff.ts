/**
 * Retry decisions for one Graph request. 429 and 503 carry Retry-After, which is always honoured: the
 * delay is never shorter than it. Other transient failures (500, 502, 503, 504 without the header)
 * back off exponentially with full jitter (a uniform delay in [0, min(cap, base·2^attempt)]), which
 * spreads retries of many mailboxes instead of synchronising them.
 */

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Retries per request before the run gives up and the account is rescheduled. */
  maxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 60_000, maxAttempts: 5 };

export type RetryDecision =
  | { kind: 'retry'; delayMs: number; throttled: boolean }
  /** Attempts are used up; no request to this mailbox before `now + notBeforeMs`. */
  | { kind: 'give-up'; notBeforeMs: number; throttled: boolean }
  /** Not a transient failure: retrying would fail the same way. */
  | { kind: 'fail' };

const TRANSIENT = new Set([429, 500, 502, 503, 504]);

export interface FailedResponse {
  status: number;
  retryAfter?: string | null;
  /** Retries already made for this request (0 for the first failure). */
  attempt: number;
}

export function retryDecision(
  response: FailedResponse,
  now: number,
  policy: RetryPolicy,
  random: () => number,
): RetryDecision {
  if (!TRANSIENT.has(response.status)) return { kind: 'fail' };
  const retryAfterMs = parseRetryAfter(response.retryAfter, now);
  const throttled = response.status === 429 || (response.status === 503 && retryAfterMs !== null);
  const backoff = fullJitterDelay(response.attempt, policy, random);
  const delayMs =
    retryAfterMs === null
      ? backoff
      : response.status === 429
        ? retryAfterMs
        : Math.max(retryAfterMs, backoff);
  if (response.attempt >= policy.maxAttempts) return { kind: 'give-up', notBeforeMs: delayMs, throttled };
  return { kind: 'retry', delayMs, throttled };
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
