import type { Kysely } from 'kysely';
import { newId } from '../store/columns.js';
import { isUniqueViolation } from '../store/errors.js';
import { preparedQuery } from '../store/prepared-query.js';
import type { Database, VisibilityRequestStatus } from '../store/schema.js';
import { requestCards } from './request-cards-store.js';

/**
 * Visibility requests as stored: one open request per CRM user (the partial unique index decides
 * between two presses at the same moment), then the decision, set once by compare-and-set.
 */

type Db = Kysely<Database>;

export interface VisibilityRequest {
  id: string;
  tenantId: string;
  crmUserId: string;
  status: VisibilityRequestStatus;
  askedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
}

const columns = ['id', 'tenant_id', 'crm_user_id', 'status', 'asked_at', 'decided_by', 'decided_at'] as const;

type Row = Pick<Database['visibility_requests'], (typeof columns)[number]>;

const toRequest = (r: Row): VisibilityRequest => ({
  id: r.id,
  tenantId: r.tenant_id,
  crmUserId: r.crm_user_id,
  status: r.status,
  askedAt: r.asked_at,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
});

const selectRequests = (db: Db) => db.selectFrom('visibility_requests').select(columns);

const firstRequest = async (
  query: ReturnType<typeof selectRequests>,
): Promise<VisibilityRequest | undefined> => {
  const row = await query.executeTakeFirst();
  return row ? toRequest(row) : undefined;
};

export function visibilityRequestById(db: Db, id: string): Promise<VisibilityRequest | undefined> {
  return firstRequest(selectRequests(db).where('id', '=', id));
}

/** The user's open request, else their latest decided one. */
export function latestVisibilityRequest(db: Db, crmUserId: string): Promise<VisibilityRequest | undefined> {
  return firstRequest(
    selectRequests(db).where('crm_user_id', '=', crmUserId).orderBy('asked_at', 'desc').orderBy('id'),
  );
}

// Asked on the turns of a user waiting for visibility (their card says who has the request): compiled once.
const openRequestOf = preparedQuery(1, (db, crmUserId: string) =>
  selectRequests(db).where('crm_user_id', '=', crmUserId).where('status', '=', 'open'),
);

export async function openVisibilityRequestOf(
  db: Db,
  crmUserId: string,
): Promise<VisibilityRequest | undefined> {
  const { rows } = await openRequestOf(db, crmUserId);
  return rows[0] ? toRequest(rows[0]) : undefined;
}

/**
 * Opens the user's request, or returns the one already open: `opened` is true for exactly one of any
 * number of simultaneous callers, and only that one may send the request to the administrators.
 */
export async function openVisibilityRequest(
  db: Db,
  input: { tenantId: string; crmUserId: string; at: Date },
): Promise<{ opened: boolean; request: VisibilityRequest }> {
  const existing = await openVisibilityRequestOf(db, input.crmUserId);
  if (existing) return { opened: false, request: existing };
  const at = input.at.toISOString();
  const row: Row & { updated_at: string } = {
    id: newId(),
    tenant_id: input.tenantId,
    crm_user_id: input.crmUserId,
    status: 'open',
    asked_at: at,
    decided_by: null,
    decided_at: null,
    updated_at: at,
  };
  try {
    await db.insertInto('visibility_requests').values(row).execute();
    return { opened: true, request: toRequest(row) };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // Another press opened it between our read and our insert; theirs is the request.
    const winner = await openVisibilityRequestOf(db, input.crmUserId);
    if (!winner) throw err;
    return { opened: false, request: winner };
  }
}

/** Records the decision if the request is still open; false when someone decided it first. */
export async function decideVisibilityRequest(
  db: Db,
  id: string,
  decision: { outcome: 'granted' | 'declined'; by: string; at: Date },
): Promise<boolean> {
  const at = decision.at.toISOString();
  const done = await db
    .updateTable('visibility_requests')
    .set({ status: decision.outcome, decided_by: decision.by, decided_at: at, updated_at: at })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}

/** For the asking user while their request is open: when they asked, and the administrators it reached. */
export async function visibilityWaiting(
  db: Db,
  crmUserId: string,
): Promise<{ askedAt: Date; admins: string[] } | undefined> {
  const open = await openVisibilityRequestOf(db, crmUserId);
  if (!open) return undefined;
  const posted = await requestCards(db, 'visibility', open.id);
  return { askedAt: new Date(open.askedAt), admins: [...new Set(posted.map((p) => p.recipientName))] };
}
