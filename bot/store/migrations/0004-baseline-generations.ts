import type { Kysely } from 'kysely';

/**
 * Baseline generations (bot/sync/core/baseline.ts): the cursor carries the generation of the baseline
 * it belongs to, and owner links the generation of the last baseline that listed them, so the page that
 * completes a baseline can detach the links it did not list (deletions Graph never reported because a
 * 410 dropped the sync state). Null means "no baseline has stamped it yet", which counts as older.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['sync_cursors', 'mail_item_owners', 'diary_item_owners'])
    await db.schema.alterTable(table).addColumn('baseline_generation', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['diary_item_owners', 'mail_item_owners', 'sync_cursors'])
    await db.schema.alterTable(table).dropColumn('baseline_generation').execute();
}
