/**
 * How much notification work the server takes on at once. Graph retries a delivery that is answered
 * 429 or 503 (with exponential back-off, honouring Retry-After), so refusing over budget loses
 * nothing, whereas taking on unbounded work lets anyone who can reach the endpoint exhaust the
 * database pool.
 *
 * Two bounds: requests being read or handled at the same time (503 when full), and a token bucket
 * for the rate of accepted requests (429 when empty). Pure: the clock is given.
 */

export interface NotificationLimits {
  /** Requests read or handled at the same time. */
  maxInFlight: number;
  /** Requests accepted in a burst (the bucket's size). */
  burst: number;
  /** Requests accepted per second once the burst is spent. */
  perSecond: number;
}

/**
 * Graph posts one request per change (or a small batch) for every synced mailbox: a thousand active
 * mailboxes make a few hundred a second, each costing one indexed lookup and one update. The
 * in-flight bound is what protects the database pool; the rate bound stops a flood well above that.
 */
export const DEFAULT_NOTIFICATION_LIMITS: NotificationLimits = {
  maxInFlight: 32,
  burst: 1000,
  perSecond: 500,
};

export type Admission =
  { admitted: true; release: () => void } | { admitted: false; status: 429 | 503; retryAfterSeconds: number };

export interface NotificationBudget {
  admit(): Admission;
  /** Requests admitted and not yet released. */
  inFlight(): number;
}

export function createNotificationBudget(limits: NotificationLimits, now: () => number): NotificationBudget {
  let inFlight = 0;
  let tokens = limits.burst;
  let refilledAt = now();

  function refill(): void {
    const t = now();
    tokens = Math.min(limits.burst, tokens + ((t - refilledAt) / 1000) * limits.perSecond);
    refilledAt = t;
  }

  return {
    admit() {
      if (inFlight >= limits.maxInFlight) return { admitted: false, status: 503, retryAfterSeconds: 1 };
      refill();
      if (tokens < 1) {
        return {
          admitted: false,
          status: 429,
          retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / limits.perSecond)),
        };
      }
      tokens -= 1;
      inFlight += 1;
      let released = false;
      return {
        admitted: true,
        release: () => {
          if (released) return;
          released = true;
          inFlight -= 1;
        },
      };
    },
    inFlight: () => inFlight,
  };
}
