import type { MailFolder, Message } from '@microsoft/microsoft-graph-types';
import { randomUUID } from 'node:crypto';
import { DEFAULT_CALENDAR_DELTA, type CalendarDeltaBehaviour } from './calendar-delta-behaviour.js';
import { CalendarStore } from './calendar-store.js';
import { decodeId, folderId, mailboxTag } from './ids.js';
import { MessageStore } from './message-store.js';
import { WELL_KNOWN_FOLDERS, type FolderKey, type WellKnownFolder } from './seed-schema.js';
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

/** The root of the folder tree: the parent of the top-level folders ("Top of Information Store"). */
const ROOT = 'msgfolderroot';

/** A folder created through Graph (Create mailFolder, Create child folder). */
interface CreatedFolder {
  displayName: string;
  parent: FolderKey;
  isHidden: boolean;
}

/** Graph's answer when a sibling already has the name ("Create mailFolder" / "Create child folder"). */
export class FolderExistsError extends Error {
  override name = 'FolderExistsError';
}

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

  private readonly created = new Map<FolderKey, CreatedFolder>();

  folderId(folder: FolderKey): string {
    return folderId(this.tag, folder);
  }

  /** Accepts a well-known name (any case) or a folder id (`msgfolderroot` only as a parent, see below). */
  resolveFolder(idOrName: string): FolderKey | undefined {
    const lower = idOrName.toLowerCase();
    if ((WELL_KNOWN_FOLDERS as readonly string[]).includes(lower)) return lower;
    const decoded = decodeId(idOrName);
    if (decoded?.kind !== 'folder' || decoded.tag !== this.tag || decoded.name === undefined)
      return undefined;
    const name = decoded.name;
    return WELL_KNOWN_FOLDERS.find((f) => f === name) ?? (this.created.has(name) ? name : undefined);
  }

  /** A folder that can hold child folders: any folder, or the root by its well-known name. */
  resolveParent(idOrName: string): FolderKey | undefined {
    return idOrName.toLowerCase() === ROOT ? ROOT : this.resolveFolder(idOrName);
  }

  /** Creates a folder under `parent`; a sibling with the same name (any case) is Graph's 409. */
  createFolder(displayName: string, parent: FolderKey = ROOT, isHidden = false): FolderKey {
    const taken = this.childKeys(parent).some(
      (k) => this.displayName(k).toLowerCase() === displayName.toLowerCase(),
    );
    if (taken) throw new FolderExistsError('A folder with the specified name already exists.');
    const key = `custom-${this.created.size + 1}`;
    this.created.set(key, { displayName, parent, isHidden });
    return key;
  }

  folder(folder: FolderKey): MailFolder {
    const keys = this.messages.keysIn(folder);
    let unread = 0;
    for (const key of keys) if (this.messages.get(key)?.fields.isRead === false) unread++;
    return {
      id: this.folderId(folder),
      displayName: this.displayName(folder),
      parentFolderId: folderId(this.tag, this.created.get(folder)?.parent ?? ROOT),
      childFolderCount: this.childKeys(folder).length,
      unreadItemCount: unread,
      totalItemCount: keys.length,
      isHidden: this.created.get(folder)?.isHidden ?? false,
    };
  }

  /** The top-level folders, as GET /me/mailFolders lists them. */
  folders(): MailFolder[] {
    return this.childFolders(ROOT);
  }

  childFolders(parent: FolderKey): MailFolder[] {
    return this.childKeys(parent).map((f) => this.folder(f));
  }

  private childKeys(parent: FolderKey): FolderKey[] {
    const created = [...this.created].filter(([, f]) => f.parent === parent).map(([k]) => k);
    return parent === ROOT ? [...WELL_KNOWN_FOLDERS, ...created] : created;
  }

  private displayName(folder: FolderKey): string {
    return DISPLAY_NAMES[folder as WellKnownFolder] ?? this.created.get(folder)?.displayName ?? folder;
  }
}
