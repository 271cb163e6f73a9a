import type { Kysely } from 'kysely';
import { buildRevokeConfirmationCard, buildUserListCard } from '../cards/admin-cards.js';
import { signCardRef } from '../cards/card-refs.js';
import type { AdaptiveCardJson } from '../cards/expand.js';
import type { NoticeTone } from '../cards/user-cards.js';
import { listTenantUsers, type CrmUser } from '../crm/crm-directory.js';
import type { EnablementService } from '../enablement/enablement-service.js';
import { changeVisibility, type VisibilityTarget } from '../enablement/visibility.js';
import type { VisibilityRequests } from '../enablement/visibility-requests.js';
import type { Database } from '../store/schema.js';

/**
 * A CRM administrator's `list users` card and what its buttons (and `grant` / `revoke`) answer: the list
 * again with what changed on top, or first the confirmation when revoking would stop someone's sync.
 */

export interface UserAdminDeps {
  db: Kysely<Database>;
  service: EnablementService;
  /** A grant also answers the user's open request, on every card it was posted as. */
  visibilityRequests: Pick<VisibilityRequests, 'grantedElsewhere'>;
  cardKey: Buffer;
  now?: () => Date;
}

const userRef = (deps: UserAdminDeps, user: { id: string }, tenantId: string) =>
  signCardRef(
    { kind: 'crm_user', id: user.id, tenantId },
    { key: deps.cardKey, now: deps.now?.() ?? new Date() },
  );

export async function userListCard(
  deps: UserAdminDeps,
  admin: CrmUser,
  notice?: { text: string; tone?: NoticeTone },
): Promise<AdaptiveCardJson> {
  const users = await listTenantUsers(deps.db, admin.tenantId);
  return buildUserListCard({
    users: await Promise.all(users.map(async (u) => ({ ...u, ref: await userRef(deps, u, admin.tenantId) }))),
    notice: notice?.text,
    noticeTone: notice?.tone,
  });
}

/**
 * Grants or revokes; a revoke that would stop the user's sync is only asked about until `confirmed`.
 * `card` is set when the answer is a card (the confirmation); `message` always says what happened.
 */
export async function changeUserVisibility(
  deps: UserAdminDeps,
  admin: CrmUser,
  target: VisibilityTarget,
  grant: boolean,
  confirmed = false,
): Promise<{ done: boolean; message: string; confirmation?: AdaptiveCardJson }> {
  const result = await changeVisibility(deps, admin, target, grant, { confirmed });
  if (result.ok) return { done: true, message: result.message };
  if (!('confirm' in result)) return { done: false, message: result.message };
  const { user, state } = result.confirm;
  return {
    done: false,
    message: result.message,
    confirmation: buildRevokeConfirmationCard({
      ref: await userRef(deps, user, admin.tenantId),
      userName: user.displayName,
      userEmail: user.workEmail,
      state,
    }),
  };
}
