import { sql, type Kysely, type Transaction } from 'kysely';
import { toIso } from '../store/columns.js';
import type { Database } from '../store/schema.js';
import type { StoreDialect } from '../store/store.js';

/**
 * Account leases in `job_leases`: one worker syncs an account at a time, across processes. A lease
 * is a row (account, owner, lease_until); a claim is one INSERT ... ON CONFLICT DO UPDATE whose
 * update only fires when the existing lease has expired, so whichever statement reaches the row
 * first wins and the other's update finds an unexpired lease and claims nothing. PostgreSQL row
 * locks make that hold across processes; SQLite has one writer at a time, so it holds there too.
 */

export interface ClaimOptions {
  owner: string;
  /** How many accounts to claim at most. */
  limit: number;
  leaseMs: number;
  now: number;
}

/** States whose mailbox the worker syncs. Every other state means: no Graph calls. */
export const SYNCABLE_STATES = ['active'] as const;

/**
 * Claims up to `limit` due accounts (state active, next_run_at unset or past) that nobody holds a
 * live lease on, oldest next_run_at first so that no account starves behind busier ones.
 * Returns the claimed account ids.
 */
export async function claimDueAccounts(
  db: Kysely<Database>,
  dialect: StoreDialect,
  options: ClaimOptions,
): Promise<string[]> {
  if (options.limit <= 0) return [];
  const now = toIso(options.now);
  const until = toIso(options.now + options.leaseMs);
  // On PostgreSQL, SKIP LOCKED lets concurrent claimers take different accounts instead of all
  // queueing on the same oldest rows and then claiming nothing.
  const skipLocked = dialect === 'postgres' ? sql`for update of a skip locked` : sql``;
  const rows = await sql<{ account_id: string }>`
    insert into job_leases (account_id, owner, lease_until, heartbeat_at)
    select a.id, ${options.owner}, ${until}, ${now}
    from sync_accounts a
    left join job_leases l on l.account_id = a.id
    where a.state in (${sql.join(SYNCABLE_STATES.map((s) => sql.lit(s)))})
      and (a.next_run_at is null or a.next_run_at <= ${now})
      and (l.account_id is null or l.lease_until < ${now})
    order by coalesce(a.next_run_at, ''), a.id
    limit ${options.limit}
    ${skipLocked}
    on conflict (account_id) do update
      set owner = excluded.owner, lease_until = excluded.lease_until, heartbeat_at = excluded.heartbeat_at
      where job_leases.lease_until < ${now}
    returning account_id
  `.execute(db);
  return rows.rows.map((r) => r.account_id);
}

/** Claims one given account ("sync now") if nobody holds a live lease on it, this worker included. */
export async function claimAccount(
  db: Kysely<Database>,
  accountId: string,
  options: Omit<ClaimOptions, 'limit'>,
): Promise<boolean> {
  const now = toIso(options.now);
  const row = {
    account_id: accountId,
    owner: options.owner,
    lease_until: toIso(options.now + options.leaseMs),
    heartbeat_at: now,
  };
  const claimed = await db
    .insertInto('job_leases')
    .values(row)
    .onConflict((oc) =>
      oc
        .column('account_id')
        .doUpdateSet({ owner: row.owner, lease_until: row.lease_until, heartbeat_at: now })
        .where('job_leases.lease_until', '<', now),
    )
    .returning('account_id')
    .executeTakeFirst();
  return claimed !== undefined;
}

/**
 * Extends the owner's live leases; returns the ids it still holds. An id missing from the answer was
 * lost (expired and taken over): its work must stop without committing anything more.
 */
export async function renewLeases(
  db: Kysely<Database>,
  owner: string,
  accountIds: readonly string[],
  leaseMs: number,
  now: number,
): Promise<string[]> {
  if (accountIds.length === 0) return [];
  const rows = await db
    .updateTable('job_leases')
    .set({ lease_until: toIso(now + leaseMs), heartbeat_at: toIso(now) })
    .where('owner', '=', owner)
    .where('account_id', 'in', accountIds)
    .where('lease_until', '>=', toIso(now))
    .returning('account_id')
    .execute();
  return rows.map((r) => r.account_id);
}

/** Hands the account back; inside the run's final transaction when it has one. */
export async function releaseLease(db: Kysely<Database>, owner: string, accountId: string): Promise<void> {
  await db.deleteFrom('job_leases').where('account_id', '=', accountId).where('owner', '=', owner).execute();
}

export class LeaseLostError extends Error {
  constructor(readonly accountId: string) {
    super(`the lease on sync account ${accountId} was lost; its work stops without committing`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Inside a write transaction: proves the lease is still this owner's and unexpired, and holds it
 * (on PostgreSQL the row stays locked until commit, so nobody can take it over mid-commit). A
 * worker that stalled past its lease therefore cannot commit over its successor's work.
 * @throws LeaseLostError
 */
export async function fenceLease(
  trx: Transaction<Database>,
  owner: string,
  accountId: string,
  now: number,
): Promise<void> {
  const held = await trx
    .updateTable('job_leases')
    .set({ heartbeat_at: toIso(now) })
    .where('account_id', '=', accountId)
    .where('owner', '=', owner)
    .where('lease_until', '>=', toIso(now))
    .returning('account_id')
    .executeTakeFirst();
  if (!held) throw new LeaseLostError(accountId);
}
