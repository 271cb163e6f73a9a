import type { Kysely } from 'kysely';

/**
 * The IANA time zone Teams last sent with an activity of the user's personal chat (activity
 * `localTimezone`), so cards and e-mails sent outside their turn show times in their own zone. Null
 * until a turn carries one; existing chats keep their reference and get a zone on their next turn.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('conversation_refs').addColumn('time_zone', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('conversation_refs').dropColumn('time_zone').execute();
}
