import { graphError, type EmuResponse, type ServerMoment } from '../http.js';

/**
 * Outlook's per-mailbox limits: at most 4 concurrent requests (the 5th gets 429 with Retry-After) and an
 * optional request budget per window, per app and mailbox as Microsoft Graph's throttling-limits page
 * states them ("Outlook service limits"). It also keeps the per-mailbox request log that benchmarks and
 * tests read, flagging requests that came back before a Retry-After they were given had elapsed.
 *
 * Microsoft's throttling guidance asks the client to wait the seconds the failed response's Retry-After
 * names. A client can only wait on an answer it has read, so the wait runs from when the 429 (or 503)
 * was written to the connection, and a request breaks it only when the server read it after a client
 * could have read that answer (event-order.ts: the poll after the next one) and before the wait ended.
 * A request that was already on its way, or crossed the answer, is counted apart, not as a violation.
 */
export const MAX_CONCURRENT_PER_MAILBOX = 4;
const CONCURRENCY_RETRY_AFTER_SECONDS = 1;
const LOG_LIMIT = 10_000;
const WAIT_KEPT_MS = 60_000;

export interface RequestLogEntry {
  time: string;
  method: string;
  path: string;
  status: number;
  appId: string;
  durationMs: number;
  /** Sent after the app had a Retry-After from this mailbox, before it elapsed. */
  beforeRetryAfter: boolean;
  /** For such a request: how long after that Retry-After's answer was written the server read it. */
  msAfterRetryAfterWritten?: number;
}

export interface Budget {
  limit: number;
  windowSeconds: number;
}

export interface ThrottleCounters {
  requests: number;
  throttled: number;
  retryAfterViolations: number;
  /** Requests read before a client could have read a 429's answer and handled after it: it could not know. */
  onTheirWayAtRetryAfter: number;
  inFlight: number;
  maxInFlight: number;
}

/** A Retry-After given to an app: from when its answer was written (known once a client could read it). */
interface RetryWait {
  decidedAt: number;
  ms: number;
  from?: ServerMoment;
}

function emptyCounters(maxInFlight: number): ThrottleCounters {
  return {
    requests: 0,
    throttled: 0,
    retryAfterViolations: 0,
    onTheirWayAtRetryAfter: 0,
    inFlight: 0,
    maxInFlight,
  };
}

class MailboxLimits {
  inFlight = 0;
  budget?: Budget;
  windowStart = 0;
  windowCount = 0;
  waits = new Map<string, RetryWait[]>();
  log: RequestLogEntry[] = [];
  counters: ThrottleCounters = emptyCounters(0);
}

export type Admission = { admitted: true; release: () => void } | { admitted: false; response: EmuResponse };

export class Throttle {
  private readonly mailboxes = new Map<string, MailboxLimits>();

  constructor(private readonly clock: () => number = Date.now) {}

  /**
   * Notes the arrival of a request the server read at `received`, and whether it ignored a
   * Retry-After: one whose answer was written before the request was read, and had not elapsed.
   */
  arrive(
    userId: string,
    appId: string,
    received: ServerMoment,
  ): { beforeRetryAfter: boolean; msAfterRetryAfterWritten?: number } {
    const limits = this.limits(userId);
    limits.counters.requests++;
    const now = this.clock();
    // Kept a while after they end: a request read inside one may reach this point (auth) only later.
    const waits = (limits.waits.get(appId) ?? []).filter(
      (w) => w.from === undefined || w.from.at + w.ms + WAIT_KEPT_MS > now,
    );
    limits.waits.set(appId, waits);
    const readAfter = (w: RetryWait) => w.from !== undefined && received.event > w.from.event;
    const broken = waits.filter((w) => readAfter(w) && received.at < w.from!.at + w.ms);
    if (broken.length > 0) {
      limits.counters.retryAfterViolations++;
      // The most recent answer it ignored: a gap of a few milliseconds is a request that crossed it.
      const latest = Math.max(...broken.map((w) => w.from!.at));
      return { beforeRetryAfter: true, msAfterRetryAfterWritten: received.at - latest };
    }
    if (waits.some((w) => w.decidedAt <= now && !readAfter(w))) limits.counters.onTheirWayAtRetryAfter++;
    return { beforeRetryAfter: false };
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

  /**
   * Logs the finished request. When its answer sets a Retry-After, the app's wait starts once that
   * answer is written (`written`); an answer the connection never delivered starts none.
   */
  record(
    userId: string,
    entry: RequestLogEntry,
    response: EmuResponse,
    written: Promise<ServerMoment | null>,
  ): void {
    const limits = this.limits(userId);
    const retryAfter = Number(response.headers?.['retry-after']);
    if ((response.status === 429 || response.status === 503) && Number.isFinite(retryAfter)) {
      const wait: RetryWait = { decidedAt: this.clock(), ms: retryAfter * 1000 };
      const waits = limits.waits.get(entry.appId) ?? [];
      waits.push(wait);
      limits.waits.set(entry.appId, waits);
      void written.then((moment) => {
        if (moment === null)
          limits.waits.set(entry.appId, limits.waits.get(entry.appId)?.filter((w) => w !== wait) ?? []);
        else wait.from = moment;
      });
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
    limits.waits = new Map();
    limits.counters = emptyCounters(limits.inFlight);
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
