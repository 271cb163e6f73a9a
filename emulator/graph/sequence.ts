import type { FolderKey } from './seed-schema.js';

/** One counter per mailbox orders every change (the delta cursor) and numbers every item (its key). */
export class Sequence {
  private seq = 0;
  private key = 0;

  get current(): number {
    return this.seq;
  }

  next(): number {
    return ++this.seq;
  }

  nextKey(): number {
    return ++this.key;
  }
}

export interface ItemIds {
  regular: string;
  immutable: string;
}

/** A change as subscriptions see it. */
export interface MailboxChange {
  kind: 'message' | 'event';
  changeType: 'created' | 'updated' | 'deleted';
  /** Messages only: the folder the change happened in. */
  folder?: FolderKey;
  ids: ItemIds;
  version: number;
}

export type ChangeSink = (change: MailboxChange) => void;
