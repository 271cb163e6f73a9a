import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { setImmediate as afterPendingIo } from 'node:timers/promises';
import { parseRetryAfter } from './core/backoff.js';
import type { MailboxLimiter } from './core/mailbox-limiter.js';
import type { FetchLike } from '../net/tls-trust.js';

/**
 * Graph client middleware that sits just before the network, below the RetryHandler, so it sees
 * every attempt including retries:
 *
 * - at most the limiter's number of requests to one mailbox at a time;
 * - no request leaves before the mailbox's Retry-After deadline: the RetryHandler only delays the
 *   request that was throttled, whereas Graph's Retry-After applies to every request of the app to
 *   that mailbox, including concurrent ones;
 * - after the deadline one request goes first and the rest follow its answer (the limiter's probe);
 * - counts requests and the time the mailbox spent blocked by Retry-After, for the run record.
 */

export interface RequestStats {
  requests: number;
  /** Wall time the mailbox was under a Retry-After, without double counting overlapping ones. */
  throttledMs: number;
  /** The latest Retry-After deadline seen (epoch ms), 0 if none. */
  throttledUntil: number;
}

export function newRequestStats(): RequestStats {
  return { requests: 0, throttledMs: 0, throttledUntil: 0 };
}

/**
 * Timers may fire a millisecond early and the deadline is computed on receipt, so a small margin
 * keeps the next request clearly after the server's own deadline.
 */
const DEADLINE_MARGIN_MS = 25;

export class MailboxGate implements Middleware {
  private next?: Middleware;

  constructor(
    private readonly limiter: MailboxLimiter,
    private readonly mailbox: string,
    private readonly stats: RequestStats,
    private readonly now: () => number = Date.now,
  ) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    if (!this.next) throw new Error('MailboxGate must not be the last middleware');
    const release = await this.limiter.acquire(this.mailbox);
    try {
      const answered = await this.clearToSend();
      this.stats.requests += 1;
      let throttledAgain = true;
      try {
        await this.next.execute(context);
        throttledAgain = this.noteRetryAfter(context.response);
      } finally {
        answered?.(throttledAgain);
      }
    } finally {
      release();
    }
  }

  /**
   * Waits until this request may go; re-checked after every wait, since another request may have been
   * throttled meanwhile. Each check first lets the event loop read answers that have already reached
   * the process: a 429 that arrived while a page commit kept the loop busy must stop this request too,
   * so the loop is let round until one turn passes quickly. The request becomes the probe in the same
   * step as the check, so two requests waking together cannot both take that role.
   */
  private async clearToSend(): Promise<((throttledAgain: boolean) => void) | undefined> {
    for (;;) {
      await readPendingAnswers();
      const wait = this.limiter.waitMs(this.mailbox, this.now());
      if (wait > 0) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        continue;
      }
      const probe = this.limiter.probeInFlight(this.mailbox);
      if (probe === undefined) return this.limiter.beginRequest(this.mailbox);
      await probe;
    }
  }

  /** Notes a Retry-After in the answer; true when the answer throttled the mailbox. */
  private noteRetryAfter(response: Response | undefined): boolean {
    if (!response || (response.status !== 429 && response.status !== 503)) return false;
    const now = this.now();
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
    if (retryAfterMs === null) return response.status === 429;
    const until = now + retryAfterMs + DEADLINE_MARGIN_MS;
    const blockedFrom = Math.max(now, this.stats.throttledUntil);
    if (until > blockedFrom) this.stats.throttledMs += until - blockedFrom;
    this.stats.throttledUntil = Math.max(this.stats.throttledUntil, until);
    this.limiter.blockUntil(this.mailbox, until);
    return true;
  }
}

/** A turn of the event loop this short left no time for an answer to arrive unread before the check. */
const QUIET_TURN_MS = 2;
/**
 * A 429 that arrived during one long page commit is read in the turn after it, so a few turns are
 * enough; the bound keeps a worker whose loop is always busy with other mailboxes from holding a
 * request back for ever.
 */
export const MAX_TURNS_BEFORE_SEND = 8;

/** Lets the event loop read answers already in the process: until a turn passes quickly, within a bound. */
export async function readPendingAnswers(): Promise<void> {
  for (let turn = 0; turn < MAX_TURNS_BEFORE_SEND; turn += 1) {
    const started = performance.now();
    await afterPendingIo();
    if (performance.now() - started <= QUIET_TURN_MS) return;
  }
}

/** The last middleware: sends the request with the given fetch (one that trusts the configured CA). */
export class FetchHandler implements Middleware {
  constructor(private readonly fetchImpl: FetchLike) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    context.response = await this.fetchImpl(url, context.options as RequestInit);
  }
}
