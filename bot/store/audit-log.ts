import type { Insertable, Kysely, Transaction } from 'kysely';
import { newId } from './columns.js';
import type { AuditLogTable, Database } from './schema.js';

/**
 * One audit entry: who did what to what, and why. Every change a person or the system makes to an
 * account, a CRM user or a tenant setting writes one, in the same transaction as the change when
 * there is one. States are only named by state changes; the id is fresh unless the caller needs to
 * know it (a claim that relies on the primary key to happen once).
 */
export type AuditEntry = Omit<Insertable<AuditLogTable>, 'id' | 'from_state' | 'to_state'> &
  Partial<Pick<Insertable<AuditLogTable>, 'id' | 'from_state' | 'to_state'>>;

export async function recordAudit(
  db: Kysely<Database> | Transaction<Database>,
  entry: AuditEntry,
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ id: newId(), from_state: null, to_state: null, ...entry })
    .execute();
}
