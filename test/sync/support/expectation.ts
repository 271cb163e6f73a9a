import type { Recipient } from '@microsoft/microsoft-graph-types';
import type { Kysely } from 'kysely';
import type { Database } from '../../../bot/store/schema.js';
import { instancesInWindow } from '../../../emulator/graph/event-view.js';
import type { TestEmulator } from '../../support/emulator.js';

/**
 * What the CRM should hold for a mailbox, computed from the emulator's own records (the mailbox's
 * truth) with the filing rules written out plainly here, independently of the worker's code; and
 * what the CRM does hold, in the same shape, so tests compare the two with deepEqual.
 */

export interface MailExpectation {
  /** internetMessageId → folder and sorted contact ids. */
  filed: Record<string, { folder: string; contacts: string[] }>;
}

export interface MailRules {
  folders: readonly string[];
  historyDays: number;
  tenantDomains: readonly string[];
  /** CRM contact ids by lowercased address. */
  contacts: ReadonlyMap<string, string>;
  fileWithoutContact?: boolean;
  /** The account's private_mail_policy is `include`. */
  includePrivate?: boolean;
}

export function expectedMail(emu: TestEmulator, userId: string, rules: MailRules): MailExpectation {
  const mailbox = emu.ctx.mailboxes.mailbox(userId);
  const since = emu.ctx.mailboxes.now() - rules.historyDays * 86_400_000;
  const filed: MailExpectation['filed'] = {};
  for (const record of mailbox.messages.all()) {
    const f = record.fields;
    if (!rules.folders.includes(record.folder)) continue;
    if (Date.parse(f.receivedDateTime ?? '') < since) continue;
    if (f.isDraft) continue;
    if (!rules.includePrivate && (record.sensitivity === 'private' || record.sensitivity === 'confidential'))
      continue;
    const people = [
      f.from,
      f.sender,
      ...(f.toRecipients ?? []),
      ...(f.ccRecipients ?? []),
      ...(f.bccRecipients ?? []),
      ...(f.replyTo ?? []),
    ]
      .map((r: Recipient | null | undefined) => r?.emailAddress?.address?.toLowerCase())
      .filter((a): a is string => !!a);
    const external = people.filter((a) => !rules.tenantDomains.some((d) => a.endsWith(`@${d}`)));
    if (external.length === 0) continue;
    const contacts = [
      ...new Set(people.map((a) => rules.contacts.get(a)).filter((c): c is string => !!c)),
    ].sort();
    if (contacts.length === 0 && !rules.fileWithoutContact) continue;
    filed[f.internetMessageId!] = { folder: record.folder, contacts };
  }
  return { filed };
}

export async function actualMail(db: Kysely<Database>, accountId: string): Promise<MailExpectation> {
  const rows = await db
    .selectFrom('mail_item_owners as o')
    .innerJoin('mail_items as m', 'm.id', 'o.mail_item_id')
    .leftJoin('mail_item_contacts as c', 'c.mail_item_id', 'm.id')
    .select(['m.internet_message_id', 'o.folder', 'c.contact_id'])
    .where('o.account_id', '=', accountId)
    .where('o.left_at', 'is', null)
    .execute();
  const filed: MailExpectation['filed'] = {};
  for (const row of rows) {
    const entry = (filed[row.internet_message_id] ??= { folder: row.folder, contacts: [] });
    if (row.contact_id) entry.contacts.push(row.contact_id);
  }
  for (const entry of Object.values(filed)) entry.contacts.sort();
  return { filed };
}

/**
 * Diary entry keys the calendar view of the window holds, cancelled occurrences excluded: one entry per
 * meeting occurrence, named by the meeting's iCalUId (the same in every attendee's calendar) and the
 * occurrence's original start (so a moved occurrence keeps its key): `iCalUId|originalStart`.
 */
export function expectedDiaryKeys(
  emu: TestEmulator,
  userId: string,
  window: { start: string; end: string },
  keep: (attendees: string[]) => boolean,
): string[] {
  const mailbox = emu.ctx.mailboxes.mailbox(userId);
  const keys: string[] = [];
  for (const record of mailbox.calendar.all()) {
    const people = [record.fields.organizer, ...(record.fields.attendees ?? [])]
      .map((r) => r?.emailAddress?.address?.toLowerCase())
      .filter((a): a is string => !!a);
    if (!keep(people)) continue;
    for (const instance of instancesInWindow(record, Date.parse(window.start), Date.parse(window.end))) {
      if (instance.cancelled) continue;
      keys.push(`${record.iCalUId}|${new Date(instance.slotMs).toISOString()}`);
    }
  }
  return keys.sort();
}

export async function actualDiaryKeys(db: Kysely<Database>, accountId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('diary_item_owners as o')
    .innerJoin('diary_items as d', 'd.id', 'o.diary_item_id')
    .select(['d.ical_uid', 'd.occurrence_start'])
    .where('o.account_id', '=', accountId)
    .where('o.removed_at', 'is', null)
    .where('d.is_cancelled', '=', 0)
    .execute();
  return rows.map((r) => `${r.ical_uid}|${r.occurrence_start}`).sort();
}

/** The differences between two mail states, for an assertion message a person can read. */
export function mailDifferences(actual: MailExpectation, expected: MailExpectation): string[] {
  const out: string[] = [];
  for (const id of new Set([...Object.keys(actual.filed), ...Object.keys(expected.filed)])) {
    const a = actual.filed[id];
    const e = expected.filed[id];
    if (!a) out.push(`missing ${id} (${e!.folder})`);
    else if (!e) out.push(`unexpected ${id} (${a.folder})`);
    else if (JSON.stringify(a) !== JSON.stringify(e))
      out.push(`${id}: ${JSON.stringify(a)} instead of ${JSON.stringify(e)}`);
  }
  return out;
}
