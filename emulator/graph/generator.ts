import type { Mailbox } from './mailbox.js';
import { eventFromSeed, messageFromSeed } from './mailbox-seed.js';
import type { EventSeed, MessageSeed } from './seed-schema.js';

/**
 * A deterministic mailbox generator for benchmarks: the same options give the same mailbox (content,
 * order, dates relative to now), so runs are comparable. Messages are built directly from plain seed
 * objects, without schema validation, to keep 50,000 of them within a few seconds.
 */
export interface GenerateOptions {
  messages: number;
  events: number;
  seed: number;
  /** The mailbox owner's address, used as sender of sent items and organizer of meetings. */
  ownerAddress: string;
  /** Days of history the messages are spread over (default 365). */
  days?: number;
}

const FIRST = [
  'Priya',
  'Tom',
  'Sofia',
  'Liam',
  'Grace',
  'Omar',
  'Hana',
  'Lucas',
  'Maya',
  'Noah',
  'Zara',
  'Ivan',
];
const LAST = ['Patel', 'Becker', 'Rossi', 'Chen', 'Kim', 'Haddad', 'Sato', 'Silva', 'Novak', 'Berg', 'Ali'];
const DOMAINS = ['example.com', 'example.org', 'example.net', 'northwind.example', 'adventure-works.example'];
const TOPICS = [
  'Interview availability',
  'Updated CV',
  'Offer details',
  'Role: Senior Developer',
  'Reference check',
  'Contract renewal',
  'Shortlist for review',
  'Timesheet query',
  'Start date confirmation',
  'Feedback from the panel',
];

/** mulberry32: small, fast and good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateMailbox(mailbox: Mailbox, options: GenerateOptions, nowMs: number): void {
  const random = prng(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const contacts = Array.from({ length: 200 }, () => {
    const first = pick(FIRST);
    const last = pick(LAST);
    return {
      name: `${first} ${last}`,
      address: `${first}.${last}${Math.floor(random() * 100)}@${pick(DOMAINS)}`.toLowerCase(),
    };
  });
  const owner = { address: options.ownerAddress };
  const days = options.days ?? 365;
  for (let i = 0; i < options.messages; i++) {
    // Oldest first, so keys (and an initial delta round) follow the timeline.
    const daysAgo = days * (1 - (i + 1) / (options.messages + 1));
    const contact = pick(contacts);
    const sent = random() < 0.15;
    const topic = pick(TOPICS);
    const seed: MessageSeed = {
      folder: sent ? 'sentitems' : 'inbox',
      subject: `${random() < 0.4 ? 'RE: ' : ''}${topic} #${i}`,
      from: sent ? owner : contact,
      to: sent ? [contact] : [owner],
      cc: [],
      bcc: [],
      body: `Hello,\n\nFollowing up on ${topic.toLowerCase()} (${i}).\n\nKind regards`,
      bodyType: 'text',
      receivedDaysAgo: daysAgo,
      isRead: random() < 0.8,
      isDraft: false,
      importance: 'normal',
      sensitivity: random() < 0.02 ? 'private' : 'normal',
      hasAttachments: random() < 0.1,
      categories: [],
      thread: `${topic}-${contact.address}`,
    };
    const input = messageFromSeed(seed, mailbox.tag, nowMs);
    mailbox.messages.add(input.folder, input.fields, input.sensitivity, nowMs);
  }
  for (let i = 0; i < options.events; i++) {
    const contact = pick(contacts);
    const recurring = random() < 0.2;
    const seed: EventSeed = {
      subject: `${recurring ? 'Weekly check-in' : 'Meeting'} with ${contact.name}`,
      body: '',
      organizer: owner,
      attendees: [contact],
      startDaysFromNow: Math.floor(random() * 270) - 90,
      time: `${String(8 + Math.floor(random() * 9)).padStart(2, '0')}:${random() < 0.5 ? '00' : '30'}`,
      durationMinutes: pick([30, 45, 60]),
      isOnlineMeeting: random() < 0.5,
      isAllDay: false,
      isCancelled: false,
      showAs: 'busy',
      sensitivity: 'normal',
      importance: 'normal',
      cancelledOccurrences: recurring && random() < 0.5 ? [1] : [],
      exceptions: [],
      ...(recurring ? { recurrence: { type: 'weekly' as const, interval: 1, count: 10 } } : {}),
    };
    mailbox.calendar.add(eventFromSeed(seed, nowMs), nowMs);
  }
}
