import { graphError, type EmuResponse } from '../http.js';

/**
 * Outlook's per-mailbox limits: at most 4 concurrent requests (the 5th gets 429 with Retry-After) and an
 * optional request budget per window, per app and mailbox as Microsoft Graph's throttling-limits page
 * states them ("Outlook service limits"). It also keeps the per-mailbox request log that benchmarks and
 * tests read, flagging requests that came back before a Retry-After they were given had elapsed.
 */
export const MAX_CONCURRENT_PER_MAILBOX = 4;
const CONCURRENCY_RETRY_AFTER_SECONDS = 1;
const LOG_LIMIT = 10_000;

export interface RequestLogEntry {
  time: string;
  method: string;
  path: string;
  status: number;
  appId: string;
  durationMs: number;
  /** The app was still inside a Retry-After this mailbox gave it. */
  beforeRetryAfter: boolean;
}

export interface Budget {
  limit: number;
  windowSeconds: number;
}

export interface ThrottleCounters {
  requests: number;
  throttled: number;
  retryAfterViolations: number;
  inFlight: number;
  maxInFlight: number;
}

class MailboxLimits {
  inFlight = 0;
  budget?: Budget;
  windowStart = 0;
  windowCount = 0;
  readonly retryNotBefore = new Map<string, number>();
  log: RequestLogEntry[] = [];
  counters: ThrottleCounters = {
    requests: 0,
    throttled: 0,
    retryAfterViolations: 0,
    inFlight: 0,
    maxInFlight: 0,
  };
}

export type Admission = { admitted: true; release: () => void } | { admitted: false; response: EmuResponse };

export class Throttle {
  private readonly mailboxes = new Map<string, MailboxLimits>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Notes the arrival of a request and whether it ignored a Retry-After. */
  arrive(userId: string, appId: string): { beforeRetryAfter: boolean } {
    const limits = this.limits(userId);
    limits.counters.requests++;
    const notBefore = limits.retryNotBefore.get(appId) ?? 0;
    const beforeRetryAfter = this.clock() < notBefore;
    if (beforeRetryAfter) limits.counters.retryAfterViolations++;
    return { beforeRetryAfter };
  }

  admit(userId: string): Admission {
    const limits = this.limits(userId);
    if (limits.inFlight >= MAX_CONCURRENT_PER_MAILBOX) {
      return {
        admitted: false,
        response: throttled(
          'Application is over its MailboxConcurrency limit.',
          CONCURRENCY_RETRY_AFTER_SECONDS,
        ),
      };
    }
    if (limits.budget) {
      const now = this.clock();
      const windowMs = limits.budget.windowSeconds * 1000;
      if (now - limits.windowStart >= windowMs) {
        limits.windowStart = now;
        limits.windowCount = 0;
      }
      if (limits.windowCount >= limits.budget.limit) {
        const wait = Math.max(1, Math.ceil((limits.windowStart + windowMs - now) / 1000));
        return {
          admitted: false,
          response: throttled('Application is over its MailboxRequestBudget limit.', wait),
        };
      }
      limits.windowCount++;
    }
    limits.inFlight++;
    limits.counters.maxInFlight = Math.max(limits.counters.maxInFlight, limits.inFlight);
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        limits.inFlight--;
      },
    };
  }

  /** Logs the finished request and starts the app's Retry-After period when the response set one. */
  record(userId: string, entry: RequestLogEntry, response: EmuResponse): void {
    const limits = this.limits(userId);
    const retryAfter = Number(response.headers?.['retry-after']);
    if ((response.status === 429 || response.status === 503) && Number.isFinite(retryAfter)) {
      limits.retryNotBefore.set(entry.appId, this.clock() + retryAfter * 1000);
    }
    if (response.status === 429) limits.counters.throttled++;
    limits.log.push(entry);
    if (limits.log.length > LOG_LIMIT) limits.log.splice(0, limits.log.length - LOG_LIMIT);
  }

  setBudget(userId: string, budget: Budget | undefined): void {
    const limits = this.limits(userId);
    limits.budget = budget;
    limits.windowStart = this.clock();
    limits.windowCount = 0;
  }

  budget(userId: string): Budget | undefined {
    return this.limits(userId).budget;
  }

  log(userId: string): readonly RequestLogEntry[] {
    return this.limits(userId).log;
  }

  counters(userId: string): ThrottleCounters {
    const limits = this.limits(userId);
    return { ...limits.counters, inFlight: limits.inFlight };
  }

  /** Clears the log, the counters and pending Retry-After periods; in-flight requests still count. */
  clearLog(userId: string): void {
    const limits = this.limits(userId);
    limits.log = [];
    limits.retryNotBefore.clear();
    limits.counters = {
      requests: 0,
      throttled: 0,
      retryAfterViolations: 0,
      inFlight: 0,
      maxInFlight: limits.inFlight,
    };
  }

  reset(): void {
    this.mailboxes.clear();
  }

  private limits(userId: string): MailboxLimits {
    const id = userId.toLowerCase();
    let limits = this.mailboxes.get(id);
    if (!limits) {
      limits = new MailboxLimits();
      this.mailboxes.set(id, limits);
    }
    return limits;
  }
}

export function throttled(message: string, retryAfterSeconds: number): EmuResponse {
  return graphError(429, 'ApplicationThrottled', message, { 'retry-after': String(retryAfterSeconds) });
}
