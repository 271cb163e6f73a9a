import { sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';

/**
 * Gives up an account's hold on items Cloud Sync copied into the CRM: its ownership rows go, and each
 * item goes too unless another recruiter's sync still holds it (then it is that person's record).
 * Used by "disable and remove" (every item of the account) and by a new blocklist entry (some items).
 */
const KINDS = {
  mail: { items: 'mail_items', owners: 'mail_item_owners', itemId: 'mail_item_id' },
  diary: { items: 'diary_items', owners: 'diary_item_owners', itemId: 'diary_item_id' },
} as const;

export type CopiedKind = keyof typeof KINDS;

/** How many items the account held (`released`) and how many of them left the CRM (`deleted`). */
export interface Released {
  released: number;
  deleted: number;
}

/** Releases `ids` of one kind, or every item of that kind the account holds when `ids` is omitted. */
export async function releaseCopiedItems(
  trx: Transaction<Database>,
  account: { id: string; tenantId: string },
  kind: CopiedKind,
  ids?: readonly string[],
): Promise<Released> {
  if (ids?.length === 0) return { released: 0, deleted: 0 };
  const t = KINDS[kind];
  const chosen = (column: string) => (ids ? sql`${sql.ref(column)} in (${sql.join(ids)})` : sql`1 = 1`);
  const owners =
    await sql`delete from ${sql.table(t.owners)} where account_id = ${account.id} and ${chosen(t.itemId)}`.execute(
      trx,
    );
  const items = await sql`delete from ${sql.table(t.items)}
    where tenant_id = ${account.tenantId} and ${chosen('id')}
    and not exists (select 1 from ${sql.table(t.owners)} o where o.${sql.ref(t.itemId)} = ${sql.table(t.items)}.id)`.execute(
    trx,
  );
  return { released: Number(owners.numAffectedRows ?? 0), deleted: Number(items.numAffectedRows ?? 0) };
}
