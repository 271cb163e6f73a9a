import type { Kysely, Transaction } from 'kysely';
import { blockingEntry, compileBlocklist } from '../sync/core/blocklist.js';
import { fromJsonText, nowIso, toJsonText } from '../store/columns.js';
import { releaseCopiedItems } from '../store/copied-items.js';
import type { Database } from '../store/schema.js';
import { recordAudit } from '../store/audit-log.js';

/**
 * A user's personal blocklist: set before the first import (the enable card, or the
 * tab's privacy panel from `ready` on), and, when entries are added later, what was already copied from
 * those addresses counted and, on request, removed. Entries are addresses or `@domain`s as the sync
 * filters read them (bot/sync/core/blocklist.ts); anything else is refused before anything changes.
 */

type Db = Kysely<Database>;

export const MAX_ENTRIES = 500;

export type ParsedEntries = { ok: true; entries: string[] } | { ok: false; error: string };

/** Entries as people paste them: one per line, or separated by commas or semicolons. */
export function parseBlocklistText(text: string): ParsedEntries {
  return checkEntries(text.split(/[\n,;]+/));
}

export function checkEntries(raw: readonly string[]): ParsedEntries {
  const entries = [...new Set(raw.map((e) => e.trim().toLowerCase()).filter(Boolean))];
  const invalid = entries.filter((e) => e.length > 254 || compileBlocklist([e]).invalid.length > 0);
  if (invalid.length > 0) {
    return {
      ok: false,
      error: `${invalid.map((e) => `"${e}"`).join(', ')} ${invalid.length === 1 ? 'is' : 'are'} not an e-mail address (name@example.com) or a domain (@example.com). Nothing was changed.`,
    };
  }
  if (entries.length > MAX_ENTRIES) {
    return { ok: false, error: `A blocklist may hold at most ${MAX_ENTRIES} entries. Nothing was changed.` };
  }
  return { ok: true, entries };
}

/** Adds entries to the account's personal blocklist, audited; returns the entries that are new. */
export async function addToBlocklist(
  db: Db | Transaction<Database>,
  account: { id: string; tenantId: string },
  entries: readonly string[],
  actor: string,
): Promise<string[]> {
  const row = await db
    .selectFrom('sync_accounts')
    .select('personal_blocklist')
    .where('id', '=', account.id)
    .executeTakeFirstOrThrow();
  const before = fromJsonText(row.personal_blocklist);
  const added = entries.filter((e) => !before.includes(e));
  if (added.length === 0) return [];
  const at = nowIso();
  await db
    .updateTable('sync_accounts')
    .set({ personal_blocklist: toJsonText([...before, ...added]), updated_at: at })
    .where('id', '=', account.id)
    .execute();
  await recordAudit(db, {
    tenant_id: account.tenantId,
    actor,
    action: 'privacy_updated',
    subject: account.id,
    reason: `blocklist ${before.length + added.length} entries (+${added.length}, -0)`,
    at,
  });
  return added;
}

interface CopiedItems {
  mail: string[];
  diary: string[];
}

/** The account's copied mail and diary items that involve any of `entries` (as the sync filter reads them). */
async function copiedFrom(db: Db | Transaction<Database>, accountId: string, entries: readonly string[]) {
  const list = compileBlocklist(entries);
  const hit = (addresses: Array<string | null | undefined>) =>
    addresses.some((a) => typeof a === 'string' && blockingEntry(list, a.trim().toLowerCase()) !== null);
  const found: CopiedItems = { mail: [], diary: [] };
  if (entries.length === 0) return found;
  const mail = await db
    .selectFrom('mail_items as m')
    .innerJoin('mail_item_owners as o', 'o.mail_item_id', 'm.id')
    .select(['m.id', 'm.from_address', 'm.to_addresses', 'm.cc_addresses'])
    .where('o.account_id', '=', accountId)
    .execute();
  for (const m of mail) {
    if (hit([m.from_address, ...fromJsonText(m.to_addresses), ...fromJsonText(m.cc_addresses)]))
      found.mail.push(m.id);
  }
  const diary = await db
    .selectFrom('diary_items as d')
    .innerJoin('diary_item_owners as o', 'o.diary_item_id', 'd.id')
    .select(['d.id', 'd.organizer', 'd.attendees'])
    .where('o.account_id', '=', accountId)
    .execute();
  for (const d of diary) {
    if (hit([d.organizer, ...fromJsonText(d.attendees).map((a) => a.address)])) found.diary.push(d.id);
  }
  return found;
}

export async function countCopiedFrom(
  db: Db,
  accountId: string,
  entries: readonly string[],
): Promise<{ mail: number; diary: number }> {
  const found = await copiedFrom(db, accountId, entries);
  return { mail: found.mail.length, diary: found.diary.length };
}

/**
 * Removes from the CRM what this account copied that involves `entries`: its ownership of each item,
 * and the item itself when no other recruiter's sync holds it (theirs is their record too), audited,
 * in one transaction.
 */
export async function removeCopiedFrom(
  db: Db,
  account: { id: string; tenantId: string },
  entries: readonly string[],
  actor: string,
): Promise<{ mail: number; diary: number }> {
  return db.transaction().execute(async (trx) => {
    const found = await copiedFrom(trx, account.id, entries);
    for (const ids of chunks(found.mail)) await releaseCopiedItems(trx, account, 'mail', ids);
    for (const ids of chunks(found.diary)) await releaseCopiedItems(trx, account, 'diary', ids);
    await recordAudit(trx, {
      tenant_id: account.tenantId,
      actor,
      action: 'privacy_removed_copied',
      subject: account.id,
      reason: `removed ${found.mail.length} e-mails and ${found.diary.length} appointments involving ${entries.join(', ')}`,
      at: nowIso(),
    });
    return { mail: found.mail.length, diary: found.diary.length };
  });
}

/** SQL parameter lists stay well under both dialects' limits. */
function chunks(ids: string[], size = 500): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
  return out;
}
