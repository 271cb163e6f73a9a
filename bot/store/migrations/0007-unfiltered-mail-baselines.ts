import { sql, type Kysely } from 'kysely';

/**
 * Mail cursors stored before mail rounds stopped filtering (bot/sync/core/delta-cursor.ts) follow links
 * whose `$filter` capped the import at 5,000 messages per folder, and a baseline resumed from one would
 * sweep away links of mail it never listed. Dropping them makes each folder start a whole-folder
 * baseline: its upserts find the CRM records already there and change nothing, and its sweep then
 * judges against a complete listing. Diary cursors are untouched.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`delete from sync_cursors where resource like 'mail:%'`.execute(db);
}

/** Nothing to restore: a baseline is what any cursor-less folder runs anyway. */
export async function down(): Promise<void> {}
