import type { Directory } from './directory.js';
import type { MailboxStore } from './graph/mailbox-store.js';
import type { SigningKeys } from './keys.js';

/** What every emulator route handler shares: the origin it is served on, its keys and its state. */
export interface EmulatorContext {
  /** e.g. `https://localhost:4433`: the issuer host of tokens and the base of every endpoint. */
  origin: string;
  keys: SigningKeys;
  directory: Directory;
  mailboxes: MailboxStore;
  dataDir: string;
}
