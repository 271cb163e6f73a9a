import type { Event, Message, Recipient } from '@microsoft/microsoft-graph-types';
import { recipientAddress } from './addresses.js';

/**
 * Who a message or event involves, which CRM contacts it is filed against, and which way it went.
 * All addresses are compared in their normalised (lowercased) form; see addresses.ts.
 */

/** CRM contact ids by normalised e-mail address; a contact with several addresses appears under each. */
export type ContactDirectory = ReadonlyMap<string, readonly string[]>;

export type MailDirection = 'sent' | 'received';
export type DiaryRole = 'organizer' | 'attendee';

export interface Participants {
  /** The author: `from`, or `sender` when `from` is absent or not an SMTP address. */
  author: string | null;
  /** Every distinct participant address, author included, in first-seen order. */
  all: string[];
}

type MessageParticipantFields = Pick<
  Message,
  'from' | 'sender' | 'toRecipients' | 'ccRecipients' | 'bccRecipients' | 'replyTo'
>;
type EventParticipantFields = Pick<Event, 'organizer' | 'attendees'>;

export function messageParticipants(message: MessageParticipantFields): Participants {
  const author = recipientAddress(message.from) ?? recipientAddress(message.sender);
  return {
    author,
    all: distinctAddresses([
      message.from,
      message.sender,
      ...(message.toRecipients ?? []),
      ...(message.ccRecipients ?? []),
      ...(message.bccRecipients ?? []),
      ...(message.replyTo ?? []),
    ]),
  };
}

export function eventParticipants(event: EventParticipantFields): Participants {
  return {
    author: recipientAddress(event.organizer),
    all: distinctAddresses([event.organizer, ...(event.attendees ?? [])]),
  };
}

/** Every CRM contact among the participants, each once, sorted so equal inputs give equal output. */
export function linkedContacts(participants: readonly string[], directory: ContactDirectory): string[] {
  const ids = new Set<string>();
  for (const address of participants) {
    for (const id of directory.get(address) ?? []) ids.add(id);
  }
  return [...ids].sort();
}

/** Sent when the author (from, or sender for send-as/delegates) is one of the mailbox's own addresses. */
export function messageDirection(
  message: Pick<Message, 'from' | 'sender'>,
  own: ReadonlySet<string>,
): MailDirection {
  const authors = [recipientAddress(message.from), recipientAddress(message.sender)];
  return authors.some((a) => a !== null && own.has(a)) ? 'sent' : 'received';
}

export function diaryRole(
  event: Pick<Event, 'organizer' | 'isOrganizer'>,
  own: ReadonlySet<string>,
): DiaryRole {
  const organizer = recipientAddress(event.organizer);
  return event.isOrganizer === true || (organizer !== null && own.has(organizer)) ? 'organizer' : 'attendee';
}

function distinctAddresses(recipients: readonly (Recipient | null | undefined)[]): string[] {
  const seen = new Set<string>();
  for (const recipient of recipients) {
    const address = recipientAddress(recipient);
    if (address) seen.add(address);
  }
  return [...seen];
}
