import { sql, type Kysely } from 'kysely';
import { normaliseAddress } from './core/user-matching.js';
import { fromJsonText, newId, nowIso, toJsonText } from '../store/columns.js';
import { isUniqueViolation } from '../store/errors.js';
import type { Database, IdentityRequestStatus, IdentityRequestsTable, JsonText } from '../store/schema.js';
import { crmUserById, type CrmUser } from '../crm/crm-directory.js';
import { recordAudit } from '../store/audit-log.js';
import { requestCards } from './request-cards-store.js';

/**
 * The store side of identity requests: one per Teams user the CRM could not match (or whose sign-in
 * did not match their CRM work e-mail), with the addresses tried and the address suggested to the CRM
 * administrators, and the correction itself, which checks before it changes anything.
 */

type Db = Kysely<Database>;

export interface IdentityRequest {
  id: string;
  tenantId: string;
  teamsObjectId: string;
  teamsName: string;
  addressesTried: string[];
  suggestedAddress: string;
  crmUserId: string | null;
  status: IdentityRequestStatus;
  askedAt: string | null;
  /** How it was settled, once resolved by an administrator's correction. */
  resolution: string | null;
}

const columns = [
  'id',
  'tenant_id',
  'teams_object_id',
  'teams_name',
  'addresses_tried',
  'suggested_address',
  'crm_user_id',
  'status',
  'asked_at',
  'resolution',
] as const;

function toRequest(r: Pick<IdentityRequestsTable, (typeof columns)[number]>): IdentityRequest {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    teamsObjectId: r.teams_object_id,
    teamsName: r.teams_name,
    addressesTried: fromJsonText(r.addresses_tried),
    suggestedAddress: r.suggested_address,
    crmUserId: r.crm_user_id,
    status: r.status,
    askedAt: r.asked_at,
    resolution: r.resolution,
  };
}

export async function identityRequestById(db: Db, id: string): Promise<IdentityRequest | undefined> {
  const row = await db
    .selectFrom('identity_requests')
    .select(columns)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toRequest(row) : undefined;
}

export async function openIdentityRequestOf(
  db: Db,
  tenantId: string,
  teamsObjectId: string,
): Promise<IdentityRequest | undefined> {
  const row = await db
    .selectFrom('identity_requests')
    .select(columns)
    .where('tenant_id', '=', tenantId)
    .where('teams_object_id', '=', teamsObjectId)
    .where('status', '!=', 'resolved')
    .executeTakeFirst();
  return row ? toRequest(row) : undefined;
}

/**
 * Records (or renews) the Teams user's open request; a new sign-in replaces what was tried before. A
 * request already sent stays sent while it still asks for the same thing, so asking twice sends once.
 */
export async function recordIdentityRequest(
  db: Db,
  input: {
    tenantId: string;
    teamsObjectId: string;
    teamsName: string;
    addressesTried: readonly string[];
    suggestedAddress: string;
    crmUserId: string | null;
  },
): Promise<IdentityRequest> {
  const at = nowIso();
  const values = {
    teams_name: input.teamsName,
    addresses_tried: toJsonText([...new Set(input.addressesTried.map(normaliseAddress))]),
    suggested_address: normaliseAddress(input.suggestedAddress),
    crm_user_id: input.crmUserId,
    updated_at: at,
  };
  const unchanged = sql<boolean>`status = 'asked' and suggested_address = ${values.suggested_address} and crm_user_id is not distinct from ${values.crm_user_id}`;
  const updated = await db
    .updateTable('identity_requests')
    .set({
      ...values,
      status: sql`case when ${unchanged} then 'asked' else 'pending' end`,
      asked_at: sql`case when ${unchanged} then asked_at else null end`,
      resolved_at: null,
      resolution: null,
    })
    .where('tenant_id', '=', input.tenantId)
    .where('teams_object_id', '=', input.teamsObjectId)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    try {
      await db
        .insertInto('identity_requests')
        .values({
          id: newId(),
          tenant_id: input.tenantId,
          teams_object_id: input.teamsObjectId,
          ...values,
          status: 'pending',
          asked_at: null,
          resolved_at: null,
          resolution: null,
          created_at: at,
        })
        .execute();
    } catch (err) {
      // The same user's other sign-in recorded it at the same moment; theirs stands.
      if (!isUniqueViolation(err)) throw err;
    }
  }
  return (await openIdentityRequestOf(db, input.tenantId, input.teamsObjectId))!;
}

/** When the request was sent to the administrators and which of them it reached; nothing until sent. */
export async function askedAdmins(
  db: Db,
  request: Pick<IdentityRequest, 'id' | 'status' | 'askedAt'>,
): Promise<{ askedAt: Date; admins: string[] } | undefined> {
  if (request.status !== 'asked' || !request.askedAt) return undefined;
  const posted = await requestCards(db, 'identity', request.id);
  return { askedAt: new Date(request.askedAt), admins: [...new Set(posted.map((p) => p.recipientName))] };
}

/**
 * Marks the request sent if nobody has sent it yet (compare-and-set): of two presses at the same moment,
 * exactly one gets true and sends it.
 */
export async function claimAsk(db: Db, id: string, at: Date): Promise<boolean> {
  const claimed = await db
    .updateTable('identity_requests')
    .set({ status: 'asked', asked_at: at.toISOString(), updated_at: at.toISOString() })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) === 1;
}

