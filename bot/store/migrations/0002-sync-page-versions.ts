import { sql, type Kysely } from 'kysely';

/**
 * What the sync worker needs to apply delta pages in any order and to resume a round after a crash:
 *
 * - `version` on CRM items and owner links: an upsert changes a row only when its version (Graph's
 *   lastModifiedDateTime first, so string order is time order) is greater than the stored one, so
 *   replays and out-of-order pages never roll a record back.
 * - `left_at` / `removed_at` on owner links: Outlook deletions and moves out of the synced folders
 *   detach the owner without deleting the CRM record (the CRM is the record).
 * - `role`, `is_all_day`, `sensitivity` on diary rows: what the diary reconciliation files.
 * - `round_complete` on cursors: whether the stored link is a deltaLink (round done) or a nextLink
 *   (round under way), which decides import progress and what a 410 re-baselines.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  const flag = (column: string) => sql`${sql.ref(column)} in (0, 1)`;

  await s
    .alterTable('sync_cursors')
    .addColumn('round_complete', 'integer', (c) => c.notNull().defaultTo(0).check(flag('round_complete')))
    .execute();

  await s
    .alterTable('mail_items')
    .addColumn('version', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await s
    .alterTable('mail_item_owners')
    .addColumn('version', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await s.alterTable('mail_item_owners').addColumn('left_at', 'text').execute();

  await s
    .alterTable('diary_items')
    .addColumn('version', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await s
    .alterTable('diary_items')
    .addColumn('is_all_day', 'integer', (c) => c.notNull().defaultTo(0).check(flag('is_all_day')))
    .execute();
  await s.alterTable('diary_items').addColumn('sensitivity', 'text').execute();
  await s
    .alterTable('diary_item_owners')
    .addColumn('version', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await s
    .alterTable('diary_item_owners')
    .addColumn('role', 'text', (c) =>
      c
        .notNull()
        .defaultTo('attendee')
        .check(sql`${sql.ref('role')} in ('organizer', 'attendee')`),
    )
    .execute();
  await s.alterTable('diary_item_owners').addColumn('removed_at', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const drops: [string, string[]][] = [
    ['diary_item_owners', ['removed_at', 'role', 'version']],
    ['diary_items', ['sensitivity', 'is_all_day', 'version']],
    ['mail_item_owners', ['left_at', 'version']],
    ['mail_items', ['version']],
    ['sync_cursors', ['round_complete']],
  ];
  for (const [table, columns] of drops) {
    for (const column of columns) await db.schema.alterTable(table).dropColumn(column).execute();
  }
}
