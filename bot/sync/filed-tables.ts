import type { Insertable } from 'kysely';
import { newTimeOrderedId, toJsonText } from '../store/columns.js';
import type { Database } from '../store/schema.js';
import type { StoreOp } from './core/store-ops.js';

/**
 * How each filed resource (mail, diary) is kept in the store, described once so that one routine
 * writes both (apply-ops.ts) and one baseline sweep detaches both (page-commit.ts):
 *
 * - the CRM item table, unique per tenant by its natural key, whose content columns an upsert with a
 *   newer version overwrites;
 * - the owner links (which account holds the item, under which Graph id), detached by a timestamp
 *   column when the item leaves the account and revived when a listing shows it again;
 * - the contact links, add-only.
 */

type Op<K extends StoreOp['kind']> = Extract<StoreOp, { kind: K }>;

/** The names and row types a description uses: plain strings and records unless it says otherwise. */
interface Names {
  item: string;
  itemColumn: string;
  itemRow: Record<string, unknown>;
  owner: string;
  ownerColumn: string;
  ownerRow: Record<string, unknown>;
  contacts: string;
  contactsColumn: string;
}

/** The names of schema tables, so a description is checked against the store's schema. */
interface SchemaNames<I extends keyof Database, O extends keyof Database, C extends keyof Database> {
  item: I;
  itemColumn: keyof Database[I] & string;
  itemRow: Insertable<Database[I]>;
  owner: O;
  ownerColumn: keyof Database[O] & string;
  ownerRow: Insertable<Database[O]>;
  contacts: C;
  contactsColumn: keyof Database[C] & string;
}

export interface FiledTables<ItemOp, OwnerOp, KeyRef, N extends Names = Names> {
  item: {
    table: N['item'];
    /** The natural key, `tenant_id` first; one row per key. */
    key: readonly N['itemColumn'][];
    /** The key's values of an op, in `key` order. */
    keyOf(ref: KeyRef): readonly string[];
    /** What an upsert with a newer version overwrites (besides `version` and `updated_at`). */
    content: readonly N['itemColumn'][];
    row(op: ItemOp, at: string): N['itemRow'];
  };
  owner: {
    table: N['owner'];
    /** The column naming the owned item. */
    itemColumn: N['ownerColumn'];
    /** The account's Graph id for the item: unique per account. */
    graphIdColumn: N['ownerColumn'];
    graphIdOf(op: OwnerOp): string;
    /** Set when the item left the account; the link stays for history. */
    detachedColumn: N['ownerColumn'];
    /** What an upsert with a newer version overwrites (besides the item, `version` and the detach mark). */
    content: readonly N['ownerColumn'][];
    row(op: OwnerOp, itemId: string): N['ownerRow'];
  };
  contacts: {
    table: N['contacts'];
    itemColumn: N['contactsColumn'];
  };
}

export type MailTables = FiledTables<
  Op<'mail_item.upsert'>,
  Op<'mail_item_owner.upsert'>,
  { tenantId: string; internetMessageId: string },
  SchemaNames<'mail_items', 'mail_item_owners', 'mail_item_contacts'>
>;

export type DiaryTables = FiledTables<
  Op<'diary_item.upsert'>,
  Op<'diary_item_owner.upsert'>,
  { tenantId: string; iCalUId: string; occurrenceStart: string },
  SchemaNames<'diary_items', 'diary_item_owners', 'diary_item_contacts'>
>;

const flag = (value: boolean) => (value ? (1 as const) : (0 as const));

export const MAIL_TABLES: MailTables = {
  item: {
    table: 'mail_items',
    key: ['tenant_id', 'internet_message_id'],
    keyOf: (ref) => [ref.tenantId, ref.internetMessageId],
    content: ['subject', 'sent_at', 'from_address', 'to_addresses', 'cc_addresses', 'sensitivity'],
    row: (op, at) => ({
      id: newTimeOrderedId(),
      tenant_id: op.tenantId,
      internet_message_id: op.internetMessageId,
      subject: op.fields.subject,
      sent_at: op.fields.sentAt,
      from_address: op.fields.fromAddress,
      to_addresses: toJsonText(op.fields.toAddresses),
      cc_addresses: toJsonText(op.fields.ccAddresses),
      sensitivity: op.fields.sensitivity,
      version: op.version,
      created_at: at,
      updated_at: at,
    }),
  },
  owner: {
    table: 'mail_item_owners',
    itemColumn: 'mail_item_id',
    graphIdColumn: 'graph_message_id',
    graphIdOf: (op) => op.graphMessageId,
    detachedColumn: 'left_at',
    content: ['folder', 'direction'],
    row: (op, itemId) => ({
      mail_item_id: itemId,
      account_id: op.accountId,
      graph_message_id: op.graphMessageId,
      folder: op.folder,
      direction: op.direction,
      version: op.version,
      left_at: null,
    }),
  },
  contacts: { table: 'mail_item_contacts', itemColumn: 'mail_item_id' },
};

export const DIARY_TABLES: DiaryTables = {
  item: {
    table: 'diary_items',
    key: ['tenant_id', 'ical_uid', 'occurrence_start'],
    keyOf: (ref) => [ref.tenantId, ref.iCalUId, ref.occurrenceStart],
    content: [
      'subject',
      'start_at',
      'end_at',
      'location',
      'is_cancelled',
      'is_all_day',
      'organizer',
      'attendees',
      'series_master_id',
      'sensitivity',
    ],
    row: (op, at) => ({
      id: newTimeOrderedId(),
      tenant_id: op.tenantId,
      ical_uid: op.iCalUId,
      occurrence_start: op.occurrenceStart,
      subject: op.fields.subject,
      start_at: op.fields.startAt,
      end_at: op.fields.endAt,
      location: op.fields.location,
      is_cancelled: flag(op.fields.isCancelled),
      is_all_day: flag(op.fields.isAllDay),
      organizer: op.fields.organizer,
      attendees: toJsonText(op.fields.attendees),
      series_master_id: op.fields.seriesMasterId,
      sensitivity: op.fields.sensitivity,
      version: op.version,
      created_at: at,
      updated_at: at,
    }),
  },
  owner: {
    table: 'diary_item_owners',
    itemColumn: 'diary_item_id',
    graphIdColumn: 'graph_event_id',
    graphIdOf: (op) => op.graphEventId,
    detachedColumn: 'removed_at',
    content: ['role'],
    row: (op, itemId) => ({
      diary_item_id: itemId,
      account_id: op.accountId,
      graph_event_id: op.graphEventId,
      role: op.role,
      version: op.version,
      removed_at: null,
    }),
  },
  contacts: { table: 'diary_item_contacts', itemColumn: 'diary_item_id' },
};
