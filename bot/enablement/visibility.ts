import type { Kysely } from 'kysely';
import { revokeStopsSync } from './core/state-machine.js';
import type { Actor, EnablementState } from './core/states.js';
import { nowIso } from '../store/columns.js';
import type { Database } from '../store/schema.js';
import {
  accountOfUser,
  crmUserByEmail,
  crmUserById,
  ensureAccount,
  setVisibility,
  type CrmUser,
} from '../crm/crm-directory.js';
import type { EnablementService } from './enablement-service.js';
import { recordAudit } from '../store/audit-log.js';
import type { VisibilityRequests } from './visibility-requests.js';

/**
 * CRM administrators grant or revoke a user's Cloud Sync visibility (chat command or the Grant button of
 * a visibility request). The CRM flag and an audit entry change first; then the user's account takes the
 * matching enablement step, which tells the user. A grant also answers the user's open request.
 */

export type VisibilityTarget = { email: string } | { crmUserId: string };

export type VisibilityChange =
  | { ok: true; user: CrmUser; message: string }
  | { ok: false; message: string }
  /** Revoking would stop the user's sync: nothing changed until the administrator confirms. */
  | { ok: false; confirm: { user: CrmUser; state: EnablementState }; message: string };

export async function changeVisibility(
  deps: {
    db: Kysely<Database>;
    service: EnablementService;
    visibilityRequests: Pick<VisibilityRequests, 'grantedElsewhere'>;
  },
  admin: CrmUser,
  target: VisibilityTarget,
  grant: boolean,
  options: { confirmed?: boolean } = {},
): Promise<VisibilityChange> {
  if (!admin.isAdmin)
    return { ok: false, message: 'Only a CRM administrator can change who sees Cloud Sync.' };
  const user =
    'email' in target
      ? await crmUserByEmail(deps.db, admin.tenantId, target.email)
      : await crmUserById(deps.db, target.crmUserId);
  if (!user || user.tenantId !== admin.tenantId) {
    return { ok: false, message: `There is no TriSys user with that work e-mail in your organisation.` };
  }
  // The user's open request is answered by this grant, on every card it was posted as.
  if (grant) await deps.visibilityRequests.grantedElsewhere(user.id, admin);
  if (user.visible === grant) {
    return {
      ok: false,
      message: `${user.displayName} ${grant ? 'already has' : 'does not have'} Cloud Sync visibility.`,
    };
  }
  const existing = await accountOfUser(deps.db, user);
  if (!grant && existing && revokeStopsSync(existing.state) && !options.confirmed) {
    return {
      ok: false,
      confirm: { user, state: existing.state },
      message: `${user.displayName}'s sync is on: revoking Cloud Sync stops it. Confirm on the card to go ahead.`,
    };
  }
  // The account is made (in the state the old flag implies) before the flag flips, so the step below
  // is a real transition with its audit entry and its notice to the user.
  const account = existing ?? (await ensureAccount(deps.db, user));
  const stopsSync = !grant && revokeStopsSync(account.state);
  const at = nowIso();
  await setVisibility(deps.db, user.id, grant);
  await recordAudit(deps.db, {
    tenant_id: admin.tenantId,
    actor: admin.id,
    action: grant ? 'visibility_granted' : 'visibility_revoked',
    subject: user.id,
    reason: `${grant ? 'granted' : 'revoked'} by ${admin.workEmail}`,
    at,
  });
  const actor: Actor = {
    kind: 'person',
    aadObjectId: admin.teamsAadObjectId ?? admin.id,
    crmAdmin: true,
    itAdmin: false,
  };
  const shouldStep = grant ? account.state === 'not_visible' : account.state !== 'not_visible';
  if (shouldStep) {
    await deps.service.apply(
      account.id,
      { type: grant ? 'visibility_granted' : 'visibility_revoked' },
      actor,
      {
        auditActor: admin.id,
      },
    );
  }
  return {
    ok: true,
    user: { ...user, visible: grant },
    message: grant
      ? `${user.displayName} can now switch on Cloud Sync; they have been told in Teams.`
      : stopsSync
        ? `${user.displayName} no longer sees Cloud Sync: their sync has been stopped and they have been told in Teams.`
        : `${user.displayName} no longer sees Cloud Sync; they have been told in Teams.`,
  };
}
