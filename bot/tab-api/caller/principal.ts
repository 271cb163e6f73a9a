import type { Store } from '../../store/store.js';
import { isItAdmin, type ItAdminRef } from '../../access/it-admin.js';
import { ApiHttpError } from '../http-errors.js';
import { TokenRejectedError, type TokenValidator } from './token-validator.js';

/** Who is calling, as established from the token alone (never from the URL or the body). */
export interface Principal {
  tenantId: string;
  tenantName: string;
  objectId: string;
  email: string;
  crmUser: { id: string; displayName: string; workEmail: string; isAdmin: boolean } | null;
  crmAdmin: boolean;
  itAdmin: boolean;
}

export interface PrincipalDeps {
  store: Store;
  validator: TokenValidator;
  /** IT administrators named in configuration (IT_ADMINS), each for one tenant. */
  itAdmins: readonly ItAdminRef[];
}

const BEARER = /^Bearer ([A-Za-z0-9\-_.]+)$/;

export async function resolvePrincipal(
  authorization: string | undefined,
  deps: PrincipalDeps,
): Promise<Principal> {
  const match = authorization ? BEARER.exec(authorization) : null;
  if (!match?.[1]) {
    throw new ApiHttpError(
      401,
      'unauthenticated',
      'Sign in first: this API needs a Microsoft 365 access token in the Authorization header.',
      undefined,
      { 'WWW-Authenticate': 'Bearer' },
    );
  }
  let caller;
  try {
    caller = await deps.validator.validate(match[1]);
  } catch (err) {
    if (!(err instanceof TokenRejectedError)) throw err;
    throw new ApiHttpError(
      401,
      'invalid_token',
      `Your sign-in was not accepted: ${err.message}. Sign in again.`,
      undefined,
      {
        'WWW-Authenticate': 'Bearer error="invalid_token"',
      },
    );
  }

  const db = deps.store.db;
  const tenant = await db
    .selectFrom('tenants')
    .select(['id', 'name'])
    .where('id', '=', caller.tenantId)
    .executeTakeFirst();
  if (!tenant) throw new ApiHttpError(401, 'invalid_token', 'Your organisation does not use Cloud Sync.');

  // Matched by the Microsoft 365 address against the CRM work e-mail, or by the directory object id
  // the bot already bound to a CRM user; never by display name. A CRM row bound to a different object
  // id is someone else's, even if the address matches.
  const candidates = await db
    .selectFrom('crm_users')
    .select(['id', 'display_name', 'work_email', 'is_admin', 'teams_user_aad_id'])
    .where('tenant_id', '=', tenant.id)
    .where((eb) =>
      eb.or([eb('work_email', '=', caller.username), eb('teams_user_aad_id', '=', caller.objectId)]),
    )
    .execute();
  const row =
    candidates.find((c) => c.teams_user_aad_id === caller.objectId) ??
    candidates.find((c) => c.work_email === caller.username && c.teams_user_aad_id === null);
  const crmUser = row
    ? { id: row.id, displayName: row.display_name, workEmail: row.work_email, isAdmin: row.is_admin === 1 }
    : null;

  return {
    tenantId: tenant.id,
    tenantName: tenant.name,
    objectId: caller.objectId,
    email: caller.username,
    crmUser,
    crmAdmin: crmUser?.isAdmin ?? false,
    itAdmin: isItAdmin(
      {
        tenantId: tenant.id,
        objectId: caller.objectId,
        crmAdmin: crmUser?.isAdmin ?? false,
        directoryRoles: caller.directoryRoles,
      },
      deps.itAdmins,
    ),
  };
}

/** Sees every user of the principal's own tenant: CRM administrators and the configured IT admins. */
export function isTenantViewer(p: Principal): boolean {
  return p.crmAdmin || p.itAdmin;
}
