/**
 * At most `limit` concurrent Graph requests per mailbox (Graph's Outlook limit is 4), granted in
 * arrival order, plus the mailbox's Retry-After deadline so that no request to a throttled mailbox
 * starts before it. Once the deadline passes, one request goes first and the others wait for its
 * answer: Graph may throttle it again, and requests released together would otherwise all be sent
 * before that answer, the later ones inside its new Retry-After. In-memory and per process: with several workers each account is leased to one
 * worker at a time, so one process sees all of a mailbox's requests. Idle mailboxes are forgotten,
 * so ten thousand accounts cost nothing between runs.
 */

/**
 * How many of a mailbox's resources page at once unless configured: one per resource synced by default
 * (Inbox, Sent Items, calendar), which leaves one of Graph's four for a round's side requests (a
 * series master, an event the CRM wrote) and a retried request without waiting for a slot.
 */
export const DEFAULT_ROUNDS_PER_MAILBOX = 3;

interface MailboxState {
  active: number;
  waiting: (() => void)[];
  blockedUntil: number;
  /** Throttled, and no answer since has shown Graph accepting requests again. */
  recovering: boolean;
  /** The first request after a Retry-After, while its answer is awaited. */
  probe?: Promise<void>;
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
    state.recovering = true;
  }

  /** The answer of the first request after a Retry-After, when one is awaited: wait for it, then look again. */
  probeInFlight(mailbox: string): Promise<void> | undefined {
    return this.mailboxes.get(mailbox)?.probe;
  }

  /**
   * Call just before sending, once `waitMs` is 0 and no probe is awaited. After a Retry-After this
   * request becomes the probe: returns what to call with its answer (throttled again or not).
   */
  beginRequest(mailbox: string): ((throttledAgain: boolean) => void) | undefined {
    const state = this.mailboxes.get(mailbox);
    if (state === undefined || !state.recovering) return undefined;
    let answered!: () => void;
    state.probe = new Promise<void>((resolve) => (answered = resolve));
    return (throttledAgain) => {
      state.probe = undefined;
      if (!throttledAgain) state.recovering = false;
      answered();
    };
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
      if (state.active === 0 && state.blockedUntil <= now && state.probe === undefined)
        this.mailboxes.delete(mailbox);
    }
  }

  private state(mailbox: string): MailboxState {
    let state = this.mailboxes.get(mailbox);
    if (state === undefined) {
      state = { active: 0, waiting: [], blockedUntil: 0, recovering: false };
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
