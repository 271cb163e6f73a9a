import type { MailFolder, Message } from '@microsoft/microsoft-graph-types';
import { randomUUID } from 'node:crypto';
import { DEFAULT_CALENDAR_DELTA, type CalendarDeltaBehaviour } from './calendar-delta-behaviour.js';
import { CalendarStore } from './calendar-store.js';
import { decodeId, folderId, mailboxTag } from './ids.js';
import { MessageStore } from './message-store.js';
import { WELL_KNOWN_FOLDERS, type WellKnownFolder } from './seed-schema.js';
import { Sequence, type ChangeSink } from './sequence.js';

/** A message accepted by sendMail, as the control API shows it. */
export interface SentMail {
  sentDateTime: string;
  message: Message;
  saveToSentItems: boolean;
  /** Id of the copy in Sent Items, when one was saved. */
  sentItemId?: string;
}

const DISPLAY_NAMES: Record<WellKnownFolder, string> = {
  inbox: 'Inbox',
  sentitems: 'Sent Items',
  drafts: 'Drafts',
  deleteditems: 'Deleted Items',
  archive: 'Archive',
};

/** One user's mailbox: mail folders, messages, calendar and the mail sent through Graph. */
export class Mailbox {
  readonly tag: string;
  readonly sequence = new Sequence();
  readonly messages: MessageStore;
  readonly calendar: CalendarStore;
  readonly sentMail: SentMail[] = [];
  /** Differs for every mailbox instance, so state tokens from before a reset or re-seed answer 410. */
  readonly epoch = randomUUID().slice(0, 8);
  /** How calendarView delta answers where reports of real Graph differ (calendar-delta-behaviour.ts). */
  calendarDelta: CalendarDeltaBehaviour = { ...DEFAULT_CALENDAR_DELTA };

  constructor(
    readonly userId: string,
    sink: ChangeSink,
  ) {
    this.tag = mailboxTag(userId);
    this.messages = new MessageStore(this.tag, this.sequence, sink);
    this.calendar = new CalendarStore(this.tag, this.sequence, sink);
  }

  folderId(folder: WellKnownFolder): string {
    return folderId(this.tag, folder);
  }

  /** Accepts a well-known name (any case) or a folder id. */
  resolveFolder(idOrName: string): WellKnownFolder | undefined {
    const lower = idOrName.toLowerCase();
    if ((WELL_KNOWN_FOLDERS as readonly string[]).includes(lower)) return lower as WellKnownFolder;
    const decoded = decodeId(idOrName);
    if (decoded?.kind !== 'folder' || decoded.tag !== this.tag) return undefined;
    return WELL_KNOWN_FOLDERS.find((f) => f === decoded.name);
  }

  folder(folder: WellKnownFolder): MailFolder {
    const keys = this.messages.keysIn(folder);
    let unread = 0;
    for (const key of keys) if (this.messages.get(key)?.fields.isRead === false) unread++;
    return {
      id: this.folderId(folder),
      displayName: DISPLAY_NAMES[folder],
      parentFolderId: folderId(this.tag, 'msgfolderroot'),
      childFolderCount: 0,
      unreadItemCount: unread,
      totalItemCount: keys.length,
      isHidden: false,
    };
  }

  folders(): MailFolder[] {
    return WELL_KNOWN_FOLDERS.map((f) => this.folder(f));
  }
}
