import { generateMailbox, type GenerateOptions } from './generator.js';
import { Mailbox } from './mailbox.js';
import { eventFromSeed, messageFromSeed } from './mailbox-seed.js';
import { mailboxSeed } from './seed-schema.js';
import type { MailboxChange } from './sequence.js';

export type ChangeListener = (userId: string, change: MailboxChange) => void;

/**
 * Every user's mailbox, keyed by object id. A user without seeded content has an empty mailbox, as a
 * freshly licensed Exchange user does. Listeners hear every change (subscriptions) and every reset.
 */
export class MailboxStore {
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly changeListeners = new Set<ChangeListener>();
  private readonly resetListeners = new Set<() => void>();

  constructor(private readonly clock: () => number = Date.now) {}

  now(): number {
    return this.clock();
  }

  /**
   * Replaces the user's mailbox with the seed's content; a bad seed throws and changes nothing.
   * `ownerAddresses` (mail, UPN) tell the organizer's copy of a meeting from an attendee's.
   */
  loadSeed(userId: string, seed: unknown, ownerAddresses: readonly string[] = []): void {
    const parsed = mailboxSeed.safeParse(seed);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(
        `invalid mailbox seed for ${userId}: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      );
    }
    const nowMs = this.now();
    const fresh = this.createMailbox(userId);
    const owner = new Set(ownerAddresses.map((a) => a.toLowerCase()));
    if (parsed.data.calendarDelta) fresh.calendarDelta = { ...parsed.data.calendarDelta };
    // Convert everything first so a bad entry (say, a missing occurrence) leaves the old mailbox in place.
    const messages = parsed.data.messages.map((m) => messageFromSeed(m, fresh.tag, nowMs));
    const events = parsed.data.events.map((e, i) => {
      try {
        return eventFromSeed(e, nowMs, owner);
      } catch (err) {
        throw new Error(`invalid mailbox seed for ${userId}: events.${i}: ${(err as Error).message}`);
      }
    });
    const ordered = messages.sort((a, b) =>
      String(a.fields.receivedDateTime).localeCompare(String(b.fields.receivedDateTime)),
    );
    for (const m of ordered) fresh.messages.add(m.folder, m.fields, m.sensitivity, nowMs);
    for (const e of events) fresh.calendar.add(e, nowMs);
    this.mailboxes.set(userId.toLowerCase(), fresh);
  }

  /** Fills the user's mailbox with a deterministic generated one (benchmarks). */
  generate(userId: string, options: GenerateOptions): Mailbox {
    const fresh = this.createMailbox(userId);
    generateMailbox(fresh, options, this.now());
    this.mailboxes.set(userId.toLowerCase(), fresh);
    return fresh;
  }

  mailbox(userId: string): Mailbox {
    const id = userId.toLowerCase();
    let box = this.mailboxes.get(id);
    if (!box) {
      box = this.createMailbox(userId);
      this.mailboxes.set(id, box);
    }
    return box;
  }

  reset(): void {
    this.mailboxes.clear();
    for (const listener of this.resetListeners) listener();
  }

  onChange(listener: ChangeListener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onReset(listener: () => void): () => void {
    this.resetListeners.add(listener);
    return () => this.resetListeners.delete(listener);
  }

  private createMailbox(userId: string): Mailbox {
    const id = userId.toLowerCase();
    const box: Mailbox = new Mailbox(id, (change) => {
      // Changes to a mailbox that is being built (seed, generation) are nobody's business yet.
      if (this.mailboxes.get(id) !== box) return;
      for (const listener of this.changeListeners) listener(id, change);
    });
    return box;
  }
}