/** Gives a claim back when the request reached nobody, so a later press can try again. */
export async function releaseAsk(db: Db, id: string): Promise<void> {
  await db
    .updateTable('identity_requests')
    .set({ status: 'pending', asked_at: null, updated_at: nowIso() })
    .where('id', '=', id)
    .where('status', '=', 'asked')
    .execute();
}

export async function markResolved(
  db: Db,
  id: string,
  crmUserId: string,
  resolution?: string,
): Promise<boolean> {
  const done = await db
    .updateTable('identity_requests')
    .set({
      status: 'resolved',
      crm_user_id: crmUserId,
      resolved_at: nowIso(),
      updated_at: nowIso(),
      resolution: resolution ?? null,
    })
    .where('id', '=', id)
    .where('status', '!=', 'resolved')
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}

/** Open requests of Teams users the CRM did not know, for the sweep after a CRM import. */
export async function openUnmatchedRequests(db: Db): Promise<IdentityRequest[]> {
  const rows = await db
    .selectFrom('identity_requests')
    .select(columns)
    .where('status', '!=', 'resolved')
    .where('crm_user_id', 'is', null)
    .execute();
  return rows.map(toRequest);
}

/** CRM users an administrator may pick for an unmatched Teams user: those not linked to Teams yet. */
export async function unlinkedCrmUsers(
  db: Db,
  tenantId: string,
): Promise<Array<{ id: string; name: string; email: string }>> {
  const rows = await db
    .selectFrom('crm_users')
    .select(['id', 'display_name', 'work_email'])
    .where('tenant_id', '=', tenantId)
    .where('teams_user_aad_id', 'is', null)
    .orderBy('display_name')
    .limit(100)
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.display_name, email: r.work_email }));
}

export type CorrectionResult =
  { ok: true; user: CrmUser; previousEmail: string } | { ok: false; message: string };

/**
 * Sets the CRM user's work e-mail to the address the administrator gave (else the request's suggested
 * one) and links them to the Teams user who asked, in one transaction with its audit entry. Refused,
 * changing nothing, when the address is another CRM user's work e-mail, belongs to another organisation
 * (a CRM user there has it, or that organisation's domain list names its domain), or the CRM user is
 * linked to someone else in Teams.
 */
export async function correctWorkEmail(
  db: Db,
  admin: CrmUser,
  request: IdentityRequest,
  crmUserId: string | undefined,
  typedAddress?: string,
): Promise<CorrectionResult> {
  if (request.status === 'resolved')
    return { ok: false, message: 'This request has already been dealt with.' };
  const targetId = request.crmUserId ?? crmUserId;
  if (!targetId) return { ok: false, message: 'Choose the TriSys user whose work e-mail to correct.' };
  const user = await crmUserById(db, targetId);
  if (!user || user.tenantId !== admin.tenantId) {
    return { ok: false, message: 'That TriSys user is not in your organisation. Nothing was changed.' };
  }
  if (user.teamsAadObjectId && user.teamsAadObjectId !== request.teamsObjectId) {
    return {
      ok: false,
      message: `${user.displayName} is already linked to another Teams account. Nothing was changed.`,
    };
  }
  const address = typedAddress ? normaliseAddress(typedAddress) : request.suggestedAddress;
  if (await otherOrganisationHas(db, admin.tenantId, address)) {
    return {
      ok: false,
      message: `${address} belongs to another organisation, so it cannot be a work e-mail in yours. Nothing was changed.`,
    };
  }
  const holder = await db
    .selectFrom('crm_users')
    .select(['id', 'display_name'])
    .where('tenant_id', '=', admin.tenantId)
    .where('work_email', '=', address)
    .executeTakeFirst();
  const taken = (name: string) => ({
    ok: false as const,
    message: `${address} is already the work e-mail of ${name} in TriSys. Nothing was changed.`,
  });
  if (holder && holder.id !== user.id) return taken(holder.display_name);
  try {
    await db.transaction().execute(async (trx) => {
      const at = nowIso();
      await trx
        .updateTable('crm_users')
        .set({ work_email: address, teams_user_aad_id: request.teamsObjectId, updated_at: at })
        .where('id', '=', user.id)
        .execute();
      await recordAudit(trx, {
        tenant_id: admin.tenantId,
        actor: admin.id,
        action: 'work_email_corrected',
        subject: user.id,
        reason: `work e-mail ${user.workEmail} → ${address}, by ${admin.workEmail}`,
        at,
      });
    });
  } catch (err) {
    if (isUniqueViolation(err)) return taken('another user');
    throw err;
  }
  return {
    ok: true,
    user: { ...user, workEmail: address, teamsAadObjectId: request.teamsObjectId },
    previousEmail: user.workEmail,
  };
}

/** Whether another tenant has a CRM user with this address, or names its domain as one of theirs. */
async function otherOrganisationHas(db: Db, tenantId: string, address: string): Promise<boolean> {
  const user = await db
    .selectFrom('crm_users')
    .select('id')
    .where('work_email', '=', address)
    .where('tenant_id', '!=', tenantId)
    .executeTakeFirst();
  if (user) return true;
  const domain = address.slice(address.lastIndexOf('@') + 1);
  const tenants = await db.selectFrom('tenants').select(['id', 'domains']).execute();
  const claims = (t: { domains: JsonText<string[]> }) =>
    fromJsonText(t.domains).some((d) => d.toLowerCase() === domain);
  // A domain both organisations list (a shared parent's) is not another's alone.
  return (
    tenants.some((t) => t.id !== tenantId && claims(t)) &&
    !tenants.some((t) => t.id === tenantId && claims(t))
  );
}
