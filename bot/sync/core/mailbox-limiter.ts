/**
 * At most `limit` concurrent Graph requests per mailbox (Graph's Outlook limit is 4), granted in
 * arrival order, plus the mailbox's Retry-After deadline so that no request to a throttled mailbox
 * starts before it. In-memory and per process: with several workers each account is leased to one
 * worker at a time, so one process sees all of a mailbox's requests. Idle mailboxes are forgotten,
 * so ten thousand accounts cost nothing between runs.
 */

interface MailboxState {
  active: number;
  waiting: (() => void)[];
  blockedUntil: number;
}

export class MailboxLimiter {
  private readonly mailboxes = new Map<string, MailboxState>();

  constructor(private readonly limit = 4) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  }

  /** Resolves with a release function once a slot is free; call it exactly once when the request ends. */
  async acquire(mailbox: string): Promise<() => void> {
    const state = this.state(mailbox);
    if (state.active < this.limit) {
      state.active += 1;
    } else {
      // The releasing request hands its slot straight to the next waiter, keeping `active` at the limit.
      await new Promise<void>((resolve) => state.waiting.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(mailbox, state);
    };
  }

  /** Record a Retry-After deadline; an earlier deadline never shortens a later one. */
  blockUntil(mailbox: string, until: number): void {
    const state = this.state(mailbox);
    state.blockedUntil = Math.max(state.blockedUntil, until);
  }

  /** How long a request to this mailbox must still wait because of Retry-After (0 when free). */
  waitMs(mailbox: string, now: number): number {
    const state = this.mailboxes.get(mailbox);
    return state === undefined ? 0 : Math.max(0, state.blockedUntil - now);
  }

  inFlight(mailbox: string): number {
    return this.mailboxes.get(mailbox)?.active ?? 0;
  }

  /** Drop mailboxes with nothing in flight and no deadline left; call it now and then. */
  forgetIdle(now: number): void {
    for (const [mailbox, state] of this.mailboxes) {
      if (state.active === 0 && state.blockedUntil <= now) this.mailboxes.delete(mailbox);
    }
  }

  private state(mailbox: string): MailboxState {
    let state = this.mailboxes.get(mailbox);
    if (state === undefined) {
      state = { active: 0, waiting: [], blockedUntil: 0 };
      this.mailboxes.set(mailbox, state);
    }
    return state;
  }

  private release(mailbox: string, state: MailboxState): void {
    const next = state.waiting.shift();
    if (next !== undefined) {
      next();
      return;
    }
    state.active -= 1;
    if (state.active === 0 && state.blockedUntil === 0) this.mailboxes.delete(mailbox);
  }
}
